"""Answers as today's Nova gives them (issue 17): the v2.0 root, microversions 2.97 to 2.104,
``OS-DCF:diskConfig``, rebuild's trimmed view, security-group actions, 404s before 400s."""

from __future__ import annotations

import pytest
import requests

from tests.localcloud.conftest import Api, fault


def _active(api, localcloud, **extra) -> str:
    sid = api.boot(**extra)
    localcloud.tick(20)
    assert api.server(sid)["status"] == "ACTIVE"
    return sid


# ------------------------------------------------------------------ the legacy v2.0 root


def test_the_v2_root_serves_the_api_without_microversions(api, localcloud):
    sid = _active(api, localcloud)
    url = f"{localcloud.url}/compute/v2/{api.project_id}/servers/{sid}"
    response = api.get(url, version="2.47")
    assert response.status_code == 200
    # v2.0 compatibility: the 2.1 shape whatever is asked, and no microversion headers back
    assert set(response.json()["server"]["flavor"]) == {"id", "links"}
    assert "OpenStack-API-Version" not in response.headers
    assert "X-OpenStack-Nova-API-Version" not in response.headers
    assert api.get(f"{localcloud.url}/v2/servers").json()["servers"][0]["id"] == sid


# ------------------------------------------------------------------ 2.98 to 2.104


def test_image_properties_in_the_server_from_2_98(api, localcloud):
    sid = _active(api, localcloud)
    assert "properties" not in api.server(sid, version="2.97")["image"]
    image = api.server(sid, version="2.98")["image"]
    props = image["properties"]
    assert props["disk_format"] == "ami" and props["min_disk"] == "0"
    assert props["kernel_id"] and all(isinstance(v, str) for v in props.values())
    listed = api.get("/servers/detail", version="2.98").json()["servers"][0]
    assert listed["image"]["properties"] == props


def test_scheduler_hints_shown_from_2_100(api, localcloud):
    body = {
        "server": {"name": "hinted", "imageRef": "3", "flavorRef": "1"},
        "os:scheduler_hints": {"same_host": "abc", "different_host": ["g1"]},
    }
    sid = api.post("/servers", body).json()["server"]["id"]
    localcloud.tick(20)
    assert "scheduler_hints" not in api.server(sid, version="2.99")
    assert api.server(sid, version="2.100")["scheduler_hints"] == {
        "same_host": ["abc"],
        "different_host": ["g1"],
    }
    plain = _active(api, localcloud, name="plain")
    assert api.server(plain, version="2.100")["scheduler_hints"] == {}
    bad = {**body, "os:scheduler_hints": {"same_host": {"x": 1}}}
    assert "a string or a list of strings" in fault(api.post("/servers", bad), 400)
    stray = {**body, "surprise": 1}
    assert "'surprise'" in fault(api.post("/servers", stray), 400)


def test_flavors_lose_rxtx_and_disabled_and_filter_by_name_at_2_102(api):
    old = api.get("/flavors/1", version="2.101").json()["flavor"]
    assert old["rxtx_factor"] == 1.0 and old["OS-FLV-DISABLED:disabled"] is False
    new = api.get("/flavors/1", version="2.102").json()["flavor"]
    assert "rxtx_factor" not in new and "OS-FLV-DISABLED:disabled" not in new
    named = api.get("/flavors?name=m1.small", version="2.102").json()["flavors"]
    assert [f["id"] for f in named] == ["2"]
    # below 2.102 unknown (and then unfiltered) parameters are ignored; from it, a 400
    assert len(api.get("/flavors?name=m1.small&bogus=1", version="2.101").json()["flavors"]) == 5
    assert "'bogus'" in fault(api.get("/flavors?bogus=1", version="2.102"), 400)
    assert "'bogus'" in fault(api.get("/os-keypairs?bogus=1", version="2.102"), 400)
    assert "'bogus'" in fault(api.get("/limits?bogus=1", version="2.102"), 400)
    assert api.get("/limits?bogus=1", version="2.101").status_code == 200


