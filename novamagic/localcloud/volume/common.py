"""What every Cinder controller shares: links, bodies, list filters, sorting and paging."""

from __future__ import annotations

import ast
from urllib.parse import urlencode

from novamagic.localcloud import errors
from novamagic.localcloud.clock import iso_micro
from novamagic.localcloud.http import Call, query_limit

MAX_LIMIT = 1000  # Cinder's osapi_max_limit
#: List parameters every list takes besides its filters.
LIST_PARAMS = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir", "offset",
                         "all_tenants", "project_id", "with_count"})  # fmt: skip


def v3_root(call: Call, project_id: str) -> str:
    return f"{call.base_url}/volume/v3/{project_id}"


def links(call: Call, project_id: str, collection: str, item_id: str) -> list[dict]:
    return [
        {"href": f"{v3_root(call, project_id)}/{collection}/{item_id}", "rel": "self"},
        {"href": f"{call.base_url}/volume/{project_id}/{collection}/{item_id}", "rel": "bookmark"},
    ]


def when(t: float | None) -> str | None:
    return None if t is None else iso_micro(t)


def body_of(call: Call, key: str, allowed: set[str], required=()) -> dict:
    """The ``{key: {...}}`` object of a request, its keys checked (400 naming the wrong one)."""
    inner = call.body_dict(key)
    extra = sorted(set(inner) - allowed)
    if extra:
        raise errors.BadRequest(
            f"Invalid input for field/attribute {key}. Additional properties are not allowed "
            f"({', '.join(repr(k[:40]) for k in extra[:3])} unexpected)."
        )
    for name in required:
        if inner.get(name) is None:
            raise errors.BadRequest(
                f"Invalid input for field/attribute {key}. '{name}' is a required property."
            )
    return inner


def all_projects(call: Call) -> bool:
    value = call.request.args.get("all_tenants", "").strip().lower()
    return value in ("1", "true", "yes", "on") and call.token.is_admin


def filtered(call: Call, items: list, filters: dict) -> list:
    """Cinder's list filters: ``filters`` maps a query name to how an item shows it; any other
    name is refused, as Cinder refuses filters it was not configured for."""
    args = call.request.args
    unknown = sorted(set(args) - LIST_PARAMS - set(filters))
    if unknown:
        raise errors.BadRequest(
            f"Invalid filters {', '.join(u[:40] for u in unknown[:3])} are found in query "
            f"options; allowed: {', '.join(sorted(filters))}."
        )
    if "project_id" in args and all_projects(call):
        items = [i for i in items if i.project_id == args["project_id"]]
    for name, read in filters.items():
        if name == "metadata" and name in args:
            wanted = _metadata_filter(args[name])
            items = [i for i in items if wanted.items() <= read(i).items()]
        elif name in args:
            wanted = args[name].strip().lower()
            items = [i for i in items if str(read(i)).lower() == wanted]
    return items


def _metadata_filter(text: str) -> dict:
    """Cinder's ``metadata`` filter, a dict as text (``{'k': 'v'}`` or JSON): the pairs an
    item's metadata must hold."""
    try:
        wanted = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        wanted = None
    if not isinstance(wanted, dict):
        raise errors.BadRequest(
            f"Invalid input received: metadata filter {text[:40]} is not a dict, e.g. "
            "{'key': 'value'}."
        )
    return {str(k): str(v) for k, v in wanted.items()}


def paged(call: Call, items: list, collection: str, sort_keys: dict) -> tuple[list, list]:
    """(page, links): sorted (``sort=key:dir`` or ``sort_key``/``sort_dir``), limit and marker."""
    args = call.request.args
    sort = args.get("sort")
    key, direction = args.get("sort_key", "created_at"), args.get("sort_dir", "desc")
    if sort:
        key, _, direction = sort.split(",")[0].partition(":")
        direction = direction or "desc"
    key = {"display_name": "name"}.get(key, key)  # Cinder's old name for the key
    if key not in sort_keys or direction not in ("asc", "desc"):
        raise errors.BadRequest(
            f"Invalid sort {key[:40]}:{direction[:10]}; keys: {', '.join(sorted(sort_keys))}, "
            "directions asc or desc."
        )
    items = sorted(items, key=sort_keys[key], reverse=direction == "desc")
    limit = query_limit(args, MAX_LIMIT, MAX_LIMIT)
    start = _offset(args.get("offset"))
    marker = args.get("marker")
    if marker is not None:
        ids = [i.id for i in items]
        if marker not in ids:
            raise errors.NotFound(f"Marker {marker[:40]} could not be found.")
        start = ids.index(marker) + 1
    page = items[start : start + limit]
    out = []
    if page and len(page) == limit:  # as Cinder, a full page links on, even to an empty one
        params = [(k, v) for k, v in args.items(multi=True) if k not in ("marker", "limit")]
        params += [("limit", str(limit)), ("marker", page[-1].id)]
        out = [{"href": f"{call.base_url}{call.request.path}?{urlencode(params)}", "rel": "next"}]
    return page, out


def _offset(text: str | None) -> int:
    """Cinder's (deprecated) ``offset``: items to skip before the page, 0 or more."""
    if text is None:
        return 0
    if not text.strip().isdigit():
        raise errors.BadRequest(f"Invalid input received: offset {text[:40]} must be an integer "
                                "of 0 or more.")  # fmt: skip
    return int(text)
