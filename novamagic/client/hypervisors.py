"""Capacity: the hypervisors (admins only) with what they hold, their sums, and availability
zones.

The hypervisors are read at 2.87 at most: 2.88 took the resource fields (vCPUs, RAM, disk and
their use) out of Nova's answer, and they are what capacity is about. The statistics are the
sums of those fields, added up here (Nova's os-hypervisors/statistics is gone at 2.88 too).
"""

from __future__ import annotations

RESOURCES = (
    "vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
    "free_ram_mb", "free_disk_gb", "running_vms", "current_workload",
)  # fmt: skip


class HypervisorsMixin:
    """hypervisors(), hypervisor_statistics(), availability_zones()."""

    def hypervisors(self, *, limit: int | None = None) -> list[dict]:
        """Every hypervisor in detail (admins only): ``id``, ``hypervisor_hostname``, ``state``,
        ``status``, ``hypervisor_type``, ``host_ip``, ``service`` and, where the cloud reports
        them, the resources and their use (``vcpus``, ``vcpus_used``, ``memory_mb``, ...)."""
        at = self._at_most("2.87")
        if at is not None and not self._supports("2.33", at):  # no paging before 2.33
            data = self._compute("GET", "/os-hypervisors/detail", microversion=at) or {}
            return list(data.get("hypervisors") or [])[:limit]
        return self._paginate(
            self._url("/os-hypervisors/detail"), "hypervisors", {}, limit=limit, microversion=at
        )

    def hypervisor_statistics(self) -> dict:
        """The hypervisors' resources summed (``count`` and each of :data:`RESOURCES`; a field
        no hypervisor reports is None)."""
        found = self.hypervisors()
        totals: dict = {"count": len(found)}
        for key in RESOURCES:
            values = [h[key] for h in found if isinstance(h.get(key), (int, float))]
            totals[key] = sum(values) if values else None
        return totals

    def availability_zones(self, *, detail: bool = False) -> list[dict]:
        """The availability zones (``zoneName``, ``zoneState``, ``hosts``); ``detail`` (admins)
        adds the internal zone and each zone's hosts and services."""
        path = "/os-availability-zone/detail" if detail else "/os-availability-zone"
        return list((self._compute("GET", path) or {}).get("availabilityZoneInfo") or [])