def test_pinned_availability_zone_updates_at_2_104(api, localcloud):
    pinned = _active(api, localcloud, name="pinned", availability_zone="nova")
    loose = _active(api, localcloud, name="loose")
    assert api.server(pinned, version="2.96")["pinned_availability_zone"] == "nova"
    assert api.server(loose, version="2.96")["pinned_availability_zone"] is None

    def update(sid, zone, version="2.104"):
        return api.put(
            f"/servers/{sid}", {"server": {"pinned_availability_zone": zone}}, version=version
        )

    assert "pinned_availability_zone" in fault(update(pinned, None, version="2.103"), 400)
    unpinned = update(pinned, None)
    assert unpinned.status_code == 200
    assert unpinned.json()["server"]["pinned_availability_zone"] is None
    assert "only there" in fault(update(loose, "elsewhere"), 409)
    assert update(loose, "nova").json()["server"]["pinned_availability_zone"] == "nova"
    assert update(loose, "nova").status_code == 200  # the same value again: idempotent
    assert "unpin it" in fault(update(loose, "other"), 409)


# ------------------------------------------------------------------ OS-DCF:diskConfig


def test_disk_config_is_kept_from_boot_update_rebuild_and_resize(api, localcloud):
    response = api.post(
        "/servers",
        {"server": {"name": "d", "imageRef": "3", "flavorRef": "1", "OS-DCF:diskConfig": "AUTO"}},
    )
    assert response.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    sid = response.json()["server"]["id"]
    localcloud.tick(20)
    assert api.server(sid)["OS-DCF:diskConfig"] == "AUTO"
    updated = api.put(f"/servers/{sid}", {"server": {"OS-DCF:diskConfig": "MANUAL"}})
    assert updated.json()["server"]["OS-DCF:diskConfig"] == "MANUAL"
    rebuilt = api.action(sid, {"rebuild": {"imageRef": "3", "OS-DCF:diskConfig": "AUTO"}})
    assert rebuilt.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    localcloud.tick(60)
    assert (
        api.action(sid, {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "MANUAL"}}).status_code
        == 202
    )
    assert api.server(sid)["OS-DCF:diskConfig"] == "MANUAL"
    for body in ({"resize": {"flavorRef": "3", "OS-DCF:diskConfig": "SOMETIMES"}},):
        assert "AUTO or MANUAL" in fault(api.action(sid, body), 400)
    refused = api.post(
        "/servers",
        {"server": {"name": "d", "imageRef": "3", "flavorRef": "1", "OS-DCF:diskConfig": None}},
    )
    assert "AUTO or MANUAL" in fault(refused, 400)


# ------------------------------------------------------------------ the rebuild answer


@pytest.mark.parametrize("version", ["2.1", "2.54", "2.57", "2.74"])
def test_rebuild_answers_nova_s_trimmed_view_before_2_75(api, localcloud, version):
    sid = _active(api, localcloud)
    response = api.action(sid, {"rebuild": {"imageRef": "3"}}, version=version)
    assert response.status_code == 202
    assert response.headers["Location"].endswith(f"/servers/{sid}")
    server = response.json()["server"]
    entries = [entry for network in server["addresses"].values() for entry in network]
    assert entries and all(set(entry) == {"version", "addr"} for entry in entries)
    assert ("key_name" in server) == (version >= "2.54")
    assert ("user_data" in server) == (version >= "2.57")
    assert "OS-EXT-STS:vm_state" not in server and "security_groups" not in server


def test_rebuild_from_2_75_answers_the_full_view(api, localcloud):
    sid = _active(api, localcloud)
    server = api.action(sid, {"rebuild": {"imageRef": "3"}}, version="2.75").json()["server"]
    entry = next(iter(server["addresses"].values()))[0]
    assert entry["OS-EXT-IPS:type"] == "fixed" and entry["OS-EXT-IPS-MAC:mac_addr"]
    assert server["key_name"] is None and server["user_data"] is None
    assert "OS-EXT-STS:vm_state" in server


# ------------------------------------------------------------------ security-group actions


