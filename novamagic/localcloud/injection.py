"""Fault injection: errors, latency and dropped connections made on purpose, per path pattern.

Tests and workshops use it (through the control API) to show how clients cope with a flaky cloud.
Not to be confused with :mod:`novamagic.localcloud.errors` (the errors the cloud answers with)
or a server's ``fault`` (the record of its failed operation, in the model).
"""

from __future__ import annotations

import random
import re
import socket
import threading
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest

#: Fault rules kept at once (each request is checked against every one).
MAX_FAULT_RULES = 100

__all__ = ["FaultRule", "FaultInjector", "drop_connection", "injected_message"]


@dataclass
class FaultRule:
    id: int
    path: str
    method: str | None
    status: int | None
    rate: float
    latency: float
    drop: str | None
    retry_after: int | None
    count: int | None
    message: str | None
    pattern: re.Pattern = field(repr=False)
    fired: int = 0

    def describe(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "method": self.method,
            "status": self.status,
            "rate": self.rate,
            "latency": self.latency,
            "drop": self.drop,
            "retry_after": self.retry_after,
            "count": self.count,
            "message": self.message,
            "fired": self.fired,
        }


class FaultInjector:
    """Per path pattern: errors at a rate, latency, dropped connections. Seeded, so repeatable."""

    FIELDS = {
        "path",
        "method",
        "status",
        "rate",
        "latency",
        "drop",
        "retry_after",
        "count",
        "message",
    }

    def __init__(self, seed):
        self._rng = random.Random(f"{seed}:faults")
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(
        self,
        path: str = ".*",
        method=None,
        status=None,
        rate=1.0,
        latency=0.0,
        drop=False,
        retry_after=None,
        count=None,
        message=None,
    ) -> dict:
        try:
            pattern = re.compile(path)
        except (re.error, TypeError) as exc:
            raise BadRequest(f"path must be a regular expression: {exc}") from None
        if method is not None:
            if not isinstance(method, str) or not method.isalpha():
                raise BadRequest("method must be an HTTP method such as 'GET', or null for any.")
            method = method.upper()
        if drop is True:
            drop = "before"
        if drop in (False, None, ""):
            drop = None
        elif drop not in ("before", "after"):
            raise BadRequest(
                "drop must be false, true, 'before' (request not processed) or 'after' (processed, answer lost)."
            )
        if status is None and not drop and not latency:
            status = 503
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise BadRequest("status must be an HTTP error status between 400 and 599.")
        try:
            rate = float(rate)
            latency = float(latency)
        except (TypeError, ValueError):
            raise BadRequest("rate and latency must be numbers.") from None
        if not 0.0 <= rate <= 1.0:
            raise BadRequest("rate must be between 0 and 1.")
        if not 0.0 <= latency <= 60.0:
            raise BadRequest("latency must be between 0 and 60 seconds.")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise BadRequest(
                "retry_after must be a non-negative integer number of seconds, or null."
            )
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise BadRequest(
                "count must be a positive integer (how many times to fire), or null for always."
            )
        if message is not None and not isinstance(message, str):
            raise BadRequest("message must be a string.")
        with self._lock:
            if len(self._rules) >= MAX_FAULT_RULES:
                raise BadRequest(
                    f"At most {MAX_FAULT_RULES} fault rules at once; clear some first "
                    "(DELETE /_localcloud/faults)."
                )
            rule = FaultRule(
                self._next_id,
                path,
                method,
                status,
                rate,
                latency,
                drop,
                retry_after,
                count,
                message,
                pattern,
            )
            self._next_id += 1
            self._rules.append(rule)
            return rule.describe()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def pick(self, method: str, path: str) -> FaultRule | None:
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.method not in (None, method) or not rule.pattern.search(path):
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                return rule
        return None


def drop_connection(environ) -> None:
    """Close the client's connection without an answer (the handler's later write fails quietly)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def injected_message(status: int) -> str:
    return {
        413: "Over limit: too many requests (injected by the local cloud).",
        429: "Too many requests (injected by the local cloud).",
        500: "Internal server error (injected by the local cloud).",
        503: "Service unavailable (injected by the local cloud).",
    }.get(status, f"Error {status} (injected by the local cloud).")
