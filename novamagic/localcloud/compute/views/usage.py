"""The os-simple-tenant-usage views: one server's usage, and a project's totals over a period."""

from __future__ import annotations

from novamagic.localcloud import model
from novamagic.localcloud.clock import iso_micro


def server_usage(usage: model.ServerUsage) -> dict:
    return {
        "ended_at": iso_micro(usage.ended_at) if usage.ended_at is not None else None,
        "flavor": usage.flavor,
        "hours": usage.hours,
        "instance_id": usage.server_id,
        "local_gb": usage.local_gb,
        "memory_mb": usage.memory_mb,
        "name": usage.name,
        "started_at": iso_micro(usage.started_at),
        "state": usage.state,
        "tenant_id": usage.project_id,
        "uptime": usage.uptime,
        "vcpus": usage.vcpus,
    }


def tenant_usages(
    usages: list[model.ServerUsage], start: float, stop: float, detailed: bool
) -> list[dict]:
    """Per project, in the order its first server appears (Nova's OrderedDict); totals are
    resource-hours (``total_vcpus_usage`` is vCPU-hours)."""
    summaries: dict[str, dict] = {}
    for usage in usages:
        summary = summaries.get(usage.project_id)
        if summary is None:
            summary = summaries[usage.project_id] = {
                "tenant_id": usage.project_id,
                **({"server_usages": []} if detailed else {}),
                "total_local_gb_usage": 0,
                "total_vcpus_usage": 0,
                "total_memory_mb_usage": 0,
                "total_hours": 0,
                "start": iso_micro(start),
                "stop": iso_micro(stop),
            }
        summary["total_local_gb_usage"] += usage.local_gb * usage.hours
        summary["total_vcpus_usage"] += usage.vcpus * usage.hours
        summary["total_memory_mb_usage"] += usage.memory_mb * usage.hours
        summary["total_hours"] += usage.hours
        if detailed:
            summary["server_usages"].append(server_usage(usage))
    return list(summaries.values())