def test_add_and_remove_security_groups_on_a_server(api, localcloud):
    sid = _active(api, localcloud)
    network = f"{localcloud.url}/networking/v2.0"
    made = api.post(f"{network}/security-groups", {"security_group": {"name": "web"}})
    assert made.status_code == 201, made.text

    def groups():
        return sorted(g["name"] for g in api.server(sid)["security_groups"])

    assert api.action(sid, {"addSecurityGroup": {"name": "web"}}).status_code == 202
    assert groups() == ["default", "web"]
    assert api.action(sid, {"removeSecurityGroup": {"name": "default"}}).status_code == 202
    assert groups() == ["web"]
    assert "not associated" in fault(
        api.action(sid, {"removeSecurityGroup": {"name": "default"}}), 404
    )
    assert "is not found" in fault(api.action(sid, {"addSecurityGroup": {"name": "nope"}}), 404)
    assert "not specified" in fault(api.action(sid, {"addSecurityGroup": {}}), 400)
    assert "cannot be empty" in fault(api.action(sid, {"addSecurityGroup": {"name": " "}}), 400)
    actions = api.get(f"/servers/{sid}/os-instance-actions").json()["instanceActions"]
    assert {"addSecurityGroup", "removeSecurityGroup"} <= {a["action"] for a in actions}


def test_another_project_cannot_change_a_server_s_groups(api, localcloud):
    sid = _active(api, localcloud)
    localcloud.add_user("eve", "eve-pw", project="other")
    eve = Api(localcloud, "eve", "eve-pw", "other")
    assert fault(eve.action(sid, {"addSecurityGroup": {"name": "default"}}), 404)


# ------------------------------------------------------------------ 404 before 400


@pytest.mark.parametrize("action", ["os-resetState", "fly"])
def test_an_action_on_a_missing_server_is_404_even_when_unknown(api, localcloud, action):
    missing = "6d8d3a8e-8b0e-4d3c-9d7b-1f2e3a4b5c6d"
    assert "could not be found" in fault(api.action(missing, {action: None}), 404)
    sid = _active(api, localcloud)
    assert "no such action" in fault(api.action(sid, {action: None}), 400)


@pytest.mark.parametrize("action", ["restore", "forceDelete"])
def test_restore_and_force_delete_need_a_soft_deleted_server(api, localcloud, action):
    missing = "6d8d3a8e-8b0e-4d3c-9d7b-1f2e3a4b5c6d"
    assert "could not be found" in fault(api.action(missing, {action: None}), 404)
    sid = _active(api, localcloud)
    assert "in vm_state active" in fault(api.action(sid, {action: None}), 409)


def test_deleting_an_image_with_a_blank_id_is_404(api):
    response = requests.delete(
        api.cloud.compute_url + "/images/", headers={"X-Auth-Token": api.token}, timeout=5
    )
    assert "Image not found" in fault(response, 404)


def test_a_stopped_server_rebuilt_stays_stopped(api, localcloud):
    sid = _active(api, localcloud)
    assert api.action(sid, {"os-stop": None}).status_code == 202
    localcloud.tick(20)
    assert api.server(sid)["status"] == "SHUTOFF"
    assert api.action(sid, {"rebuild": {"imageRef": "3"}}).status_code == 202
    assert api.server(sid)["status"] == "REBUILD"
    localcloud.tick(60)
    server = api.server(sid)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)


def test_console_output_tails_whole_lines_as_nova(api, localcloud):
    sid = _active(api, localcloud)
    body = {"os-getConsoleOutput": {"length": 3}}
    output = api.action(sid, body).json()["output"]
    assert len(output.split("\n")) == 3 and output.endswith("login:")


# ------------------------------------------------------------------ Glance v2 create and upload


