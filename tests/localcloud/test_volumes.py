"""The Block Storage face over real HTTP: discovery and microversions, volumes (empty and from an
image) on the cloud's clock, extend, types, snapshots, quotas and limits, Cinder's fault bodies,
isolation between projects; and Nova's side: boot from volume (block_device_mapping_v2), 0 GB
flavors, os-volume_attachments, delete_on_termination, volumes_attached in server views."""

from __future__ import annotations

import pytest
import requests

from novamagic.localcloud.model.flavors import VOLUME_FLAVOR
from tests.localcloud.conftest import Api, fault

CIRROS = "cirros-0.6.2-x86_64-disk"


class Vol:
    """Block-storage calls as one user, at an optional volume microversion."""

    def __init__(self, cloud, user="joe", password="shhh", project="openstack", version=None):
        self.cloud = cloud
        self.api = Api(cloud, user, password, project)
        self.project_id = self.api.project_id
        self.root = f"{cloud.url}/volume/v3/{self.project_id}"
        self.version = version

    def call(self, method, path, json=None, version=None):
        headers = {"X-Auth-Token": self.api.token}
        if version or self.version:
            headers["OpenStack-API-Version"] = f"volume {version or self.version}"
        url = path if path.startswith("http") else self.root + path
        return requests.request(method, url, json=json, headers=headers, timeout=10)

    def ok(self, method, path, json=None, status=200, **kw):
        response = self.call(method.upper(), path, json, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def create(self, size=1, **extra) -> dict:
        return self.ok("post", "/volumes", {"volume": {"size": size, **extra}}, 202)["volume"]

    def show(self, volume_id) -> dict:
        return self.ok("get", f"/volumes/{volume_id}")["volume"]


@pytest.fixture
def cloud(localcloud_factory):
    return localcloud_factory(flavors=[VOLUME_FLAVOR])


@pytest.fixture
def vol(cloud):
    return Vol(cloud)


def image_id(cloud, name=CIRROS) -> str:
    return next(i.id for i in cloud.state.images.values() if i.name == name)


def cinder_fault(response, status: int) -> str:
    message = fault(response, status)
    assert "\n" not in message
    return message


def active_server(cloud, api, name="vm") -> str:
    server_id = api.boot(name)
    cloud.clock.advance(20)
    assert api.server(server_id)["status"] == "ACTIVE"
    return server_id


# ------------------------------------------------------------------ discovery, microversions


def test_versions_and_microversion_header(cloud, vol):
    answer = requests.get(cloud.url + "/volume", timeout=5)
    assert answer.status_code == 300
    (v3,) = answer.json()["versions"]
    assert (v3["id"], v3["status"], v3["min_version"]) == ("v3.0", "CURRENT", "3.0")
    assert requests.get(cloud.url + "/volume/v3", timeout=5).json()["versions"][0]["id"] == "v3.0"
    plain = vol.call("GET", "/volumes")
    assert plain.headers["OpenStack-API-Version"] == "volume 3.0"
    latest = vol.call("GET", "/volumes", version="latest")
    assert latest.headers["OpenStack-API-Version"] == "volume " + v3["version"]
    too_new = vol.call("GET", "/volumes", version="3.999")
    assert "not supported" in cinder_fault(too_new, 406)
    assert too_new.headers["OpenStack-API-Version"] == "volume 3.999"
    cinder_fault(vol.call("GET", "/volumes", version="three"), 400)
    # the project id in the URL is optional (3.67) and must be the caller's
    no_project = requests.get(
        cloud.url + "/volume/v3/volumes", headers={"X-Auth-Token": vol.api.token}, timeout=5
    )
    assert no_project.status_code == 200
    other = vol.call("GET", f"{cloud.url}/volume/v3/{'0' * 32}/volumes")
    assert "doesn't match" in cinder_fault(other, 400)


def test_fields_follow_the_microversion(vol):
    volume = vol.create(1, name="v")
    assert "volume_type_id" not in volume and "consumes_quota" not in volume
    late = vol.ok("get", f"/volumes/{volume['id']}", version="3.65")["volume"]
    assert late["volume_type_id"] and late["consumes_quota"] is True
    assert late["shared_targets"] is False and late["group_id"] is None


# ------------------------------------------------------------------ volumes on the clock


def test_volume_lifecycle_create_extend_delete(cloud, vol):
    volume = vol.create(2, name="data", description="scratch", metadata={"k": "v"})
    assert volume["status"] == "creating" and volume["bootable"] == "false"
    assert volume["volume_type"] == "__DEFAULT__" and volume["updated_at"] is None
    # as Cinder: the tenant attribute is added to show and detail, not to create's answer
    assert "os-vol-tenant-attr:tenant_id" not in volume
    assert vol.show(volume["id"])["os-vol-tenant-attr:tenant_id"] == vol.project_id
    cloud.clock.advance(10)
    assert vol.show(volume["id"])["status"] == "available"
    vol.ok("post", f"/volumes/{volume['id']}/action", {"os-extend": {"new_size": 5}}, 202)
    assert vol.show(volume["id"])["status"] == "extending"
    cloud.clock.advance(5)
    shown = vol.show(volume["id"])
    assert (shown["status"], shown["size"]) == ("available", 5)
    smaller = vol.call("POST", f"/volumes/{volume['id']}/action", {"os-extend": {"new_size": 3}})
    assert "must be greater than current size" in cinder_fault(smaller, 400)
    (summary,) = vol.ok("get", "/volumes")["volumes"]
    assert set(summary) == {"id", "name", "links"}
    (detail,) = vol.ok("get", "/volumes/detail?status=available")["volumes"]
    assert detail["metadata"] == {"k": "v"} and detail["size"] == 5
    assert vol.ok("get", "/volumes/detail?name=nothing")["volumes"] == []
    assert "Invalid filters" in cinder_fault(vol.call("GET", "/volumes?colour=red"), 400)
    vol.ok("delete", f"/volumes/{volume['id']}", status=202)
    assert vol.show(volume["id"])["status"] == "deleting"
    cloud.clock.advance(5)
    assert "could not be found" in cinder_fault(vol.call("GET", f"/volumes/{volume['id']}"), 404)


def test_volume_from_an_image_is_bootable_and_sized_for_it(cloud, vol):
    ubuntu = image_id(cloud, "ubuntu-22.04-server-cloudimg-amd64")  # min_disk 3
    small = vol.call("POST", "/volumes", {"volume": {"size": 1, "imageRef": ubuntu}})
    assert "at least 3 GB" in cinder_fault(small, 400)
    volume = vol.create(3, imageRef=ubuntu)
    assert volume["bootable"] == "true" and "volume_image_metadata" not in volume
    assert vol.show(volume["id"])["volume_image_metadata"]["image_id"] == ubuntu
    missing = vol.call("POST", "/volumes", {"volume": {"size": 1, "imageRef": "nope"}})
    assert "Invalid image identifier" in cinder_fault(missing, 400)
    cloud.clock.advance(10)
    vol.ok("post", f"/volumes/{volume['id']}/action", {"os-set_bootable": {"bootable": False}})
    assert vol.show(volume["id"])["bootable"] == "false"


@pytest.mark.parametrize(
    "body",
    [
        {"volume": {}},
        {"volume": {"size": 0}},
        {"volume": {"size": -1}},
        {"volume": {"size": 1001}},
        {"volume": {"size": True}},
        {"volume": {"size": "x"}},
        {"volume": {"size": 1, "name": "n" * 256}},
        {"volume": {"size": 1, "colour": "red"}},
        {"volume": {"size": 1, "volume_type": "gold"}},
        {"volume": {"size": 1, "multiattach": True}},
        {"volume": {"size": 1, "source_volid": "x"}},
        {"volume": {"size": 1, "availability_zone": "mars"}},
        {"volume": "big"},
        [],
    ],
)
def test_bad_create_bodies_are_one_line_refusals_and_make_nothing(cloud, vol, body):
    response = vol.call("POST", "/volumes", body)
    assert response.status_code in (400, 404), response.text
    cinder_fault(response, response.status_code)
    assert cloud.state.volumes == {}


def test_types_quotas_and_limits(cloud, vol):
    (vtype,) = vol.ok("get", "/types")["volume_types"]
    assert vtype["name"] == "__DEFAULT__" and vtype["is_public"] is True
    assert vol.ok("get", "/types/default")["volume_type"]["id"] == vtype["id"]
    vol.create(4)
    quota = vol.ok("get", f"/os-quota-sets/{vol.project_id}?usage=true")["quota_set"]
    assert quota["gigabytes"] == {"limit": 1000, "in_use": 4, "reserved": 0}
    assert quota["volumes"]["in_use"] == 1 and quota["snapshots"]["limit"] == 10
    plain = vol.ok("get", f"/os-quota-sets/{vol.project_id}")["quota_set"]
    assert plain["volumes"] == 10
    absolute = vol.ok("get", "/limits")["limits"]["absolute"]
    assert absolute["totalGigabytesUsed"] == 4 and absolute["maxTotalVolumes"] == 10
    refused = vol.call("PUT", f"/os-quota-sets/{vol.project_id}", {"quota_set": {"volumes": 1}})
    assert "Policy" in cinder_fault(refused, 403)
    admin = Vol(cloud, "admin", "admin", "admin")
    body = {"quota_set": {"gigabytes": 5}}
    assert admin.ok("put", f"/os-quota-sets/{vol.project_id}", body)["quota_set"]["gigabytes"] == 5
    over = vol.call("POST", "/volumes", {"volume": {"size": 2}})
    message = cinder_fault(over, 413)
    assert "gigabytes quota" in message and "Requested 2G, quota is 5G and 4G" in message
    assert len(cloud.state.volumes) == 1
    admin.ok("put", f"/os-quota-sets/{vol.project_id}", {"quota_set": {"volumes": 1}})
    cinder_fault(vol.call("POST", "/volumes", {"volume": {"size": 1}}), 413)


def test_projects_are_isolated(cloud, vol):
    volume = vol.create(1)
    cloud.add_user("ann", "pw", project="other")
    ann = Vol(cloud, "ann", "pw", "other")
    assert ann.ok("get", "/volumes/detail")["volumes"] == []
    cinder_fault(ann.call("GET", f"/volumes/{volume['id']}"), 404)
    cinder_fault(ann.call("DELETE", f"/volumes/{volume['id']}"), 404)
    cinder_fault(ann.call("POST", "/snapshots", {"snapshot": {"volume_id": volume["id"]}}), 404)
    admin = Vol(cloud, "admin", "admin", "admin")
    assert admin.ok("get", "/volumes/detail")["volumes"] == []
    everyone = admin.ok("get", "/volumes/detail?all_tenants=1")["volumes"]
    assert [v["id"] for v in everyone] == [volume["id"]]


def test_snapshots(cloud, vol):
    volume = vol.create(2)
    early = vol.call("POST", "/snapshots", {"snapshot": {"volume_id": volume["id"]}})
    assert "status must be available" in cinder_fault(early, 400)
    cloud.clock.advance(10)
    snap = vol.ok("post", "/snapshots", {"snapshot": {"volume_id": volume["id"], "name": "s1"}},
                  202)["snapshot"]  # fmt: skip
    assert (snap["status"], snap["size"], snap["volume_id"]) == ("creating", 2, volume["id"])
    cloud.clock.advance(10)
    shown = vol.ok("get", f"/snapshots/{snap['id']}")["snapshot"]
    assert shown["status"] == "available"
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"
    assert [s["id"] for s in vol.ok("get", "/snapshots/detail")["snapshots"]] == [snap["id"]]
    assert vol.ok("get", "/limits")["limits"]["absolute"]["totalSnapshotsUsed"] == 1
    busy = vol.call("DELETE", f"/volumes/{volume['id']}")
    assert "dependent snapshots" in cinder_fault(busy, 400)
    restored = vol.create(None, snapshot_id=snap["id"])
    assert restored["size"] == 2 and restored["snapshot_id"] == snap["id"]
    cloud.clock.advance(10)
    vol.ok("delete", f"/snapshots/{snap['id']}", status=202)
    cloud.clock.advance(5)
    cinder_fault(vol.call("GET", f"/snapshots/{snap['id']}"), 404)


# ------------------------------------------------------------------ Nova's side


def test_attach_list_detach_on_the_clock(cloud, vol):
    api = vol.api
    server = active_server(cloud, api)
    other = active_server(cloud, api, "other")
    volume = vol.create(1)
    attach = {"volumeAttachment": {"volumeId": volume["id"]}}
    early = api.post(f"/servers/{server}/os-volume_attachments", attach)
    assert "'available'" in fault(early, 400)
    cloud.clock.advance(10)
    answer = api.post(f"/servers/{server}/os-volume_attachments", attach, version="2.79")
    assert answer.status_code == 200, answer.text
    shown = answer.json()["volumeAttachment"]
    assert shown["device"] == "/dev/vdb" and shown["delete_on_termination"] is False
    assert vol.show(volume["id"])["status"] == "attaching"
    second = api.post(f"/servers/{other}/os-volume_attachments", attach)
    assert "status must be 'available'" in fault(second, 400)
    cloud.clock.advance(5)
    in_use = vol.show(volume["id"])
    assert in_use["status"] == "in-use"
    assert in_use["attachments"][0]["server_id"] == server
    again = api.post(f"/servers/{other}/os-volume_attachments", attach)
    assert f"attached to {server}" in fault(again, 400)
    listed = api.get(f"/servers/{server}/os-volume_attachments").json()["volumeAttachments"]
    assert [a["volumeId"] for a in listed] == [volume["id"]]
    one = api.get(f"/servers/{server}/os-volume_attachments/{volume['id']}", version="2.89")
    assert one.json()["volumeAttachment"]["attachment_id"]
    assert "id" not in one.json()["volumeAttachment"]
    assert api.server(server)["os-extended-volumes:volumes_attached"] == [{"id": volume["id"]}]
    late = api.server(server, version="2.3")["os-extended-volumes:volumes_attached"]
    assert late == [{"id": volume["id"], "delete_on_termination": False}]
    cinder_fault(vol.call("DELETE", f"/volumes/{volume['id']}"), 400)
    not_there = api.delete(f"/servers/{other}/os-volume_attachments/{volume['id']}")
    assert "not attached" in fault(not_there, 404)
    assert api.delete(f"/servers/{server}/os-volume_attachments/{volume['id']}").status_code == 202
    assert vol.show(volume["id"])["status"] == "detaching"
    cloud.clock.advance(5)
    detached = vol.show(volume["id"])
    assert (detached["status"], detached["attachments"]) == ("available", [])
    assert api.server(server)["os-extended-volumes:volumes_attached"] == []
    actions = api.get(f"/servers/{server}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions] == ["detach_volume", "attach_volume", "create"]


def test_boot_from_an_image_into_a_volume(cloud, vol):
    api = vol.api
    bdm = [{"uuid": image_id(cloud), "source_type": "image", "destination_type": "volume",
            "boot_index": 0, "volume_size": 2, "delete_on_termination": True}]  # fmt: skip
    body = {"server": {"name": "bfv", "flavorRef": "6", "block_device_mapping_v2": bdm}}
    answer = api.post("/servers", body)
    assert answer.status_code == 202, answer.text
    server_id = answer.json()["server"]["id"]
    (root,) = vol.ok("get", "/volumes/detail")["volumes"]
    assert (root["status"], root["size"], root["bootable"]) == ("creating", 2, "true")
    cloud.clock.advance(20)
    server = api.server(server_id, version="2.3")
    assert server["status"] == "ACTIVE" and server["image"] == ""
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": root["id"], "delete_on_termination": True}
    ]
    root = vol.show(root["id"])
    assert root["status"] == "in-use" and root["attachments"][0]["device"] == "/dev/vda"
    detach = api.delete(f"/servers/{server_id}/os-volume_attachments/{root['id']}")
    assert "root device" in fault(detach, 400)
    rebuild = api.action(server_id, {"rebuild": {"imageRef": image_id(cloud)}})
    assert "volume-backed" in fault(rebuild, 400)
    assert api.server(server_id)["image"] == ""
    assert api.delete(f"/servers/{server_id}").status_code == 204
    cloud.clock.advance(5)
    assert vol.ok("get", "/volumes")["volumes"] == []  # delete_on_termination


def test_boot_from_an_existing_volume_keeps_it(cloud, vol):
    api = vol.api
    volume = vol.create(1, imageRef=image_id(cloud))
    bdm = [{"uuid": volume["id"], "source_type": "volume", "destination_type": "volume",
            "boot_index": 0}]  # fmt: skip
    body = {"server": {"name": "v", "flavorRef": "6", "block_device_mapping_v2": bdm}}
    assert "'available'" in fault(api.post("/servers", body), 400)
    assert cloud.state.servers == {}
    cloud.clock.advance(10)
    server_id = api.post("/servers", body).json()["server"]["id"]
    cloud.clock.advance(20)
    assert vol.show(volume["id"])["status"] == "in-use"
    api.delete(f"/servers/{server_id}")
    cloud.clock.advance(5)
    kept = vol.show(volume["id"])
    assert (kept["status"], kept["attachments"]) == ("available", [])


def test_zero_disk_flavors_boot_only_from_volumes(cloud, vol):
    api = vol.api
    refused = api.post("/servers", {"server": {"name": "x", "imageRef": image_id(cloud),
                                               "flavorRef": "6"}})  # fmt: skip
    assert (
        fault(refused, 403) == "Only volume-backed servers are allowed for flavors with zero disk."
    )
    assert cloud.state.servers == {}
    # the image boot as the openstack CLI sends it (imageRef and a local block device) still works
    local = [{"uuid": image_id(cloud), "source_type": "image", "destination_type": "local",
              "boot_index": 0, "delete_on_termination": True}]  # fmt: skip
    body = {"server": {"name": "y", "imageRef": image_id(cloud), "flavorRef": "1",
                       "block_device_mapping_v2": local}}  # fmt: skip
    assert api.post("/servers", body).status_code == 202


def test_a_boot_over_the_gigabytes_quota_makes_nothing(cloud, vol):
    admin = Vol(cloud, "admin", "admin", "admin")
    admin.ok("put", f"/os-quota-sets/{vol.project_id}", {"quota_set": {"gigabytes": 3}})
    bdm = [{"uuid": image_id(cloud), "source_type": "image", "destination_type": "volume",
            "boot_index": 0, "volume_size": 2}]  # fmt: skip
    body = {"server": {"name": "q", "flavorRef": "6", "block_device_mapping_v2": bdm,
                       "min_count": 2}}  # fmt: skip
    assert "gigabytes quota" in fault(vol.api.post("/servers", body), 403)
    assert cloud.state.servers == {} and cloud.state.volumes == {}


@pytest.mark.parametrize(
    "bdm",
    [
        "disk",
        [{"source_type": "image", "destination_type": "volume", "boot_index": 0}],
        [{"source_type": "tape", "uuid": "x", "boot_index": 0}],
        [{"source_type": "image", "uuid": "@", "destination_type": "volume", "boot_index": 0}],
        [
            {
                "source_type": "volume",
                "uuid": "missing",
                "destination_type": "volume",
                "boot_index": 0,
            }
        ],
        [{"source_type": "blank", "destination_type": "volume", "boot_index": 0}],
    ],
)
def test_bad_block_device_mappings_are_refused(cloud, vol, bdm):
    if isinstance(bdm, list) and bdm[0].get("uuid") == "@":
        bdm[0]["uuid"] = image_id(cloud)  # no volume_size
    body = {"server": {"name": "b", "flavorRef": "6", "block_device_mapping_v2": bdm}}
    response = vol.api.post("/servers", body)
    assert response.status_code in (400, 404), response.text
    fault(response, response.status_code)
    assert cloud.state.servers == {} and cloud.state.volumes == {}


# ------------------------------------------------------------------ options and failures


@pytest.mark.parametrize(
    "flavors",
    [
        "m1.volume",
        [{"name": "m1.tiny", "ram": 1, "vcpus": 1, "disk": 0}],
        [{"name": "x", "ram": -1, "vcpus": 1, "disk": 0}],
        [{"name": "x", "ram": 1, "vcpus": 1, "disk": 0, "colour": "red"}],
        [{"name": "x", "ram": 1, "vcpus": True, "disk": 0}],
    ],
)
def test_extra_flavors_are_checked(flavors):
    from novamagic.localcloud.model import CloudState

    with pytest.raises(ValueError):
        CloudState(flavors=flavors)


def test_the_standalone_cloud_offers_the_volume_flavor():
    from novamagic.localcloud.__main__ import build_parser

    assert build_parser().parse_args(["--volume-flavor"]).volume_flavor is True
    assert build_parser().parse_args([]).volume_flavor is False


def test_a_volume_asked_to_fail_ends_in_error_and_can_be_deleted(cloud, vol):
    volume = vol.create(1, metadata={"localcloud:fail": "create"})
    cloud.clock.advance(10)
    assert vol.show(volume["id"])["status"] == "error"
    attach = vol.api.post(
        f"/servers/{active_server(cloud, vol.api)}/os-volume_attachments",
        {"volumeAttachment": {"volumeId": volume["id"]}},
    )
    assert "'error'" in fault(attach, 400)
    vol.ok("delete", f"/volumes/{volume['id']}", status=202)
    cloud.clock.advance(5)
    assert vol.ok("get", "/volumes")["volumes"] == []


def test_attach_from_2_101_is_accepted_without_a_body(cloud, vol):
    # 2.101: the attach is fully async; 202 and no volumeAttachment, the volume's status says
    api = vol.api
    server = active_server(cloud, api)
    volume = vol.create(1)
    cloud.clock.advance(10)
    attach = {"volumeAttachment": {"volumeId": volume["id"]}}
    answer = api.post(f"/servers/{server}/os-volume_attachments", attach, version="2.101")
    assert answer.status_code == 202 and not answer.content
    assert vol.show(volume["id"])["status"] == "attaching"
    cloud.clock.advance(5)
    assert vol.show(volume["id"])["status"] == "in-use"
