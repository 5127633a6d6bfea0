"""Keystone v3 password (tested everywhere else), application credential, token and v2.0."""

from __future__ import annotations

import pytest

from novamagic.client import NotFound, Timeout, connect
from tests.client.conftest import local_connect


def test_application_credential(local):
    with local_connect(local) as cloud:
        me = cloud.whoami()
        created = cloud.raw(
            "POST",
            f"{local.auth_url}/v3/users/{me['user_id']}/application_credentials",
            {"application_credential": {"name": "notebook", "secret": "app-secret-1"}},
        )["application_credential"]
    with connect(
        auth_url=local.auth_url,
        application_credential_id=created["id"],
        application_credential_secret="app-secret-1",
    ) as cloud:
        assert cloud.config.auth_type == "v3applicationcredential"
        assert cloud.whoami()["project_name"] == "openstack"
        assert cloud.flavors()


def test_token(local):
    with local_connect(local) as cloud:
        token = cloud._http.ks.get_token()
    with connect(
        auth_url=local.auth_url,
        token=token,
        project_name="openstack",
        project_domain_name="Default",
    ) as cloud:
        assert cloud.config.auth_type == "token"
        assert cloud.whoami()["username"] == "joe"
        assert "token" not in repr(cloud).lower() and token not in repr(cloud.config)


def test_keystone_v2_0(local):
    with connect(
        auth_url=local.url + "/identity/v2.0",
        identity_api_version="2",
        username="joe",
        password="shhh",
        project_name="openstack",
    ) as cloud:
        assert cloud.config.auth_type == "v2password"
        me = cloud.whoami()
        assert (me["username"], me["project_name"]) == ("joe", "openstack")
        assert cloud.microversion == "2.96"
        assert cloud.servers() == []


def test_every_call_has_a_timeout(local):
    with local_connect(local, api_timeout=0.2, retries=0) as cloud:
        cloud.control.inject_fault(r"/limits$", latency=1.0, count=1)
        with pytest.raises(Timeout) as info:
            cloud.limits()
        assert "no answer within 0.2 s" in str(info.value) and "api_timeout" in info.value.hint


def test_a_delete_whose_answer_was_lost_is_retried_and_counts_as_done(cloud, local, boot):
    server = boot("drop-delete", wait=False)
    cloud.control.inject_fault(r"/servers/[0-9a-f-]+$", method="DELETE", drop="after", count=1)
    cloud.delete_server(server["id"])
    deletes = [(h["attempt"], h["status"]) for h in cloud.history if h["method"] == "DELETE"]
    assert deletes[0] == (1, None) and deletes[-1][0] == 2
    local.clock.advance(60)
    with pytest.raises(NotFound):
        cloud.server(server["id"])


def test_raw_reaches_any_url_with_the_session(cloud, lc):
    assert "version" in cloud.raw("GET", "/")
    assert cloud.raw("GET", "/flavors")["flavors"]
    if lc is not None:
        assert cloud.raw("GET", lc.url + "/_localcloud/status")["status"] == "ok"


def test_control_is_refused_where_there_is_none(cloud, local):
    from novamagic.client import LocalControl

    elsewhere = LocalControl(cloud._http, local.url + "/compute")  # no control API under here
    with pytest.raises(NotFound, match="not a novamagic local cloud"):
        elsewhere.status()
    assert cloud.control.status()["status"] == "ok"


def test_a_login_with_a_domain_asks_keystone_v3_without_discovering(local):
    from tests.client.conftest import local_connect

    # a discovery GET of the auth URL would now fail; keystoneauth alone would stop there
    with local_connect(local, retries=0) as admin:
        admin.control.inject_fault(r"^/identity/?$", method="GET", status=500)
    with local_connect(local) as cloud:
        assert cloud.flavors()
        assert type(cloud.config.auth).__name__ == "V3FirstPassword"
    with local_connect(local, retries=0) as admin:
        admin.control.clear_faults()


def test_a_keystone_without_v3_at_the_guessed_url_is_discovered(local):
    from tests.client.conftest import local_connect

    # the guess (AUTH_URL/v3/auth/tokens) is not found once: the login discovers and succeeds
    with local_connect(local, retries=0) as admin:
        admin.control.inject_fault(
            r"^/identity/v3/auth/tokens$", method="POST", status=404, count=1
        )
    with local_connect(local) as cloud:
        assert cloud.flavors()
    with local_connect(local, retries=0) as admin:
        assert not [f for f in admin.control.faults() if "auth/tokens" in f["path"]]  # used up


@pytest.mark.parametrize("regions", ["RegionOne", ["RegionOne", "RegionTwo"]])
def test_catalog_lookups_read_plainly_agree_with_keystoneauth(localcloud_factory, regions):
    lc = localcloud_factory(regions=regions)
    with local_connect(lc) as cloud:
        http = cloud._http
        asked = 0
        for service in ("compute", "image", "network", "volumev3", "block-storage", "identity"):
            for interface in ("public", "internal", "admin", "publicURL"):
                for region in (None, "RegionOne", "RegionTwo"):
                    plain = http._one_catalog_url(service, interface, region)
                    if plain is None:
                        continue  # keystoneauth answers these itself
                    asked += 1
                    assert plain == http.ks.get_endpoint(
                        service_type=service, interface=interface, region_name=region
                    )
        assert asked  # the plain reading answered the common lookups
        one_region = isinstance(regions, str)
        assert (http._one_catalog_url("compute", "public", None) is not None) == one_region
        assert http.endpoint("compute", region_name="RegionOne") == cloud.compute_url
