"""What each user of a classroom cloud did last, and the errors they met: the instructor's view.

Nova keeps no record of a learner's refused requests (a 400 for a misspelt flavor leaves no
instance action), yet that is what an instructor needs to see to help. The app records, for every
authenticated request, the user's last request and, for an answer of 400 or more, the error's
one-line message. Bounded so that no learner can grow it: a few errors per user (the newest),
and only users Keystone knows, whose number the identity backend bounds.

Times are wall-clock seconds: "idle for 2 minutes" means the learner's minutes, whatever speed
the cloud's clock runs at. Nothing secret is kept: the path (no query string) and the message
the learner already saw.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field

#: The newest errors kept per user.
ERRORS_PER_USER = 20
#: A message is cut to this many characters.
MESSAGE_CHARS = 200


@dataclass(slots=True)
class UserActivity:
    requests: int = 0
    last_at: float | None = None
    last_request: str = ""
    errors: deque = field(default_factory=lambda: deque(maxlen=ERRORS_PER_USER))


def error_message(body: bytes, status: int) -> str:
    """The one-line message of a fault body in any service's shape (Nova's
    ``{"badRequest": {"message": ...}}``, Keystone's ``{"error": {...}}``, Neutron's
    ``{"NeutronError": {...}}``, Glance's text), else the status."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", "replace").strip().splitlines()
        message = next((line for line in text if line.strip()), "")
    else:
        message = _find_message(data) or ""
    message = " ".join(str(message).split())
    if not message:
        message = f"HTTP {status}"
    return message[:MESSAGE_CHARS]


def _find_message(data, depth: int = 0):
    if depth > 3:
        return None
    if isinstance(data, dict):
        if isinstance(data.get("message"), str):
            return data["message"]
        for value in data.values():
            found = _find_message(value, depth + 1)
            if found:
                return found
    return None


class ActivityLog:
    """Per user: requests made, the last one and when, and the newest errors."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._users: dict[str, UserActivity] = {}

    def record(self, user_id: str, method: str, path: str, status: int, body: bytes) -> None:
        now = self._clock()
        message = error_message(body, status) if status >= 400 else None
        with self._lock:
            entry = self._users.get(user_id)
            if entry is None:
                entry = self._users[user_id] = UserActivity()
            entry.requests += 1
            entry.last_at = now
            entry.last_request = f"{method} {path}"
            if message is not None:
                entry.errors.append(
                    {"at": now, "method": method, "path": path, "status": status,
                     "message": message}
                )  # fmt: skip

    def forget(self, user_ids) -> None:
        """A learner given a fresh project starts with a clean slate."""
        with self._lock:
            for user_id in user_ids:
                self._users.pop(user_id, None)

    def describe(self, user_id: str) -> dict:
        """The JSON the control API answers for one user (times as seconds since the epoch)."""
        now = self._clock()
        with self._lock:
            entry = self._users.get(user_id) or UserActivity()
            return {
                "requests": entry.requests,
                "last_request_at": entry.last_at,
                "idle_seconds": None if entry.last_at is None else round(now - entry.last_at, 3),
                "last_request": entry.last_request or None,
                "errors": [
                    {**error, "seconds_ago": round(now - error["at"], 3)} for error in entry.errors
                ],
            }
