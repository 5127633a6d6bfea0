"""Cancelling a wait: ``cancel=`` (a threading.Event) stops waiting within one short poll slice,
raises WaitCancelled, and undoes nothing; create_servers and delete_servers take it too."""

from __future__ import annotations

import threading
import time

import pytest

from novamagic.client import WaitCancelled, WaitError
from novamagic.client.wait import CANCEL_SLICE
from tests.client.conftest import LOCAL_IMAGE, local_connect


class CancellingSleep:
    """The client's sleep: advances the cloud's clock and records each pause; sets ``cancel``
    during pause number ``at`` (as a Cancel button pressed while the client sleeps)."""

    def __init__(self, clock, cancel: threading.Event, at: int):
        self.clock, self.cancel, self.at = clock, cancel, at
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        if len(self.pauses) == self.at:
            self.cancel.set()
        self.clock.advance(seconds)


def polls(client, server_id: str) -> int:
    return sum(1 for h in client.history if h["method"] == "GET" and h["path"].endswith(server_id))


def changes(client) -> list[tuple[str, str]]:
    return [(h["method"], h["path"]) for h in client.history if h["method"] != "GET"]


def test_cancel_ends_a_long_pause_within_one_slice(local):
    cancel = threading.Event()
    sleep = CancellingSleep(local.clock, cancel, at=2)
    with local_connect(local, sleep=sleep) as client:
        server = client.create_server("slow", LOCAL_IMAGE, "m1.tiny")
        sent, looked = changes(client), polls(client, server["id"])
        with pytest.raises(WaitCancelled) as caught:
            client.wait(server["id"], interval=10.0, timeout=300, cancel=cancel)
        # one look at the server, then a 10 s pause cut short in the slice the cancel came in
        assert polls(client, server["id"]) == looked + 1
        assert sleep.pauses == [CANCEL_SLICE, CANCEL_SLICE] and sum(sleep.pauses) < 10.0
        error = caught.value
        assert isinstance(error, WaitError) and error.server["id"] == server["id"]
        assert "stopped waiting for server 'slow'" in str(error) and "to be ACTIVE" in str(error)
        assert "nothing was undone" in str(error) and "\n" not in str(error)
        assert changes(client) == sent  # nothing deleted, nothing sent
        assert client.server("slow")["status"] == "BUILD"
        assert client.wait("slow", timeout=300)["status"] == "ACTIVE"  # resumes as usual


def test_cancel_from_another_thread_returns_promptly_in_real_time(local):
    """Real sleeping (the cloud's clock stands still, so the server stays in BUILD): the wait is
    in a 30 s backoff pause when another thread cancels it; it returns in about one slice."""
    with local_connect(local, sleep=time.sleep, monotonic=time.monotonic) as client:
        server = client.create_server("stuck", LOCAL_IMAGE, "m1.tiny")
        cancel, polled, outcome = threading.Event(), threading.Event(), {}

        def waiter():
            try:
                client.wait(
                    server["id"],
                    interval=30.0,
                    timeout=600,
                    cancel=cancel,
                    callback=lambda _s: polled.set(),
                )
            except WaitCancelled as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=waiter, daemon=True)
        thread.start()
        assert polled.wait(10), "the wait never polled"
        started = time.monotonic()
        cancel.set()
        thread.join(10)
        took = time.monotonic() - started
        assert not thread.is_alive() and isinstance(outcome.get("error"), WaitCancelled)
        assert took < 5 * CANCEL_SLICE + 1.0, f"cancel took {took:.2f} s"


def test_a_cancel_set_before_waiting_stops_before_the_first_poll(cloud, local):
    server = cloud.create_server("idle", LOCAL_IMAGE, "m1.tiny")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(WaitCancelled, match="cancelled before the first look"):
        cloud.wait(server["id"], cancel=cancel)
    assert polls(cloud, server["id"]) == 1  # only create_server's own read


def test_create_servers_cancel_stops_the_waits_and_deletes_nothing(local):
    cancel = threading.Event()
    sleep = CancellingSleep(local.clock, cancel, at=1)
    events = []
    with local_connect(local, sleep=sleep) as client:
        result = client.create_servers(
            "c", LOCAL_IMAGE, "m1.tiny", count=2, wait=True, progress=events.append, cancel=cancel
        )
        assert [e["item"] for e in result] == ["c-1", "c-2"]
        assert not result.ok
        assert all(isinstance(e["error"], WaitCancelled) for e in result)
        last = {e["name"]: e for e in events}
        assert {n: e["stage"] for n, e in last.items()} == {"c-1": "cancelled", "c-2": "cancelled"}
        assert all(e["done"] and e["id"] for e in last.values())  # the servers exist
        # The two waits run on two threads: both may be in their first pause before the cancel
        # lands (it comes in the first one), but neither sleeps past a slice nor looks again.
        assert 1 <= len(sleep.pauses) <= 2 and set(sleep.pauses) == {CANCEL_SLICE}
        assert all(polls(client, e["id"]) <= 2 for e in last.values())  # the boot's read + one
        assert [m for m, _p in changes(client)] == ["POST", "POST"]
        assert sorted(s["name"] for s in client.servers()) == ["c-1", "c-2"]

        # set before the call: nothing is sent at all
        before = len(changes(client))
        again = client.create_servers(["d-1"], LOCAL_IMAGE, "m1.tiny", cancel=cancel)
        assert "not booted: cancelled before its request was sent" in str(again[0]["error"])
        assert len(changes(client)) == before


def test_delete_servers_cancel_stops_waiting_but_the_deletions_go_on(local):
    cancel = threading.Event()
    sleep = CancellingSleep(local.clock, cancel, at=1)
    with local_connect(local, sleep=sleep) as client:
        client.create_servers("x", LOCAL_IMAGE, "m1.tiny", count=2)
        result = client.delete_servers(["x-1", "x-2"], wait=True, cancel=cancel)
        assert all(isinstance(e["error"], WaitCancelled) for e in result)
        assert "to be DELETED" in str(result[0]["error"])
        assert [m for m, _p in changes(client)].count("DELETE") == 2
        local.clock.advance(60)
        assert client.servers() == []
