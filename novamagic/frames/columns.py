"""The frames' columns and dtypes (as data), and the converters every frame is built with.

The names with a leading underscore are the package's own: each frame module uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

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
    "floating_ipv4": STRING,
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

NETWORK_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "external": BOOL,
    "shared": BOOL,
    "mtu": INT,
    "subnets": INT,
    "cidrs": STRING,
    "project_id": STRING,
    "created": TIME,
}
PORT_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "network_id": STRING,
    "server_id": STRING,
    "device_owner": STRING,
    "mac": STRING,
    "fixed_ipv4": STRING,
    "fixed_ipv6": STRING,
    "security_groups": INT,
    "project_id": STRING,
    "created": TIME,
}
FLOATING_IP_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "floating_ip": STRING,
    "status": STRING,
    "fixed_ip": STRING,
    "server_id": STRING,
    "port_id": STRING,
    "network_id": STRING,
    "description": STRING,
    "project_id": STRING,
    "created": TIME,
}
SECURITY_GROUP_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "description": STRING,
    "rules": INT,
    "project_id": STRING,
    "created": TIME,
}
RULE_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "group": STRING,
    "direction": STRING,
    "ethertype": STRING,
    "protocol": STRING,
    "port_min": INT,
    "port_max": INT,
    "remote_ip_prefix": STRING,
    "remote_group_id": STRING,
    "description": STRING,
    "group_id": STRING,
}
VOLUME_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "size_gb": INT,
    "bootable": BOOL,
    "volume_type": STRING,
    "attached_to": STRING,
    "device": STRING,
    "image_id": STRING,
    "snapshot_id": STRING,
    "project_id": STRING,
    "created": TIME,
}
SNAPSHOT_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "status": STRING,
    "size_gb": INT,
    "volume_id": STRING,
    "project_id": STRING,
    "created": TIME,
}
ATTACHMENT_COLUMNS: dict[str, Any] = {
    "server_id": STRING,
    "volume_id": STRING,
    "device": STRING,
    "delete_on_termination": BOOL,
}
KEYPAIR_COLUMNS: dict[str, Any] = {
    "name": STRING,
    "type": STRING,
    "fingerprint": STRING,
    "public_key": STRING,
}
ACTION_COLUMNS: dict[str, Any] = {
    "request_id": STRING,
    "action": STRING,
    "start_time": TIME,
    "updated_at": TIME,
    "message": STRING,
    "user_id": STRING,
    "server_id": STRING,
}
EVENT_COLUMNS: dict[str, Any] = {
    "request_id": STRING,
    "action": STRING,
    "event": STRING,
    "result": STRING,
    "start_time": TIME,
    "finish_time": TIME,
    "host_id": STRING,
    "details": STRING,
}

# Network names that mean "reachable from outside" when the API does not mark addresses floating
# (the book's v1.1 cloud had networks literally called public and private).
_PUBLIC_NETWORK_WORDS = ("public", "external", "ext-net", "floating")
_IPV4 = (4, "4")

USAGE_COLUMNS: dict[str, Any] = {
    "project_id": STRING,
    "servers": INT,
    "hours": FLOAT,
    "vcpu_hours": FLOAT,
    "ram_mb_hours": FLOAT,
    "disk_gb_hours": FLOAT,
    "start": TIME,
    "stop": TIME,
}
SERVER_USAGE_COLUMNS: dict[str, Any] = {
    "project_id": STRING,
    "server_id": STRING,
    "name": STRING,
    "flavor": STRING,
    "vcpus": INT,
    "ram_mb": INT,
    "disk_gb": INT,
    "hours": FLOAT,
    "vcpu_hours": FLOAT,
    "state": STRING,
    "started_at": TIME,
    "ended_at": TIME,
    "uptime_s": INT,
}
HYPERVISOR_COLUMNS: dict[str, Any] = {
    "id": STRING,
    "name": STRING,
    "state": STRING,
    "status": STRING,
    "type": STRING,
    "host_ip": STRING,
    "vcpus": INT,
    "vcpus_used": INT,
    "ram_mb": INT,
    "ram_mb_used": INT,
    "disk_gb": INT,
    "disk_gb_used": INT,
    "running_vms": INT,
}

CLASS_COLUMNS: dict[str, Any] = {
    "learner": STRING,
    "project": STRING,
    "servers": INT,
    "states": STRING,
    "instances_used": INT,
    "instances_limit": INT,
    "cores_used": INT,
    "cores_limit": INT,
    "ram_mb_used": INT,
    "ram_mb_limit": INT,
    "requests": INT,
    "idle_s": FLOAT,
    "last_request": STRING,
    "errors": INT,
    "last_error": STRING,
    "passed": STRING,
    "passed_count": INT,
    "project_id": STRING,
}


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
        if "" in values:
            values = [None if v == "" else v for v in values]
        return pd.to_datetime(values, utc=True, format="ISO8601").astype(TIME).array
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


def _ipv4s(addresses: Any, public_networks: dict[str, bool]) -> tuple[Any, Any, Any]:
    """(first public IPv4, first private IPv4, first floating IPv4) of a server's addresses.

    Public: on a network named like a public one, or marked ``OS-EXT-IPS:type: floating``;
    private: any other IPv4 (``version`` 4 or "4"); floating: the first address marked floating
    whose ``version`` is 4 or unsaid. ``public_networks`` caches the name checks per call.
    """
    public = private = floating = None
    if not addresses:
        return None, None, None
    floating_found = False
    for network, entries in addresses.items():
        network_public = public_networks.get(network)
        if network_public is None:
            network_public = public_networks[network] = _network_is_public(network)
        for entry in entries or ():
            if entry.__class__ is not dict and not isinstance(entry, Mapping):
                continue
            marked_floating = entry.get("OS-EXT-IPS:type") == "floating"
            version = entry.get("version")
            if (
                marked_floating
                and not floating_found
                and (version == 4 or version is None and "version" not in entry)
            ):
                floating, floating_found = entry.get("addr"), True
            if version not in _IPV4:
                continue
            if network_public or marked_floating:
                if public is None:
                    public = entry.get("addr")
            elif private is None:
                private = entry.get("addr")
        if public is not None and private is not None and floating_found:
            break
    return public, private, floating


OUTCOME_COLUMNS: dict[str, Any] = {
    "item": STRING,
    "ok": BOOL,
    "status": INT,
    "error": STRING,
    "request_id": STRING,
}
