"""Block storage through the client over real HTTP: the Cinder endpoint from the catalog,
volumes (create, extend, delete, wait), snapshots, attach and detach, boots from volume, the
one-line refusals checked before sending, cleanup of what the session made, and a cloud
without Cinder.

Runs against the local cloud, or a real one with ``--os-cloud`` (skipping, with the reason,
where that cloud has no block storage); tests that set quotas or flavors need the local cloud.
"""

from __future__ import annotations

import pytest

from novamagic.client import ConfigurationError, QuotaExceeded, ValidationError
from novamagic.client.errors import Forbidden
from novamagic.localcloud.model.flavors import VOLUME_FLAVOR
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect, now_clock


@pytest.fixture
def cinder(cloud):
    """The cloud, when it has block storage; else the test skips saying so."""
    if not cloud.has_block_storage():
        pytest.skip("this cloud's catalog has no block-storage/volumev3 endpoint (no Cinder)")
    return cloud


def test_the_endpoint_comes_from_the_catalog(cinder, lc):
    if lc is not None:
        assert cinder.volume_url == lc.url + "/volume/v3"
    assert "/v3" in cinder.volume_url
    limits = cinder.volume_limits()
    assert {"maxTotalVolumes", "totalGigabytesUsed", "maxTotalVolumeGigabytes"} <= set(limits)


def test_volume_create_extend_snapshot_delete(cinder, names, timeout):
    name = names("data")
    volume = cinder.create_volume(name, 1, description="scratch", wait=True, timeout=timeout)
    assert (volume["status"], volume["size"], volume["name"]) == ("available", 1, name)
    assert cinder.volume(name)["id"] == volume["id"]
    assert volume["id"] in {v["id"] for v in cinder.volumes()}
    grown = cinder.extend_volume(name, 2, wait=True, timeout=timeout)
    assert (grown["status"], grown["size"]) == ("available", 2)
    with pytest.raises(ValidationError, match="only grow"):
        cinder.extend_volume(name, 2)
    snap = cinder.create_snapshot(name, names("snap"), wait=True, timeout=timeout)
    assert snap["status"] == "available" and snap["volume_id"] == volume["id"]
    assert [s["id"] for s in cinder.snapshots(volume=name)] == [snap["id"]]
    cinder.delete_snapshot(snap["id"], wait=True, timeout=timeout)
    cinder.delete_volume(name, wait=True, timeout=timeout)
    assert volume["id"] not in {v["id"] for v in cinder.volumes()}
    assert cinder.session_volumes() == []


@pytest.mark.parametrize("size", [0, -1, 1.5, "two", True, None])
def test_bad_sizes_are_refused_before_sending(cinder, size):
    sent = len(cinder.history)
    with pytest.raises(ValidationError, match="whole number of GB"):
        cinder.create_volume("x", size)
    assert len(cinder.history) == sent


def test_attach_detach_and_the_refusals(cinder, boot, names, timeout):
    server = boot("host")
    other = boot("other")
    name = names("disk")
    volume = cinder.create_volume(name, 1, wait=True, timeout=timeout)
    attachment = cinder.attach_volume(server, name, wait=True, timeout=timeout)
    assert attachment["volumeId"] == volume["id"] and attachment["device"].startswith("/dev/")
    assert cinder.volume(name)["status"] == "in-use"
    assert [a["volumeId"] for a in cinder.server_volumes(server)] == [volume["id"]]
    shown = cinder.server(server["id"])["os-extended-volumes:volumes_attached"]
    assert volume["id"] in {v["id"] for v in shown}
    with pytest.raises(ValidationError, match="only an available volume can be attached"):
        cinder.attach_volume(other, name)
    with pytest.raises(ValidationError, match="detach it first"):
        cinder.delete_volume(name)
    with pytest.raises(ValidationError, match="not attached to server"):
        cinder.detach_volume(other, name)
    with pytest.raises(ValidationError, match="only grow"):
        cinder.extend_volume(name, 1)
    snap = cinder.create_snapshot(name, force=True, wait=True, timeout=timeout)
    assert snap["status"] == "available"
    cinder.delete_snapshot(snap["id"], wait=True, timeout=timeout)
    cinder.detach_volume(server, name, wait=True, timeout=timeout)
    assert cinder.volume(name)["attachments"] == []
    assert cinder.server_volumes(server) == []


