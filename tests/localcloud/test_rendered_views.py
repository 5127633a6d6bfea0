"""The server views the local cloud keeps between listings (model/rendered.py) are never stale.

Every test runs twice: with the suite's check on (a kept view is rendered again and compared,
so a stale one is a 500) and with it off (what a user's cloud does: the kept text is served as
it is), and asserts that each change shows in the very next listing.
"""

from __future__ import annotations

import pytest
import requests

from novamagic.localcloud.compute.views.servers import ServerView
from novamagic.localcloud.model.rendered import MAX_VARIANTS, RenderedViews
from tests.localcloud.conftest import Api, issue_token

VERSION = "2.96"


@pytest.fixture(params=[True, False], ids=["checked", "served-as-kept"])
def check(request, monkeypatch):
    monkeypatch.setattr(RenderedViews, "check", request.param)
    return request.param


@pytest.fixture
def api(localcloud, check):
    return Api(localcloud, version=VERSION)


@pytest.fixture
def admin(localcloud, check):
    return Api(localcloud, "admin", "admin", "admin", version=VERSION)


def listing(api: Api, **params) -> dict[str, dict]:
    """Every server of the listing (pages followed), by id."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.get("/servers/detail" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()["servers"]}


def active_server(api: Api, cloud, name="vm", **extra) -> str:
    server_id = api.boot(name, networks="auto", **extra)
    cloud.tick(30)
    assert listing(api)[server_id]["status"] == "ACTIVE"
    return server_id


def test_a_listing_renders_once_and_a_change_renders_only_that_server(api, localcloud, monkeypatch):
    monkeypatch.setattr(RenderedViews, "check", False)  # count the renderings themselves
    first, second = active_server(api, localcloud, "a"), active_server(api, localcloud, "b")
    rendered = []
    real = ServerView._render
    monkeypatch.setattr(
        ServerView, "_render", lambda self, s, *a: rendered.append(s.id) or real(self, s, *a)
    )
    listing(api)
    assert rendered == []  # both kept from the listings above
    assert api.put(f"/servers/{first}", {"server": {"name": "renamed"}}).status_code == 200
    rendered.clear()  # the update's own answer is rendered apart
    servers = listing(api)
    assert rendered == [first] and servers[first]["name"] == "renamed"
    assert servers[second]["name"] == "b"


def test_the_servers_own_changes_show_in_the_next_listing(api, localcloud):
    server_id = active_server(api, localcloud)
    assert api.put(f"/servers/{server_id}", {"server": {"name": "new-name"}}).status_code == 200
    assert listing(api)[server_id]["name"] == "new-name"
    response = api.put(f"/servers/{server_id}/metadata", {"metadata": {"role": "web"}})
    assert response.status_code == 200
    assert listing(api)[server_id]["metadata"] == {"role": "web"}
    assert api.delete(f"/servers/{server_id}/metadata/role").status_code == 204
    assert listing(api)[server_id]["metadata"] == {}
    assert api.put(f"/servers/{server_id}/tags/blue").status_code == 201
    assert listing(api)[server_id]["tags"] == ["blue"]
    assert api.action(server_id, {"lock": None}).status_code == 202
    assert listing(api)[server_id]["locked"] is True
    assert api.action(server_id, {"unlock": None}).status_code == 202
    assert api.action(server_id, {"os-stop": None}).status_code == 202
    assert listing(api)[server_id]["OS-EXT-STS:task_state"] == "powering-off"


def test_the_clock_moves_a_build_and_a_deletion_into_the_next_listing(api, localcloud):
    server_id = api.boot("clocked", networks="auto")
    assert listing(api)[server_id]["status"] == "BUILD"
    localcloud.tick(5)
    building = listing(api)[server_id]
    assert building["status"] == "BUILD" and building["progress"] == 25
    localcloud.tick(20)
    active = listing(api)[server_id]
    assert active["status"] == "ACTIVE" and active["OS-EXT-STS:task_state"] is None
    assert active["OS-SRV-USG:launched_at"] is not None
    assert api.delete(f"/servers/{server_id}").status_code == 204
    assert listing(api)[server_id]["OS-EXT-STS:task_state"] == "deleting"
    localcloud.tick(5)
    assert server_id not in listing(api)
    changed = listing(api, **{"changes-since": "2000-01-01T00:00:00Z"})
    assert changed[server_id]["status"] == "DELETED"


def test_a_failed_build_shows_its_fault_to_each_as_nova_does(api, admin, localcloud):
    server_id = api.boot("doomed", networks="auto", metadata={"localcloud:fail": "build"})
    assert listing(api)[server_id]["status"] == "BUILD"
    localcloud.tick(30)
    mine = listing(api)[server_id]
    assert mine["status"] == "ERROR" and "details" not in mine["fault"]
    theirs = listing(admin, all_tenants=1)[server_id]
    assert theirs["fault"]["details"].startswith("Traceback")


def test_networking_changes_show_in_the_addresses_and_groups(api, localcloud):
    server_id = active_server(api, localcloud)
    net = localcloud.url + "/networking/v2.0"
    headers = {"X-Auth-Token": api.token}
    ports = requests.get(f"{net}/ports?device_id={server_id}", headers=headers, timeout=10)
    private = next(p for p in ports.json()["ports"] if p["fixed_ips"][0]["ip_address"][:3] == "10.")
    before = listing(api)[server_id]["addresses"]
    assert list(before) == ["private", "public"]

    created = requests.post(
        f"{net}/floatingips",
        json={
            "floatingip": {
                "floating_network_id": _public_id(net, headers),
                "port_id": private["id"],
            }
        },
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    floating = created.json()["floatingip"]["floating_ip_address"]
    entries = listing(api)[server_id]["addresses"]["private"]
    assert [e["addr"] for e in entries if e["OS-EXT-IPS:type"] == "floating"] == [floating]

    fip_id = created.json()["floatingip"]["id"]
    gone = requests.put(
        f"{net}/floatingips/{fip_id}", json={"floatingip": {"port_id": None}}, headers=headers,
        timeout=10,
    )  # fmt: skip
    assert gone.status_code == 200
    entries = listing(api)[server_id]["addresses"]["private"]
    assert all(e["OS-EXT-IPS:type"] == "fixed" for e in entries)

    renamed = requests.put(
        f"{net}/networks/{private['network_id']}", json={"network": {"name": "inside"}},
        headers=headers, timeout=10,
    )  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    assert list(listing(api)[server_id]["addresses"]) == ["inside", "public"]

    group = requests.post(
        f"{net}/security-groups", json={"security_group": {"name": "web"}}, headers=headers,
        timeout=10,
    ).json()["security_group"]  # fmt: skip
    assert api.action(server_id, {"addSecurityGroup": {"name": "web"}}).status_code == 202
    names = [g["name"] for g in listing(api)[server_id]["security_groups"]]
    assert names == ["default", "web"]
    requests.put(
        f"{net}/security-groups/{group['id']}", json={"security_group": {"name": "www"}},
        headers=headers, timeout=10,
    ).raise_for_status()  # fmt: skip
    names = [g["name"] for g in listing(api)[server_id]["security_groups"]]
    assert names == ["default", "www"]


def _public_id(net: str, headers: dict) -> str:
    networks = requests.get(f"{net}/networks", headers=headers, timeout=10).json()["networks"]
    return next(n["id"] for n in networks if n["router:external"])


def test_a_volume_attached_shows_in_the_next_listing(api, localcloud):
    server_id = active_server(api, localcloud)
    volume = requests.post(
        f"{localcloud.url}/volume/v3/{api.project_id}/volumes",
        json={"volume": {"size": 1}},
        headers={"X-Auth-Token": api.token},
        timeout=10,
    ).json()["volume"]
    localcloud.tick(15)
    attached = api.post(
        f"/servers/{server_id}/os-volume_attachments",
        {"volumeAttachment": {"volumeId": volume["id"]}},
    )
    assert attached.status_code == 200, attached.text
    shown = listing(api)[server_id]["os-extended-volumes:volumes_attached"]
    assert [v["id"] for v in shown] == [volume["id"]]


def test_catalogue_changes_show_through_the_flavor_and_image(admin, localcloud):
    server_id = active_server(admin, localcloud)
    flavor = listing(admin)[server_id]["flavor"]
    assert flavor["extra_specs"] == {}
    flavor_one = localcloud.state.flavors["1"]  # this cloud's own (seeded per cloud)
    flavor_one.extra_specs = {"hw:cpu_policy": "dedicated"}
    flavor = listing(admin)[server_id]["flavor"]
    assert flavor["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    image = localcloud.state.images[listing(admin)[server_id]["image"]["id"]]
    assert listing(admin)[server_id]["OS-EXT-SRV-ATTR:kernel_id"] != "aki-1"
    image.properties = {**image.properties, "kernel_id": "aki-1"}
    assert listing(admin)[server_id]["OS-EXT-SRV-ATTR:kernel_id"] == "aki-1"


def test_changes_made_in_the_model_directly_show_too(api, localcloud):
    server_id = active_server(api, localcloud)
    server = localcloud.state.servers[server_id]
    server.name = "poked"
    assert listing(api)[server_id]["name"] == "poked"
    server.tags.append("in-place")  # the containers change in place, not replaced
    assert listing(api)[server_id]["tags"] == ["in-place"]
    server.metadata["k"] = "v"
    assert listing(api)[server_id]["metadata"] == {"k": "v"}


def test_each_variant_has_its_own_views(localcloud, check):
    member = Api(localcloud, version="2.1")
    latest = Api(localcloud, version=VERSION)
    admin = Api(localcloud, "admin", "admin", "admin", version=VERSION)
    server_id = active_server(latest, localcloud)
    assert "locked" not in listing(member)[server_id]
    assert listing(latest)[server_id]["locked"] is False
    assert "OS-EXT-SRV-ATTR:host" not in listing(latest)[server_id]
    assert listing(admin, all_tenants=1)[server_id]["OS-EXT-SRV-ATTR:host"] == "localcloud-1"
    # The host the client named is in every link (the same server through another name)
    other = localcloud.compute_url.replace("127.0.0.1", "localhost")
    response = latest.get("/servers/detail", url=other + "/servers/detail")
    (shown,) = [s for s in response.json()["servers"] if s["id"] == server_id]
    assert shown["links"][0]["href"].startswith("http://localhost:")
    assert listing(latest)[server_id]["links"][0]["href"].startswith("http://127.0.0.1:")
    assert len(localcloud.state.rendered._variants) <= MAX_VARIANTS


def test_the_check_catches_a_change_that_forgot_to_drop_the_views(localcloud, monkeypatch):
    monkeypatch.setattr(RenderedViews, "check", True)
    api = Api(localcloud, version=VERSION)
    server_id = active_server(api, localcloud)
    listing(api)
    port_ids = localcloud.state.server_ports[server_id]
    network = localcloud.state.networks[localcloud.state.ports[port_ids[0]].network_id]
    network.name = "renamed-behind-its-back"  # no forget_views(): a bug the check must catch
    response = api.get("/servers/detail")
    assert response.status_code == 500
    localcloud.state.forget_views()
    assert list(listing(api)[server_id]["addresses"])[0] == "renamed-behind-its-back"


def test_a_reset_forgets_every_view(localcloud, check):
    api = Api(localcloud, version=VERSION)
    active_server(api, localcloud)
    assert len(localcloud.state.rendered) > 0
    localcloud.reset()
    assert len(localcloud.state.rendered) == 0
    assert issue_token(localcloud).status_code == 201
    assert listing(api) == {}
