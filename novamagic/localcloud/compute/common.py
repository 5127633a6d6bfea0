"""What every compute controller shares: URLs and links, paging, query and body checks."""

from __future__ import annotations

import json
import operator
from urllib.parse import urlencode

from novamagic.localcloud import errors
from novamagic.localcloud.clock import parse_time
from novamagic.localcloud.http import Call, query_limit

MAX_LIMIT = 1000  # Nova's osapi_max_limit
BY_ID = operator.attrgetter("id")


def root_url(call: Call) -> str:
    """``http://host:port/compute`` or ``http://host:port`` as the client reached compute."""
    return call.base_url + ("/compute" if call.request.path.startswith("/compute") else "")


def item_links(root: str, project_id: str, collection: str, item_id: str) -> list[dict]:
    return [
        {"rel": "self", "href": f"{root}/v2.1/{project_id}/{collection}/{item_id}"},
        {"rel": "bookmark", "href": f"{root}/{project_id}/{collection}/{item_id}"},
    ]


def bool_param(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "1", "true", "t", "yes", "y", "on"):
        return True
    if lowered in ("0", "false", "f", "no", "n", "off"):
        return False
    raise errors.BadRequest(f"Invalid value {value!r} for {name}: use true or false.")


def time_param(value: str, name: str) -> float:
    try:
        return parse_time(value)
    except (ValueError, OverflowError):
        raise errors.BadRequest(
            f"Invalid input for query parameters {name}. Value: {value}. It is not an ISO 8601 date-time "
            "such as 2012-03-21T00:00:00Z."
        ) from None


def paginate(call: Call, items: list, id_of, find=None) -> tuple[list, list]:
    """Nova's limit/marker paging: (page, links). A full page gets a ``next`` link.

    ``find(marker)``, if given, returns the item a marker names (or None): the marker is then
    looked up by identity, without listing every item's id (each page of a long listing)."""
    args = call.request.args
    limit = query_limit(args, MAX_LIMIT, MAX_LIMIT)
    start = 0
    marker = args.get("marker")
    if marker is not None:
        start = _after_marker(items, marker, id_of, find)
    page = items[start : start + limit]
    links = []
    if page and len(page) == limit:
        params = [(k, v) for k, v in args.items(multi=True) if k not in ("marker", "limit")]
        params += [("limit", str(limit)), ("marker", id_of(page[-1]))]
        href = f"{call.base_url}{call.request.path}?{urlencode(params)}"
        links = [{"rel": "next", "href": href}]
    return page, links


def _after_marker(items: list, marker: str, id_of, find) -> int:
    """The index after the item ``marker`` names (400 if none does)."""
    item = find(marker) if find is not None else None
    if item is not None:
        try:
            index = items.index(item)  # a C loop (servers compare by identity)
        except ValueError:
            index = None
        if index is not None and id_of(items[index]) == marker:
            return index + 1
    try:
        return list(map(id_of, items)).index(marker) + 1
    except ValueError:
        raise errors.BadRequest(f"marker [{marker}] not found") from None


def check_query(call: Call, allowed: frozenset[str] | set[str], since: str = "2.102") -> None:
    """From ``since`` (2.102 for every API; the servers list from 2.75) a query parameter the
    API does not know is a 400, as in Nova; below it, unknown parameters are ignored."""
    if not call.at_least(since):
        return
    unknown = sorted(set(call.request.args) - set(allowed))
    if unknown:
        raise errors.BadRequest(
            f"Invalid input for query parameters {unknown[0]}. Additional properties are not "
            f"allowed ({', '.join(repr(k) for k in unknown)} unexpected); allowed: "
            f"{', '.join(sorted(allowed)) or 'none'}."
        )


def check_body_keys(body: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise errors.BadRequest(
            f"Invalid input for field/attribute {where}. Additional properties are not allowed "
            f"({', '.join(repr(k) for k in extra)} {'was' if len(extra) == 1 else 'were'} unexpected)"
        )


def dumps(value) -> str:
    """Compact JSON text, as the fast views splice it."""
    return json.dumps(value, separators=(",", ":"))
