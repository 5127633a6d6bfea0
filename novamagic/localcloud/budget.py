"""The budget of expensive work: how many costly matches run at once, in all and per project.

A client's regular-expression filter (Nova's ``name``, ``ip`` and ``ip6``) can cost a second of
CPU per request (:data:`~novamagic.localcloud.http.REGEX_BUDGET`); a dozen at once from one
learner used to keep everyone else waiting. :class:`Budget` admits at most :data:`REGEX_SLOTS`
such matches at a time and :data:`REGEX_SLOTS_PER_PROJECT` per project, so one project can never
hold every slot; a request that finds no slot within :data:`REGEX_QUEUE_WAIT` seconds gets a
429 with ``Retry-After`` rather than a place in an unbounded queue.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from novamagic.localcloud.errors import TooManyRequests

__all__ = ["Budget", "REGEX_SLOTS", "REGEX_SLOTS_PER_PROJECT", "REGEX_QUEUE_WAIT"]

#: Regex matches running at once in the whole cloud (the machine may have two cores).
REGEX_SLOTS = 2
#: ... and per project: below REGEX_SLOTS, so another project always finds a slot free.
REGEX_SLOTS_PER_PROJECT = 1
#: Seconds a request waits for a slot before its 429 (a normal match takes milliseconds).
REGEX_QUEUE_WAIT = 0.5


class Budget:
    """Slots for one kind of expensive work, shared fairly between projects."""

    def __init__(
        self,
        slots: int = REGEX_SLOTS,
        per_project: int = REGEX_SLOTS_PER_PROJECT,
        wait: float = REGEX_QUEUE_WAIT,
    ):
        self.slots, self.per_project, self.wait = slots, per_project, wait
        self._changed = threading.Condition()
        self._running: Counter[str] = Counter()

    def _full(self, project_id: str) -> bool:
        return (
            sum(self._running.values()) >= self.slots
            or self._running[project_id] >= self.per_project
        )

    @contextmanager
    def slot(self, project_id: str, what: str) -> Iterator[None]:
        """Hold a slot for ``project_id`` while the body runs; 429 if none frees up in time."""
        deadline = time.monotonic() + self.wait
        with self._changed:
            while self._full(project_id):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TooManyRequests(
                        f"Too many {what}s at once: at most {self.per_project} per project and "
                        f"{self.slots} in all run at a time; retry in a second or use a simpler "
                        "filter."
                    )
                self._changed.wait(remaining)
            self._running[project_id] += 1
        try:
            yield
        finally:
            with self._changed:
                self._running[project_id] -= 1
                if not self._running[project_id]:
                    del self._running[project_id]
                self._changed.notify_all()
