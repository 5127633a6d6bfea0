"""Keystone: discovery, v3 tokens (password, token, application credential), v2.0 forms, expiry."""

from __future__ import annotations

import time

import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from novamagic.localcloud.clock import parse_time
from tests.localcloud.conftest import Api, issue_token


def v3_body(methods, identity, scope=None):
    auth = {"identity": {"methods": methods, **identity}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}


def keystone_error(response, status):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == status and error["title"] and error["message"]
    return error["message"]


def test_discovery_at_root_and_identity_lists_v3_first(localcloud):
    for prefix in ("", "/identity"):
        response = requests.get(localcloud.url + prefix + "/", timeout=5)
        assert response.status_code == 300
        values = response.json()["versions"]["values"]
        assert [v["id"] for v in values] == ["v3.14", "v2.0"]
        assert values[0]["links"][0]["href"] == f"{localcloud.url}{prefix}/v3/"
    version = requests.get(localcloud.auth_url + "/v3", timeout=5).json()["version"]
    assert version["status"] == "stable"
    assert requests.get(localcloud.url + "/v2.0", timeout=5).json()["version"]["id"] == "v2.0"


def test_v3_password_token_has_catalog_pointing_back(localcloud):
    response = issue_token(localcloud)
    assert response.status_code == 201
    assert response.headers["X-Subject-Token"]
    token = response.json()["token"]
    assert token["user"]["name"] == "joe" and token["project"]["name"] == "openstack"
    assert token["methods"] == ["password"]
    # Reported on the real clock (keystoneauth checks expiry against its own), one hour apart.
    issued, expires = parse_time(token["issued_at"]), parse_time(token["expires_at"])
    assert expires - issued == 3600 and abs(issued - time.time()) < 60
    assert {r["name"] for r in token["roles"]} == {"member", "reader"}
    catalog = {entry["type"]: entry for entry in token["catalog"]}
    assert set(catalog) == {"compute", "image", "identity", "network", "block-storage", "volumev3"}
    for kind, path in (
        ("compute", "/compute/v2.1"),
        ("image", "/image"),
        ("identity", "/identity"),
        ("network", "/networking"),
        ("block-storage", "/volume/v3"),
        ("volumev3", "/volume/v3"),
    ):
        endpoints = catalog[kind]["endpoints"]
        assert {e["interface"] for e in endpoints} == {"public", "internal", "admin"}
        assert {e["url"] for e in endpoints} == {localcloud.url + path}
        assert {e["region"] for e in endpoints} == {"RegionOne"}


def test_v3_by_user_id_project_id_and_unscoped_default_project(localcloud):
    first = issue_token(localcloud).json()["token"]
    body = v3_body(
        ["password"],
        {"password": {"user": {"id": first["user"]["id"], "password": "shhh"}}},
        {"project": {"id": first["project"]["id"]}},
    )
    response = requests.post(localcloud.auth_url + "/v3/auth/tokens", json=body, timeout=5)
    assert response.status_code == 201
    unscoped = v3_body(
        ["password"],
        {"password": {"user": {"name": "joe", "domain": {"id": "default"}, "password": "shhh"}}},
    )
    response = requests.post(localcloud.url + "/v3/auth/tokens", json=unscoped, timeout=5)
    assert response.status_code == 201
    assert response.json()["token"]["project"]["name"] == "openstack"


def test_v3_bad_credentials_and_foreign_project_are_401(localcloud):
    assert "requires authentication" in keystone_error(
        issue_token(localcloud, password="wrong"), 401
    )
    keystone_error(issue_token(localcloud, user="nobody"), 401)
    keystone_error(issue_token(localcloud, project="admin"), 401)
    other_domain = v3_body(
        ["password"],
        {"password": {"user": {"name": "joe", "domain": {"name": "Other"}, "password": "shhh"}}},
    )
    keystone_error(
        requests.post(localcloud.auth_url + "/v3/auth/tokens", json=other_domain, timeout=5), 401
    )
    # The admin may scope to any project.
    assert issue_token(localcloud, "admin", "admin", "openstack").status_code == 201


def test_v3_malformed_bodies_are_400(localcloud):
    url = localcloud.auth_url + "/v3/auth/tokens"
    keystone_error(requests.post(url, data="{not json", timeout=5), 400)
    assert "auth" in keystone_error(requests.post(url, json={"nope": 1}, timeout=5), 400)
    keystone_error(requests.post(url, json={"auth": {"identity": {"methods": []}}}, timeout=5), 400)
    keystone_error(requests.post(url, json=v3_body(["password"], {}), timeout=5), 400)


