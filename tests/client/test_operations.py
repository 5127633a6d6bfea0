"""Every operation of the book through the client, over real HTTP (local cloud or --os-cloud)."""

from __future__ import annotations

import pytest

from novamagic.client import Conflict, NotFound, ValidationError


def test_connect_negotiates_and_says_who(cloud, lc):
    me = cloud.whoami()
    assert me["api"] == "v2.1"
    assert cloud.microversion is not None
    if lc is not None:
        assert (me["username"], me["project_name"]) == ("joe", "openstack")
        # the cloud offers 2.104; the client speaks up to the newest shapes it reads (2.96)
        assert cloud.microversion == "2.96" and cloud.max_microversion == "2.104"
        assert me["compute_url"] == lc.url + "/compute/v2.1"
        assert me["image_url"] == lc.url + "/image"
    text = repr(cloud) + repr(cloud.config) + repr(me)
    assert "shhh" not in text and "token" not in text.lower().replace("session_tag", "")


def test_flavors_list_and_show(cloud, flavor_ref):
    flavors = cloud.flavors()
    assert flavors and {"id", "name", "ram", "vcpus", "disk"} <= set(flavors[0])
    flavor = cloud.flavor(flavor_ref)
    assert flavor["id"] in {f["id"] for f in flavors}
    assert cloud.flavor(flavor["id"]) == flavor
    assert cloud.flavor(flavor["name"])["id"] == flavor["id"]
    assert cloud.flavor({"id": flavor["id"]})["name"] == flavor["name"]
    assert cloud.flavor(f"{cloud.compute_url}/flavors/{flavor['id']}")["id"] == flavor["id"]


def test_images_list_and_show(cloud, image_ref):
    images = cloud.images()
    assert images
    for image in images:
        assert {
            "id",
            "name",
            "status",
            "progress",
            "minDisk",
            "minRam",
            "metadata",
            "OS-EXT-IMG-SIZE:size",
            "created",
            "updated",
        } <= set(image)
        assert image["status"] == image["status"].upper()
    image = cloud.image(image_ref)
    assert image["id"] in {i["id"] for i in images}
    assert cloud.image(image["name"])["id"] == image["id"]


def test_a_filtered_image_listing_keeps_the_other_image_names(cloud, boot, image_ref):
    server = boot("named")
    image = server["image"]
    assert image["name"]  # named from the cache a first listing filled
    others = [i for i in cloud.images() if i["id"] != image["id"]]
    assert cloud.images(name=others[0]["name"])  # a part of the catalogue...
    (again,) = [s for s in cloud.servers() if s["id"] == server["id"]]
    assert again["image"]["name"] == image["name"]  # ...that forgot no other name


def test_create_show_rename_access_ips_delete(cloud, boot, names, image_ref, flavor_ref, timeout):
    server = boot(
        "first",
        metadata={"Server Name": "Tornado"},
        access_ipv4="192.0.2.10",
        access_ipv6="2001:db8::10",
    )
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
    assert server["metadata"]["Server Name"] == "Tornado"
    assert (server["accessIPv4"], server["accessIPv6"]) == ("192.0.2.10", "2001:db8::10")
    flavor = cloud.flavor(flavor_ref)
    assert server["flavor"] == {key: flavor[key] for key in ("id", "name", "vcpus", "ram", "disk")}
    image = cloud.image(image_ref)
    assert server["image"] == {"id": image["id"], "name": image["name"]}
    assert "adminPass" not in server
    assert cloud.admin_password(server["id"])  # kept aside, given only when asked

    assert cloud.server(server["name"])["id"] == server["id"]
    assert cloud.server(server)["id"] == server["id"]
    assert cloud.server(f"{cloud.compute_url}/servers/{server['id']}")["id"] == server["id"]

    renamed = cloud.rename_server(server["id"], names("renamed"))
    assert renamed["name"] == names("renamed") and renamed["flavor"]["id"] == flavor["id"]
    moved = cloud.set_access_ips(renamed["name"], ipv4="198.51.100.7")
    assert moved["accessIPv4"] == "198.51.100.7" and moved["accessIPv6"] == "2001:db8::10"

    cloud.delete_server(names("renamed"), wait=True, timeout=timeout)
    with pytest.raises(NotFound):
        cloud.server(server["id"])


def test_create_with_files_and_count(cloud, local, names, image_ref, flavor_ref):
    files = {"/etc/motd": "Hello from the book\n", "/root/.ssh/authorized_keys": b"ssh-rsa AAAA"}
    # Nova boots only with an existing key pair: let the cloud generate one (below 2.92)
    cloud.raw("POST", "/os-keypairs", {"keypair": {"name": "default"}}, microversion="2.1")
    server = cloud.create_server(
        names("files"), image_ref, flavor_ref, files=files, key_name="default", wait=True
    )
    assert server["status"] == "ACTIVE" and server["key_name"] == "default"
    personality = [
        h for h in cloud.history if h["method"] == "POST" and h["path"].endswith("/servers")
    ]
    assert personality and personality[-1]["status"] == 202
    several = cloud.create_server(names("many"), image_ref, flavor_ref, count=3, wait=True)
    assert len(several) == 3 and {s["status"] for s in several} == {"ACTIVE"}
    assert all(cloud.session_tag in s["tags"] for s in several)


