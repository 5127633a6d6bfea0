"""Cinder's answers where tempest's volume API tests found the local cloud differing: the
extension attributes only in show and detail, quotas for backups and groups, paging (full
pages link on, offset, unknown markers 404, display_name), filters (availability zone,
metadata, an admin's project_id), the summary, extensions and zones, blank ids, clones."""

from __future__ import annotations

import pytest
import requests

from novamagic.localcloud.model.flavors import VOLUME_FLAVOR
from tests.localcloud.test_volumes import Vol, active_server, cinder_fault


@pytest.fixture(name="cloud")
def _cloud(localcloud_factory):
    return localcloud_factory(flavors=[VOLUME_FLAVOR])


@pytest.fixture(name="vol")
def _vol(cloud):
    return Vol(cloud)


def test_create_and_update_answer_without_the_extension_attributes(cloud, vol):
    volume = vol.create(1, name="a")
    assert "os-vol-tenant-attr:tenant_id" not in volume
    updated = vol.ok("put", f"/volumes/{volume['id']}", {"volume": {"name": "b"}})["volume"]
    assert "os-vol-tenant-attr:tenant_id" not in updated
    cloud.clock.advance(10)
    snap = vol.ok("post", "/snapshots", {"snapshot": {"volume_id": volume["id"]}}, 202)
    assert "os-extended-snapshot-attributes:project_id" not in snap["snapshot"]
    shown = vol.ok("get", f"/snapshots/{snap['snapshot']['id']}")["snapshot"]
    assert shown["os-extended-snapshot-attributes:project_id"] == vol.project_id
    nothing = vol.call("POST", "/snapshots", {"snapshot": {"volume_id": None}})
    assert "could not be found" in cinder_fault(nothing, 404)


def test_an_admin_sets_backup_quotas_too(cloud):
    admin = Vol(cloud, "admin", "admin", "admin")
    project = Vol(cloud).project_id
    values = {"backups": 11, "backup_gigabytes": 1009, "volumes": 11}
    quota = admin.ok("put", f"/os-quota-sets/{project}", {"quota_set": values})["quota_set"]
    assert values.items() <= quota.items()
    bad = admin.call("PUT", f"/os-quota-sets/{project}", {"quota_set": {"colours": 1}})
    assert "Bad key" in cinder_fault(bad, 400)


def test_paging_filters_and_the_summary(cloud, vol):
    ids = [vol.create(1, name=f"v{n}", metadata={"n": str(n % 2)})["id"] for n in range(3)]
    first = vol.ok("get", "/volumes?limit=3")
    assert len(first["volumes"]) == 3 and first["volumes_links"][0]["rel"] == "next"
    assert len(vol.ok("get", "/volumes?offset=2")["volumes"]) == 1
    gone = vol.call("GET", "/volumes?marker=00000000-0000-4000-8000-000000000000")
    assert "could not be found" in cinder_fault(gone, 404)
    names = vol.ok("get", "/volumes?sort=display_name:asc")["volumes"]
    assert [v["name"] for v in names] == ["v0", "v1", "v2"]
    assert len(vol.ok("get", "/volumes?availability_zone=nova")["volumes"]) == 3
    odd = vol.ok("get", "/volumes/detail?metadata={'n': '1'}")["volumes"]
    assert [v["id"] for v in odd] == [ids[1]]
    bad = vol.call("GET", "/volumes?metadata=n")
    assert "not a dict" in cinder_fault(bad, 400)
    summary = vol.ok("get", "/volumes/summary", version="3.36")["volume-summary"]
    assert summary == {"total_size": 3, "total_count": 3, "metadata": {"n": ["0", "1"]}}
    assert "could not be found" in cinder_fault(vol.call("GET", "/volumes/summary"), 404)


def test_an_admin_lists_one_projects_volumes(cloud, vol):
    mine = vol.create(1)["id"]
    admin = Vol(cloud, "admin", "admin", "admin")
    admin.create(1)
    listed = admin.ok("get", f"/volumes?all_tenants=1&project_id={vol.project_id}")["volumes"]
    assert [v["id"] for v in listed] == [mine]


def test_extensions_zones_blank_ids_and_clones(cloud, vol):
    aliases = {e["alias"] for e in vol.ok("get", "/extensions")["extensions"]}
    assert {"os-vol-tenant-attr", "os-availability-zone"} <= aliases
    zones = vol.ok("get", "/os-availability-zone")["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": True}}]
    for method in ("GET", "PUT", "DELETE"):
        response = vol.call(method, "/volumes/", {"volume": {}} if method == "PUT" else None)
        cinder_fault(response, 404)
    missing = vol.call("POST", "/volumes", {"volume": {"size": 1, "source_volid": "nope"}})
    assert "could not be found" in cinder_fault(missing, 404)
    source = vol.create(1)["id"]
    clone = vol.call("POST", "/volumes", {"volume": {"size": 1, "source_volid": source}})
    assert "source_volid" in cinder_fault(clone, 400)
    assert requests.get(f"{cloud.url}/volume/v3/extensions", timeout=10).status_code == 401


def test_a_server_deleted_while_another_attaches_a_volume_leaves_that_attach_alone(cloud, vol):
    api = vol.api
    first, second = active_server(cloud, api, "a"), active_server(cloud, api, "b")
    volume = vol.create(1)["id"]
    cloud.clock.advance(10)
    attach = {"volumeAttachment": {"volumeId": volume}}
    assert api.post(f"/servers/{first}/os-volume_attachments", attach).status_code == 200
    assert api.delete(f"/servers/{second}").status_code == 204
    cloud.clock.advance(30)  # the deletion and the attach have both run their time
    shown = vol.show(volume)
    assert shown["status"] == "in-use" and [a["server_id"] for a in shown["attachments"]] == [first]
