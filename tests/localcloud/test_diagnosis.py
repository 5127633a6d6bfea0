"""Diagnosing a server over real HTTP: its console output, its instance actions and their
events per microversion, and the fault of a server in ERROR."""

from __future__ import annotations

import base64

import pytest

from tests.localcloud.conftest import Api, fault


def _console(api, server_id, body=None, **kw):
    return api.action(server_id, {"os-getConsoleOutput": body if body is not None else {}}, **kw)


# ------------------------------------------------------------------ console output


def test_console_output_reflects_how_the_server_was_booted(localcloud, api):
    assert api.post("/os-keypairs", {"keypair": {"name": "lab-key"}}).status_code == 200
    files = [{"path": "/etc/motd", "contents": base64.b64encode(b"hello").decode()}]
    script = base64.b64encode(b"#!/bin/bash\necho hi\n").decode()
    server = api.boot(
        "web-1", image="3", flavor="2", key_name="lab-key", user_data=script, personality=files
    )
    assert "is not ready" in fault(_console(api, server), 409)
    localcloud.tick(20)
    response = _console(api, server)
    assert response.status_code == 200
    output = response.json()["output"]
    assert "(ubuntu-11.04-server)" in output and "(flavor m1.small)" in output
    assert "ssh key 'lab-key' added" in output
    assert "injected file /etc/motd" in output
    assert "user data: a script (/bin/bash), 20 bytes" in output
    assert "running user-data script ... done" in output
    assert "cloud-init: private: 10.0.0.3, fd8e:1f01:a11c::10" in output
    assert output.endswith("web-1 login:")  # a prompt: no newline after it, as a real log
    assert _console(api, server).json()["output"] == output  # deterministic
    tail = _console(api, server, {"length": 2}).json()["output"]
    assert tail.split("\n") == output.split("\n")[-2:]  # Nova's tail: exactly 2 lines
    assert _console(api, server, {"length": "1"}).json()["output"].splitlines() == [
        "[    3.000000] web-1 login:"
    ]
    assert _console(api, server, {"length": -1}).json()["output"] == output
    assert api.action(server, {"reboot": {"type": "SOFT"}}).status_code == 202
    localcloud.tick(10)
    rebooted = _console(api, server).json()["output"]
    assert rebooted.startswith(output) and "reboot: Restarting system" in rebooted


def test_console_output_without_key_or_user_data(localcloud, api):
    server = api.boot("plain")
    localcloud.tick(20)
    output = _console(api, server).json()["output"]
    assert "no ssh key given" in output and "no user data" in output


@pytest.mark.parametrize(
    "body", [{"length": "ten"}, {"length": -2}, {"length": 1.5}, {"lines": 3}, [1], "x"]
)
def test_console_output_refuses_a_bad_length(localcloud, api, body):
    server = api.boot("web")
    localcloud.tick(20)
    message = fault(_console(api, server, body), 400)
    assert "length" in message or "os-getConsoleOutput" in message


def test_console_output_is_the_owners(localcloud, api):
    server = api.boot("web")
    localcloud.tick(20)
    localcloud.add_user("ann", "pw", project="other")
    ann = Api(localcloud, "ann", "pw", "other")
    assert "could not be found" in fault(_console(ann, server), 404)
    admin = Api(localcloud, "admin", "admin", "admin")
    assert _console(admin, server).status_code == 200


# ------------------------------------------------------------------ instance actions


def _actions(api, server, **kw):
    response = api.get(f"/servers/{server}/os-instance-actions", **kw)
    assert response.status_code == 200, response.text
    return response.json()["instanceActions"]


def _action(api, server, request_id, **kw):
    response = api.get(f"/servers/{server}/os-instance-actions/{request_id}", **kw)
    assert response.status_code == 200, response.text
    return response.json()["instanceAction"]


def test_actions_are_recorded_with_their_events(localcloud, api):
    server = api.boot("web")
    localcloud.tick(20)
    for body, wait in (
        ({"reboot": {"type": "HARD"}}, 15),
        ({"resize": {"flavorRef": "2"}}, 30),
        ({"confirmResize": None}, 0),
        ({"os-stop": None}, 5),
        ({"os-start": None}, 5),
    ):
        assert api.action(server, body).status_code in (202, 204)
        localcloud.tick(wait)
    assert api.action(server, {"reboot": {"type": "BAD"}}).status_code == 400  # not recorded
    actions = _actions(api, server)
    assert [a["action"] for a in actions] == [
        "start",
        "stop",
        "confirmResize",
        "resize",
        "reboot",
        "create",
    ]
    create = actions[-1]
    assert create["instance_uuid"] == server and create["message"] is None
    assert create["project_id"] == api.project_id and create["request_id"].startswith("req-")
    assert create["start_time"] == "2012-03-21T00:00:00.000000" and "updated_at" not in create
    resize = _action(api, server, actions[3]["request_id"], version="2.51")
    assert [e["event"] for e in resize["events"]] == [
        "compute_prep_resize",
        "compute_resize_instance",
        "compute_finish_resize",
    ]
    assert all(e["result"] == "Success" and e["finish_time"] for e in resize["events"])
    assert "traceback" not in resize["events"][0]


