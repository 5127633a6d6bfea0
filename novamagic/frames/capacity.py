"""Usage over a period and capacity of the hosts, as frames: what ``%nova usage`` and
``%nova hypervisors`` show and what the report measures against."""

from __future__ import annotations

from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    HYPERVISOR_COLUMNS,
    SERVER_USAGE_COLUMNS,
    USAGE_COLUMNS,
    _as_list,
    _build,
)


def usage_frame(usages: Any) -> pd.DataFrame:
    """One row per project; columns ``USAGE_COLUMNS`` (resource-hours over the period)."""
    rows = _as_list(usages, "tenant_usages", "tenant_usage")
    data = {
        "project_id": [u.get("tenant_id") for u in rows],
        "servers": [len(u.get("server_usages") or ()) for u in rows],
        "hours": [u.get("total_hours") for u in rows],
        "vcpu_hours": [u.get("total_vcpus_usage") for u in rows],
        "ram_mb_hours": [u.get("total_memory_mb_usage") for u in rows],
        "disk_gb_hours": [u.get("total_local_gb_usage") for u in rows],
        "start": [u.get("start") for u in rows],
        "stop": [u.get("stop") for u in rows],
    }
    return _build(USAGE_COLUMNS, data)


def server_usage_frame(usages: Any) -> pd.DataFrame:
    """One row per server of every project's ``server_usages``; columns
    ``SERVER_USAGE_COLUMNS`` (``state`` is "terminated" for a deleted server)."""
    rows = [
        s
        for u in _as_list(usages, "tenant_usages", "tenant_usage")
        for s in u.get("server_usages") or ()
    ]
    data = {
        "project_id": [s.get("tenant_id") for s in rows],
        "server_id": [s.get("instance_id") for s in rows],
        "name": [s.get("name") for s in rows],
        "flavor": [s.get("flavor") for s in rows],
        "vcpus": [s.get("vcpus") for s in rows],
        "ram_mb": [s.get("memory_mb") for s in rows],
        "disk_gb": [s.get("local_gb") for s in rows],
        "hours": [s.get("hours") for s in rows],
        "vcpu_hours": [(s.get("vcpus") or 0) * (s.get("hours") or 0) for s in rows],
        "state": [s.get("state") for s in rows],
        "started_at": [s.get("started_at") for s in rows],
        "ended_at": [s.get("ended_at") for s in rows],
        "uptime_s": [s.get("uptime") for s in rows],
    }
    return _build(SERVER_USAGE_COLUMNS, data)


def hypervisors_frame(hypervisors: Any) -> pd.DataFrame:
    """One row per hypervisor; columns ``HYPERVISOR_COLUMNS`` (resources missing where the
    cloud does not report them, as from microversion 2.88)."""
    rows = _as_list(hypervisors, "hypervisors", "hypervisor")
    data = {
        "id": [None if h.get("id") is None else str(h["id"]) for h in rows],  # int before 2.53
        "name": [h.get("hypervisor_hostname") for h in rows],
        "state": [h.get("state") for h in rows],
        "status": [h.get("status") for h in rows],
        "type": [h.get("hypervisor_type") for h in rows],
        "host_ip": [h.get("host_ip") for h in rows],
        "vcpus": [h.get("vcpus") for h in rows],
        "vcpus_used": [h.get("vcpus_used") for h in rows],
        "ram_mb": [h.get("memory_mb") for h in rows],
        "ram_mb_used": [h.get("memory_mb_used") for h in rows],
        "disk_gb": [h.get("local_gb") for h in rows],
        "disk_gb_used": [h.get("local_gb_used") for h in rows],
        "running_vms": [h.get("running_vms") for h in rows],
    }
    return _build(HYPERVISOR_COLUMNS, data)


def zones_frame(zones: Any) -> pd.DataFrame:
    """One row per availability zone: zone, available, hosts (how many; missing when the
    listing does not say, as a non-admin's)."""
    rows = _as_list(zones, "availabilityZoneInfo")
    return pd.DataFrame(
        {
            "zone": pd.array([z.get("zoneName") for z in rows], dtype="string"),
            "available": pd.array(
                [(z.get("zoneState") or {}).get("available") for z in rows], dtype="boolean"
            ),
            "hosts": pd.array(
                [None if z.get("hosts") is None else len(z["hosts"]) for z in rows], dtype="Int64"
            ),
        }
    )


def usage_by_flavor(server_usage: pd.DataFrame) -> pd.DataFrame:
    """Resource-hours per flavor over the period (flavor, servers, hours, vcpu_hours,
    ram_mb_hours, disk_gb_hours), flavors in natural order: from ``server_usage_frame``."""
    from novamagic.frames.report import sort_naturally

    hours = server_usage["hours"]
    table = (
        server_usage.assign(
            servers=1,
            ram_mb_hours=server_usage["ram_mb"] * hours,
            disk_gb_hours=server_usage["disk_gb"] * hours,
            flavor=server_usage["flavor"].fillna("?"),
        )
        .groupby("flavor", sort=False)[
            ["servers", "hours", "vcpu_hours", "ram_mb_hours", "disk_gb_hours"]
        ]
        .sum(min_count=0)
        .reset_index()
        .astype({"flavor": "string", "servers": "Int64"})
        .astype({k: "Float64" for k in ("hours", "vcpu_hours", "ram_mb_hours", "disk_gb_hours")})
    )
    return sort_naturally(table, "flavor").reset_index(drop=True)
