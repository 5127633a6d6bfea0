"""Limits: the absolute limits with usage, read at 2.1, and the copy client-side checks use."""

from __future__ import annotations

from urllib.parse import quote

from novamagic.client.errors import NotFound


class LimitsMixin:
    """limits() and the cached absolute limits validation checks against."""

    _abs_limits: dict | None

    def limits(self) -> dict:
        """Absolute limits with usage (and rate limits where the cloud has any), read at 2.1."""
        data = self._compute("GET", "/limits", microversion=self._at_most("2.1"))["limits"]
        with self._lock:
            self._abs_limits = dict(data.get("absolute") or {})
        return data

    def quota_usage(self, project_id: str | None = None) -> dict[str, dict]:
        """A project's quotas with their use (``{name: {"in_use", "limit", "reserved"}}``);
        another project's needs an admin, as in Nova."""
        project_id = project_id or self.whoami()["project_id"]
        path = f"/os-quota-sets/{quote(project_id, safe='')}/detail"
        return self._compute("GET", path)["quota_set"]

    def _validation_limits(self) -> dict:
        if self._abs_limits is None:
            try:
                self.limits()
            except NotFound:  # a cloud without /limits: nothing to check against
                self._abs_limits = {}
        return self._abs_limits