def test_boot_from_volume_and_cleanup(cinder, names, image_ref, flavor_ref, timeout):
    server = cinder.create_server(names("bfv"), image_ref, flavor_ref, boot_volume_size=1,
                                  volumes=[1], wait=True, timeout=timeout)  # fmt: skip
    assert server["status"] == "ACTIVE"
    assert server["image"] == {"id": None, "name": None}
    attached = server["os-extended-volumes:volumes_attached"]
    assert len(attached) == 2
    root = cinder.volume(attached[0]["id"])
    assert root["bootable"] == "true" and root["status"] == "in-use"
    data = cinder.create_volume(names("kept"), 1, wait=True, timeout=timeout)
    cinder.attach_volume(server, data["id"], wait=True, timeout=timeout)
    planned = cinder.cleanup(dry_run=True)
    assert {(e["kind"], e["item"]) for e in planned} >= {("server", server["id"]),
                                                        ("volume", data["id"])}  # fmt: skip
    done = cinder.cleanup()
    assert done.ok, [e["error"] for e in done if not e["ok"]]
    assert data["id"] in {e["item"] for e in done if e["kind"] == "volume"}
    cinder.wait_volume(data["id"], "DELETED", timeout=timeout)
    # the boot's own volumes went with the server (delete_on_termination)
    for gone in attached:
        assert cinder.wait_volume(gone["id"], "DELETED", timeout=timeout) is None
    assert not {v["id"] for v in cinder.volumes()} & {a["id"] for a in attached}


def test_quota_and_zero_disk_flavors(local, localcloud_factory):
    lc = localcloud_factory(clock=now_clock(), flavors=[VOLUME_FLAVOR])
    with local_connect(lc) as client:
        with pytest.raises(ValidationError, match="0 GB root disk: its servers boot from a vol"):
            client.create_server("x", LOCAL_IMAGE, VOLUME_FLAVOR["name"])  # nothing sent
        image_id = client.image(LOCAL_IMAGE)["id"]
        body = {"server": {"name": "x", "imageRef": image_id, "flavorRef": "6", "networks": "auto"}}
        with pytest.raises(Forbidden, match="Only volume-backed servers are allowed"):
            client.raw("POST", "/servers", body)  # and the cloud's own refusal
        server = client.create_server("bfv", LOCAL_IMAGE, VOLUME_FLAVOR["name"],
                                      boot_volume_size=1, wait=True)  # fmt: skip
        assert server["flavor"]["disk"] == 0 and server["status"] == "ACTIVE"
        lc.state.volume_quotas[client._project_id()] = {"gigabytes": 2}
        with pytest.raises(QuotaExceeded, match="gigabytes quota"):
            client.create_volume("big", 2)
        with pytest.raises(QuotaExceeded):
            client.create_server("two", LOCAL_IMAGE, LOCAL_FLAVOR, boot_volume_size=2)
        assert [s["name"] for s in client.servers()] == ["bfv"]
        assert len(client.volumes()) == 1
        client.cleanup()


def test_a_cloud_without_cinder_says_what_is_missing(local):
    with local_connect(
        local, region_name="Nowhere", compute_endpoint_override=local.url + "/compute/v2.1"
    ) as bare:
        assert bare.has_block_storage() is False
        with pytest.raises(ConfigurationError, match="no block storage") as caught:
            bare.volumes()
        assert "\n" not in str(caught.value)
        assert bare.session_volumes() == []


def test_waiting_for_a_volume_that_fails_says_so(local, cinder):
    from novamagic.client import WaitError

    with pytest.raises(WaitError, match="volume 'broken' .* went to ERROR"):
        cinder.create_volume("broken", 1, metadata={"localcloud:fail": "create"}, wait=True)
    assert cinder.volume("broken")["status"] == "error"
    cinder.delete_volume("broken", wait=True)
    assert cinder.session_volumes() == []


def test_a_dry_run_counts_the_new_volumes_against_the_quota(local, localcloud_factory):
    lc = localcloud_factory(clock=now_clock(), flavors=[VOLUME_FLAVOR])
    with local_connect(lc) as client:
        plain = client.check_boot(["a"], LOCAL_IMAGE, LOCAL_FLAVOR)
        assert {q["resource"] for q in plain["quota"]} == {"instances", "cores", "ram_mb"}
        plan = client.check_boot(["a", "b"], LOCAL_IMAGE, VOLUME_FLAVOR["name"],
                                 boot_volume_size=3, volumes=[2])  # fmt: skip
        rows = {q["resource"]: q for q in plan["quota"]}
        assert rows["volumes"]["needed"] == 4 and rows["volume_gb"]["needed"] == 10
        lc.state.volume_quotas[client._project_id()] = {"gigabytes": 9}
        with pytest.raises(QuotaExceeded, match="needs 10 volume_gb of new volumes"):
            client.check_boot(["a", "b"], LOCAL_IMAGE, VOLUME_FLAVOR["name"],
                              boot_volume_size=3, volumes=[2])  # fmt: skip
        assert client.volumes() == [] and client.servers() == []
