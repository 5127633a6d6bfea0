"""Helpers for the local cloud's tests: a tiny authenticated HTTP client over ``requests``."""

from __future__ import annotations

import pytest
import requests


def issue_token(
    cloud, user="joe", password="shhh", project="openstack", **options
) -> requests.Response:
    """A password token request (``options``: requests' own, such as ``verify``)."""
    return requests.post(
        f"{cloud.auth_url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"name": "Default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"name": "Default"}}},
            }
        },
        timeout=10,
        **options,
    )


class Api:
    """Compute calls as one user, at an optional microversion."""

    def __init__(self, cloud, user="joe", password="shhh", project="openstack", version=None):
        self.cloud = cloud
        response = issue_token(cloud, user, password, project)
        assert response.status_code == 201, response.text
        self.token = response.headers["X-Subject-Token"]
        self.project_id = response.json()["token"]["project"]["id"]
        self.version = version
        self.session = requests.Session()

    def request(self, method, path, json=None, version=None, headers=None, data=None, url=None):
        all_headers = {"X-Auth-Token": self.token}
        version = version or self.version
        if version:
            all_headers["OpenStack-API-Version"] = f"compute {version}"
        all_headers.update(headers or {})
        target = url or (path if path.startswith("http") else self.cloud.compute_url + path)
        return self.session.request(
            method, target, json=json, data=data, headers=all_headers, timeout=10
        )

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def boot(self, name="vm", image="3", flavor="1", expect=202, **extra) -> str:
        body = {"server": {"name": name, "imageRef": image, "flavorRef": flavor, **extra}}
        response = self.post("/servers", body)
        assert response.status_code == expect, response.text
        return response.json()["server"]["id"] if expect == 202 else None

    def server(self, server_id, **kw) -> dict:
        response = self.get(f"/servers/{server_id}", **kw)
        assert response.status_code == 200, response.text
        return response.json()["server"]

    def action(self, server_id, body, **kw):
        return self.post(f"/servers/{server_id}/action", body, **kw)


def fault(response, status: int) -> str:
    """Assert a Nova-shaped fault with ``status``; return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert len(body) == 1, body
    (inner,) = body.values()
    assert inner["code"] == status
    assert isinstance(inner["message"], str) and inner["message"]
    return inner["message"]


@pytest.fixture
def api(localcloud):
    return Api(localcloud)


@pytest.fixture
def admin_api(localcloud):
    return Api(localcloud, "admin", "admin", "admin")
