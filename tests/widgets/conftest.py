"""Widgets driven headless (``.value`` and ``.click()``) against a running local cloud.

The client's pauses advance the local cloud's ManualClock instead of sleeping, so a wait in a
widget's background thread finishes at once and deterministically. ``sleeper.hold()`` makes the
next pause block until ``sleeper.release()``: a wait caught in the middle, for Cancel.
Tests wait on the models' ``done`` events, with timeouts, never for fixed times.
"""

from __future__ import annotations

import pytest
from widget_helpers import Sleeper, connect_to, now_clock


@pytest.fixture
def lc(localcloud_factory):
    return localcloud_factory(clock=now_clock())


@pytest.fixture
def sleeper(lc):
    return Sleeper(lc.clock)


@pytest.fixture
def cloud(lc, sleeper):
    client = connect_to(lc, sleeper)
    yield client
    sleeper.release()
    client.close()