_PASSWORD = {"user": {"name": "joe", "domain": {"id": "default"}, "password": "shhh"}}
#: (route, body, the field the 400 must name): type confusions anywhere in an identity body.
TYPE_CONFUSIONS = [
    ("/v2.0/tokens", {"auth": "x"}, "auth"),
    ("/v2.0/tokens", {"auth": {"tenantName": ["a"], "passwordCredentials": {}}}, "tenantName"),
    ("/v2.0/tokens", {"auth": {"tenantId": {}, "token": {"id": "t"}}}, "tenantId"),
    ("/v2.0/tokens", {"auth": {"token": {"id": [1]}}}, "auth/token/id"),
    ("/v2.0/tokens", {"auth": {"token": "t"}}, "auth/token"),
    ("/v2.0/tokens", {"auth": {"passwordCredentials": {"userId": [], "password": "x"}}}, "userId"),
    ("/v2.0/tokens", {"passwordCredentials": {"username": 1, "password": "x"}}, "username"),
    ("/v2.0/tokens", {"passwordCredentials": "joe"}, "passwordCredentials"),
    (
        "/v2.0/tokens",
        {"passwordCredentials": {"username": "joe", "password": "shhh"}, "tenantName": 7},
        "tenantName",
    ),
    ("/v2.0/tokens", ["auth"], "request body"),
    ("/v3/auth/tokens", v3_body(["token"], {"token": {"id": [1]}}), "identity/token/id"),
    (
        "/v3/auth/tokens",
        v3_body(["password"], {"password": _PASSWORD}, {"project": {"id": []}}),
        "scope/project/id",
    ),
    (
        "/v3/auth/tokens",
        v3_body(["password"], {"password": _PASSWORD}, {"project": {"name": {"n": 1}}}),
        "scope/project/name",
    ),
    (
        "/v3/auth/tokens",
        v3_body(
            ["password"],
            {"password": _PASSWORD},
            {"project": {"name": "openstack", "domain": {"id": 5}}},
        ),
        "scope/project/domain/id",
    ),
    ("/v3/auth/tokens", v3_body(["password"], {"password": _PASSWORD}, 12), "auth/scope"),
    (
        "/v3/auth/tokens",
        v3_body(["password"], {"password": {"user": {"id": [1], "password": "x"}}}),
        "password/user/id",
    ),
    (
        "/v3/auth/tokens",
        v3_body(["password"], {"password": {"user": {"name": "joe", "password": 123}}}),
        "password/user/password",
    ),
    ("/v3/auth/tokens", v3_body(["password"], {"password": {"user": "joe"}}), "password/user"),
    ("/v3/auth/tokens", v3_body([["password"]], {"password": _PASSWORD}), "methods/0"),
    ("/v3/auth/tokens", v3_body("password", {"password": _PASSWORD}), "identity/methods"),
    ("/v3/auth/tokens", {"auth": {"identity": "password"}}, "auth/identity"),
    ("/v3/auth/tokens", {"auth": []}, "auth"),
    (
        "/v3/auth/tokens",
        v3_body(
            ["application_credential"], {"application_credential": {"id": {"x": 1}, "secret": "s"}}
        ),
        "application_credential/id",
    ),
    (
        "/v3/auth/tokens",
        v3_body(
            ["application_credential"],
            {"application_credential": {"name": "ci", "secret": "s", "user": {"name": ["joe"]}}},
        ),
        "user/name",
    ),
    (
        "/v3/auth/tokens",
        v3_body(
            ["application_credential"],
            {"application_credential": {"name": "ci", "secret": "s", "user": "joe"}},
        ),
        "application_credential/user",
    ),
    (
        "/v3/auth/tokens",
        v3_body(["application_credential"], {"application_credential": {"id": "x", "secret": 1}}),
        "application_credential/secret",
    ),
    ("APPCRED", {"application_credential": {"name": ["ci"]}}, "application_credential/name"),
    ("APPCRED", {"application_credential": {"name": "ci", "secret": 5}}, "secret"),
    ("APPCRED", {"application_credential": {"name": "ci", "expires_at": 5}}, "expires_at"),
    ("APPCRED", {"application_credential": {"name": "ci", "description": []}}, "description"),
    ("APPCRED", {"application_credential": {"name": "ci", "roles": "admin"}}, "roles"),
    ("APPCRED", {"application_credential": {"name": "ci", "unrestricted": "yes"}}, "unrestricted"),
    ("APPCRED", {"application_credential": {"name": "ci", "owner": "ann"}}, "'owner'"),
    ("APPCRED", {"application_credential": "ci"}, "application_credential"),
]


