"""Usage over a period (Nova's os-simple-tenant-usage): per project and per server.

Times go to Nova in the one form it parses (``2012-03-21T00:00:00``, UTC, no zone); a datetime,
a date, or an ISO 8601 string (with a zone or not) is accepted and converted here. Pages (2.40)
are followed and merged by project, as the ``openstack`` CLI does.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from novamagic.client.errors import ValidationError

#: Where a period starts when no start is given: before any OpenStack cloud ran (Nova's first
#: release was October 2010), so "usage so far" is everything the cloud remembers.
USAGE_EPOCH = "2010-01-01T00:00:00"
NOVA_TIME = "%Y-%m-%dT%H:%M:%S"
#: Pages at most this many: a cloud whose next links never end cannot hold a kernel.
MAX_PAGES = 1000


def nova_time(value, what: str) -> str | None:
    """``value`` as Nova's query time (naive UTC); None stays None."""
    if value is None:
        return None
    when = value
    if isinstance(value, str):
        text = value.strip()
        try:
            when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise ValidationError(
                f"{what} {value!r} is not a time: use ISO 8601, e.g. 2012-03-21 or "
                "2012-03-21T06:00:00Z"
            ) from None
    elif hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        when = value.to_pydatetime()
    if isinstance(when, dt.date) and not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    if not isinstance(when, dt.datetime):
        raise ValidationError(f"{what} must be a datetime, a date or an ISO 8601 string")
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when.strftime(NOVA_TIME)


def _merge(into: dict, page: dict) -> None:
    for key in (
        "total_hours",
        "total_vcpus_usage",
        "total_memory_mb_usage",
        "total_local_gb_usage",
    ):
        into[key] = into.get(key, 0) + page.get(key, 0)
    into.setdefault("server_usages", []).extend(page.get("server_usages") or [])


class UsageMixin:
    """usage(): what servers used over a period."""

    def usage(
        self, start=None, end=None, *, project: str | None = None, all_projects: bool = False
    ) -> list[dict]:
        """Each project's usage between ``start`` (default :data:`USAGE_EPOCH`) and ``end``
        (default: the cloud's now; Nova clips a later end to now), with its ``server_usages``.

        One dict per project (``tenant_id``, ``start``, ``stop``, ``total_hours``,
        ``total_vcpus_usage`` (vCPU-hours), ``total_memory_mb_usage`` (MB-hours),
        ``total_local_gb_usage`` (GB-hours), ``server_usages``: one dict per server with
        ``instance_id``, ``name``, ``flavor``, ``vcpus``, ``memory_mb``, ``local_gb``,
        ``hours``, ``started_at``, ``ended_at``, ``state``, ``uptime``). This session's project
        by default; ``project=`` another (its owner or an admin); ``all_projects`` every
        project (admins only). An empty list when nothing ran in the period.
        """
        if project and all_projects:
            raise ValidationError("project= or all_projects=True, not both")
        params = {"start": nova_time(start if start is not None else USAGE_EPOCH, "start")}
        stop = nova_time(end, "end")
        if stop is not None:
            params["end"] = stop
            if params["start"] >= stop:
                raise ValidationError(f"start {params['start']} must be before end {stop}")
        if all_projects:
            path, key = "/os-simple-tenant-usage", "tenant_usages"
            params["detailed"] = "1"
        else:
            project_id = project or self._http.access().project_id
            path, key = f"/os-simple-tenant-usage/{project_id}", "tenant_usage"
        merged: dict[str, dict] = {}
        for _ in range(MAX_PAGES):
            data = self._compute("GET", path, params=params) or {}
            found = data.get(key) or []
            page = found if isinstance(found, list) else ([found] if found else [])
            for usage in page:
                tenant = usage.get("tenant_id")
                if tenant in merged:
                    _merge(merged[tenant], usage)
                else:
                    merged[tenant] = {
                        **usage,
                        "server_usages": list(usage.get("server_usages") or []),
                    }
            href = next(
                (
                    link.get("href")
                    for link in data.get(f"{key}_links", ())
                    if link.get("rel") == "next"
                ),
                None,
            )
            if not href:
                break
            params = dict(parse_qsl(urlsplit(href).query))  # our URL, the link's marker
        return list(merged.values())
