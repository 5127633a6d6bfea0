"""JSON from the compute API -> pandas DataFrames with documented, stable columns (no HTTP here).

Every function takes the plain JSON the client returns (today's v2.1 shapes at any microversion,
or the book's v1.1 shapes) and returns a frame whose columns, order and dtypes never depend on
which microversion or API root answered, and which has the same columns when the input is empty.
Values the answering API does not carry are missing (``<NA>``/``NaT``), never a different column set.

Dtypes: ``string`` for text, ``Int64`` for counts and sizes, ``Float64`` for fractions and
milliseconds, ``boolean`` for flags, ``datetime64[us, UTC]`` for timestamps (naive timestamps,
as in ``OS-SRV-USG:launched_at``, are UTC). All nullable, so missing values are ``pd.NA``/``NaT``.

Frames (columns in order; ``SERVER_COLUMNS`` etc. hold the same specs as data):

``servers_frame(servers, *, flavors=None, images=None)``
    id, name, status, task_state, progress, flavor, flavor_id, vcpus, ram_mb, disk_gb, image,
    image_id, public_ipv4, private_ipv4, access_ipv4, access_ipv6, key_name, availability_zone,
    host_id, project_id, user_id, locked, fault, created, updated, launched_at.
    Frames read the client's normalised shapes (:mod:`novamagic.client.shapes`); raw API JSON
    is first put in that shape by the client's own normaliser, with ``flavors=`` (a list of
    flavor dicts: fills names and sizes before 2.47, ids from 2.47) and ``images=`` (names).
    ``public_ipv4`` is the first IPv4 address that is floating or sits on a network named like
    "public"/"external"; ``private_ipv4`` the first other IPv4 address.
``flavors_frame(flavors)``
    id, name, vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, rxtx_factor, is_public, disabled,
    description.
``images_frame(images)``
    id, name, status, progress, min_disk_gb, min_ram_mb, size_bytes, visibility, server_id,
    created, updated.  Compute-API (``minDisk``) and Glance v2 (``min_disk``) shapes both work;
    status is upper case either way.
``addresses_frame(servers_or_addresses, *, server=None, server_id=None)``
    server, network, version, address, type, server_id, mac  (one row per address; ``type`` is
    "fixed"/"floating" where the API says so).  Takes a list of servers, one server, or the bare
    ``{network: [address, ...]}`` mapping of ``GET /servers/{id}/ips``.
``metadata_frame(metadata)``
    key, value  (sorted by key, so reruns give the same frame).
``limits_frame(limits)``
    name, used, max  (absolute limits; ``max`` is ``<NA>`` when unlimited, i.e. -1).
    Names: instances, cores, ram_mb, server_meta, image_meta, personality, personality_bytes,
    keypairs, server_groups, server_group_members, security_groups, security_group_rules,
    floating_ips, then any other limit the cloud reports, in snake case.
``history_frame(history)``
    time, method, path, status, ms, request_id, attempt, error  (``attempt`` counts retries from 1;
    ``error`` names the failure when no HTTP answer came).
``outcomes_frame(results)``
    item, ok, status, error, request_id  (one row per item of a bulk operation: the client's
    ``BulkResult`` of ``{"item", "ok", "result", "error"}`` dicts).
``fleet_summary(servers, limits=None)``
    The numbers behind ``%nova report``: a dict of frames ``by_status`` (status, servers),
    ``by_flavor`` (flavor, servers, vcpus, ram_mb, disk_gb) and ``totals`` (resource, used, max,
    percent) — pure pandas on the two frames above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "ADDRESS_COLUMNS",
    "FLAVOR_COLUMNS",
    "HISTORY_COLUMNS",
    "IMAGE_COLUMNS",
    "LIMIT_COLUMNS",
    "METADATA_COLUMNS",
    "OUTCOME_COLUMNS",
    "SERVER_COLUMNS",
    "addresses_frame",
    "flavors_frame",
    "fleet_summary",
    "history_frame",
    "images_frame",
    "limits_frame",
    "metadata_frame",
    "outcomes_frame",
    "servers_frame",
]

STRING = "string"
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"
TIME = pd.DatetimeTZDtype("us", "UTC")

SERVER_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "task_state": STRING,
    "progress": INT,
    "flavor": STRING,
    "flavor_id": STRING,
    "vcpus": INT,
    "ram_mb": INT,
    "disk_gb": INT,
    "image": STRING,
    "image_id": STRING,
    "public_ipv4": STRING,
    "private_ipv4": STRING,
    "access_ipv4": STRING,
    "access_ipv6": STRING,
    "key_name": STRING,
    "availability_zone": STRING,
    "host_id": STRING,
    "project_id": STRING,
    "user_id": STRING,
    "locked": BOOL,
    "fault": STRING,
    "created": TIME,
    "updated": TIME,
    "launched_at": TIME,
}
FLAVOR_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "vcpus": INT,
    "ram_mb": INT,
    "disk_gb": INT,
    "ephemeral_gb": INT,
    "swap_mb": INT,
    "rxtx_factor": FLOAT,
    "is_public": BOOL,
    "disabled": BOOL,
    "description": STRING,
}
IMAGE_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "progress": INT,
    "min_disk_gb": INT,
    "min_ram_mb": INT,
    "size_bytes": INT,
    "visibility": STRING,
    "server_id": STRING,
    "created": TIME,
    "updated": TIME,
}
ADDRESS_COLUMNS: dict[str, Any] = {
    "server": STRING,
    "network": STRING,
    "version": INT,
    "address": STRING,
    "type": STRING,
    "server_id": STRING,
    "mac": STRING,
}
METADATA_COLUMNS: dict[str, Any] = {"key": STRING, "value": STRING}
LIMIT_COLUMNS: dict[str, Any] = {"name": STRING, "used": INT, "max": INT}
HISTORY_COLUMNS: dict[str, Any] = {
    "time": TIME,
    "method": STRING,
    "path": STRING,
    "status": INT,
    "ms": FLOAT,
    "request_id": STRING,
    "attempt": INT,
    "error": STRING,
}

# Network names that mean "reachable from outside" when the API does not mark addresses floating
# (the book's v1.1 cloud had networks literally called public and private).
_PUBLIC_NETWORK_WORDS = ("public", "external", "ext-net", "floating")
_IPV4 = (4, "4")


# --- small converters (per value; the per-row work stays a tight loop over plain dicts) ----------


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _column(values: list, dtype: Any) -> Any:
    """Convert one column of raw JSON values, vectorised; odd values (e.g. "" or "20") coerce."""
    if dtype is TIME:
        # Timestamps repeat a lot in a fleet; to_datetime's cache parses each distinct one once.
        series = pd.Series(values, dtype=object).replace("", None)
        return pd.to_datetime(series, utc=True, format="ISO8601").astype(TIME).array
    if dtype == STRING:
        if "" in values:  # the API says "" for "no value" (accessIPv4, hostId, ...)
            values = [None if v == "" else v for v in values]
        return pd.array(values, dtype=STRING)
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        pass
    if dtype == BOOL:
        return pd.array([_bool(v) for v in values], dtype=BOOL)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return (numbers.round() if dtype == INT else numbers).astype(dtype).array


def _build(columns: Mapping[str, Any], data: Mapping[str, list]) -> pd.DataFrame:
    """Assemble a frame column by column with the declared dtypes (empty input -> empty columns)."""
    return pd.DataFrame(
        {name: _column(data.get(name, []), dtype) for name, dtype in columns.items()},
        columns=list(columns),
    )


def _unwrap(payload: Any, *keys: str) -> Any:
    """Accept either the bare JSON value or the API's envelope ({"servers": [...]})."""
    if isinstance(payload, Mapping):
        for key in keys:
            if key in payload and not isinstance(payload[key], (str, int, float)):
                return payload[key]
    return payload


