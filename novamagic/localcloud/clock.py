"""Clocks the local cloud reads instead of the wall clock, so lifecycles are testable.

``ManualClock`` only moves when told to (tests and nbval advance it; it can also step a fixed
amount on every API request so a notebook's wait loop still finishes, deterministically).
``ScaledClock`` is real time times a speed factor, so a 20-second build takes 2 real seconds
at the default speed of 10.

Times are POSIX seconds (floats, UTC). The helpers below format them as each API spells them.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

__all__ = [
    "Clock",
    "ManualClock",
    "ScaledClock",
    "DEFAULT_START",
    "parse_time",
    "iso_seconds",
    "iso_micro",
    "iso_micro_z",
]

#: The book's era: the ManualClock starts here unless told otherwise.
DEFAULT_START = "2012-03-21T00:00:00Z"


def parse_time(value) -> float:
    """Accept POSIX seconds, a datetime or an ISO 8601 string; return POSIX seconds (UTC).

    Raises ValueError on anything else (callers turn that into a 400 saying what is allowed).
    """
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    else:
        raise ValueError(f"not a time: {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def iso_seconds(t: float) -> str:
    """Nova's ``created``/``updated`` and Glance's ``created_at``: ``2012-03-21T00:00:00Z``."""
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(t: float) -> str:
    """Nova's ``OS-SRV-USG:launched_at``: ``2012-03-21T00:00:20.000000`` (no zone, as Nova)."""
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%S.%f")


def iso_micro_z(t: float) -> str:
    """Keystone v3's ``expires_at``/``issued_at``: ``2012-03-21T01:00:00.000000Z``."""
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Interface: ``now()`` in POSIX seconds; ``on_request()`` is called once per API request."""

    def now(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def on_request(self) -> None:
        """Hook for clocks that move with traffic; the default does nothing."""

    def real_seconds(self, cloud_seconds: float) -> float:
        """Real seconds this clock takes to move ``cloud_seconds`` on its own. A clock that
        moves only when told cannot know; one to one is the honest guess (a ``tick`` past a
        token's lifetime still ends it early, as an operator's clock change would)."""
        return cloud_seconds

    def describe(self) -> dict:
        return {"type": type(self).__name__, "now": iso_micro_z(self.now())}


class ManualClock(Clock):
    """A clock that moves only on :meth:`advance` (or by ``step_per_request`` on every request)."""

    def __init__(self, start=DEFAULT_START, step_per_request: float = 0.0):
        if step_per_request < 0:
            raise ValueError("step_per_request must be >= 0")
        self._start = parse_time(start)
        self._now = self._start
        self.step_per_request = float(step_per_request)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (>= 0); return the new time."""
        seconds = float(seconds)
        if seconds < 0 or seconds != seconds:
            raise ValueError(f"time only moves forward; got {seconds!r} seconds")
        with self._lock:
            self._now += seconds
            return self._now

    def on_request(self) -> None:
        if self.step_per_request:
            self.advance(self.step_per_request)

    def describe(self) -> dict:
        return {**super().describe(), "step_per_request": self.step_per_request}

    def __repr__(self) -> str:
        return (
            f"ManualClock(now={iso_micro_z(self._now)!r}, step_per_request={self.step_per_request})"
        )


class ScaledClock(Clock):
    """Real time times ``speed``, starting at ``start`` (default: the real current time)."""

    def __init__(self, speed: float = 10.0, start=None):
        self._lock = threading.Lock()
        self._speed = self._check(speed)
        self._base_cloud = time.time() if start is None else parse_time(start)
        self._base_real = time.monotonic()

    @staticmethod
    def _check(speed) -> float:
        speed = float(speed)
        if not speed > 0 or speed == float("inf"):
            raise ValueError(f"speed must be a positive number; got {speed!r}")
        return speed

    def now(self) -> float:
        return self._base_cloud + (time.monotonic() - self._base_real) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def real_seconds(self, cloud_seconds: float) -> float:
        return cloud_seconds / self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        value = self._check(value)
        with self._lock:
            # Re-base so that changing the speed never makes time jump or run backwards.
            self._base_cloud = self.now()
            self._base_real = time.monotonic()
            self._speed = value

    def advance(self, seconds: float) -> float:
        """Jump forward by ``seconds`` cloud seconds (tick works on both clocks)."""
        seconds = float(seconds)
        if seconds < 0 or seconds != seconds:
            raise ValueError(f"time only moves forward; got {seconds!r} seconds")
        with self._lock:
            self._base_cloud += seconds
        return self.now()

    def describe(self) -> dict:
        return {**super().describe(), "speed": self._speed}

    def __repr__(self) -> str:
        return f"ScaledClock(speed={self._speed})"