def test_glance_image_create_upload_and_boot(api, localcloud):
    glance = f"{localcloud.url}/image/v2/images"
    headers = {"X-Auth-Token": api.token}
    made = requests.post(
        glance,
        json={"name": "mine", "disk_format": "qcow2", "container_format": "bare", "os_distro": "x"},
        headers=headers,
        timeout=5,
    )
    assert made.status_code == 201, made.text
    image = made.json()
    assert image["status"] == "queued" and image["visibility"] == "shared"
    assert image["owner"] == api.project_id and image["os_distro"] == "x"
    assert made.headers["Location"].endswith(image["id"])
    assert requests.get(f"{glance}/{image['id']}/tasks", headers=headers, timeout=5).json() == {
        "tasks": []
    }
    early = {"server": {"name": "early", "imageRef": image["id"], "flavorRef": "1"}}
    assert "is not active" in fault(api.post("/servers", early), 400)  # no data yet
    data = b"\x00" * 4096
    upload = requests.put(
        f"{glance}/{image['id']}/file",
        data=data,
        headers={**headers, "Content-Type": "application/octet-stream"},
        timeout=5,
    )
    assert upload.status_code == 204, upload.text
    shown = requests.get(f"{glance}/{image['id']}", headers=headers, timeout=5).json()
    assert shown["status"] == "active" and shown["size"] == 4096
    again = requests.put(
        f"{glance}/{image['id']}/file",
        data=data,
        headers={**headers, "Content-Type": "application/octet-stream"},
        timeout=5,
    )
    assert again.status_code == 409
    assert api.boot("from-mine", image=image["id"]) is not None


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"disk_format": "floppy"}, 400, "disk_format"),
        ({"visibility": "public"}, 403, "publicize_image"),
        ({"visibility": "everyone"}, 400, "visibility"),
        ({"min_disk": -1}, 400, "min_disk"),
        ({"status": "active"}, 403, "read-only"),
        ({"id": "not-a-uuid"}, 400, "UUID"),
    ],
)
def test_glance_image_create_refuses_bad_input(api, localcloud, body, status, words):
    response = requests.post(
        f"{localcloud.url}/image/v2/images",
        json={"name": "x", **body},
        headers={"X-Auth-Token": api.token},
        timeout=5,
    )
    assert response.status_code == status and words in response.text, response.text


# ------------------------------------------------------------------ server groups


def test_server_groups_across_microversions_and_membership(api, localcloud, admin_api):
    old = api.post("/os-server-groups", {"server_group": {"name": "web", "policies": ["affinity"]}})
    assert old.status_code == 200, old.text
    group = old.json()["server_group"]
    assert group["policies"] == ["affinity"] and group["metadata"] == {}
    assert "project_id" not in group
    new = api.post(
        "/os-server-groups",
        {
            "server_group": {
                "name": "spread",
                "policy": "anti-affinity",
                "rules": {"max_server_per_host": 1},
            }
        },
        version="2.64",
    ).json()["server_group"]
    assert new["policy"] == "anti-affinity" and new["rules"] == {"max_server_per_host": 1}
    assert new["project_id"] == api.project_id and "policies" not in new
    body = {
        "server": {"name": "member", "imageRef": "3", "flavorRef": "1"},
        "os:scheduler_hints": {"group": group["id"]},
    }
    sid = api.post("/servers", body).json()["server"]["id"]
    localcloud.tick(20)
    shown = api.get(f"/os-server-groups/{group['id']}", version="2.13").json()["server_group"]
    assert shown["members"] == [sid] and shown["user_id"]
    assert api.server(sid, version="2.71")["server_groups"] == [group["id"]]
    # anti-affinity on a one-host cloud: the second member finds no valid host, as in Nova
    spread = {
        "server": {"name": "s", "imageRef": "3", "flavorRef": "1"},
        "os:scheduler_hints": {"group": new["id"]},
    }
    first = api.post("/servers", spread).json()["server"]["id"]
    second = api.post("/servers", spread).json()["server"]["id"]
    localcloud.tick(20)
    assert api.server(first)["status"] == "ACTIVE"
    failed = api.server(second)
    assert failed["status"] == "ERROR" and "No valid host" in failed["fault"]["message"]
    # deleted servers leave their groups; a listing is the caller's own unless all_projects
    api.delete(f"/servers/{sid}")
    localcloud.tick(10)
    assert api.get(f"/os-server-groups/{group['id']}").json()["server_group"]["members"] == []
    assert len(api.get("/os-server-groups").json()["server_groups"]) == 2
    assert admin_api.get("/os-server-groups").json()["server_groups"] == []
    listed = admin_api.get("/os-server-groups?all_projects=True").json()["server_groups"]
    assert len(listed) == 2
    assert len(api.get("/os-server-groups?limit=1&offset=1").json()["server_groups"]) == 1
    assert api.delete(f"/os-server-groups/{group['id']}").status_code == 204
    assert "could not be found" in fault(api.get(f"/os-server-groups/{group['id']}"), 404)
    assert api.get("/limits").json()["limits"]["absolute"]["totalServerGroupsUsed"] == 1