@pytest.mark.parametrize(("route", "body", "field"), TYPE_CONFUSIONS)
def test_identity_bodies_are_validated_field_by_field(localcloud, route, body, field):
    """Never a 500: a wrong type anywhere is a 400 that names the field and what it must be."""
    headers = {}
    if route == "APPCRED":
        token = issue_token(localcloud)
        headers["X-Auth-Token"] = token.headers["X-Subject-Token"]
        user_id = token.json()["token"]["user"]["id"]
        route = f"/v3/users/{user_id}/application_credentials"
    for root in (localcloud.auth_url, localcloud.url):
        response = requests.post(root + route, json=body, headers=headers, timeout=5)
        message = keystone_error(response, 400)
        assert field in message, message
        assert "not of type" in message or "required" in message or "allowed" in message
        assert "\n" not in message
    assert localcloud.state.app_credentials == {}


def test_validate_and_revoke_token(localcloud):
    token = issue_token(localcloud).headers["X-Subject-Token"]
    other = issue_token(localcloud).headers["X-Subject-Token"]
    url = localcloud.auth_url + "/v3/auth/tokens"
    response = requests.get(
        url, headers={"X-Auth-Token": token, "X-Subject-Token": other}, timeout=5
    )
    assert response.status_code == 200 and response.json()["token"]["user"]["name"] == "joe"
    assert (
        requests.head(
            url, headers={"X-Auth-Token": token, "X-Subject-Token": other}, timeout=5
        ).status_code
        == 200
    )
    nocat = requests.get(
        url + "?nocatalog", headers={"X-Auth-Token": token, "X-Subject-Token": other}, timeout=5
    )
    assert "catalog" not in nocat.json()["token"]
    keystone_error(
        requests.get(url, headers={"X-Auth-Token": token, "X-Subject-Token": "bogus"}, timeout=5),
        404,
    )
    assert (
        requests.delete(
            url, headers={"X-Auth-Token": token, "X-Subject-Token": other}, timeout=5
        ).status_code
        == 204
    )
    response = requests.get(
        localcloud.compute_url + "/flavors", headers={"X-Auth-Token": other}, timeout=5
    )
    assert response.status_code == 401


def test_another_users_token_can_be_validated_and_revoked_only_by_its_user_or_an_admin(
    localcloud,
):
    """Keystone's admin_or_token_subject: holding someone's token id is not leave to check it."""
    localcloud.add_user("ann", "ann-pw", project="other")
    joe = issue_token(localcloud).headers["X-Subject-Token"]
    ann = issue_token(localcloud, "ann", "ann-pw", "other").headers["X-Subject-Token"]
    admin = issue_token(localcloud, "admin", "admin", "admin").headers["X-Subject-Token"]
    url = localcloud.auth_url + "/v3/auth/tokens"
    for root in (localcloud.auth_url, localcloud.url):
        foreign = {"X-Auth-Token": joe, "X-Subject-Token": ann}
        for method in ("GET", "DELETE"):
            response = requests.request(
                method, root + "/v3/auth/tokens", headers=foreign, timeout=5
            )
            message = keystone_error(response, 403)
            assert "not authorized" in message and "_token" in message
            assert "ann" not in response.text
        assert (
            requests.head(root + "/v3/auth/tokens", headers=foreign, timeout=5).status_code == 403
        )
    # ann's token is untouched and works; the admin may check and revoke it
    assert (
        requests.get(
            localcloud.compute_url + "/flavors", headers={"X-Auth-Token": ann}, timeout=5
        ).status_code
        == 200
    )
    as_admin = {"X-Auth-Token": admin, "X-Subject-Token": ann}
    response = requests.get(url, headers=as_admin, timeout=5)
    assert response.status_code == 200 and response.json()["token"]["user"]["name"] == "ann"
    assert requests.delete(url, headers=as_admin, timeout=5).status_code == 204
    keystone_error(
        requests.get(url, headers={"X-Auth-Token": joe, "X-Subject-Token": ann}, timeout=5), 404
    )


