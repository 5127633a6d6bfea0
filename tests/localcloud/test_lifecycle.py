"""Lifecycles on the manual clock: build, reboot, rebuild, resize, stop/start, snapshot, delete,
failure on request, and 409 for actions in the wrong state."""

from __future__ import annotations

import pytest

from tests.localcloud.conftest import fault


@pytest.fixture
def active(api, localcloud):
    sid = api.boot("life", flavor="1")
    localcloud.tick(20)
    assert api.server(sid)["status"] == "ACTIVE"
    return sid


def states(api, sid):
    s = api.server(sid)
    return (
        s["status"],
        s["OS-EXT-STS:vm_state"],
        s["OS-EXT-STS:task_state"],
        s["OS-EXT-STS:power_state"],
    )


def test_build_progress_then_active(api, localcloud):
    sid = api.boot()
    progress = []
    for _ in range(4):
        progress.append(api.server(sid)["progress"])
        localcloud.tick(5)
    assert progress == [0, 25, 50, 75]
    assert states(api, sid) == ("ACTIVE", "active", None, 1)


def test_soft_and_hard_reboot(api, localcloud, active):
    assert api.action(active, {"reboot": {"type": "SOFT"}}).status_code == 202
    assert states(api, active) == ("REBOOT", "active", "reboot_started", 1)
    assert "task_state reboot_started" in fault(
        api.action(active, {"reboot": {"type": "SOFT"}}), 409
    )
    localcloud.tick(10)
    assert states(api, active)[0] == "ACTIVE"
    assert api.action(active, {"reboot": {"type": "hard"}}).status_code == 202
    assert states(api, active)[:3] == ("HARD_REBOOT", "active", "reboot_started_hard")
    localcloud.tick(14)
    assert states(api, active)[0] == "HARD_REBOOT"
    localcloud.tick(1)
    assert states(api, active) == ("ACTIVE", "active", None, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"reboot": {"type": "WARM"}},
        {"reboot": {}},
        {"reboot": "SOFT"},
        {"reboot": {"type": "sOFT"}},
    ],
)
def test_bad_reboot_types(api, active, body):
    assert "SOFT or HARD" in fault(api.action(active, body), 400)


def test_unknown_and_malformed_actions(api, active):
    assert "no such action: fly" in fault(api.action(active, {"fly": {}}), 400)
    fault(api.action(active, {"reboot": {"type": "SOFT"}, "os-stop": None}), 400)
    fault(api.action(active, {}), 400)
    fault(
        api.post(
            f"/servers/{active}/action", data="reboot", headers={"Content-Type": "application/json"}
        ),
        400,
    )


def test_rebuild(api, localcloud, active):
    images = {i["name"]: i["id"] for i in api.get("/images").json()["images"]}
    response = api.action(
        active,
        {
            "rebuild": {
                "imageRef": images["cirros-0.6.2-x86_64-disk"],
                "name": "reborn",
                "metadata": {"k": "v"},
                "adminPass": "s3cret",
            }
        },
    )
    assert response.status_code == 202
    body = response.json()["server"]
    assert (
        body["status"] == "REBUILD" and body["adminPass"] == "s3cret" and body["name"] == "reborn"
    )
    assert response.headers["Location"] == body["links"][0]["href"]  # as Nova's rebuild
    assert response.headers["Location"].endswith(f"/servers/{active}")
    localcloud.tick(20)
    server = api.server(active)
    assert (
        server["status"] == "ACTIVE" and server["image"]["id"] == images["cirros-0.6.2-x86_64-disk"]
    )
    assert server["metadata"] == {"k": "v"}
    fault(api.action(active, {"rebuild": {}}), 400)
    fault(api.action(active, {"rebuild": {"imageRef": "nope"}}), 400)
    fault(api.action(active, {"rebuild": {"imageRef": "3", "accessIPv4": "x"}}), 400)


def test_resize_confirm(api, localcloud, active):
    assert api.action(active, {"resize": {"flavorRef": "2"}}).status_code == 202
    assert states(api, active)[:2] == ("RESIZE", "active")
    localcloud.tick(30)
    server = api.server(active)
    assert (server["status"], server["OS-EXT-STS:vm_state"], server["flavor"]["id"]) == (
        "VERIFY_RESIZE",
        "resized",
        "2",
    )
    assert api.action(active, {"confirmResize": None}).status_code == 204
    server = api.server(active)
    assert (server["status"], server["flavor"]["id"]) == ("ACTIVE", "2")
    assert "vm_state active" in fault(api.action(active, {"confirmResize": None}), 409)


def test_resize_revert(api, localcloud, active):
    api.action(active, {"resize": {"flavorRef": "3"}})
    localcloud.tick(30)
    assert api.action(active, {"revertResize": None}).status_code == 202
    assert states(api, active)[:3] == ("REVERT_RESIZE", "resized", "resize_reverting")
    localcloud.tick(15)
    server = api.server(active)
    assert (server["status"], server["flavor"]["id"]) == ("ACTIVE", "1")


