"""Servers over HTTP: create, list, show, update, delete, pagination, filters, ips, metadata, tags,
isolation and every listed bad input."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest

from tests.localcloud.conftest import Api, fault


def test_create_answers_202_with_location_and_admin_pass(api, localcloud):
    response = api.post("/servers", {"server": {"name": "web", "imageRef": "3", "flavorRef": "1"}})
    assert response.status_code == 202
    server = response.json()["server"]
    assert set(server) == {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    assert response.headers["Location"] == server["links"][0]["href"]
    assert (
        server["links"][0]["href"]
        == f"{localcloud.url}/compute/v2.1/{api.project_id}/servers/{server['id']}"
    )
    assert (
        server["links"][1]["href"]
        == f"{localcloud.url}/compute/{api.project_id}/servers/{server['id']}"
    )
    assert response.headers["x-compute-request-id"].startswith("req-")
    assert response.headers["x-openstack-request-id"] == response.headers["x-compute-request-id"]


def test_refs_as_ids_urls_and_numbers(api, localcloud):
    images = api.get("/images").json()["images"]
    server_image = next(i for i in images if i["name"] == "ubuntu-11.04-server")
    image_url = server_image["links"][0]["href"]
    flavor_url = api.get("/flavors/2").json()["flavor"]["links"][0]["href"]
    sid = api.boot("by-url", image=image_url, flavor=flavor_url)
    server = api.server(sid)
    assert server["image"]["id"] == server_image["id"] and server["flavor"]["id"] == "2"
    sid = api.boot("by-id", image=server_image["id"], flavor=2)
    assert api.server(sid)["flavor"]["id"] == "2"


def test_show_detail_fields_at_2_1(api, localcloud):
    assert api.post("/os-keypairs", {"keypair": {"name": "mykey"}}).status_code == 200
    sid = api.boot(
        "web",
        metadata={"role": "web"},
        accessIPv4="192.0.2.10",
        accessIPv6="2001:db8::5",
        key_name="mykey",
    )
    server = api.server(sid)
    assert server["status"] == "BUILD" and server["progress"] == 0
    assert (
        server["OS-EXT-STS:vm_state"] == "building"
        and server["OS-EXT-STS:task_state"] == "scheduling"
    )
    assert server["addresses"] == {}
    localcloud.tick(20)
    server = api.server(sid)
    assert server["status"] == "ACTIVE" and server["progress"] == 100
    assert server["OS-EXT-STS:power_state"] == 1 and server["OS-EXT-STS:task_state"] is None
    assert server["metadata"] == {"role": "web"}
    assert server["accessIPv4"] == "192.0.2.10" and server["accessIPv6"] == "2001:db8::5"
    assert server["key_name"] == "mykey" and server["tenant_id"] == api.project_id
    assert (
        server["created"] == "2012-03-21T00:00:00Z" and server["updated"] == "2012-03-21T00:00:20Z"
    )
    assert server["OS-SRV-USG:launched_at"] == "2012-03-21T00:00:20.000000"
    assert len(server["hostId"]) == 56
    addresses = server["addresses"]
    assert [a["addr"] for a in addresses["private"]] == ["10.0.0.3", "fd8e:1f01:a11c::10"]
    assert [a["addr"] for a in addresses["public"]] == ["172.24.4.10", "2001:db8::10"]
    assert {a["version"] for a in addresses["public"]} == {4, 6}
    for key in ("locked", "description", "tags", "OS-EXT-SRV-ATTR:host"):
        assert key not in server  # later microversions / admin only


def test_ips_and_ips_by_network(api, localcloud):
    sid = api.boot()
    localcloud.tick(20)
    ips = api.get(f"/servers/{sid}/ips").json()["addresses"]
    assert ips["private"] == [
        {"version": 4, "addr": "10.0.0.3"},
        {"version": 6, "addr": "fd8e:1f01:a11c::10"},
    ]
    assert api.get(f"/servers/{sid}/ips/public").json() == {
        "public": [{"version": 4, "addr": "172.24.4.10"}, {"version": 6, "addr": "2001:db8::10"}]
    }
    fault(api.get(f"/servers/{sid}/ips/nonet"), 404)


def test_addresses_never_collide_and_are_sequential(localcloud, api):
    localcloud.populate_servers(50, project="admin")
    sid = api.boot()
    localcloud.tick(20)
    api.delete(f"/servers/{sid}")
    localcloud.tick(5)
    api.boot("after-delete")
    localcloud.tick(20)
    servers = (
        Api(localcloud, "admin", "admin", "admin")
        .get("/servers/detail?all_tenants=1")
        .json()["servers"]
    )
    seen = [a["addr"] for s in servers for entries in s["addresses"].values() for a in entries]
    assert len(seen) == len(set(seen)) == 51 * 4
    assert (
        servers[0]["addresses"]["private"][0]["addr"] == "10.0.0.54"
    )  # slot 51: freed slot 50 waits


def test_list_is_newest_first_and_summary_shape(api, localcloud):
    first = api.boot("one")
    localcloud.tick(1)
    second = api.boot("two")
    servers = api.get("/servers").json()["servers"]
    assert [s["id"] for s in servers] == [second, first]
    assert set(servers[0]) == {"id", "name", "links"}
    assert "servers_links" not in api.get("/servers").json()


def test_pagination_with_absolute_next_links_and_empty_last_page(api, localcloud):
    localcloud.populate_servers(7)
    expected = [s["id"] for s in api.get("/servers/detail").json()["servers"]]
    assert len(expected) == 7
    seen, url, pages = [], "/servers/detail?limit=3&name=server", 0
    while url:
        body = api.get(url).json()
        pages += 1
        seen += [s["id"] for s in body["servers"]]
        links = body.get("servers_links", [])
        url = links[0]["href"] if links else None
        if url:
            assert url.startswith(localcloud.compute_url + "/servers/detail?")
            assert parse_qs(urlparse(url).query)["name"] == ["server"]
    assert seen == expected and pages == 3
    # A full last page still links on; the page after it is empty with no link.
    last = api.get("/servers?limit=7").json()
    assert len(last["servers"]) == 7
    after = api.get(last["servers_links"][0]["href"]).json()
    assert after == {"servers": []}


def test_pagination_bad_input(api):
    assert "not found" in fault(api.get("/servers?marker=nope"), 400)
    assert "integer" in fault(api.get("/servers?limit=x"), 400)
    assert "positive" in fault(api.get("/servers?limit=-1"), 400)


def test_list_filters(api, localcloud):
    a = api.boot("web-1", flavor="1")
    b = api.boot("web-2", flavor="2")
    c = api.boot("db-1", image="4", flavor="1")
    localcloud.tick(20)
    api.action(c, {"os-stop": None})
    localcloud.tick(5)
    ids = lambda q: {s["id"] for s in api.get("/servers" + q).json()["servers"]}  # noqa: E731
    assert ids("?name=web") == {a, b}
    assert ids("?name=^web-[2-9]$") == {b}
    assert ids("?name=nomatch") == set()
    assert ids("?status=SHUTOFF") == {c}
    assert ids("?status=active") == {a, b}
    assert ids("?flavor=1") == {a, c}
    image_id = api.server(c)["image"]["id"]
    assert ids(f"?image={image_id}") == {c}
    assert ids("?status=BOGUS") == set()  # before 2.38 an unknown status matches nothing
    assert "Invalid status" in fault(api.get("/servers?status=BOGUS", version="2.38"), 400)
    assert "regular expression" in fault(api.get("/servers?name=(unclosed"), 400)


def test_changes_since_includes_recent_deletions(api, localcloud):
    old = api.boot("old")
    localcloud.tick(100)
    fresh = api.boot("fresh")
    gone = api.boot("gone")
    localcloud.tick(20)
    api.delete(f"/servers/{gone}")
    localcloud.tick(5)
    body = api.get("/servers/detail?changes-since=2012-03-21T00:01:00Z").json()["servers"]
    by_id = {s["id"]: s["status"] for s in body}
    assert by_id == {fresh: "ACTIVE", gone: "DELETED"}
    assert old not in by_id
    fault(api.get("/servers?changes-since=yesterday"), 400)
    body = api.get("/servers?changes-before=2012-03-21T00:00:50Z", version="2.66").json()["servers"]
    assert [s["id"] for s in body] == [old]


def test_update_name_and_access_ips(api, localcloud):
    sid = api.boot("before")
    response = api.put(
        f"/servers/{sid}", {"server": {"name": "after", "accessIPv4": "198.51.100.7"}}
    )
    assert response.status_code == 200
    assert response.json()["server"]["name"] == "after"
    assert api.server(sid)["accessIPv4"] == "198.51.100.7"
    assert "IPv4" in fault(api.put(f"/servers/{sid}", {"server": {"accessIPv4": "300.1.1.1"}}), 400)
    assert "IPv6" in fault(api.put(f"/servers/{sid}", {"server": {"accessIPv6": "192.0.2.1"}}), 400)
    fault(api.put(f"/servers/{sid}", {"server": {"name": ""}}), 400)
    fault(api.put(f"/servers/{sid}", {"server": {"flavorRef": "2"}}), 400)
    fault(api.put(f"/servers/{sid}", {"nope": {}}), 400)
    full = api.put(f"/servers/{sid}", {"server": {"description": "d"}}, version="2.75").json()[
        "server"
    ]
    assert full["description"] == "d" and "OS-EXT-STS:vm_state" in full
    trimmed = api.put(f"/servers/{sid}", {"server": {"name": "x"}}, version="2.74").json()["server"]
    assert "OS-EXT-STS:vm_state" not in trimmed


def test_delete_takes_five_cloud_seconds_then_404(api, localcloud):
    sid = api.boot()
    localcloud.tick(20)
    assert api.delete(f"/servers/{sid}").status_code == 204
    server = api.server(sid)
    assert server["OS-EXT-STS:task_state"] == "deleting"
    localcloud.tick(5)
    assert "could not be found" in fault(api.get(f"/servers/{sid}"), 404)
    fault(api.delete(f"/servers/{sid}"), 404)
    assert api.get("/servers").json()["servers"] == []


@pytest.mark.parametrize(
    "spec, status, words",
    [
        ({"imageRef": "3", "flavorRef": "1"}, 400, "name"),
        ({"name": "x", "flavorRef": "1"}, 400, "imageRef"),
        ({"name": "x", "imageRef": "3"}, 400, "flavorRef"),
        ({"name": "   ", "imageRef": "3", "flavorRef": "1"}, 400, "blank"),
        ({"name": "x" * 256, "imageRef": "3", "flavorRef": "1"}, 400, "255"),
        ({"name": "x", "imageRef": "no-such-image", "flavorRef": "1"}, 400, "image"),
        ({"name": "x", "imageRef": "3", "flavorRef": "99"}, 400, "flavorRef"),
        ({"name": "x", "imageRef": "5", "flavorRef": "1"}, 400, "too small"),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "accessIPv4": "1.2.3"}, 400, "IPv4"),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "accessIPv6": "::zz"}, 400, "IPv6"),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "metadata": {"a": 1}}, 400, "metadata"),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "metadata": "a"}, 400, "metadata"),
        (
            {
                "name": "x",
                "imageRef": "3",
                "flavorRef": "1",
                "metadata": {str(i): "v" for i in range(6)},
            },
            403,
            "Quota exceeded for metadata_items",
        ),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "min_count": 0}, 400, "min_count"),
        (
            {"name": "x", "imageRef": "3", "flavorRef": "1", "min_count": 3, "max_count": 2},
            400,
            "max_count",
        ),
        (
            {"name": "x", "imageRef": "3", "flavorRef": "1", "bogus": 1},
            400,
            "'bogus' was unexpected",
        ),
        (
            {"name": "x", "imageRef": "3", "flavorRef": "1", "tags": ["a"]},
            400,
            "'tags' was unexpected",
        ),
        ({"name": "x", "imageRef": "3", "flavorRef": "1", "networks": "auto"}, 400, "2.37"),
    ],
)
def test_create_rejects_bad_input(api, spec, status, words):
    message = fault(api.post("/servers", {"server": spec}), status)
    assert words in message


def _personality(count=1, size=10, path="/etc/motd"):
    return [
        {"path": f"{path}{i}", "contents": base64.b64encode(b"x" * size).decode()}
        for i in range(count)
    ]


def test_personality_limits(api, localcloud):
    base = {"name": "p", "imageRef": "3", "flavorRef": "1"}
    assert (
        api.post(
            "/servers", {"server": {**base, "personality": _personality(5, 10240)}}
        ).status_code
        == 202
    )
    assert "file limit" in fault(
        api.post("/servers", {"server": {**base, "personality": _personality(6)}}), 403
    )
    assert "content" in fault(
        api.post("/servers", {"server": {**base, "personality": _personality(1, 10241)}}), 403
    )
    assert "path" in fault(
        api.post(
            "/servers", {"server": {**base, "personality": _personality(1, 1, "/" + "p" * 300)}}
        ),
        403,
    )
    bad = [{"path": "/x", "contents": "not base64!"}]
    assert "base64" in fault(api.post("/servers", {"server": {**base, "personality": bad}}), 400)
    at_257 = {**base, "personality": _personality(1), "networks": "auto"}
    assert "'personality' was unexpected" in fault(
        api.post("/servers", {"server": at_257}, version="2.57"), 400
    )


def test_microversion_gated_create_fields(api, localcloud):
    body = {
        "name": "t",
        "imageRef": "3",
        "flavorRef": "1",
        "networks": "auto",
        "tags": ["novamagic"],
        "description": "hello",
    }
    sid = api.post("/servers", {"server": body}, version="2.52").json()["server"]["id"]
    server = api.server(sid, version="2.52")
    assert server["tags"] == ["novamagic"] and server["description"] == "hello"
    assert "'networks' is a required property" in fault(
        api.post(
            "/servers", {"server": {"name": "n", "imageRef": "3", "flavorRef": "1"}}, version="2.37"
        ),
        400,
    )
    none_net = api.post(
        "/servers",
        {"server": {"name": "n", "imageRef": "3", "flavorRef": "1", "networks": "none"}},
        version="2.37",
    )
    localcloud.tick(20)
    assert api.server(none_net.json()["server"]["id"])["addresses"] == {}
    host = api.post(
        "/servers",
        {"server": {"name": "Web Server_1", "imageRef": "3", "flavorRef": "1", "networks": "auto"}},
        version="2.90",
    )
    assert (
        api.server(host.json()["server"]["id"], version="2.90")["OS-EXT-SRV-ATTR:hostname"]
        == "web-server-1"
    )


def test_min_max_count(api, localcloud):
    response = api.post(
        "/servers",
        {
            "server": {
                "name": "many",
                "imageRef": "3",
                "flavorRef": "1",
                "min_count": 2,
                "max_count": 3,
            }
        },
    )
    assert response.status_code == 202
    names = sorted(s["name"] for s in api.get("/servers").json()["servers"])
    assert names == ["many-1", "many-2", "many-3"]
    reservation = api.post(
        "/servers",
        {"server": {"name": "r", "imageRef": "3", "flavorRef": "1", "return_reservation_id": True}},
    )
    assert reservation.json()["reservation_id"].startswith("r-")
    # Quota allows 10 instances: 4 used, max_count 20 boots the 6 that fit, min_count 7 fails.
    assert "Quota exceeded for instances" in fault(
        api.post(
            "/servers", {"server": {"name": "q", "imageRef": "3", "flavorRef": "1", "min_count": 7}}
        ),
        403,
    )
    api.post(
        "/servers", {"server": {"name": "fill", "imageRef": "3", "flavorRef": "1", "max_count": 20}}
    )
    assert len(api.get("/servers").json()["servers"]) == 10


def test_malformed_json_and_unknown_paths_and_methods(api, localcloud):
    assert "Malformed" in fault(
        api.post("/servers", data="{oops", headers={"Content-Type": "application/json"}), 400
    )
    fault(api.post("/servers", data="", headers={"Content-Type": "application/json"}), 400)
    fault(api.post("/servers", json=["not", "an", "object"]), 400)
    fault(api.get("/nowhere"), 404)
    response = api.request("PATCH", "/servers")
    fault(response, 405)
    assert "GET" in response.headers["Allow"]


def test_request_body_over_the_cap_is_413(api):
    big = {"server": {"name": "x", "imageRef": "3", "flavorRef": "1", "user_data": "A" * 200_000}}
    assert "too large" in fault(api.post("/servers", big), 413)


def test_server_metadata_endpoints(api, localcloud):
    sid = api.boot(metadata={"a": "1"})
    localcloud.tick(20)
    path = f"/servers/{sid}/metadata"
    assert api.get(path).json() == {"metadata": {"a": "1"}}
    assert api.post(path, {"metadata": {"b": "2"}}).json() == {"metadata": {"a": "1", "b": "2"}}
    assert api.put(path, {"metadata": {"c": "3"}}).json() == {"metadata": {"c": "3"}}
    assert api.put(f"{path}/d", {"meta": {"d": "4"}}).json() == {"meta": {"d": "4"}}
    assert api.get(f"{path}/d").json() == {"meta": {"d": "4"}}
    assert api.delete(f"{path}/d").status_code == 204
    assert "not found" in fault(api.get(f"{path}/d"), 404)
    fault(api.delete(f"{path}/d"), 404)
    assert "mismatch" in fault(api.put(f"{path}/e", {"meta": {"f": "1"}}), 400)
    assert "too many" in fault(api.put(f"{path}/e", {"meta": {"e": "1", "f": "2"}}), 400)
    fault(api.put(path, {"metadata": "x"}), 400)
    five = {str(i): str(i) for i in range(5)}
    assert api.put(path, {"metadata": five}).status_code == 200
    assert "Quota exceeded" in fault(api.post(path, {"metadata": {"six": "6"}}), 403)
    assert "Quota exceeded" in fault(api.put(f"{path}/six", {"meta": {"six": "6"}}), 403)
    assert api.get(path).json()["metadata"] == five


def test_metadata_cannot_change_while_building(api):
    sid = api.boot()
    fault(api.post(f"/servers/{sid}/metadata", {"metadata": {"a": "b"}}), 409)


def test_tags_api(api, localcloud):
    sid = api.boot()
    v = "2.26"
    fault(api.get(f"/servers/{sid}/tags"), 404)  # no tags API before 2.26
    assert api.get(f"/servers/{sid}/tags", version=v).json() == {"tags": []}
    response = api.put(f"/servers/{sid}/tags/novamagic", version=v)
    assert response.status_code == 201 and response.headers["Location"].endswith("/tags/novamagic")
    assert api.put(f"/servers/{sid}/tags/novamagic", version=v).status_code == 204
    assert api.get(f"/servers/{sid}/tags/novamagic", version=v).status_code == 204
    fault(api.get(f"/servers/{sid}/tags/other", version=v), 404)
    assert api.put(f"/servers/{sid}/tags", {"tags": ["a", "b"]}, version=v).json() == {
        "tags": ["a", "b"]
    }
    assert api.delete(f"/servers/{sid}/tags/a", version=v).status_code == 204
    fault(api.delete(f"/servers/{sid}/tags/a", version=v), 404)
    assert api.server(sid, version=v)["tags"] == ["b"]
    assert api.delete(f"/servers/{sid}/tags", version=v).status_code == 204
    assert api.get(f"/servers/{sid}/tags", version=v).json() == {"tags": []}
    fault(api.put(f"/servers/{sid}/tags", {"tags": ["a/b"]}, version=v), 400)
    fault(api.put(f"/servers/{sid}/tags", {"tags": [str(i) for i in range(51)]}, version=v), 400)


def test_tag_filters(api, localcloud):
    v = "2.52"
    boot = lambda name, tags: api.post(  # noqa: E731
        "/servers",
        {
            "server": {
                "name": name,
                "imageRef": "3",
                "flavorRef": "1",
                "networks": "auto",
                "tags": tags,
            }
        },
        version=v,
    ).json()["server"]["id"]
    a, b, c = boot("a", ["novamagic", "web"]), boot("b", ["novamagic"]), boot("c", [])
    ids = lambda q: {s["id"] for s in api.get("/servers" + q, version=v).json()["servers"]}  # noqa: E731
    assert ids("?tags=novamagic") == {a, b}
    assert ids("?tags=novamagic,web") == {a}
    assert ids("?tags-any=web,zzz") == {a}
    assert ids("?not-tags=novamagic") == {c}
    assert ids("?not-tags-any=web") == {b, c}


def test_projects_are_isolated_and_admin_sees_all(localcloud_factory):
    cloud = localcloud_factory(
        users=[
            {"name": "alice", "password": "a", "project": "class-1"},
            {"name": "bob", "password": "b", "project": "class-2"},
            {"name": "teacher", "password": "t", "project": "staff", "roles": ["admin"]},
        ]
    )
    alice, bob, teacher = (
        Api(cloud, "alice", "a", "class-1"),
        Api(cloud, "bob", "b", "class-2"),
        Api(cloud, "teacher", "t", "staff"),
    )
    mine = alice.boot("alice-vm")
    theirs = bob.boot("bob-vm")
    assert [s["id"] for s in alice.get("/servers").json()["servers"]] == [mine]
    for method in ("get", "delete"):
        assert "could not be found" in fault(getattr(alice, method)(f"/servers/{theirs}"), 404)
    fault(alice.action(theirs, {"reboot": {"type": "HARD"}}), 404)
    fault(alice.get(f"/servers/{theirs}/metadata"), 404)
    assert "get_all_tenants" in fault(alice.get("/servers?all_tenants=1"), 403)
    everything = {s["id"] for s in teacher.get("/servers?all_tenants=1").json()["servers"]}
    assert everything == {mine, theirs}
    only_bob = teacher.get(f"/servers?all_tenants=1&project_id={bob.project_id}").json()["servers"]
    assert [s["id"] for s in only_bob] == [theirs]
    assert teacher.get("/servers").json()["servers"] == []
    assert teacher.server(theirs)["OS-EXT-SRV-ATTR:host"] is None  # admin fields, not launched yet
    # A project id in the URL must be the caller's.
    assert "doesn't match" in fault(
        alice.get("/servers", url=f"{cloud.url}/compute/v2.1/{bob.project_id}/servers"), 400
    )
    assert alice.get("", url=f"{cloud.url}/v2.1/{alice.project_id}/servers").status_code == 200


def test_same_seed_same_ids_addresses_and_times(localcloud_factory):
    results = []
    for _ in range(2):
        cloud = localcloud_factory(seed=7)
        api = Api(cloud)
        sid = api.boot("same")
        cloud.tick(20)
        server = api.server(sid)
        results.append((sid, server["addresses"], server["created"], server["image"]["id"]))
    assert results[0] == results[1]
    other = localcloud_factory(seed=8)
    assert Api(other).boot("same") != results[0][0]


def test_availability_zone(api):
    assert api.boot("az", availability_zone="nova")
    assert "availability zone is not available" in fault(
        api.post(
            "/servers",
            {
                "server": {
                    "name": "x",
                    "imageRef": "3",
                    "flavorRef": "1",
                    "availability_zone": "mars",
                }
            },
        ),
        400,
    )


def test_head_and_request_ids(api):
    first, second = api.get("/flavors"), api.request("HEAD", "/flavors")
    assert second.status_code == 200 and second.content == b""
    assert first.headers["x-openstack-request-id"] != second.headers["x-openstack-request-id"]
