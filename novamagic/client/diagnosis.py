"""Diagnosing a server: its console output (``os-getConsoleOutput``) and the actions asked of
it with their events (``os-instance-actions``; events need microversion 2.51 for non-admins,
which this call asks for when the session is below it and the cloud offers it)."""

from __future__ import annotations

from urllib.parse import quote

from novamagic.client.connection import version_tuple
from novamagic.client.errors import ValidationError
from novamagic.client.resolve import ref_to_string

__all__ = ["DiagnosisMixin"]

#: Below this microversion Nova shows an action's events to admins only.
EVENTS_MICROVERSION = "2.51"


class DiagnosisMixin:
    """console_output, server_actions, server_action."""

    def console_output(self, server, length: int | None = None) -> str:
        """The server's console log (its last ``length`` lines when given) as one string.
        A server still building has none yet: the cloud's 409 says so."""
        body = {}
        if length is not None:
            if isinstance(length, bool) or not isinstance(length, int) or length < 1:
                raise ValidationError(f"length must be a positive number of lines, got {length!r}")
            body["length"] = length
        data = self._action(server, {"os-getConsoleOutput": body})
        return (data or {}).get("output") or ""

    def _events_microversion(self) -> str | None:
        if self.microversion is None or self._supports(EVENTS_MICROVERSION):
            return self.microversion
        highest = version_tuple(self.max_microversion or self.microversion)
        if highest >= version_tuple(EVENTS_MICROVERSION):
            return EVENTS_MICROVERSION
        return self.microversion

    def server_actions(self, server, *, events: bool = False) -> list[dict]:
        """What was asked of the server, newest first: action, request_id, start_time,
        user_id, message (and updated_at from 2.58). ``events=True`` adds each action's
        ``events`` (one more request per action)."""
        server_id = quote(self._server_id(server), safe="")
        data = self._compute(
            "GET", f"/servers/{server_id}/os-instance-actions",
            microversion=self._events_microversion(),
        )  # fmt: skip
        actions = (data or {}).get("instanceActions") or []
        if events:
            return [self._action_detail(server_id, a["request_id"]) for a in actions]
        return actions

    def server_action(self, server, request_id: str) -> dict:
        """One action with its ``events`` (event, start_time, finish_time, result, ...)."""
        server_id = quote(self._server_id(server), safe="")
        return self._action_detail(server_id, ref_to_string(request_id, "request id"))

    def _action_detail(self, server_id: str, request_id: str) -> dict:
        data = self._compute(
            "GET",
            f"/servers/{server_id}/os-instance-actions/{quote(request_id, safe='')}",
            microversion=self._events_microversion(),
        )
        action = data["instanceAction"]
        action.setdefault("events", [])
        return action
