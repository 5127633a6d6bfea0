"""Nova's ``os-hypervisors`` (admins only): list, detail, show, statistics and uptime.

By microversion, as Nova: 2.33 ``limit``/``marker`` paging with ``hypervisors_links``; 2.53
uuids for ids (a show of a non-uuid is a 400; before, a non-integer is a 404), the
``hypervisor_hostname_pattern`` and ``with_servers`` query parameters in place of the
``/{pattern}/search`` and ``/{pattern}/servers`` routes (gone at 2.53); 2.88 ``statistics`` and
``/{id}/uptime`` gone (404) and the resource fields out of the detail view.
"""

from __future__ import annotations

import uuid

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import MAX_LIMIT
from novamagic.localcloud.compute.views import hypervisors as views
from novamagic.localcloud.http import Call, query_limit, route

TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
FALSE = frozenset({"0", "f", "false", "off", "n", "no"})


def _strict_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE or lowered in FALSE:
        return lowered in TRUE
    raise errors.BadRequest(
        f"Invalid input for query parameters {name}. Value: {value[:40]}. "
        "Use one of 1, true, yes, on or 0, false, no, off."
    )


LIST_PARAMS_253 = frozenset({"limit", "marker", "hypervisor_hostname_pattern", "with_servers"})
SHOW_PARAMS_253 = frozenset({"with_servers"})


def _strict_query(call: Call, allowed: frozenset) -> None:
    """From 2.53 Nova's query schemas allow no other parameter."""
    if not call.at_least("2.53"):
        return
    unknown = sorted(set(call.request.args) - allowed)
    if unknown:
        raise errors.BadRequest(
            f"Invalid input for query parameters {unknown[0][:64]}. Additional properties are "
            f"not allowed ({', '.join(repr(k[:64]) for k in unknown)} unexpected)"
        )


def _not_found(ref: str) -> errors.NotFound:
    return errors.NotFound(f"Hypervisor with ID '{ref[:64]}' could not be found.")


def _removed(call: Call, since: str) -> None:
    if call.at_least(since):
        raise errors.NotFound("The resource could not be found.")


def _views(call: Call, hypervisors, *, detail: bool, with_servers: bool = False) -> list[dict]:
    state = call.state
    return [
        views.hypervisor(call, h, state.hypervisor_use(h), detail=detail, with_servers=with_servers)
        for h in hypervisors
    ]


def _listing(call: Call, detail: bool):
    args = call.request.args
    _strict_query(call, LIST_PARAMS_253)
    found = call.state.hypervisors(call.token, "list-detail" if detail else "list")
    pattern, with_servers = None, False
    if call.at_least("2.53"):
        pattern = args.get("hypervisor_hostname_pattern")
        with_servers = (
            _strict_bool(args["with_servers"], "with_servers") if "with_servers" in args else False
        )
    if pattern is not None:
        if "limit" in args or "marker" in args:
            raise errors.BadRequest(
                "Paging over hypervisors with the hypervisor_hostname_pattern query parameter is "
                "not supported."
            )
        found = call.state.search_hypervisors(call.token, pattern, "list")
        if not found:
            raise errors.NotFound(f"No hypervisor matching '{pattern[:64]}' could be found.")
        return {"hypervisors": _views(call, found, detail=detail, with_servers=with_servers)}
    links = []
    if call.at_least("2.33"):
        limit = query_limit(args, MAX_LIMIT, MAX_LIMIT)
        marker = args.get("marker")
        key = (lambda h: h.uuid) if call.at_least("2.53") else (lambda h: str(h.id))
        start = 0
        if marker is not None:
            ids = [key(h) for h in found]
            if marker not in ids:
                raise errors.BadRequest(f"marker [{marker[:64]}] not found")
            start = ids.index(marker) + 1
        found = found[start : start + limit]
        if found and len(found) == limit:
            collection = "os-hypervisors/detail" if detail else "os-hypervisors"
            href = f"{call.base_url}/v2.1/{collection}?limit={limit}&marker={key(found[-1])}"
            links = [{"href": href, "rel": "next"}]
    body: dict = {"hypervisors": _views(call, found, detail=detail, with_servers=with_servers)}
    if links:
        body["hypervisors_links"] = links
    return body


def index(call: Call):
    return _listing(call, detail=False)


def detail(call: Call):
    return _listing(call, detail=True)


def _find(call: Call, ref: str, rule: str):
    by_uuid = call.at_least("2.53")
    if by_uuid:
        try:
            uuid.UUID(ref)
        except ValueError:
            raise errors.BadRequest(f"Invalid uuid {ref[:64]}") from None
    elif not ref.isdigit():
        raise _not_found(ref)
    found = call.state.find_hypervisor(call.token, ref, by_uuid, rule)
    if found is None:
        raise _not_found(ref)
    return found


def show(call: Call, hypervisor_id: str):
    with_servers = False
    _strict_query(call, SHOW_PARAMS_253)
    if call.at_least("2.53") and "with_servers" in call.request.args:
        with_servers = _strict_bool(call.request.args["with_servers"], "with_servers")
    found = _find(call, hypervisor_id, "show")
    (view,) = _views(call, [found], detail=True, with_servers=with_servers)
    return {"hypervisor": view}


def uptime(call: Call, hypervisor_id: str):
    _removed(call, "2.88")
    found = _find(call, hypervisor_id, "uptime")
    (view,) = _views(call, [found], detail=False)
    return {"hypervisor": {**view, "uptime": views.UPTIME}}


def statistics(call: Call):
    _removed(call, "2.88")
    state = call.state
    pairs = [(h, state.hypervisor_use(h)) for h in state.hypervisors(call.token, "statistics")]
    return {"hypervisor_statistics": views.statistics(pairs)}


def search(call: Call, pattern: str):
    _removed(call, "2.53")
    found = call.state.search_hypervisors(call.token, pattern, "search")
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern[:64]}' could be found.")
    return {"hypervisors": _views(call, found, detail=False)}


def servers(call: Call, pattern: str):
    _removed(call, "2.53")
    found = call.state.search_hypervisors(call.token, pattern, "servers")
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern[:64]}' could be found.")
    return {"hypervisors": _views(call, found, detail=False, with_servers=True)}


def relative_rules() -> list:
    return [
        route("/os-hypervisors", index, ["GET"]),
        route("/os-hypervisors/detail", detail, ["GET"]),
        route("/os-hypervisors/statistics", statistics, ["GET"]),
        route("/os-hypervisors/<hypervisor_id>", show, ["GET"]),
        route("/os-hypervisors/<hypervisor_id>/uptime", uptime, ["GET"]),
        route("/os-hypervisors/<pattern>/search", search, ["GET"]),
        route("/os-hypervisors/<pattern>/servers", servers, ["GET"]),
    ]
