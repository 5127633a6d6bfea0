"""Nova's ``os-simple-tenant-usage``: what servers used over a period, per project (all projects
for admins) and per server, on the cloud's clock.

Query: ``start`` and ``end`` in Nova's three formats (``2012-03-21T00:00:00``, with
``.%f``, or ``2012-03-21 00:00:00.%f``; no zone: UTC), each defaulting to now, ``end`` clipped to
now; ``detailed=1`` adds ``server_usages`` to the listing (show always has them). From 2.40
``limit`` and ``marker`` page over the servers (a ``*_links`` next link on a full page); before,
pages are silently ``max_limit`` long. From 2.75 unknown query parameters are a 400.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import MAX_LIMIT
from novamagic.localcloud.compute.views import usage as views
from novamagic.localcloud.http import Call, query_limit, route

FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")
INDEX_PARAMS = frozenset({"start", "end", "detailed", "limit", "marker"})
SHOW_PARAMS = frozenset({"start", "end", "limit", "marker"})


def _time(value: str | None, now: float) -> float:
    if value is None or value == "":
        return now
    for fmt in FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc).timestamp()
        except (ValueError, OverflowError):
            continue
    raise errors.BadRequest(
        f"Invalid datetime string: Datetime is in invalid format ({value[:40]!r}; use "
        "2012-03-21T00:00:00, optionally with .microseconds, in UTC)."
    )


def _period(call: Call, allowed: frozenset) -> tuple[float, float]:
    args = call.request.args
    if call.at_least("2.75"):
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise errors.BadRequest(
                f"Invalid input for query parameters {unknown[0]}. Additional properties are not "
                f"allowed ({', '.join(repr(k) for k in unknown)} unexpected)"
            )
    now = call.state.now()
    start, stop = _time(args.get("start"), now), _time(args.get("end"), now)
    if start > stop or (start == stop and "start" in args and "end" in args):
        raise errors.BadRequest(
            "Invalid start time. The start time cannot occur after the end time."
        )
    return start, min(stop, now)


def _page(call: Call, usages: list) -> tuple[list, str | None]:
    """One page of server usages and, from 2.40 when it is full, the next page's URL."""
    paging = call.at_least("2.40")
    limit, start = MAX_LIMIT, 0
    if paging:
        args = call.request.args
        limit = query_limit(args, MAX_LIMIT, MAX_LIMIT)
        marker = args.get("marker")
        if marker is not None:
            ids = [u.server_id for u in usages]
            if marker not in ids:
                raise errors.BadRequest(f"Marker {marker} could not be found.")
            start = ids.index(marker) + 1
    page = usages[start : start + limit]
    if not (paging and page and len(page) == limit):
        return page, None
    params = [
        (k, v) for k, v in call.request.args.items(multi=True) if k not in ("limit", "marker")
    ]
    params += [("limit", str(limit)), ("marker", page[-1].server_id)]
    return page, f"{call.base_url}{call.request.path}?{urlencode(params)}"


def index(call: Call):
    if call.request.path.endswith("/"):
        # ``/os-simple-tenant-usage/`` names a blank project, not the list: 404, as in Nova
        raise errors.NotFound("Tenant usage of an empty project id could not be found.")
    start, stop = _period(call, INDEX_PARAMS)
    detailed = call.request.args.get("detailed", "0") == "1"
    usages = call.state.server_usages(call.token, start, stop)
    page, next_href = _page(call, usages)
    body: dict = {"tenant_usages": views.tenant_usages(page, start, stop, detailed)}
    if next_href:
        body["tenant_usages_links"] = [{"href": next_href, "rel": "next"}]
    return body


def show(call: Call, tenant_id: str):
    start, stop = _period(call, SHOW_PARAMS)
    usages = call.state.server_usages(call.token, start, stop, project_id=tenant_id)
    page, next_href = _page(call, usages)
    summaries = views.tenant_usages(page, start, stop, detailed=True)
    body: dict = {"tenant_usage": summaries[0] if summaries else {}}
    if next_href:
        body["tenant_usage_links"] = [{"href": next_href, "rel": "next"}]
    return body


def relative_rules() -> list:
    return [
        route("/os-simple-tenant-usage", index, ["GET"]),
        route("/os-simple-tenant-usage/<tenant_id>", show, ["GET"]),
    ]