def _as_list(payload: Any, *keys: str) -> list:
    payload = _unwrap(payload, *keys)
    if payload is None:
        return []
    if isinstance(payload, Mapping):
        return [payload]
    return list(payload)


def _network_is_public(network: str) -> bool:
    lowered = network.lower()
    return any(word in lowered for word in _PUBLIC_NETWORK_WORDS)


def _first_ipv4(addresses: Any, public_networks: dict[str, bool]) -> tuple[Any, Any]:
    """(first public IPv4, first private IPv4); ``public_networks`` caches name checks per call."""
    public = private = None
    if not addresses:
        return None, None
    for network, entries in addresses.items():
        network_public = public_networks.get(network)
        if network_public is None:
            network_public = public_networks[network] = _network_is_public(network)
        if network_public and public is not None:
            continue  # nothing more to learn from another public network
        for entry in entries or ():
            if entry.get("version") not in _IPV4:
                continue
            if network_public or entry.get("OS-EXT-IPS:type") == "floating":
                if public is None:
                    public = entry.get("addr")
                    if network_public or private is not None:
                        break
            elif private is None:
                private = entry.get("addr")
                if public is not None:
                    break
        if public is not None and private is not None:
            break
    return public, private


# --- servers -------------------------------------------------------------------------------------


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
    from novamagic.client.shapes import is_normalised

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


