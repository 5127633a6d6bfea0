"""Helpers for the widget tests: the local cloud's account, a holdable sleep, bounded waits."""

from __future__ import annotations

import html
import re
import threading
from datetime import datetime, timezone

from novamagic.client import connect
from novamagic.localcloud import ManualClock

IMAGE = "cirros-0.6.2-x86_64-disk"
ACCOUNT = dict(
    username="joe",
    password="shhh",  # the local cloud's demo account
    project_name="openstack",
    user_domain_name="Default",
    project_domain_name="Default",
)
DONE = 20.0  # seconds a background run may take before a test fails (they take milliseconds)


class Sleeper:
    """The client's ``sleep``: advances the cloud's clock; can be held to freeze a wait."""

    def __init__(self, clock):
        self.clock = clock
        self._hold = threading.Event()
        self._released = threading.Event()
        self.entered = threading.Event()  # set when a pause is being held

    def hold(self) -> None:
        self._released.clear()
        self.entered.clear()
        self._hold.set()

    def release(self) -> None:
        self._hold.clear()
        self._released.set()

    def __call__(self, seconds: float) -> None:
        if self._hold.is_set():
            self.entered.set()
            assert self._released.wait(DONE), "a held pause was never released"
        self.clock.advance(seconds)


def now_clock() -> ManualClock:
    """A ManualClock at the real current time (tokens then never look expired to keystoneauth)."""
    return ManualClock(start=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def connect_to(lc, sleeper):
    return connect(auth_url=lc.auth_url, sleep=sleeper, monotonic=lc.clock.now, **ACCOUNT)


def finished(model) -> None:
    """Wait for the model's background run to end (bounded), and say so if it does not."""
    assert model.wait(DONE), f"{model!r} did not finish within {DONE} s"


def requests(cloud, method: str, path_part: str) -> list[dict]:
    """The requests of the client's history with this method whose path contains path_part."""
    return [e for e in cloud.history if e["method"] == method and path_part in e["path"]]


def text(widget) -> str:
    """What an HTML widget says to a reader: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))
