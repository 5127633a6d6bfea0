"""The local cloud's control API (clock, faults, state), as a client sees it."""

from __future__ import annotations

from urllib.parse import quote

from novamagic.client.errors import NotFound
from novamagic.client.session import HttpSession


class LocalControl:
    """The local cloud's control API (clock, faults, state); only on a novamagic local cloud."""

    def __init__(self, http: HttpSession, root: str):
        self._http = http
        self._root = root.rstrip("/") + "/_localcloud"

    def __repr__(self) -> str:
        return f"<LocalControl {self._root}>"

    def _call(self, method, path, json=None):
        try:
            return self._http.json(
                method, self._root + path, json=json, headers={"Accept": "application/json"}
            )
        except NotFound:
            if path == "/status":
                raise NotFound(
                    f"{self._root} is not a novamagic local cloud: its control API is missing",
                    hint="the control API (clock, faults) exists only on novamagic.localcloud",
                ) from None
            raise

    def status(self) -> dict:
        return self._call("GET", "/status")

    def reset(self) -> dict:
        return self._call("POST", "/reset")

    def tick(self, seconds: float) -> dict:
        return self._call("POST", "/tick", {"seconds": seconds})

    def state(self) -> dict:
        return self._call("GET", "/state")

    def inject_fault(
        self,
        path: str = ".*",
        *,
        status: int | None = None,
        method: str | None = None,
        rate: float = 1.0,
        latency: float = 0.0,
        drop: bool | str = False,
        retry_after: int | None = None,
        count: int | None = None,
        message: str | None = None,
    ) -> dict:
        """Make requests whose path matches the regex fail: an error ``status`` (503 when
        nothing else is asked), ``latency`` seconds, or ``drop`` the connection ("before" the
        request is processed, or "after": processed, answer lost); ``count`` times or always."""
        body = {
            "path": path,
            "method": method,
            "status": status,
            "rate": rate,
            "latency": latency,
            "drop": drop,
            "retry_after": retry_after,
            "count": count,
        }
        if message is not None:
            body["message"] = message
        return self._call("POST", "/faults", body)["fault"]

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_speed(self, speed: float) -> dict:
        return self._call("POST", "/speed", {"speed": speed})

    def classroom(self) -> dict:
        """Every user of the cloud with their project, roles and activity (admins only)."""
        return self._call("GET", "/class")

    def reset_project(self, project_id: str) -> dict:
        """Remove everything a learner's project holds (admins only); what went, by kind."""
        return self._call("POST", f"/class/{quote(project_id, safe='')}/reset")

    def populate(self, count: int, **options) -> dict:
        """Seed ``count`` ACTIVE servers at once (options: project, name, image, flavor,
        metadata, tags); returns {"count", "ids"}."""
        return self._call("POST", "/servers", {"count": count, **options})