def test_list_with_filters_and_every_page(cloud, boot, names, flavor_ref):
    created = [boot(f"list-{i}", wait=False) for i in range(5)]
    ids = {s["id"] for s in created}
    listed = cloud.servers(name=names("list-"), page_size=2)
    assert {s["id"] for s in listed} == ids
    pages = [h for h in cloud.history if "/servers/detail" in h["path"] and "limit=2" in h["path"]]
    assert len(pages) >= 3  # five servers, two per page: every page was followed
    assert all(isinstance(s["flavor"], dict) and s["flavor"]["name"] for s in listed)
    brief = cloud.servers(details=False, name=names("list-"))
    assert {s["id"] for s in brief} == ids and "status" not in brief[0]
    assert len(cloud.servers(name=names("list-"), limit=3, page_size=2)) == 3
    assert {s["id"] for s in cloud.servers(name=names("list-"), flavor=flavor_ref)} == ids
    assert cloud.servers(name=names("list-"), status="SHUTOFF") == []
    assert {s["id"] for s in cloud.servers(tags=cloud.session_tag)} >= ids


def test_addresses(cloud, boot):
    server = boot("net")
    addresses = cloud.addresses(server["name"])

    def addrs(mapping):
        return {net: sorted(a["addr"] for a in entries) for net, entries in mapping.items()}

    assert addresses and addrs(addresses) == addrs(server["addresses"])
    network = sorted(addresses)[0]
    one = cloud.addresses(server["id"], network)
    assert one == {network: addresses[network]}


@pytest.mark.parametrize("kind", ["server", "image"])
def test_metadata_six_operations(cloud, boot, snapshots, timeout, kind):
    server = boot(f"meta-{kind}", metadata={"owner": "joe"})
    if kind == "server":
        api, ref = cloud.server_metadata, server["name"]
    else:
        image = cloud.create_image(
            server["id"], server["name"] + "-snap", metadata={"owner": "joe"}
        )
        snapshots.append(image["id"])
        cloud.wait(server["id"], timeout=timeout)  # the snapshot has finished uploading
        api, ref = cloud.image_metadata, image["id"]
    assert api.get(ref)["owner"] == "joe"
    assert api.get_item(ref, "owner") == "joe"
    assert api.set(ref, {"purpose": "demo", "Server Name": "Tornado"}) == {
        "purpose": "demo",
        "Server Name": "Tornado",
    }
    assert api.set_item(ref, "Server Name", "Hurricane") == {"Server Name": "Hurricane"}
    merged = api.update(ref, {"tier": "web"})
    assert merged == {"purpose": "demo", "Server Name": "Hurricane", "tier": "web"}
    api.delete_item(ref, "purpose")
    assert api.get(ref) == {"Server Name": "Hurricane", "tier": "web"}
    with pytest.raises(NotFound):
        api.get_item(ref, "purpose")


def test_metadata_limits_are_checked_before_sending(cloud, boot):
    server = boot("meta-limit")
    limit = cloud.limits()["absolute"]["maxServerMeta"]
    before = len(cloud.history)
    with pytest.raises(ValidationError, match="maxServerMeta"):
        cloud.server_metadata.set(server["id"], {f"k{i}": "v" for i in range(limit + 1)})
    assert len(cloud.history) == before  # nothing was sent
    cloud.server_metadata.set(server["id"], {f"k{i}": "v" for i in range(limit)})
    with pytest.raises(ValidationError, match=f"would have {limit + 1} items"):
        cloud.server_metadata.update(server["id"], {"one-more": "v"})
    assert not any(h["method"] in ("POST", "PUT") for h in cloud.history[before + 1 :])


def test_actions(cloud, boot, snapshots, flavor_ref, image_ref, timeout):
    server = boot("actions")
    sid = server["id"]
    cloud.change_password(sid, "n3w-Secret")
    cloud.reboot(sid)
    assert cloud.server(sid)["status"] == "REBOOT"
    cloud.wait(sid, timeout=timeout)
    cloud.reboot(sid, hard=True)
    assert cloud.server(sid)["status"] == "HARD_REBOOT"
    cloud.wait(sid, timeout=timeout)

    rebuilt = cloud.rebuild(sid, image_ref, name=server["name"], metadata={"rebuilt": "yes"})
    assert rebuilt["status"] == "REBUILD" and "adminPass" not in rebuilt
    assert cloud.wait(sid, timeout=timeout)["metadata"] == {"rebuilt": "yes"}

    cloud.stop_server(sid)
    assert cloud.wait(sid, "SHUTOFF", timeout=timeout)["status"] == "SHUTOFF"
    cloud.start_server(sid)
    cloud.wait(sid, timeout=timeout)

    image = cloud.create_image(sid, server["name"] + "-snapshot")
    snapshots.append(image["id"])
    assert image["name"] == server["name"] + "-snapshot"
    assert image["status"] in ("SAVING", "QUEUED", "ACTIVE")
    # ACTIVE while the upload runs, but busy: the wait is done only when the task clears
    done = cloud.wait(sid, timeout=timeout)
    assert done["OS-EXT-STS:task_state"] is None
    assert cloud.image(image["id"])["status"] == "ACTIVE"


