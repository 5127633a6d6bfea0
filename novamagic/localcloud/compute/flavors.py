"""Nova's flavors: list (filters, sorting, paging), detail, show, extra specs."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import BY_ID, check_query, paginate, root_url
from novamagic.localcloud.compute.views.flavors import flavor_detail, flavor_summary
from novamagic.localcloud.http import Call, route

#: The flavor list's query parameters at 2.102 (``name`` added, ``rxtx_factor`` gone).
FLAVOR_LIST_PARAMS = frozenset(
    "minRam minDisk is_public sort_key sort_dir limit marker name".split()
)


def _list_flavors(call: Call, detail: bool):
    args = call.request.args
    check_query(call, FLAVOR_LIST_PARAMS)
    flavors = call.state.list_flavors()
    if "name" in args and call.at_least("2.102"):
        flavors = [f for f in flavors if f.name == args["name"]]
    for key, attr in (("minRam", "ram"), ("minDisk", "disk")):
        if key in args:
            try:
                minimum = int(args[key])
            except ValueError:
                raise errors.BadRequest(
                    f"Invalid {key} filter {args[key]!r}: an integer is required."
                ) from None
            flavors = [f for f in flavors if getattr(f, attr) >= minimum]
    sort_key = args.get("sort_key", "flavorid")
    keys = {
        "flavorid": lambda f: f.id,
        "id": lambda f: f.id,
        "name": lambda f: f.name,
        "memory_mb": lambda f: f.ram,
        "ram": lambda f: f.ram,
        "vcpus": lambda f: f.vcpus,
        "root_gb": lambda f: f.disk,
        "disk": lambda f: f.disk,
    }
    if sort_key not in keys:
        raise errors.BadRequest(
            f"Invalid sort_key {sort_key!r}; allowed: {', '.join(sorted(keys))}."
        )
    sort_dir = args.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort_dir {sort_dir!r}; allowed: asc, desc.")
    flavors.sort(key=keys[sort_key], reverse=sort_dir == "desc")
    page, links = paginate(call, flavors, BY_ID)
    root = root_url(call)
    render = flavor_detail if detail else flavor_summary
    body = {"flavors": [render(call, root, f) for f in page]}
    if links:
        body["flavors_links"] = links
    return body


def list_flavors(call: Call):
    return _list_flavors(call, False)


def list_flavors_detail(call: Call):
    return _list_flavors(call, True)


def show_flavor(call: Call, flavor_id: str):
    check_query(call, ())
    return {"flavor": flavor_detail(call, root_url(call), call.state.get_flavor(flavor_id))}


def flavor_extra_specs(call: Call, flavor_id: str):
    return {"extra_specs": dict(call.state.get_flavor(flavor_id).extra_specs)}


def relative_rules() -> list:
    return [
        route("/flavors", list_flavors, ["GET"]),
        route("/flavors/detail", list_flavors_detail, ["GET"]),
        route("/flavors/<flavor_id>", show_flavor, ["GET"]),
        route("/flavors/<flavor_id>/os-extra_specs", flavor_extra_specs, ["GET"]),
    ]