@pytest.mark.parametrize(
    ("body", "version", "words"),
    [
        ({"name": "g", "policies": ["mostly-affinity"]}, "2.1", "policies"),
        ({"name": "g", "policies": ["soft-affinity"]}, "2.14", "policies"),
        ({"name": "g", "policies": ["affinity", "anti-affinity"]}, "2.1", "one policy"),
        ({"name": "g"}, "2.64", "'policy' is a required"),
        (
            {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}},
            "2.64",
            "anti-affinity",
        ),
        (
            {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}},
            "2.64",
            "positive",
        ),
    ],
)
def test_server_group_bad_input(api, body, version, words):
    response = api.post("/os-server-groups", {"server_group": body}, version=version)
    assert words in fault(response, 400)


def test_server_groups_are_bounded_by_quota(api):
    for n in range(10):
        made = api.post(
            "/os-server-groups", {"server_group": {"name": f"g{n}", "policies": ["affinity"]}}
        )
        assert made.status_code == 200
    over = api.post("/os-server-groups", {"server_group": {"name": "g", "policies": ["affinity"]}})
    assert "too many server groups" in fault(over, 403)
    unknown = api.post(
        "/servers",
        {
            "server": {"name": "x", "imageRef": "3", "flavorRef": "1"},
            "os:scheduler_hints": {"group": "6d8d3a8e-8b0e-4d3c-9d7b-1f2e3a4b5c6d"},
        },
    )
    assert "server group" in fault(unknown, 400)


# ------------------------------------------------------------------ password, extensions


def test_server_password_is_empty_and_clears(api, localcloud):
    sid = _active(api, localcloud)
    assert api.get(f"/servers/{sid}/os-server-password").json() == {"password": ""}
    assert api.delete(f"/servers/{sid}/os-server-password").status_code == 204
    missing = "6d8d3a8e-8b0e-4d3c-9d7b-1f2e3a4b5c6d"
    assert fault(api.get(f"/servers/{missing}/os-server-password"), 404)


def test_extensions_list_and_show(api):
    listed = api.get("/extensions").json()["extensions"]
    assert {"os-consoles", "os-server-groups", "OS-DCF"} <= {e["alias"] for e in listed}
    assert all(
        set(e) == {"alias", "name", "description", "namespace", "updated", "links"} for e in listed
    )
    assert api.get("/extensions/os-consoles").json()["extension"]["name"] == "Consoles"
    assert "os-nothing" in fault(api.get("/extensions/os-nothing"), 404)


# ------------------------------------------------------------------ createBackup