def test_resize_confirm_and_revert(cloud, boot, flavor_ref, timeout):
    flavors = sorted(cloud.flavors(), key=lambda f: (f["ram"], f["vcpus"]))
    small = cloud.flavor(flavor_ref)
    bigger = next(f for f in flavors if f["ram"] > small["ram"])
    server = boot("resize")
    cloud.resize(server["id"], bigger["name"])
    resized = cloud.wait(server["id"], "VERIFY_RESIZE", timeout=timeout)
    assert resized["flavor"]["id"] == bigger["id"]
    cloud.confirm_resize(server["id"])
    confirmed = cloud.wait(server["id"], timeout=timeout)
    assert confirmed["flavor"]["name"] == bigger["name"]

    cloud.resize(server["id"], small["id"])
    cloud.wait(server["id"], "VERIFY_RESIZE", timeout=timeout)
    cloud.revert_resize(server["id"])
    reverted = cloud.wait(server["id"], timeout=timeout)
    assert reverted["flavor"]["id"] == bigger["id"]


def test_a_busy_server_answers_conflict(cloud, local, boot):
    server = boot("busy")
    cloud.reboot(server["id"], hard=True)
    with pytest.raises(Conflict) as info:
        cloud.resize(server["id"], "m1.small")
    assert info.value.status == 409 and "wait" in info.value.hint


def test_limits_with_usage(cloud, boot):
    before = cloud.limits()["absolute"]
    boot("limits", wait=False)
    after = cloud.limits()["absolute"]
    for key in (
        "maxServerMeta",
        "maxImageMeta",
        "maxPersonality",
        "maxPersonalitySize",
        "maxTotalInstances",
        "maxTotalCores",
        "maxTotalRAMSize",
    ):
        assert key in after
    assert after["totalInstancesUsed"] == before["totalInstancesUsed"] + 1


def test_reboot_type_and_ip_are_validated_locally(cloud, boot, names, image_ref, flavor_ref):
    server = boot("validate", wait=False)
    before = len(cloud.history)
    with pytest.raises(ValidationError, match="use SOFT or HARD"):
        cloud.reboot(server["id"], reboot_type="WARM")
    with pytest.raises(ValidationError, match="not an IPv4 address"):
        cloud.create_server(names("bad-ip"), image_ref, flavor_ref, access_ipv4="300.1.1.1")
    with pytest.raises(ValidationError, match="server name"):
        cloud.create_server("", image_ref, flavor_ref)
    limits = cloud.limits()["absolute"]
    if limits.get("maxPersonalitySize", -1) >= 0:
        too_big = {"/big": b"x" * (limits["maxPersonalitySize"] + 1)}
        with pytest.raises(ValidationError, match="maxPersonalitySize"):
            cloud.create_server(names("big-file"), image_ref, flavor_ref, files=too_big)
    if limits.get("maxPersonality", -1) >= 0:
        many = {f"/f{i}": "x" for i in range(limits["maxPersonality"] + 1)}
        with pytest.raises(ValidationError, match="maxPersonality"):
            cloud.create_server(names("many-files"), image_ref, flavor_ref, files=many)
    assert all(h["method"] == "GET" for h in cloud.history[before:])


def test_iter_servers_fetches_a_page_only_when_the_one_before_is_used_up(cloud, boot, names):
    created = {boot(f"stream-{i}", wait=False)["id"] for i in range(5)}

    def pages_asked():
        return sum(
            1 for h in cloud.history if "/servers/detail" in h["path"] and "limit=2" in h["path"]
        )

    before = pages_asked()
    stream = cloud.iter_servers(name=names("stream-"), page_size=2)
    assert pages_asked() == before  # nothing is sent until the first server is asked for
    first, second = next(stream), next(stream)
    assert pages_asked() == before + 1
    assert first["flavor"]["name"] and second["image"].keys() == {"id", "name"}  # normalised
    rest = list(stream)
    assert pages_asked() == before + 3  # 2 + 2 + 1: the last page says there is no next
    assert {s["id"] for s in (first, second, *rest)} == created
    assert [s["id"] for s in cloud.iter_servers(name=names("stream-"), limit=3, page_size=2)] == [
        s["id"] for s in cloud.servers(name=names("stream-"), limit=3, page_size=2)
    ]
