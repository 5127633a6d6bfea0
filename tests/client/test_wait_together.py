"""Many servers waited for together: one listing a poll instead of a request per server.

``create_servers(..., wait=True)`` waits for its servers together
(novamagic.client.wait.wait_for_servers), and a poll of more than LIST_TO_POLL of them is one
listing of the session's servers: the same outcomes and events as one wait each, far fewer
requests. The local cloud's ManualClock is the client's clock here (see conftest), so every
pause advances cloud time and the waits end at once.
"""

from __future__ import annotations

import threading

import pytest

from novamagic.client import NotFound, WaitCancelled, WaitError, WaitTimeout
from novamagic.client.servers import LIST_TO_POLL
from novamagic.client.shapes import FLAVOR_KEYS
from novamagic.client.wait import wait_for_servers
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect, now_clock

COUNT = LIST_TO_POLL + 4  # listed, not read one by one


@pytest.fixture
def lc(localcloud_factory):
    cloud = localcloud_factory(clock=now_clock(), quotas={"instances": 50, "cores": 100})
    return cloud


@pytest.fixture
def client(lc):
    with local_connect(lc, workers=2) as client:
        yield client


def _boot(client, names, hook=None):
    events: list[dict] = []
    lock = threading.Lock()

    def progress(event):
        with lock:
            events.append(event)
        if hook is not None:
            hook(event)

    result = client.create_servers(
        names("t"), LOCAL_IMAGE, LOCAL_FLAVOR, count=COUNT, wait=True, timeout=300,
        progress=progress,
    )  # fmt: skip
    return result, events


def test_many_servers_are_polled_with_a_listing_not_one_request_each(client, names):
    result, events = _boot(client, names)
    assert result.ok and len(result.succeeded) == COUNT
    for server in result.succeeded:
        assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
        assert server["flavor"].keys() == FLAVOR_KEYS and server["image"]["name"] == LOCAL_IMAGE
    for name in [names(f"t-{i}") for i in range(1, COUNT + 1)]:
        stages = [e["stage"] for e in events if e["name"] == name]
        assert stages[0] == "requested" and stages[-1] == "ready"
        assert set(stages[1:-1]) == {"polled"}
        requested = next(e for e in events if e["name"] == name)
        assert requested["id"] and requested["status"] is None  # the boot's answer, a stub
    gets = [h["path"] for h in client.history if h["method"] == "GET"]
    one_by_one = [p for p in gets if "/servers/" in p and "/servers/detail" not in p]
    assert one_by_one == []  # neither read back after each boot nor polled one by one
    listings = [p for p in gets if "/servers/detail" in p]
    assert listings and all(client.session_tag in p for p in listings)
    assert len(listings) < 10


def test_each_server_keeps_its_own_outcome(lc, client, names):
    doomed, deleted = names("t-2"), names("t-3")

    def hook(event):
        if event["stage"] != "requested":
            return
        if event["name"] == doomed:
            with lc.state.lock:  # the cloud is asked to fail this build
                lc.state.servers[event["id"]].metadata["localcloud:fail"] = "build"
        elif event["name"] == deleted:
            client.delete_server(event["id"])  # gone while waited for

    result, events = _boot(client, names, hook=hook)
    failed = {e["item"]: e["error"] for e in result.failed}
    assert set(failed) == {doomed, deleted}
    assert isinstance(failed[doomed], WaitError) and "went to ERROR" in str(failed[doomed])
    assert isinstance(failed[deleted], NotFound)
    assert len(result.succeeded) == COUNT - 2
    finals = [e for e in events if e["done"]]
    assert len(finals) == COUNT
    assert {e["name"] for e in finals if e["stage"] == "failed"} == {doomed, deleted}


def test_the_deadline_ends_every_wait_still_running(client, names):
    result = client.create_servers(
        names("slow"), LOCAL_IMAGE, LOCAL_FLAVOR, count=COUNT, wait=True, timeout=5
    )
    assert len(result.failed) == COUNT
    assert all(isinstance(e["error"], WaitTimeout) for e in result.failed)
    assert "still BUILD" in str(result.failed[0]["error"])


def test_a_cancel_ends_the_waits_and_undoes_nothing(lc, client, names):
    cancel = threading.Event()

    def progress(event):
        if event["stage"] == "polled":
            cancel.set()

    result = client.create_servers(
        names("c"), LOCAL_IMAGE, LOCAL_FLAVOR, count=COUNT, wait=True, cancel=cancel,
        progress=progress,
    )  # fmt: skip
    assert len(result.failed) == COUNT
    assert all(isinstance(e["error"], WaitCancelled) for e in result.failed)
    assert len(lc.state.servers) == COUNT  # every boot sent stays


def test_wait_for_servers_follows_the_rules_of_one_wait():
    """The schedule and verdicts, with a fake clock: pauses of 1, 1.5, 2.25 ... seconds."""
    now = [0.0]
    pauses: list[float] = []
    states = {
        "a": ["BUILD", "ACTIVE"],
        "b": ["BUILD", "BUILD", "BUILD", "ACTIVE"],
        "c": ["BUILD", "ERROR"],
        "d": [],  # gone at once
    }
    asked: list[list[str]] = []

    def fetch_many(ids):
        asked.append(list(ids))
        found = {}
        for server_id in ids:
            if states[server_id]:
                status = states[server_id].pop(0)
                found[server_id] = {"id": server_id, "name": server_id, "status": status,
                                    "OS-EXT-STS:task_state": None, "fault": {"message": "boom"}}  # fmt: skip
        return found

    def sleep(seconds):
        pauses.append(seconds)
        now[0] += seconds

    seen = []
    outcomes = wait_for_servers(
        fetch_many,
        ["a", "b", "c", "d"],
        sleep=sleep,
        monotonic=lambda: now[0],
        callback=lambda sid, server: seen.append((sid, server and server["status"])),
    )
    assert asked == [["a", "b", "c", "d"], ["a", "b", "c"], ["b"], ["b"]]
    assert pauses == [1.0, 1.5, 2.25]
    assert outcomes["a"][0]["status"] == "ACTIVE" and outcomes["a"][1] is None
    assert outcomes["b"][0]["status"] == "ACTIVE"
    assert isinstance(outcomes["c"][1], WaitError) and "boom" in str(outcomes["c"][1])
    assert outcomes["d"][0] is None and isinstance(outcomes["d"][1], NotFound)
    assert ("c", "ERROR") in seen and not any(sid == "d" for sid, _ in seen)
    gone = wait_for_servers(lambda ids: {}, ["x"], status="DELETED", sleep=sleep,
                            monotonic=lambda: now[0])  # fmt: skip
    assert gone == {"x": (None, None)}