# --- flavors and images --------------------------------------------------------------------------


def flavors_frame(flavors: Any) -> pd.DataFrame:
    """One row per flavor; columns ``FLAVOR_COLUMNS``."""
    rows = _as_list(flavors, "flavors", "flavor")
    data = {
        "id": [_text(f.get("id")) for f in rows],
        "name": [f.get("name") for f in rows],
        "vcpus": [_int(f.get("vcpus")) for f in rows],
        "ram_mb": [_int(f.get("ram")) for f in rows],
        "disk_gb": [_int(f.get("disk")) for f in rows],
        "ephemeral_gb": [
            _int(f.get("OS-FLV-EXT-DATA:ephemeral", f.get("ephemeral"))) for f in rows
        ],
        # Nova reports no swap as "" rather than 0.
        "swap_mb": [0 if f.get("swap") == "" else _int(f.get("swap")) for f in rows],
        "rxtx_factor": [_float(f.get("rxtx_factor")) for f in rows],
        "is_public": [_bool(f.get("os-flavor-access:is_public", f.get("is_public"))) for f in rows],
        "disabled": [_bool(f.get("OS-FLV-DISABLED:disabled", f.get("disabled"))) for f in rows],
        "description": [_text(f.get("description")) for f in rows],
    }
    return _build(FLAVOR_COLUMNS, data)


def _image_server_id(image: Mapping) -> str | None:
    server = image.get("server")
    return _text(server.get("id")) if isinstance(server, Mapping) else None


def images_frame(images: Any) -> pd.DataFrame:
    """One row per image; columns ``IMAGE_COLUMNS``. Compute-API and Glance v2 shapes."""
    from novamagic.client.shapes import normalise_image

    rows = [normalise_image(i) for i in _as_list(images, "images", "image")]
    data = {
        "id": [_text(i.get("id")) for i in rows],
        "name": [i.get("name") for i in rows],
        "status": [_text(i.get("status")) and str(i["status"]).upper() for i in rows],
        "progress": [_int(i.get("progress")) for i in rows],
        "min_disk_gb": [_int(i["minDisk"]) for i in rows],
        "min_ram_mb": [_int(i["minRam"]) for i in rows],
        "size_bytes": [_int(i["OS-EXT-IMG-SIZE:size"]) for i in rows],
        "visibility": [_text(i["visibility"]) for i in rows],
        "server_id": [_image_server_id(i) for i in rows],
        "created": [i.get("created") for i in rows],
        "updated": [i.get("updated") for i in rows],
    }
    return _build(IMAGE_COLUMNS, data)


# --- addresses, metadata -------------------------------------------------------------------------


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