def test_resize_bad_input(api, active, localcloud):
    assert "must change flavor" in fault(api.action(active, {"resize": {"flavorRef": "1"}}), 400)
    fault(api.action(active, {"resize": {"flavorRef": "42"}}), 400)
    fault(api.action(active, {"resize": {}}), 400)
    # 20 cores allowed; xlarge needs 8 more than tiny's 1: fits. Two more xlarge would not.
    assert api.action(active, {"resize": {"flavorRef": "5"}}).status_code == 202
    localcloud.tick(30)
    api.action(active, {"confirmResize": None})
    others = [api.boot(f"other-{i}", flavor="4") for i in range(3)]  # 8 + 3 * 4 = 20 cores
    localcloud.tick(20)
    message = fault(api.action(others[0], {"resize": {"flavorRef": "5"}}), 403)
    assert message == "Quota exceeded for cores: Requested 4, but already used 20 of 20 cores"


def test_stop_and_start(api, localcloud, active):
    assert api.action(active, {"os-stop": None}).status_code == 202
    assert states(api, active) == ("ACTIVE", "active", "powering-off", 1)
    localcloud.tick(5)
    assert states(api, active) == ("SHUTOFF", "stopped", None, 4)
    assert "vm_state stopped" in fault(api.action(active, {"os-stop": None}), 409)
    assert "vm_state stopped" in fault(api.action(active, {"reboot": {"type": "SOFT"}}), 409)
    assert api.action(active, {"os-start": None}).status_code == 202
    localcloud.tick(5)
    assert states(api, active) == ("ACTIVE", "active", None, 1)
    assert "vm_state active" in fault(api.action(active, {"os-start": None}), 409)


def test_change_password(api, active, localcloud):
    assert api.action(active, {"changePassword": {"adminPass": "n3w"}}).status_code == 202
    fault(api.action(active, {"changePassword": {}}), 400)
    fault(api.action(active, {"changePassword": {"adminPass": 5}}), 400)