def test_events_by_microversion(localcloud, api, admin_api):
    server = api.boot("web")
    (create,) = _actions(api, server)
    assert "events" not in _action(api, server, create["request_id"])  # members before 2.51
    running = _action(api, server, create["request_id"], version="2.51")["events"]
    assert running == [
        {
            "event": "compute__do_build_and_run_instance",
            "start_time": "2012-03-21T00:00:00.000000",
            "finish_time": None,
            "result": None,
        }
    ]
    localcloud.tick(20)
    admin = _action(admin_api, server, create["request_id"], version="2.84")["events"][0]
    assert admin["result"] == "Success" and admin["finish_time"] == "2012-03-21T00:00:20.000000"
    assert admin["traceback"] is None and admin["host"] == "localcloud-1"
    assert admin["hostId"] and admin["details"] is None
    member = _action(api, server, create["request_id"], version="2.62")["events"][0]
    assert member["hostId"] == admin["hostId"] and "host" not in member
    listed = _actions(api, server, version="2.58")
    assert listed[0]["updated_at"] == "2012-03-21T00:00:20.000000"


def test_paging_changes_since_and_deleted_servers(localcloud, api):
    server = api.boot("web")
    localcloud.tick(20)
    for _ in range(3):
        api.action(server, {"reboot": {"type": "SOFT"}})
        localcloud.tick(10)
    everything = _actions(api, server, version="2.58")
    assert len(everything) == 4
    page = api.get(f"/servers/{server}/os-instance-actions?limit=2", version="2.58").json()
    assert [a["request_id"] for a in page["instanceActions"]] == [
        a["request_id"] for a in everything[:2]
    ]
    marker = everything[1]["request_id"]
    rest = api.get(f"/servers/{server}/os-instance-actions?marker={marker}", version="2.58")
    assert [a["request_id"] for a in rest.json()["instanceActions"]] == [
        a["request_id"] for a in everything[2:]
    ]
    since = api.get(
        f"/servers/{server}/os-instance-actions?changes-since=2012-03-21T00:00:35Z", version="2.58"
    ).json()["instanceActions"]
    assert len(since) == 2
    bad = api.get(f"/servers/{server}/os-instance-actions?marker=nope", version="2.58")
    assert "Marker" in fault(bad, 400)
    assert api.delete(f"/servers/{server}").status_code == 204
    localcloud.tick(5)
    assert fault(api.get(f"/servers/{server}/os-instance-actions", version="2.20"), 404)
    after = _actions(api, server, version="2.21")
    assert after[0]["action"] == "delete" and len(after) == 5
    event = _action(api, server, after[0]["request_id"], version="2.51")["events"][0]
    assert event["event"] == "compute_terminate_instance" and event["result"] == "Success"


def test_actions_are_the_owners_and_unknown_ones_are_404(localcloud, api):
    server = api.boot("web")
    localcloud.add_user("ann", "pw", project="other")
    ann = Api(localcloud, "ann", "pw", "other")
    assert "could not be found" in fault(ann.get(f"/servers/{server}/os-instance-actions"), 404)
    (create,) = _actions(api, server)
    assert fault(ann.get(f"/servers/{server}/os-instance-actions/{create['request_id']}"), 404)
    missing = api.get(f"/servers/{server}/os-instance-actions/req-nope")
    assert "req-nope" in fault(missing, 404)


# ------------------------------------------------------------------ faults


def test_an_error_server_has_a_fault_and_an_error_event(localcloud, api, admin_api):
    server = api.boot("doomed", metadata={"localcloud:fail": "build"})
    localcloud.tick(20)
    shown = api.server(server)
    assert shown["status"] == "ERROR"
    assert shown["fault"]["code"] == 500 and "asked to fail" in shown["fault"]["message"]
    assert shown["fault"]["created"] == "2012-03-21T00:00:20Z"
    assert "details" not in shown["fault"]  # a 500's traceback is for admins
    assert "Traceback" in admin_api.server(server)["fault"]["details"]
    (create,) = _actions(api, server, version="2.51")
    assert create["message"] == "Error"
    event = _action(api, server, create["request_id"], version="2.51")["events"][0]
    assert event["result"] == "Error"
    admin_event = _action(admin_api, server, create["request_id"], version="2.51")["events"][0]
    assert "LocalCloudFailure" in admin_event["traceback"]
