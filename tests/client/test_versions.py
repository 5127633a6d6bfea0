"""Microversion negotiation and pinning, normalised shapes across versions, the book's /v1.1 root."""

from __future__ import annotations

import pytest

from novamagic.client import ConfigurationError
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect

STABLE = (
    "id",
    "name",
    "status",
    "flavor",
    "image",
    "addresses",
    "metadata",
    "accessIPv4",
    "accessIPv6",
    "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state",
    "created",
    "tenant_id",
)


def test_pinned_and_negotiated_versions_give_the_same_shape(local):
    with local_connect(local) as newest, local_connect(local, compute_api_version="2.1") as oldest:
        assert newest.microversion == "2.96" and oldest.microversion == "2.1"
        server = newest.create_server("shape", LOCAL_IMAGE, LOCAL_FLAVOR, wait=True)
        seen_new = newest.server(server["id"])
        seen_old = oldest.server(server["id"])
        # the wire shapes differ (2.47 embeds the flavor without its id) ...
        pinned = [h for h in oldest.history if h["path"].endswith(server["id"])]
        assert pinned
        raw_new = newest.raw("GET", f"/servers/{server['id']}")["server"]["flavor"]
        raw_old = oldest.raw("GET", f"/servers/{server['id']}")["server"]["flavor"]
        assert "original_name" in raw_new and "id" not in raw_new
        assert "id" in raw_old and "original_name" not in raw_old
        # ... the normalised ones do not
        for key in STABLE:
            assert seen_new[key] == seen_old[key], key
        assert seen_old["flavor"] == {
            "id": "1",
            "name": "m1.tiny",
            "vcpus": 1,
            "ram": 512,
            "disk": 1,
        }
        assert "tags" in seen_new and "tags" not in seen_old
        listed_old = oldest.servers()
        assert listed_old[0]["flavor"] == seen_new["flavor"]


def test_every_request_carries_the_pinned_microversion(local):
    seen = []
    with local_connect(local, compute_api_version="2.52") as cloud:
        original = cloud._http.ks.request

        def spy(url, method, **kwargs):
            seen.append((method, url, (kwargs.get("headers") or {}).get("OpenStack-API-Version")))
            return original(url, method, **kwargs)

        cloud._http.ks.request = spy
        cloud.servers()
        cloud.limits()  # read at 2.1, where every limit the book names is reported
        cloud.image_metadata.get(LOCAL_IMAGE)  # the image proxy is gone from 2.39: pinned 2.1
    versions = {
        url.split("/compute/v2.1", 1)[1].split("?")[0]: v
        for _, url, v in seen
        if "/compute/" in url
    }
    assert versions["/servers/detail"] == "compute 2.52"
    assert versions["/limits"] == "compute 2.1"
    assert any(path.endswith("/metadata") and v == "compute 2.1" for path, v in versions.items())


def test_a_pin_outside_the_cloud_range_is_refused(local):
    with pytest.raises(
        ConfigurationError, match="outside what this cloud offers \\(2.1 to 2.104\\)"
    ):
        local_connect(local, compute_api_version="2.105")
    with pytest.raises(ConfigurationError, match="is not a version"):
        local_connect(local, compute_api_version="two")


def test_files_step_down_to_2_56_where_personality_still_exists(local):
    with local_connect(local) as cloud:
        server = cloud.create_server(
            "files", LOCAL_IMAGE, LOCAL_FLAVOR, files={"/etc/motd": "hello"}
        )
        post = next(h for h in cloud.history if h["method"] == "POST")
        assert post["status"] == 202
        assert cloud.session_tag in cloud.server(server["id"])["tags"]  # tags still at 2.56