def test_token_method_rescopes_and_keeps_expiry(localcloud):
    first = issue_token(localcloud)
    token = first.headers["X-Subject-Token"]
    localcloud.tick(600)
    body = v3_body(
        ["token"],
        {"token": {"id": token}},
        {"project": {"name": "openstack", "domain": {"name": "Default"}}},
    )
    response = requests.post(localcloud.auth_url + "/v3/auth/tokens", json=body, timeout=5)
    assert response.status_code == 201
    # Same expiry: 3000 cloud seconds remained, reported from the real clock now.
    remaining = parse_time(response.json()["token"]["expires_at"]) - time.time()
    assert 2900 < remaining <= 3000
    assert "token" in response.json()["token"]["methods"]


def test_application_credentials(localcloud):
    first = issue_token(localcloud)
    token, user_id = first.headers["X-Subject-Token"], first.json()["token"]["user"]["id"]
    url = f"{localcloud.auth_url}/v3/users/{user_id}/application_credentials"
    response = requests.post(
        url,
        json={"application_credential": {"name": "ci"}},
        headers={"X-Auth-Token": token},
        timeout=5,
    )
    assert response.status_code == 201
    cred = response.json()["application_credential"]
    assert cred["secret"] and cred["project_id"] == first.json()["token"]["project"]["id"]
    listed = requests.get(url, headers={"X-Auth-Token": token}, timeout=5).json()[
        "application_credentials"
    ]
    assert [c["name"] for c in listed] == ["ci"] and "secret" not in listed[0]
    duplicate = requests.post(
        url,
        json={"application_credential": {"name": "ci"}},
        headers={"X-Auth-Token": token},
        timeout=5,
    )
    keystone_error(duplicate, 409)
    for identity in (
        {"id": cred["id"], "secret": cred["secret"]},
        {
            "name": "ci",
            "user": {"name": "joe", "domain": {"name": "Default"}},
            "secret": cred["secret"],
        },
    ):
        body = v3_body(["application_credential"], {"application_credential": identity})
        response = requests.post(localcloud.auth_url + "/v3/auth/tokens", json=body, timeout=5)
        assert response.status_code == 201, response.text
        assert response.json()["token"]["application_credential"]["id"] == cred["id"]
        api_token = response.headers["X-Subject-Token"]
        assert (
            requests.get(
                localcloud.compute_url + "/servers", headers={"X-Auth-Token": api_token}, timeout=5
            ).status_code
            == 200
        )
    wrong = v3_body(
        ["application_credential"], {"application_credential": {"id": cred["id"], "secret": "nope"}}
    )
    keystone_error(
        requests.post(localcloud.auth_url + "/v3/auth/tokens", json=wrong, timeout=5), 401
    )
    admin = issue_token(localcloud, "admin", "admin", "admin").headers["X-Subject-Token"]
    foreign = requests.post(
        url,
        json={"application_credential": {"name": "x"}},
        headers={"X-Auth-Token": admin},
        timeout=5,
    )
    keystone_error(foreign, 403)