def test_create_backup_rotates_the_oldest_out(api, localcloud):
    sid = _active(api, localcloud)
    made = []
    for n in range(3):
        body = {"createBackup": {"name": f"b{n}", "backup_type": "daily", "rotation": 2}}
        response = api.action(sid, body, version="2.45")
        assert response.status_code == 202, response.text
        made.append(response.json()["image_id"])
        localcloud.tick(60)
    images = {i["id"]: i for i in api.get("/images/detail").json()["images"]}
    assert made[0] not in images and {made[1], made[2]} <= set(images)
    assert images[made[2]]["metadata"]["image_type"] == "backup"
    assert images[made[2]]["metadata"]["backup_type"] == "daily"
    old = api.action(sid, {"createBackup": {"name": "w", "backup_type": "weekly", "rotation": 1}})
    assert old.status_code == 202 and old.headers["Location"].split("/")[-1] in {
        i["id"] for i in api.get("/images").json()["images"]
    }
    localcloud.tick(60)
    zero = api.action(sid, {"createBackup": {"name": "z", "backup_type": "weekly", "rotation": 0}})
    assert zero.status_code == 202 and "Location" not in zero.headers
    names = {i["name"] for i in api.get("/images").json()["images"]}
    assert not {"w", "z"} & names  # rotation 0 keeps no weekly backup
    for body, words in (
        ({"name": "x", "backup_type": "daily"}, "'rotation' is a required"),
        ({"name": "x", "backup_type": "daily", "rotation": -1}, "rotation"),
        ({"name": "x", "backup_type": "", "rotation": 1}, "backup_type"),
    ):
        assert words in fault(api.action(sid, {"createBackup": body}), 400)


def test_a_server_without_groups_shows_no_security_groups_key(api, localcloud):
    sid = _active(api, localcloud)
    assert api.action(sid, {"removeSecurityGroup": {"name": "default"}}).status_code == 202
    assert "security_groups" not in api.server(sid)  # as Nova's view builder leaves it out


def test_glance_lists_filter_on_extra_properties(api, localcloud):
    sid = _active(api, localcloud)
    body = {"createBackup": {"name": "b", "backup_type": "daily", "rotation": 3}}
    image_id = api.action(sid, body, version="2.45").json()["image_id"]
    glance = f"{localcloud.url}/image/v2/images"
    headers = {"X-Auth-Token": api.token}
    found = requests.get(
        glance, params={"image_type": "backup", "instance_uuid": sid}, headers=headers, timeout=5
    ).json()["images"]
    assert [i["id"] for i in found] == [image_id]
    none = requests.get(glance, params={"backup_type": "weekly"}, headers=headers, timeout=5)
    assert none.json()["images"] == []


def test_an_admin_lists_another_project_only_with_all_tenants_and_by_host(
    api, localcloud, admin_api
):
    sid = _active(api, localcloud)
    own = admin_api.get(f"/servers?tenant_id={api.project_id}").json()["servers"]
    assert sid not in {s["id"] for s in own}  # tenant_id alone is ignored, as in Nova
    theirs = admin_api.get(f"/servers?all_tenants=&tenant_id={api.project_id}").json()["servers"]
    assert [s["id"] for s in theirs] == [sid]
    host = admin_api.server(sid, version="2.3")["OS-EXT-SRV-ATTR:host"]
    on_host = admin_api.get(f"/servers?all_tenants=1&host={host}").json()["servers"]
    assert sid in {s["id"] for s in on_host}
    assert admin_api.get("/servers?all_tenants=1&host=nowhere").json()["servers"] == []
    assert sid in {s["id"] for s in api.get("/servers?host=nowhere").json()["servers"]}


def test_tenant_usage_of_a_blank_project_is_404(admin_api):
    assert admin_api.get("/os-simple-tenant-usage").status_code == 200
    assert fault(admin_api.get("/os-simple-tenant-usage/"), 404)


# ------------------------------------------------------------------ quotas and snapshots


def test_default_quotas_are_nova_s_and_the_book_s_project_keeps_its_five(api, admin_api):
    defaults = api.get(f"/os-quota-sets/{api.project_id}/defaults").json()["quota_set"]
    assert defaults["metadata_items"] == 128 and defaults["instances"] == 10
    # the book's project: an operator's override, as os-quota-sets shows it
    assert api.get(f"/os-quota-sets/{api.project_id}").json()["quota_set"]["metadata_items"] == 5
    assert api.get("/limits").json()["limits"]["absolute"]["maxServerMeta"] == 5
    # any other project has today's defaults
    assert admin_api.get("/limits").json()["limits"]["absolute"]["maxServerMeta"] == 128
    assert admin_api.delete(f"/os-quota-sets/{api.project_id}").status_code == 202
    assert api.get("/limits").json()["limits"]["absolute"]["maxServerMeta"] == 128


