"""Microversions, version documents, flavors, images (compute proxy and Glance v2), limits, quotas."""

from __future__ import annotations

import requests

from tests.localcloud.conftest import Api, fault

# ------------------------------------------------------------------ versions


def test_compute_version_documents(localcloud):
    listing = requests.get(localcloud.url + "/compute/", timeout=5).json()["versions"]
    # As Nova's root: the legacy v2.0 first (SUPPORTED, no microversions), then v2.1.
    assert [(v["id"], v["status"], v["min_version"], v["version"]) for v in listing] == [
        ("v2.0", "SUPPORTED", "", ""),
        ("v2.1", "CURRENT", "2.1", "2.104"),
    ]
    for entry in listing:  # every self link is followable and names itself again
        (link,) = [x for x in entry["links"] if x["rel"] == "self"]
        doc = requests.get(link["href"], timeout=5).json()["version"]
        assert doc["id"] == entry["id"] and [x for x in doc["links"] if x["rel"] == "self"] == [
            link
        ]
    for url in (localcloud.compute_url, localcloud.url + "/v2.1/"):
        doc = requests.get(url, timeout=5).json()["version"]
        assert doc["status"] == "CURRENT" and doc["links"][0]["rel"] == "self"


def test_microversion_negotiation_headers(api):
    response = api.get("/flavors")
    assert response.headers["OpenStack-API-Version"] == "compute 2.1"
    assert response.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in response.headers["Vary"]
    assert api.get("/flavors", version="2.53").headers["OpenStack-API-Version"] == "compute 2.53"
    assert api.get("/flavors", version="latest").headers["OpenStack-API-Version"] == "compute 2.104"
    legacy = api.get("/flavors", headers={"X-OpenStack-Nova-API-Version": "2.10"})
    assert legacy.headers["X-OpenStack-Nova-API-Version"] == "2.10"


def test_unsupported_and_malformed_microversions(api):
    for version in ("2.105", "3.0", "2.0", "1.1"):
        response = api.get("/servers", version=version)
        assert "Minimum is 2.1 and maximum is 2.104" in fault(response, 406)
        # As Nova: the answer's version headers echo the version asked for, not 2.1.
        assert response.headers["OpenStack-API-Version"] == f"compute {version}"
        assert response.headers["X-OpenStack-Nova-API-Version"] == version
    assert "invalid format" in fault(api.get("/servers", version="two"), 400)
    assert "invalid format" in fault(
        api.get("/servers", headers={"X-OpenStack-Nova-API-Version": "2.01x"}), 400
    )


