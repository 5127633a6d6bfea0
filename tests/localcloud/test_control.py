"""The control API and fault injection: status, tick, reset, state, populate, speed, faults."""

from __future__ import annotations

import time

import pytest
import requests

from novamagic.localcloud import ScaledClock
from novamagic.localcloud.compute import server_actions
from tests.localcloud.conftest import Api, fault


def control(api, method, path, json=None):
    return api.request(method, "", url=f"{api.cloud.url}/_localcloud{path}", json=json)


def test_status_tick_state_reset(api, localcloud):
    status = control(api, "GET", "/status").json()
    assert (
        status["status"] == "ok"
        and status["now"] == "2012-03-21T00:00:00.000000Z"
        and status["seed"] == 42
    )
    sid = api.boot()
    assert control(api, "POST", "/tick", {"seconds": 20}).json() == {
        "now": "2012-03-21T00:00:20.000000Z"
    }
    assert api.server(sid)["status"] == "ACTIVE"
    dump = control(api, "GET", "/state").json()
    assert [s["id"] for s in dump["servers"]] == [sid]
    assert {u["name"] for u in dump["users"]} == {"joe", "admin"}
    assert "password" not in str(dump["users"]) and "shhh" not in control(api, "GET", "/state").text
    assert control(api, "POST", "/reset").status_code == 204
    assert api.get("/servers").json()["servers"] == []
    assert api.boot() == sid  # same seed, same ids after a reset
    for body in ({"seconds": -1}, {"seconds": "soon"}, {}, None):
        assert control(api, "POST", "/tick", body).status_code == 400


def test_control_needs_a_token_and_admin_when_closed(localcloud_factory):
    cloud = localcloud_factory(open_control=False)
    assert requests.get(cloud.url + "/_localcloud/status", timeout=5).status_code == 401
    joe, admin = Api(cloud), Api(cloud, "admin", "admin", "admin")
    assert "admin" in fault(control(joe, "POST", "/reset"), 403)
    assert control(admin, "GET", "/status").json()["open_control"] is False


def test_populate_servers_fast_and_bypassing_quota(api, localcloud):
    ids = localcloud.populate_servers(
        25, name="fleet-{n}", metadata={"group": "a"}, tags=["novamagic"]
    )
    assert len(ids) == 25
    body = api.get("/servers/detail?name=^fleet-25$", version="2.26").json()["servers"]
    assert (
        body[0]["status"] == "ACTIVE"
        and body[0]["metadata"] == {"group": "a"}
        and body[0]["tags"] == ["novamagic"]
    )
    response = control(api, "POST", "/servers", {"count": 3, "project": "admin", "flavor": "2"})
    assert response.status_code == 201 and response.json()["count"] == 3
    assert len(api.get("/servers").json()["servers"]) == 25
    fault(control(api, "POST", "/servers", {"count": -1}), 400)
    fault(control(api, "POST", "/servers", {"count": 1, "project": "nope"}), 404)
    fault(control(api, "POST", "/servers", {"count": 1, "wings": 2}), 400)


def test_speed_only_for_scaled_clock(api, localcloud_factory):
    assert "ScaledClock" in fault(control(api, "POST", "/speed", {"speed": 2}), 409)
    cloud = localcloud_factory(clock=ScaledClock(speed=5))
    scaled = Api(cloud)
    assert control(scaled, "POST", "/speed", {"speed": 50}).json() == {"speed": 50.0}
    fault(control(scaled, "POST", "/speed", {"speed": 0}), 400)


def test_injected_status_with_retry_after_and_count(api, localcloud):
    rule = localcloud.inject_fault(
        path="/servers$", method="GET", status=429, retry_after=7, count=2
    )
    assert rule["status"] == 429
    for _ in range(2):
        response = api.get("/servers")
        assert fault(response, 429) and response.headers["Retry-After"] == "7"
    assert api.get("/servers").status_code == 200  # count used up
    assert api.get("/flavors").status_code == 200
    localcloud.inject_fault(path="/flavors", status=413, retry_after=1)
    assert "overLimit" in api.get("/flavors").json()
    localcloud.inject_fault(path="/image/", status=503)
    glance = api.get("", url=localcloud.url + "/image/v2/images")
    assert glance.status_code == 503 and "injected" in glance.text
    assert len(control(api, "GET", "/faults").json()["faults"]) == 2
    assert control(api, "DELETE", "/faults").status_code == 204
    assert api.get("/flavors").status_code == 200


def test_fault_rate_is_seeded_and_repeats(localcloud_factory):
    patterns = []
    for _ in range(2):
        cloud = localcloud_factory(seed=3)
        api = Api(cloud)
        control(api, "POST", "/faults", {"path": "/flavors", "status": 500, "rate": 0.5})
        patterns.append([api.get("/flavors").status_code for _ in range(16)])
    assert patterns[0] == patterns[1]
    assert set(patterns[0]) == {200, 500}


def test_latency(api, localcloud):
    localcloud.inject_fault(path="/flavors", latency=0.3, count=1)
    started = time.monotonic()
    assert api.get("/flavors").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_before_does_not_process(api, localcloud):
    localcloud.inject_fault(path="/servers$", method="POST", drop="before", count=1)
    with pytest.raises(requests.ConnectionError):
        api.post("/servers", {"server": {"name": "lost", "imageRef": "3", "flavorRef": "1"}})
    assert api.get("/servers").json()["servers"] == []


def test_drop_after_processes_but_loses_the_answer(api, localcloud):
    localcloud.inject_fault(path="/servers$", method="POST", drop="after", count=1)
    with pytest.raises(requests.ConnectionError):
        api.post("/servers", {"server": {"name": "booted", "imageRef": "3", "flavorRef": "1"}})
    assert [s["name"] for s in api.get("/servers").json()["servers"]] == ["booted"]


def test_bad_fault_specs(api):
    for body in (
        {"path": "("},
        {"status": 200},
        {"rate": 2},
        {"drop": "sideways"},
        {"count": 0},
        {"retry_after": -1},
        {"latency": 100},
        {"colour": "red"},
    ):
        assert fault(control(api, "POST", "/faults", body), 400)


def test_unexpected_errors_are_500_in_novas_shape_and_logged(api, localcloud, monkeypatch, caplog):
    def boom(call, server_id, arg):
        raise RuntimeError("a bug")

    monkeypatch.setitem(server_actions.ACTIONS, "reboot", boom)
    sid = api.boot()
    message = fault(api.action(sid, {"reboot": {"type": "SOFT"}}), 500)
    assert "Unexpected API Error" in message and "a bug" not in message
    assert "unexpected error" in caplog.text and "a bug" in caplog.text


def test_clock_step_per_request(localcloud_factory):
    from novamagic.localcloud import ManualClock

    cloud = localcloud_factory(clock=ManualClock(step_per_request=5))
    api = Api(cloud)  # one request: the token
    sid = api.boot()
    statuses = [api.server(sid)["status"] for _ in range(5)]
    assert statuses[-1] == "ACTIVE" and statuses[0] == "BUILD"