@pytest.mark.parametrize(
    "version, present, absent",
    [
        ("2.1", {"floating_ips", "injected_files"}, {"server_groups", "id_"}),
        ("2.50", {"server_groups", "injected_files"}, {"floating_ips", "security_groups"}),
        ("2.57", {"server_groups", "key_pairs"}, {"injected_files", "fixed_ips"}),
    ],
)
def test_quota_class_sets_by_microversion(admin_api, version, present, absent):
    body = admin_api.get("/os-quota-class-sets/default", version=version).json()
    keys = set(body["quota_class_set"])
    assert body["quota_class_set"]["id"] == "default" and body["quota_class_set"]["cores"] == 20
    assert present <= keys and not (absent & keys)


def test_the_default_quota_class_is_what_a_project_gets(api, admin_api, localcloud):
    answer = admin_api.put("/os-quota-class-sets/default", {"quota_class_set": {"cores": 7}})
    assert answer.status_code == 200, answer.text
    assert "id" not in answer.json()["quota_class_set"]  # Nova's update answers without it
    assert answer.json()["quota_class_set"]["cores"] == 7
    assert api.get(f"/os-quota-sets/{api.project_id}").json()["quota_set"]["cores"] == 7
    assert admin_api.get("/os-quota-class-sets/default").json()["quota_class_set"]["cores"] == 7
    other = admin_api.put("/os-quota-class-sets/gold", {"quota_class_set": {"cores": 99}})
    assert other.json()["quota_class_set"]["cores"] == 99  # kept, and used by no project
    assert api.get(f"/os-quota-sets/{api.project_id}").json()["quota_set"]["cores"] == 7
    localcloud.reset()
    assert api.get(f"/os-quota-sets/{api.project_id}").json()["quota_set"]["cores"] == 20


@pytest.mark.parametrize(
    "method, body, status, words",
    [
        ("GET", None, 403, "os_compute_api:os-quota-class-sets:show"),
        ("PUT", {"quota_class_set": {"cores": 1}}, 403, "os-quota-class-sets:update"),
    ],
)
def test_quota_classes_are_admin_only(api, method, body, status, words):
    answer = api.request(method, "/os-quota-class-sets/default", json=body)
    assert answer.status_code == status and words in answer.text


@pytest.mark.parametrize(
    "body, words",
    [
        ({"quota_class_set": {"cores": -2}}, "must be -1 (unlimited) or more"),
        ({"quota_class_set": {"cores": "many"}}, "must be an integer"),
        ({"quota_class_set": {"networks": 1}}, "'networks' was unexpected"),
        ({"quota_class_set": []}, 'expected a JSON object {"quota_class_set": {...}}'),
        ({"quota_set": {"cores": 1}}, "quota_class_set"),
    ],
)
def test_quota_class_bad_input_is_one_line_400(admin_api, body, words):
    answer = admin_api.put("/os-quota-class-sets/default", body)
    assert answer.status_code == 400, answer.text
    message = answer.json()["badRequest"]["message"]
    assert words in message and "\n" not in message


def test_a_snapshot_carries_the_properties_nova_sets(api, localcloud):
    sid = _active(api, localcloud)
    answer = api.post(f"/servers/{sid}/action", {"createImage": {"name": "snap"}}, version="2.45")
    image_id = answer.json()["image_id"]
    localcloud.tick(60)
    me = api.get(f"{localcloud.auth_url}/v3/auth/tokens",
                 headers={"X-Subject-Token": api.token}).json()["token"]["user"]  # fmt: skip
    expected = {
        "image_type": "snapshot",
        "instance_uuid": sid,
        "user_id": me["id"],
        "owner_user_name": "joe",
        "owner_project_name": "openstack",
        "boot_roles": "member,reader",
    }
    glance = api.get(f"{localcloud.url}/image/v2/images/{image_id}").json()
    assert expected.items() <= glance.items() and glance["base_image_ref"]
    metadata = api.get(f"/images/{image_id}/metadata").json()["metadata"]
    assert expected.items() <= metadata.items()
