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
    _int,
    _ipv4s,
    _text,
    _unwrap,
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


def _fault_message(fault: Any) -> Any:
    return fault.get("message") if isinstance(fault, Mapping) else None


def servers_frame(
    servers: Any,
    *,
    flavors: Iterable[Mapping] | None = None,
    images: Iterable[Mapping] | None = None,
) -> pd.DataFrame:
    """One row per server; columns ``SERVER_COLUMNS`` (see the module docstring).

    ``servers``: the client's servers (a list, or ``cloud.iter_servers()`` to let each page go
    once its rows are taken), raw API servers, or the API's envelope.
    """
    from novamagic.client.decoding import paused_gc
    from novamagic.client.shapes import FLAVOR_KEYS, IMAGE_KEYS

    if flavors is not None or images is not None:
        servers = _normalised_servers(_as_list(servers, "servers", "server"), flavors, images)
    else:
        servers = _unwrap(servers, "servers", "server")
        if servers is None:
            servers = ()
        elif isinstance(servers, Mapping):
            servers = (servers,)
    public_networks: dict[str, bool] = {}
    rows = []
    add = rows.append
    # One pass, one tuple per server (columns in SERVER_COLUMNS order). The cyclic GC stays
    # paused: a listing streams ~100,000 fresh acyclic objects a page through here, and each
    # page is freed by reference counting as soon as its rows are taken.
    with paused_gc():
        for server in servers:
            get = server.get
            flavor, image = get("flavor"), get("image")
            if not (
                flavor.__class__ is dict
                and image.__class__ is dict
                and flavor.keys() == FLAVOR_KEYS
                and image.keys() == IMAGE_KEYS
            ):  # raw JSON: the client's shape first (a copy)
                server = _normalised_servers([server], None, None)[0]
                get, flavor, image = server.get, server["flavor"], server["image"]
            public, private, floating = _ipv4s(get("addresses"), public_networks)
            fault = get("fault")
            add(
                (
                    get("id"),
                    get("name"),
                    get("status"),
                    get("OS-EXT-STS:task_state"),
                    get("progress"),
                    flavor["name"],
                    flavor["id"],
                    flavor["vcpus"],
                    flavor["ram"],
                    flavor["disk"],
                    image["name"],
                    image["id"],
                    public,
                    private,
                    floating,
                    get("accessIPv4"),
                    get("accessIPv6"),
                    get("key_name"),
                    get("OS-EXT-AZ:availability_zone"),
                    get("hostId"),
                    get("tenant_id") or get("project_id"),
                    get("user_id"),
                    get("locked"),
                    None if fault is None else _fault_message(fault),
                    get("created"),
                    get("updated"),
                    get("OS-SRV-USG:launched_at"),
                )
            )
        columns = map(list, zip(*rows, strict=True))
        data = dict(zip(SERVER_COLUMNS, columns, strict=True)) if rows else {}
        del rows
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