def test_a_pinned_microversion_is_never_left_for_files(local):
    from novamagic.client import ValidationError

    with local_connect(local, compute_api_version="2.60") as cloud:
        with pytest.raises(ValidationError, match="pinned to 2.60: pin 2.56 or lower") as info:
            cloud.create_server("files", LOCAL_IMAGE, LOCAL_FLAVOR, files={"/etc/motd": "hi"})
        assert "user_data" in str(info.value)
        server = cloud.create_server("plain", LOCAL_IMAGE, LOCAL_FLAVOR, wait=True)
        with pytest.raises(ValidationError, match="pinned to 2.60"):  # rebuild keeps it too
            cloud.rebuild(server["id"], LOCAL_IMAGE, files={"/etc/motd": "hi"})
        posts = [h["path"] for h in cloud.history if h["method"] == "POST"]
        assert posts == [posts[0]] and posts[0].endswith("/servers")  # only the plain boot
    with local_connect(local, compute_api_version="2.56") as cloud:  # a pin that has files
        cloud.create_server("files", LOCAL_IMAGE, LOCAL_FLAVOR, files={"/etc/motd": "hi"})
        post = next(h for h in cloud.history if h["method"] == "POST")
        assert post["status"] == 202 and cloud.microversion == "2.56"


def test_the_books_v1_1_root(local):
    with local_connect(local, compute_endpoint_override=local.url + "/v1.1/openstack") as book:
        assert book.api == "v1.1" and book.microversion is None
        server = book.create_server("tornado001", "1", "1", metadata={"Server Name": "Tornado"})
        assert server["id"] == "1" and server["uuid"]
        assert server["flavor"]["name"] == "m1.tiny"
        assert book.wait("1")["status"] == "ACTIVE"
        listed = book.servers()
        assert [s["id"] for s in listed] == ["1"]
        assert book.server("tornado001")["uuid"] == server["uuid"]
        assert book.server(1)["name"] == "tornado001"
        assert {f["id"] for f in book.flavors()} >= {"1", "2", "3", "4", "5"}
        assert book.addresses("1", "public")["public"]
        assert book.server_metadata.get_item("1", "Server Name") == "Tornado"
        assert book.server_metadata.set_item("1", "owner", "joe") == {"owner": "joe"}
        assert book.limits()["absolute"]
        # the same server on today's root, under its uuid
        with local_connect(local) as today:
            assert today.server(server["uuid"])["name"] == "tornado001"
        book.delete_server("1", wait=True)
        assert book.servers() == []


def test_caches_catch_up_with_new_images_and_forget_deleted_ones(local):
    with local_connect(local) as cloud, local_connect(local) as other:
        source = other.create_server("source", LOCAL_IMAGE, LOCAL_FLAVOR, wait=True)
        cloud.servers()  # caches loaded (an empty listing would not load them)
        assert any("/v2/images" in h["path"] for h in cloud.history)
        snapshot = other.create_image(source["id"], "fresh-snapshot")
        other.wait(source["id"])
        booted = other.create_server("from-snapshot", snapshot["id"], LOCAL_FLAVOR)
        local.clock.advance(61)  # the cache may refresh once a minute
        mine = {s["id"]: s for s in cloud.servers()}[booted["id"]]
        assert mine["image"] == {"id": snapshot["id"], "name": "fresh-snapshot"}
        other.delete_image(snapshot["id"])
        with local_connect(local) as newcomer:  # nothing names a deleted image any more
            assert newcomer.server(booted["id"])["image"] == {"id": snapshot["id"], "name": None}
            refreshes = [h for h in newcomer.history if "/v2/images" in h["path"]]
            newcomer.server(booted["id"])  # still unknown: no second refresh within the minute
            assert [h for h in newcomer.history if "/v2/images" in h["path"]] == refreshes


def test_images_through_the_compute_proxy_have_the_glance_shape(local):
    with local_connect(local) as glance, local_connect(local) as proxy:
        proxy.image_url = None  # as on a cloud whose catalog has no image service
        through_glance = {i["id"]: i for i in glance.images()}
        through_proxy = {i["id"]: i for i in proxy.images()}
        assert through_glance.keys() == through_proxy.keys()
        for image_id, image in through_proxy.items():
            for key in ("id", "name", "status", "minDisk", "minRam", "OS-EXT-IMG-SIZE:size"):
                assert image[key] == through_glance[image_id][key], key
        assert any("/compute/v2.1/images/detail" in h["path"] for h in proxy.history)
        assert proxy.image(LOCAL_IMAGE)["id"] == glance.image(LOCAL_IMAGE)["id"]
