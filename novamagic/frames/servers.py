"""Servers and their addresses (``floating_ipv4``: the first address the API marks
``OS-EXT-IPS:type: floating``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    ADDRESS_COLUMNS,
    SERVER_COLUMNS,
    _as_list,
    _build,
    _first_ipv4,
    _int,
    _text,
)


def _normalised_servers(rows: list, flavors, images) -> list[dict]:
    """Raw API servers in the client's shape (copies), with ``flavors``/``images`` as lookups:
    the client's own normaliser, so raw keys are read in one place."""
    from novamagic.client.shapes import normalise_servers

    flavor_list = _as_list(flavors, "flavors") if flavors else []
    rows_by_id = {
        str(f.get("id")): (f.get("name"), f.get("vcpus"), f.get("ram"), f.get("disk"))
        for f in flavor_list
    }
    ids_by_name = {f.get("name"): str(f.get("id")) for f in flavor_list}
    image_names = {
        str(i.get("id")): i.get("name") for i in (_as_list(images, "images") if images else [])
    }
    copies = [dict(server) for server in rows]
    normalise_servers(copies, rows_by_id, ids_by_name, image_names, v11=False)
    for copy, server in zip(copies, rows, strict=True):
        flavor = server.get("flavor")
        if (
            flavor.__class__ is dict
            and flavor.get("id") is not None
            and copy["flavor"]["name"] is None
        ):
            # A flavor the lookups do not know keeps what the server itself says of it.
            copy["flavor"] = {
                "id": copy["flavor"]["id"],
                "name": flavor.get("name"),
                "vcpus": flavor.get("vcpus"),
                "ram": flavor.get("ram"),
                "disk": flavor.get("disk"),
            }
    return copies


def servers_frame(
    servers: Any,
    *,
    flavors: Iterable[Mapping] | None = None,
    images: Iterable[Mapping] | None = None,
) -> pd.DataFrame:
    """One row per server; columns ``SERVER_COLUMNS`` (see the module docstring)."""
    from novamagic.client.shapes import floating_addresses, is_normalised

    rows = _as_list(servers, "servers", "server")
    if flavors is not None or images is not None or not all(map(is_normalised, rows)):
        rows = _normalised_servers(rows, flavors, images)
    flavor_dicts = [s["flavor"] for s in rows]
    image_dicts = [s["image"] for s in rows]
    image_names = [i["name"] for i in image_dicts]
    public_networks: dict[str, bool] = {}
    ips = [_first_ipv4(s.get("addresses"), public_networks) for s in rows]
    faults = [s.get("fault") for s in rows]

    data = {
        "id": [s.get("id") for s in rows],
        "name": [s.get("name") for s in rows],
        "status": [s.get("status") for s in rows],
        "task_state": [s.get("OS-EXT-STS:task_state") for s in rows],
        "progress": [s.get("progress") for s in rows],
        "flavor": [f["name"] for f in flavor_dicts],
        "flavor_id": [f["id"] for f in flavor_dicts],
        "vcpus": [f["vcpus"] for f in flavor_dicts],
        "ram_mb": [f["ram"] for f in flavor_dicts],
        "disk_gb": [f["disk"] for f in flavor_dicts],
        "image": image_names,
        "image_id": [i["id"] for i in image_dicts],
        "public_ipv4": [ip[0] for ip in ips],
        "private_ipv4": [ip[1] for ip in ips],
        "floating_ipv4": [next(iter(floating_addresses(s)), None) for s in rows],
        "access_ipv4": [s.get("accessIPv4") for s in rows],
        "access_ipv6": [s.get("accessIPv6") for s in rows],
        "key_name": [s.get("key_name") for s in rows],
        "availability_zone": [s.get("OS-EXT-AZ:availability_zone") for s in rows],
        "host_id": [s.get("hostId") for s in rows],
        "project_id": [s.get("tenant_id") or s.get("project_id") for s in rows],
        "user_id": [s.get("user_id") for s in rows],
        "locked": [s.get("locked") for s in rows],
        "fault": [f.get("message") if isinstance(f, Mapping) else None for f in faults],
        "created": [s.get("created") for s in rows],
        "updated": [s.get("updated") for s in rows],
        "launched_at": [s.get("OS-SRV-USG:launched_at") for s in rows],
    }
    return _build(SERVER_COLUMNS, data)


def addresses_frame(
    servers_or_addresses: Any, *, server: str | None = None, server_id: str | None = None
) -> pd.DataFrame:
    """One row per address (long format); columns ``ADDRESS_COLUMNS``.

    ``servers_or_addresses`` is a list of servers, one server dict, or the bare
    ``{network: [{"version", "addr", ...}]}`` mapping (then ``server``/``server_id`` label it).
    """
    payload = servers_or_addresses
    if isinstance(payload, Mapping) and "addresses" in payload and "id" not in payload:
        payload = payload["addresses"]  # the {"addresses": {...}} envelope of /ips
    if isinstance(payload, Mapping) and "id" not in payload and "servers" not in payload:
        owners = [({"name": server, "id": server_id}, payload)]
    else:
        owners = [(s, s.get("addresses")) for s in _as_list(payload, "servers", "server")]
    data: dict[str, list] = {name: [] for name in ADDRESS_COLUMNS}
    for owner, addresses in owners:
        if not isinstance(addresses, Mapping):
            continue
        name, ident = owner.get("name"), _text(owner.get("id"))
        for network, entries in addresses.items():
            for entry in entries or ():
                data["server"].append(name)
                data["network"].append(network)
                data["version"].append(_int(entry.get("version")))
                data["address"].append(entry.get("addr"))
                data["type"].append(_text(entry.get("OS-EXT-IPS:type")))
                data["server_id"].append(ident)
                data["mac"].append(_text(entry.get("OS-EXT-IPS-MAC:mac_addr")))
    return _build(ADDRESS_COLUMNS, data)