def metadata_frame(metadata: Any) -> pd.DataFrame:
    """One row per metadata item, sorted by key; columns ``METADATA_COLUMNS``.

    Takes ``{"k": "v"}``, the ``{"metadata": {...}}`` / ``{"meta": {...}}`` envelopes, or a
    server/image dict (its ``metadata``).
    """
    if isinstance(metadata, Mapping):
        for key in ("metadata", "meta"):
            if isinstance(metadata.get(key), Mapping):
                metadata = metadata[key]
                break
    items = sorted((metadata or {}).items())
    data = {
        "key": [str(k) for k, _ in items],
        "value": [None if v is None else str(v) for _, v in items],
    }
    return _build(METADATA_COLUMNS, data)


# --- limits --------------------------------------------------------------------------------------

# (name, max key, used key) in display order; Nova's absolute limits, compute and network.
_LIMITS = (
    ("instances", "maxTotalInstances", "totalInstancesUsed"),
    ("cores", "maxTotalCores", "totalCoresUsed"),
    ("ram_mb", "maxTotalRAMSize", "totalRAMUsed"),
    ("server_meta", "maxServerMeta", None),
    ("image_meta", "maxImageMeta", None),
    ("personality", "maxPersonality", None),
    ("personality_bytes", "maxPersonalitySize", None),
    ("keypairs", "maxTotalKeypairs", None),
    ("server_groups", "maxServerGroups", "totalServerGroupsUsed"),
    ("server_group_members", "maxServerGroupMembers", None),
    ("security_groups", "maxSecurityGroups", "totalSecurityGroupsUsed"),
    ("security_group_rules", "maxSecurityGroupRules", None),
    ("floating_ips", "maxTotalFloatingIps", "totalFloatingIpsUsed"),
)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if (
            ch.isupper()
            and i
            and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _limit_max(value: Any) -> int | None:
    number = _int(value)
    return None if number is None or number < 0 else number


def limits_frame(limits: Any) -> pd.DataFrame:
    """Absolute limits with usage; columns ``LIMIT_COLUMNS``; unlimited (-1) max is ``<NA>``.

    Takes ``{"limits": {"absolute": {...}}}``, ``{"absolute": {...}}`` or the absolute dict.
    """
    absolute = _unwrap(limits, "limits")
    absolute = _unwrap(absolute, "absolute") or {}
    names, used, maxima = [], [], []
    seen = set()
    for name, max_key, used_key in _LIMITS:
        if max_key not in absolute and (used_key is None or used_key not in absolute):
            continue
        seen.update((max_key, used_key))
        names.append(name)
        maxima.append(_limit_max(absolute.get(max_key)))
        used.append(_int(absolute.get(used_key)) if used_key else None)
    # Limits this table does not know yet (newer clouds): pair maxX / totalXUsed generically.
    extra_max = {
        k[8:] if k.startswith("maxTotal") else k[3:]: k
        for k in absolute
        if k.startswith("max") and k not in seen
    }
    extra_used = {
        k[5:-4]: k
        for k in absolute
        if k.startswith("total") and k.endswith("Used") and k not in seen
    }
    for stem in sorted(set(extra_max) | set(extra_used)):
        names.append(_snake(stem))
        maxima.append(_limit_max(absolute.get(extra_max.get(stem))) if stem in extra_max else None)
        used.append(_int(absolute.get(extra_used[stem])) if stem in extra_used else None)
    return _build(LIMIT_COLUMNS, {"name": names, "used": used, "max": maxima})


# --- request history -----------------------------------------------------------------------------

_HISTORY_ALIASES = {
    "time": ("time", "timestamp", "started", "at"),
    "method": ("method",),
    "path": ("path", "url"),
    "status": ("status", "status_code"),
    "ms": ("ms", "milliseconds", "elapsed_ms", "duration_ms"),
    "request_id": ("request_id", "requestid"),
    "attempt": ("attempt",),
    "error": ("error",),
}


def _field(entry: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if isinstance(entry, Mapping):
            if name in entry:
                return entry[name]
        elif hasattr(entry, name):
            return getattr(entry, name)
    return None


def _timestamp(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return pd.Timestamp(value, unit="s", tz="UTC")
    return value


def history_frame(history: Any) -> pd.DataFrame:
    """One row per HTTP request the client made; columns ``HISTORY_COLUMNS``.

    Entries may be dicts or objects with those attributes (``time`` as ISO text, a datetime or
    epoch seconds). Tokens never reach this layer: the client records none.
    """
    rows = list(history or ())
    data = {name: [_field(e, aliases) for e in rows] for name, aliases in _HISTORY_ALIASES.items()}
    data["time"] = [_timestamp(v) for v in data["time"]]
    data["status"] = [_int(v) for v in data["status"]]
    data["attempt"] = [_int(v) for v in data["attempt"]]
    data["error"] = [_text(v) for v in data["error"]]
    data["ms"] = [_float(v) for v in data["ms"]]
    data["method"] = [_text(v) and str(v).upper() for v in data["method"]]
    return _build(HISTORY_COLUMNS, data)


# --- bulk outcomes -------------------------------------------------------------------------------

OUTCOME_COLUMNS: dict[str, Any] = {
    "item": STRING,
    "ok": BOOL,
    "status": INT,
    "error": STRING,
    "request_id": STRING,
}


def _item_label(item: Any) -> Any:
    if isinstance(item, Mapping):
        return item.get("name") or item.get("id")
    return item


def outcomes_frame(results: Any) -> pd.DataFrame:
    """One row per item of a bulk operation; columns ``OUTCOME_COLUMNS``.

    ``error`` is the error's one-line text, ``status``/``request_id`` come from it.
    """
    rows = list(results or ())
    errors = [r.get("error") for r in rows]
    data = {
        "item": [_text(_item_label(r.get("item"))) for r in rows],
        "ok": [bool(r.get("ok")) for r in rows],
        "status": [getattr(e, "status", None) for e in errors],
        "error": [None if e is None else str(e) for e in errors],
        "request_id": [getattr(e, "request_id", None) for e in errors],
    }
    return _build(OUTCOME_COLUMNS, data)


# --- fleet summary -------------------------------------------------------------------------------


def fleet_summary(
    servers: pd.DataFrame, limits: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Aggregate a servers frame (and a limits frame) into the frames of ``%nova report``.

    ``by_status``: status, servers.  ``by_flavor``: flavor, servers, vcpus, ram_mb, disk_gb.
    ``totals``: resource (instances, cores, ram_mb, disk_gb), used (summed from the servers),
    max (from limits, ``<NA>`` when unlimited or unknown), percent (Float64).
    """
    by_status = (
        servers.groupby("status", dropna=False, sort=True)
        .size()
        .rename("servers")
        .reset_index()
        .astype({"status": STRING, "servers": INT})
    )
    flavor = servers["flavor"].fillna(servers["flavor_id"]).fillna("?")
    by_flavor = (
        servers.assign(flavor=flavor, servers=1)
        .groupby("flavor", sort=True)[["servers", "vcpus", "ram_mb", "disk_gb"]]
        .sum(min_count=0)
        .reset_index()
        .astype({"flavor": STRING, "servers": INT, "vcpus": INT, "ram_mb": INT, "disk_gb": INT})
    )
    used = {
        "instances": len(servers),
        "cores": servers["vcpus"].sum(),
        "ram_mb": servers["ram_mb"].sum(),
        "disk_gb": servers["disk_gb"].sum(),
    }
    maxima = {}
    if limits is not None and len(limits):
        maxima = dict(zip(limits["name"], limits["max"], strict=True))
    totals = pd.DataFrame(
        {
            "resource": pd.array(list(used), dtype=STRING),
            "used": pd.array([int(v) for v in used.values()], dtype=INT),
            "max": pd.array([maxima.get(k) for k in used], dtype=INT),
        }
    )
    capped = totals["max"].where(totals["max"] > 0)  # a zero quota gives no meaningful percent
    totals["percent"] = (totals["used"] * 100 / capped).astype(FLOAT).round(1)
    return {"by_status": by_status, "by_flavor": by_flavor, "totals": totals}