def test_tokens_expire_after_the_configured_ttl(localcloud_factory):
    cloud = localcloud_factory(token_ttl=60)
    api = Api(cloud)
    assert api.get("/servers").status_code == 200
    cloud.tick(59)
    assert api.get("/servers").status_code == 200
    cloud.tick(1)
    response = api.get("/servers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_a_sped_up_cloud_reports_the_expiry_it_enforces(localcloud_factory):
    # At speed 2000 an hour-long token lasts 1.8 real seconds: the expires_at a client reads
    # is the real instant the cloud starts refusing it (at --speed 10: 6 minutes, not an hour).
    from novamagic.localcloud.clock import ScaledClock

    cloud = localcloud_factory(clock=ScaledClock(speed=2000), token_ttl=3600)
    response = issue_token(cloud)
    body = response.json()["token"]
    lifetime = parse_time(body["expires_at"]) - parse_time(body["issued_at"])
    assert lifetime == pytest.approx(1.8, abs=0.01)
    headers = {"X-Auth-Token": response.headers["X-Subject-Token"]}
    servers = cloud.compute_url + "/servers"
    assert requests.get(servers, headers=headers, timeout=5).status_code == 200
    time.sleep(max(0.0, parse_time(body["expires_at"]) - time.time()) + 0.05)
    assert requests.get(servers, headers=headers, timeout=5).status_code == 401


def test_missing_and_bogus_tokens_are_401_everywhere(localcloud):
    for url in (
        localcloud.compute_url + "/servers",
        localcloud.url + "/image/v2/images",
        localcloud.url + "/_localcloud/status",
    ):
        for headers in ({}, {"X-Auth-Token": "bogus"}):
            response = requests.get(url, headers=headers, timeout=5)
            keystone_error(response, 401)


def test_v2_standard_form_answers_access(localcloud):
    for tenant in ({"tenantName": "openstack"}, {}):
        body = {"auth": {"passwordCredentials": {"username": "joe", "password": "shhh"}, **tenant}}
        response = requests.post(localcloud.auth_url + "/v2.0/tokens", json=body, timeout=5)
        assert response.status_code == 200
        access = response.json()["access"]
        assert access["token"]["tenant"]["name"] == "openstack"
        assert access["user"]["name"] == "joe"
        compute = next(s for s in access["serviceCatalog"] if s["type"] == "compute")
        assert compute["endpoints"][0]["publicURL"] == localcloud.url + "/compute/v2.1"
    token = response.json()["access"]["token"]["id"]
    by_id = {"auth": {"token": {"id": token}, "tenantId": access["token"]["tenant"]["id"]}}
    assert requests.post(localcloud.url + "/v2.0/tokens", json=by_id, timeout=5).status_code == 200
    tenants = requests.get(
        localcloud.url + "/v2.0/tenants", headers={"X-Auth-Token": token}, timeout=5
    )
    assert [t["name"] for t in tenants.json()["tenants"]] == ["openstack"]
    bad = {"auth": {"passwordCredentials": {"username": "joe", "password": "x"}}}
    keystone_error(requests.post(localcloud.url + "/v2.0/tokens", json=bad, timeout=5), 401)


def test_the_books_token_form(localcloud):
    body = {"passwordCredentials": {"username": "joe", "password": "shhh"}}
    for url in (localcloud.url + "/v2.0/tokens", localcloud.auth_url + "/v2.0/tokens"):
        response = requests.post(
            url, json=body, headers={"Content-type": "application/json"}, timeout=5
        )
        assert response.status_code == 200
        auth = response.json()["auth"]
        assert auth["token"]["expires"] == "2012-03-21T01:00:00"
        assert set(auth["serviceCatalog"]) == {"nova", "glance", "identity"}
        nova = auth["serviceCatalog"]["nova"][0]
        assert nova["publicURL"] == f"{localcloud.url}/v1.1/openstack"
        assert nova["region"] == "RegionOne" and nova["adminURL"] and nova["internalURL"]
    # The token works on the modern API too.
    token = auth["token"]["id"]
    assert (
        requests.get(
            localcloud.compute_url + "/flavors", headers={"X-Auth-Token": token}, timeout=5
        ).status_code
        == 200
    )
    keystone_error(
        requests.post(
            localcloud.url + "/v2.0/tokens",
            json={"passwordCredentials": {"username": "joe", "password": "no"}},
            timeout=5,
        ),
        401,
    )


def test_keystoneauth_authenticates_once_for_many_calls(localcloud):
    tokens_issued = []
    handle = localcloud.app.handle

    def counting(request, request_id, face):
        if request.method == "POST" and request.path.endswith("/auth/tokens"):
            tokens_issued.append(request.path)
        return handle(request, request_id, face)

    localcloud.app.handle = counting
    auth = v3.Password(
        auth_url=localcloud.auth_url,
        username="joe",
        password="shhh",
        project_name="openstack",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    session = ks_session.Session(auth=auth)
    for _ in range(3):
        assert (
            session.get("/servers", endpoint_filter={"service_type": "compute"}).status_code == 200
        )
    assert len(tokens_issued) == 1
    # Past the lifetime on the cloud's clock: 401, keystoneauth re-authenticates once and goes on.
    localcloud.tick(3600)
    assert session.get("/servers", endpoint_filter={"service_type": "compute"}).status_code == 200
    assert len(tokens_issued) == 2


def test_auth_catalog_and_projects(localcloud):
    token = issue_token(localcloud).headers["X-Subject-Token"]
    headers = {"X-Auth-Token": token}
    catalog = requests.get(
        localcloud.auth_url + "/v3/auth/catalog", headers=headers, timeout=5
    ).json()["catalog"]
    assert {entry["type"] for entry in catalog} == {
        "compute",
        "image",
        "identity",
        "network",
        "block-storage",
        "volumev3",
    }
    projects = requests.get(
        localcloud.auth_url + "/v3/auth/projects", headers=headers, timeout=5
    ).json()["projects"]
    assert [p["name"] for p in projects] == ["openstack"]
    keystone_error(requests.get(localcloud.auth_url + "/v3/auth/catalog", timeout=5), 401)
