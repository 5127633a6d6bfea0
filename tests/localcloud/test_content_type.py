"""Content-Type on the compute roots: /v2.1 reads only JSON, as today's Nova; /v1.1 takes the book's forms."""

from __future__ import annotations

import json

import pytest
import requests

from tests.localcloud.conftest import fault

BOOT = {"server": {"name": "labelled", "imageRef": "3", "flavorRef": "1"}}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",  # what curl -d says
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/html",
        "application/jsonx",
    ],
)
@pytest.mark.parametrize("root", ["/compute/v2.1", "/v2.1"])
def test_v2_1_refuses_a_json_body_under_another_label(api, localcloud, root, content_type):
    response = api.post(
        "/servers",
        data=json.dumps(BOOT),
        headers={"Content-Type": content_type},
        url=f"{localcloud.url}{root}/servers",
    )
    assert fault(response, 415) == "Unsupported Content-Type"
    assert set(response.json()) == {"badMediaType"}
    assert response.headers["x-compute-request-id"].startswith("req-")
    assert api.get("/servers").json()["servers"] == []  # nothing was booted


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=UTF-8",
        "Application/JSON",
        "application/vnd.openstack.compute+json",
        "text/plain",  # some HTTP stacks' default label: Nova reads it as "none given"
    ],
)
def test_v2_1_reads_json_labels_and_the_default_ones(api, content_type):
    response = api.post("/servers", data=json.dumps(BOOT), headers={"Content-Type": content_type})
    assert response.status_code == 202, response.text


def test_v2_1_without_a_label_still_reads_json(api):
    # requests sends a str body with no Content-Type at all
    response = api.post("/servers", data=json.dumps(BOOT))
    assert "Content-Type" not in response.request.headers
    assert response.status_code == 202, response.text


def test_the_label_is_judged_on_every_method_as_nova_does(api):
    refused = api.get("/servers", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert fault(refused, 415) == "Unsupported Content-Type"
    server_id = api.boot("kept")
    action = api.post(
        f"/servers/{server_id}/action",
        data=json.dumps({"reboot": {"type": "SOFT"}}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    fault(action, 415)
    assert api.server(server_id)["status"] == "BUILD"  # the refused action did nothing


def test_a_missing_token_is_still_a_401_before_the_label_is_read(localcloud):
    response = requests.post(
        f"{localcloud.compute_url}/servers",
        data=json.dumps(BOOT),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 401


def test_the_books_v1_1_root_stays_lenient(api, localcloud):
    # the book's curl -d: JSON labelled as a form (13 of its commands)
    response = api.post(
        "/servers",
        data=json.dumps(BOOT),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        url=f"{localcloud.url}/v1.1/openstack/servers",
    )
    assert response.status_code == 202, response.text
    assert response.json()["server"]["id"] == 1