def test_server_shape_changes_across_microversions(api, localcloud, admin_api):
    sid = api.boot()
    localcloud.tick(20)
    s21 = api.server(sid, version="2.1")
    assert set(s21["flavor"]) == {"id", "links"}
    s47 = api.server(sid, version="2.47")
    assert s47["flavor"]["original_name"] == "m1.tiny" and s47["flavor"]["ram"] == 512
    assert s47["locked"] is False and s47["tags"] == [] and s47["description"] is None
    assert "locked_reason" not in s47 and "server_groups" not in s47
    s96 = api.server(sid, version="2.96")
    assert s96["pinned_availability_zone"] is None and s96["server_groups"] == []
    assert s96["OS-EXT-SRV-ATTR:hostname"] == "vm" and s96["locked_reason"] is None
    assert "host_status" not in s96 and "OS-EXT-SRV-ATTR:host" not in s96
    admin = admin_api.server(sid, version="2.16")
    assert admin["host_status"] == "UP" and admin["OS-EXT-SRV-ATTR:host"] == "localcloud-1"
    assert admin["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    listed = api.get("/servers/detail", version="2.96").json()["servers"][0]
    assert "server_groups" not in listed and listed["pinned_availability_zone"] is None


def test_unknown_list_parameters_rejected_from_2_75(api):
    assert api.get("/servers?foo=1", version="2.74").status_code == 200
    assert "foo" in fault(api.get("/servers?foo=1", version="2.75"), 400)


# ------------------------------------------------------------------ flavors


def test_flavors(api):
    listing = api.get("/flavors").json()["flavors"]
    assert [(f["id"], f["name"]) for f in listing] == [
        ("1", "m1.tiny"),
        ("2", "m1.small"),
        ("3", "m1.medium"),
        ("4", "m1.large"),
        ("5", "m1.xlarge"),
    ]
    detail = {f["id"]: f for f in api.get("/flavors/detail").json()["flavors"]}
    assert (detail["3"]["ram"], detail["3"]["vcpus"], detail["3"]["disk"]) == (4096, 2, 40)
    assert detail["1"]["swap"] == "" and detail["1"]["os-flavor-access:is_public"] is True
    assert api.get("/flavors/1", version="2.75").json()["flavor"]["swap"] == 0
    at_261 = api.get("/flavors/1", version="2.61").json()["flavor"]
    assert at_261["extra_specs"] == {} and at_261["description"] is None
    assert [f["id"] for f in api.get("/flavors?minRam=8192").json()["flavors"]] == ["4", "5"]
    assert [
        f["id"] for f in api.get("/flavors/detail?minDisk=40&sort_dir=desc").json()["flavors"]
    ] == ["5", "4", "3"]
    page = api.get("/flavors?limit=2").json()
    assert [f["id"] for f in page["flavors"]] == ["1", "2"] and "marker=2" in page["flavors_links"][
        0
    ]["href"]
    assert "could not be found" in fault(api.get("/flavors/42"), 404)
    fault(api.get("/flavors?minRam=lots"), 400)
    assert api.get("/flavors/2/os-extra_specs").json() == {"extra_specs": {}}


# ------------------------------------------------------------------ images through compute


def test_compute_images_list_show_and_metadata(api, localcloud):
    listing = api.get("/images").json()["images"]
    names = [i["name"] for i in listing]
    assert names[-3:] == ["ubuntu-11.04-server", "ubuntu-11.04-initrd", "ubuntu-11.04-kernel"]
    detail = {i["name"]: i for i in api.get("/images/detail").json()["images"]}
    server_image = detail["ubuntu-11.04-server"]
    assert server_image["status"] == "ACTIVE" and server_image["progress"] == 100
    assert server_image["OS-EXT-IMG-SIZE:size"] == 1_476_395_008
    assert server_image["metadata"]["kernel_id"] == detail["ubuntu-11.04-kernel"]["id"]
    assert api.get(f"/images/{server_image['id']}").json()["image"]["name"] == "ubuntu-11.04-server"
    assert [i["name"] for i in api.get("/images?name=ubuntu-11.04-kernel").json()["images"]] == [
        "ubuntu-11.04-kernel"
    ]
    page = api.get("/images?limit=2").json()
    assert len(page["images"]) == 2 and page["images_links"][0]["rel"] == "next"
    fault(api.get("/images/nope"), 404)
    # The cloud's public images belong to no project: joe may read but not change or delete
    # them. (The book's images 1-3 are project openstack's own, which joe may edit.)
    cirros = detail["cirros-0.6.2-x86_64-disk"]
    fault(api.post(f"/images/{cirros['id']}/metadata", {"metadata": {"a": "b"}}), 403)
    fault(api.delete(f"/images/{cirros['id']}"), 403)
    assert api.get(f"/images/{server_image['id']}/metadata/architecture").json() == {
        "meta": {"architecture": "x86_64"}
    }
    fault(api.get(f"/images/{server_image['id']}/metadata/nope"), 404)
    # The proxy API is gone from 2.36.
    fault(api.get("/images", version="2.36"), 404)


def test_image_metadata_on_own_snapshot(api, localcloud):
    sid = api.boot()
    localcloud.tick(20)
    location = api.action(sid, {"createImage": {"name": "mine"}}).headers["Location"]
    image_id = location.rsplit("/", 1)[1]
    localcloud.tick(20)
    assert [i["id"] for i in api.get("/images?type=SNAPSHOT").json()["images"]] == [image_id]
    assert len(api.get("/images?type=base").json()["images"]) == 5
    fault(api.get("/images?type=golden"), 400)
    path = f"/images/{image_id}/metadata"
    assert api.put(path, {"metadata": {"a": "1"}}).json() == {"metadata": {"a": "1"}}
    assert api.post(path, {"metadata": {"b": "2"}}).json() == {"metadata": {"a": "1", "b": "2"}}
    assert api.put(f"{path}/c", {"meta": {"c": "3"}}).json() == {"meta": {"c": "3"}}
    assert api.delete(f"{path}/c").status_code == 204
    fault(api.delete(f"{path}/c"), 404)
    assert "Quota exceeded" in fault(
        api.post(path, {"metadata": {str(i): "x" for i in range(4)}}), 403
    )
    snaps = api.get(f"/images/detail?server={sid}").json()["images"]
    assert [i["id"] for i in snaps] == [image_id]
    assert api.delete(f"/images/{image_id}").status_code == 204
    fault(api.get(f"/images/{image_id}"), 404)


# ------------------------------------------------------------------ Glance v2


def test_glance_versions_list_paginate_show_delete(api, localcloud):
    versions = requests.get(localcloud.url + "/image", timeout=5)
    assert versions.status_code == 300 and versions.json()["versions"][0]["status"] == "CURRENT"
    glance = localcloud.url + "/image"
    first = api.get("", url=glance + "/v2/images?limit=2").json()
    assert len(first["images"]) == 2 and first["next"].startswith("/v2/images?")
    seen = [i["id"] for i in first["images"]]
    url = first["next"]
    while url:
        body = api.get("", url=glance + url).json()
        seen += [i["id"] for i in body["images"]]
        url = body.get("next")
    assert len(seen) == len(set(seen)) == 5
    one = api.get("", url=f"{glance}/v2/images/{seen[0]}").json()
    assert one["visibility"] == "public" and one["self"] == f"/v2/images/{seen[0]}"
    by_name = api.get("", url=glance + "/v2/images?name=ubuntu-11.04-initrd").json()["images"]
    assert [i["disk_format"] for i in by_name] == ["ari"]
    missing = api.get("", url=f"{glance}/v2/images/nope")
    assert missing.status_code == 404 and "No image found with ID nope" in missing.text
    assert api.request("DELETE", "", url=f"{glance}/v2/images/{seen[0]}").status_code == 403
    bad = api.get("", url=glance + "/v2/images?marker=nope")
    assert bad.status_code == 400 and "marker" in bad.text


# ------------------------------------------------------------------ limits and quotas


def test_limits_with_usage_and_trimmed_fields(api, localcloud):
    api.boot(flavor="2")
    absolute = api.get("/limits").json()["limits"]["absolute"]
    assert absolute["maxServerMeta"] == 5 and absolute["maxImageMeta"] == 5
    assert absolute["maxPersonality"] == 5 and absolute["maxPersonalitySize"] == 10240
    assert (
        absolute["maxTotalInstances"],
        absolute["maxTotalCores"],
        absolute["maxTotalRAMSize"],
    ) == (10, 20, 51200)
    assert (
        absolute["totalInstancesUsed"],
        absolute["totalCoresUsed"],
        absolute["totalRAMUsed"],
    ) == (1, 1, 2048)
    assert "maxSecurityGroups" in absolute
    trimmed = api.get("/limits", version="2.57").json()["limits"]["absolute"]
    for key in (
        "maxSecurityGroups",
        "maxTotalFloatingIps",
        "maxImageMeta",
        "maxPersonality",
        "maxPersonalitySize",
    ):
        assert key not in trimmed
    assert trimmed["maxServerMeta"] == 5


def test_quota_sets(api, admin_api, localcloud):
    mine = api.get(f"/os-quota-sets/{api.project_id}").json()["quota_set"]
    assert (mine["instances"], mine["cores"], mine["ram"], mine["metadata_items"]) == (
        10,
        20,
        51200,
        5,
    )
    assert (
        "floating_ips" in mine
        and "floating_ips"
        not in api.get(f"/os-quota-sets/{api.project_id}", version="2.36").json()["quota_set"]
    )
    # Exactly today's Nova keys at 2.1 (no nova-network "networks" quota).
    assert set(mine) == {
        "id", "instances", "cores", "ram", "metadata_items", "injected_files",
        "injected_file_content_bytes", "injected_file_path_bytes", "key_pairs", "server_groups",
        "server_group_members", "floating_ips", "fixed_ips", "security_groups",
        "security_group_rules",
    }  # fmt: skip
    assert "policy" in fault(api.get(f"/os-quota-sets/{admin_api.project_id}"), 403).lower()
    assert (
        "policy"
        in fault(
            api.put(f"/os-quota-sets/{api.project_id}", {"quota_set": {"instances": 50}}), 403
        ).lower()
    )
    updated = admin_api.put(
        f"/os-quota-sets/{api.project_id}", {"quota_set": {"instances": 1}}
    ).json()["quota_set"]
    assert updated["instances"] == 1
    api.boot("only")
    assert fault(
        api.post("/servers", {"server": {"name": "two", "imageRef": "3", "flavorRef": "1"}}), 403
    ) == ("Quota exceeded for instances: Requested 1, but already used 1 of 1 instances")
    detail = api.get(f"/os-quota-sets/{api.project_id}/detail").json()["quota_set"]
    assert detail["instances"] == {"in_use": 1, "limit": 1, "reserved": 0}
    assert (
        api.get(f"/os-quota-sets/{api.project_id}/defaults").json()["quota_set"]["instances"] == 10
    )
    fault(
        admin_api.put(f"/os-quota-sets/{api.project_id}", {"quota_set": {"instances": "many"}}), 400
    )
    fault(admin_api.put(f"/os-quota-sets/{api.project_id}", {"quota_set": {"bogus": 1}}), 400)
    assert admin_api.delete(f"/os-quota-sets/{api.project_id}").status_code == 202
    assert api.get("/limits").json()["limits"]["absolute"]["maxTotalInstances"] == 10
    # Quotas are per project: by name too.
    assert admin_api.get("/os-quota-sets/openstack").json()["quota_set"]["instances"] == 10


def test_ram_quota(localcloud_factory):
    cloud = localcloud_factory(quotas={"ram": 4096})
    api = Api(cloud)
    api.boot(flavor="2")
    assert "Quota exceeded for ram: Requested 4096" in fault(
        api.post("/servers", {"server": {"name": "big", "imageRef": "3", "flavorRef": "3"}}), 403
    )


def test_glance_version_and_schema_documents(api, localcloud):
    assert requests.get(localcloud.url + "/image/versions", timeout=5).status_code == 200
    schema = api.get("", url=localcloud.url + "/image/v2/schemas/image").json()
    assert schema["name"] == "image" and "disk_format" in schema["properties"]
    assert api.get("", url=localcloud.url + "/image/v2/schemas/images").json()["name"] == "images"
    fault_text = requests.get(localcloud.url + "/image/v2/images", timeout=5)
    assert fault_text.status_code == 401
