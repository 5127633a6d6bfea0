"""Every collection a learner can grow has a bound, refused with a clear 4xx naming it; and a
deleted server's tombstone keeps only what its listing shows."""

from __future__ import annotations

import base64

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from novamagic.localcloud.injection import MAX_FAULT_RULES
from novamagic.localcloud.model.identity import (
    MAX_APP_CREDENTIALS_PER_USER,
    MAX_DESCRIPTION_LENGTH,
    MAX_TOKENS_PER_USER,
)
from novamagic.localcloud.model.images import MAX_IMAGES_PER_PROJECT
from novamagic.localcloud.model.keypairs import MAX_PUBLIC_KEY_LENGTH
from novamagic.localcloud.model.validation import MAX_USER_DATA
from tests.localcloud.conftest import fault, issue_token


def keystone_error(response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


def test_application_credentials_are_bounded_per_user_and_in_description(api, localcloud):
    token = issue_token(localcloud)
    user_id = token.json()["token"]["user"]["id"]
    url = f"{localcloud.auth_url}/v3/users/{user_id}/application_credentials"
    headers = {"X-Auth-Token": token.headers["X-Subject-Token"]}

    def create(name, description=None):
        body = {"application_credential": {"name": name, "description": description}}
        return requests.post(url, json=body, headers=headers, timeout=5)

    message = keystone_error(create("big", "x" * 110_000), 400)
    assert "description" in message and str(MAX_DESCRIPTION_LENGTH) in message
    assert create("fits", "x" * MAX_DESCRIPTION_LENGTH).status_code == 201
    for n in range(1, MAX_APP_CREDENTIALS_PER_USER):
        assert create(f"c{n}").status_code == 201
    message = keystone_error(create("one-too-many"), 403)
    assert f"maximum of {MAX_APP_CREDENTIALS_PER_USER}" in message
    assert len(localcloud.state.app_credentials) == MAX_APP_CREDENTIALS_PER_USER


def test_live_tokens_per_user_are_bounded_oldest_first(localcloud):
    first = issue_token(localcloud).headers["X-Subject-Token"]
    session = requests.Session()
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "joe", "domain": {"id": "default"}, "password": "shhh"}
                },
            }
        }
    }
    for _ in range(MAX_TOKENS_PER_USER + 10):
        latest = session.post(localcloud.auth_url + "/v3/auth/tokens", json=body, timeout=5)
        assert latest.status_code == 201
    joe = next(u for u in localcloud.state.users.values() if u.name == "joe")
    assert sum(t.user is joe for t in localcloud.state.tokens.values()) == MAX_TOKENS_PER_USER

    def flavors(token):
        return requests.get(
            localcloud.compute_url + "/flavors", headers={"X-Auth-Token": token}, timeout=5
        ).status_code

    assert flavors(first) == 401  # the oldest made room
    assert flavors(latest.headers["X-Subject-Token"]) == 200
    admin = issue_token(localcloud, "admin", "admin", "admin").headers["X-Subject-Token"]
    assert flavors(admin) == 200  # another user's tokens are not touched


def test_a_public_key_is_bounded_in_length(api):
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    huge = line.decode() + " " + "c" * MAX_PUBLIC_KEY_LENGTH  # a valid key, a giant comment
    message = fault(api.post("/os-keypairs", {"keypair": {"name": "k", "public_key": huge}}), 400)
    assert str(MAX_PUBLIC_KEY_LENGTH) in message
    assert api.get("/os-keypairs").json()["keypairs"] == []


def test_user_data_is_base64_of_at_most_65535_characters(api, localcloud):
    too_long = base64.b64encode(b"x" * 50_000).decode()  # 66,668 characters
    assert len(too_long) > MAX_USER_DATA
    message = fault(
        api.post(
            "/servers",
            {"server": {"name": "u", "imageRef": "3", "flavorRef": "1", "user_data": too_long}},
        ),
        400,
    )
    assert "user_data" in message and str(MAX_USER_DATA) in message
    fault(
        api.post(
            "/servers",
            {"server": {"name": "u", "imageRef": "3", "flavorRef": "1", "user_data": "@@no@@"}},
        ),
        400,
    )
    sid = api.boot("fine", user_data=base64.b64encode(b"#!/bin/sh\n").decode())
    localcloud.tick(20)
    rebuild = {"rebuild": {"imageRef": "3", "user_data": too_long}}
    assert "user_data" in fault(api.action(sid, rebuild, version="2.57"), 400)
    assert list(localcloud.state.servers) == [sid]


def test_snapshots_per_project_are_bounded(api, localcloud):
    sid = api.boot("snapper")
    localcloud.tick(20)
    owned = sum(1 for i in localcloud.state.images.values() if i.owner == api.project_id)
    for n in range(MAX_IMAGES_PER_PROJECT - owned):
        response = api.action(sid, {"createImage": {"name": f"snap-{n}"}})
        assert response.status_code == 202, response.text
        localcloud.tick(20)
    message = fault(api.action(sid, {"createImage": {"name": "one-too-many"}}), 403)
    assert str(MAX_IMAGES_PER_PROJECT) in message and "delete one" in message


def test_fault_rules_are_bounded(api, localcloud):
    url = f"{localcloud.url}/_localcloud/faults"
    for n in range(MAX_FAULT_RULES):
        rule = {"path": f"^/nowhere/{n}$", "status": 503}
        assert api.request("POST", "", url=url, json=rule).status_code == 201
    response = api.request("POST", "", url=url, json={"path": "^/x$", "status": 503})
    assert str(MAX_FAULT_RULES) in fault(response, 400)


def test_a_tombstone_keeps_only_what_a_deleted_servers_listing_shows(api, localcloud):
    user_data = base64.b64encode(b"u" * 40_000).decode()
    files = [{"path": "/etc/motd", "contents": base64.b64encode(b"m" * 10_000).decode()}]
    body = {
        "name": "ghost",
        "imageRef": "3",
        "flavorRef": "1",
        "user_data": user_data,
        "personality": files,
        "metadata": {"k": "v" * 255},
        "tags": ["t1"],
        "adminPass": "s3cret-pass",
        "networks": "auto",
    }
    response = api.post("/servers", {"server": body}, version="2.52")
    assert response.status_code == 202, response.text
    sid = response.json()["server"]["id"]
    localcloud.tick(20)
    since = api.server(sid)["created"]
    assert api.delete(f"/servers/{sid}").status_code == 204
    localcloud.tick(10)
    listed = api.get(f"/servers/detail?changes-since={since}").json()["servers"]
    (ghost,) = [s for s in listed if s["id"] == sid]
    assert ghost["name"] == "ghost" and ghost["status"] == "DELETED"
    assert ghost["tenant_id"] == api.project_id and ghost["updated"] and ghost["created"]
    tomb = localcloud.state.deleted_servers[sid]
    assert tomb.user_data is None and tomb.personality == [] and tomb.admin_pass == ""
    assert tomb.metadata == {} and tomb.tags == [] and tomb.operation is None