def test_snapshot_keeps_server_active_with_a_task_and_refuses_other_actions(
    api, localcloud, active
):
    response = api.action(
        active, {"createImage": {"name": "snap", "metadata": {"purpose": "backup"}}}
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    image_id = location.rsplit("/", 1)[1]
    assert location == f"{localcloud.compute_url}/{api.project_id}/images/{image_id}"
    assert states(api, active) == ("ACTIVE", "active", "image_snapshot", 1)
    image = api.get(f"/images/{image_id}").json()["image"]
    assert (image["status"], image["progress"], image["server"]["id"]) == ("SAVING", 25, active)
    glance = lambda: api.get("", url=f"{localcloud.url}/image/v2/images/{image_id}").json()  # noqa: E731
    assert glance()["status"] == "queued"
    for body in (
        {"reboot": {"type": "SOFT"}},
        {"resize": {"flavorRef": "2"}},
        {"createImage": {"name": "again"}},
        {"os-stop": None},
    ):
        assert "task_state image_snapshot" in fault(api.action(active, body), 409)
    localcloud.tick(10)
    assert states(api, active)[2] == "image_uploading"
    assert glance()["status"] == "saving"
    localcloud.tick(10)
    assert states(api, active) == ("ACTIVE", "active", None, 1)
    assert glance()["status"] == "active" and glance()["purpose"] == "backup"
    image = api.get(f"/images/{image_id}").json()["image"]
    assert image["status"] == "ACTIVE" and image["metadata"]["image_type"] == "snapshot"
    assert image["OS-EXT-IMG-SIZE:size"] > 0
    # The snapshot boots.
    assert api.boot("from-snap", image=image_id)


def test_create_image_at_2_45_answers_image_id(api, localcloud, active):
    response = api.action(active, {"createImage": {"name": "snap"}}, version="2.45")
    assert response.status_code == 202 and "Location" not in response.headers
    assert set(response.json()) == {"image_id"}


def test_create_image_bad_input(api, active):
    fault(api.action(active, {"createImage": {}}), 400)
    fault(
        api.action(
            active, {"createImage": {"name": "x", "metadata": {str(i): "v" for i in range(6)}}}
        ),
        403,
    )


def test_build_failure_on_request_ends_in_error_with_fault(api, localcloud):
    sid = api.boot("doomed", metadata={"localcloud:fail": "build"})
    assert api.server(sid)["status"] == "BUILD"
    localcloud.tick(20)
    server = api.server(sid)
    assert (server["status"], server["OS-EXT-STS:vm_state"]) == ("ERROR", "error")
    assert server["fault"]["code"] == 500 and "aborted" in server["fault"]["message"]
    assert server["fault"]["created"] == "2012-03-21T00:00:20Z"
    # An errored server can be hard-rebooted or deleted, not soft-rebooted.
    assert "vm_state error" in fault(api.action(sid, {"reboot": {"type": "SOFT"}}), 409)
    assert api.delete(f"/servers/{sid}").status_code == 204


def test_actions_while_building_are_409(api):
    sid = api.boot()
    for body in (
        {"reboot": {"type": "HARD"}},
        {"resize": {"flavorRef": "2"}},
        {"createImage": {"name": "x"}},
        {"os-stop": None},
        {"changePassword": {"adminPass": "x"}},
    ):
        assert "task_state scheduling" in fault(api.action(sid, body), 409)


def test_lock_and_unlock(api, localcloud, active):
    assert (
        api.action(active, {"lock": {"locked_reason": "exam"}}, version="2.73").status_code == 202
    )
    server = api.server(active, version="2.73")
    assert server["locked"] is True and server["locked_reason"] == "exam"
    assert "locked" in fault(api.action(active, {"reboot": {"type": "SOFT"}}), 409)
    assert "locked" in fault(api.delete(f"/servers/{active}"), 409)
    fault(api.action(active, {"lock": {"locked_reason": "x"}}, version="2.72"), 400)
    assert api.action(active, {"unlock": None}).status_code == 202
    assert api.server(active, version="2.9")["locked"] is False


def test_scaled_clock_moves_by_itself(localcloud_factory):
    from novamagic.localcloud import ScaledClock
    from tests.localcloud.conftest import Api

    cloud = localcloud_factory(clock=ScaledClock(speed=1e6), token_ttl=1e9)
    api = Api(cloud)
    sid = api.boot()
    assert api.server(sid)["status"] == "ACTIVE"  # 20 cloud seconds pass in microseconds


@pytest.mark.parametrize(
    "operation, action, seconds",
    [
        ("reboot", {"reboot": {"type": "HARD"}}, 15),
        ("rebuild", {"rebuild": {"imageRef": "3"}}, 20),
        ("resize", {"resize": {"flavorRef": "2"}}, 30),
    ],
)
def test_operations_fail_on_request(api, localcloud, operation, action, seconds):
    sid = api.boot(metadata={"localcloud:fail": operation})
    localcloud.tick(20)
    assert api.server(sid)["status"] == "ACTIVE"  # only the named operation fails
    assert api.action(sid, action).status_code == 202
    localcloud.tick(seconds)
    server = api.server(sid)
    assert server["status"] == "ERROR" and server["fault"]["code"] == 500
    assert f"localcloud:fail={operation}" in server["fault"]["message"]
    assert server["flavor"]["id"] == "1"


def test_failed_snapshot_kills_the_image_and_keeps_the_server(api, localcloud):
    sid = api.boot(metadata={"localcloud:fail": "snapshot"})
    localcloud.tick(20)
    image_id = (
        api.action(sid, {"createImage": {"name": "bad"}}).headers["Location"].rsplit("/", 1)[1]
    )
    localcloud.tick(20)
    # Read the image first: it must not turn active before the server's failure is applied.
    assert api.get(f"/images/{image_id}").json()["image"]["status"] == "ERROR"
    assert (
        api.get("", url=f"{localcloud.url}/image/v2/images/{image_id}").json()["status"] == "killed"
    )
    assert api.server(sid)["status"] == "ACTIVE"
    assert "not active" in fault(
        api.post("/servers", {"server": {"name": "x", "imageRef": image_id, "flavorRef": "1"}}), 400
    )


def test_failed_delete_leaves_an_errored_server(api, localcloud):
    sid = api.boot(metadata={"localcloud:fail": "delete"})
    localcloud.tick(20)
    assert api.delete(f"/servers/{sid}").status_code == 204
    localcloud.tick(5)
    assert api.server(sid)["status"] == "ERROR"
    assert api.delete(f"/servers/{sid}/metadata/localcloud:fail").status_code == 204
    assert api.delete(f"/servers/{sid}").status_code == 204
    localcloud.tick(5)
    fault(api.get(f"/servers/{sid}"), 404)


def test_quota_counts_only_servers_not_yet_deleted_by_the_clock(api, localcloud):
    """Finished deletions free their quota before the next boot, with no listing in between."""
    ids = [api.boot(f"q{n}") for n in range(10)]
    localcloud.tick(20)
    for sid in ids:
        assert api.delete(f"/servers/{sid}").status_code == 204
    boot = {"server": {"name": "early", "imageRef": "3", "flavorRef": "1"}}
    assert "already used 10 of 10" in fault(api.post("/servers", boot), 403)  # still deleting
    localcloud.tick(600)
    api.boot("after")  # the first request since the deletions finished: it must fit
    absolute = api.get("/limits").json()["limits"]["absolute"]
    assert absolute["totalInstancesUsed"] == 1
