"""The os-hypervisors views, by microversion: 2.28 ``cpu_info`` as an object, 2.53 uuids for
ids, 2.75 ``servers`` always present when asked for, 2.88 the resource fields gone (placement
has them) and ``uptime`` added."""

from __future__ import annotations

import json

from novamagic.localcloud import model
from novamagic.localcloud.http import Call

CPU_INFO = {
    "arch": "x86_64",
    "model": "Nehalem",
    "vendor": "Intel",
    "features": ["pge", "clflush"],
    "topology": {"cores": 8, "threads": 2, "sockets": 4},
}
#: What ``uptime`` says of the host (Nova passes the host's ``uptime`` output through).
UPTIME = " 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.12, 0.14"


def hypervisor(
    call: Call,
    hyp: model.Hypervisor,
    use: model.HypervisorUse,
    *,
    detail: bool,
    with_servers: bool = False,
) -> dict:
    uuids = call.at_least("2.53")
    view = {
        "id": hyp.uuid if uuids else hyp.id,
        "hypervisor_hostname": hyp.hostname,
        "state": "up",
        "status": "enabled",
    }
    if detail:
        view.update(
            hypervisor_type=hyp.hypervisor_type,
            hypervisor_version=hyp.hypervisor_version,
            host_ip=hyp.host_ip,
            service={
                "id": hyp.service_uuid if uuids else hyp.service_id,
                "host": hyp.hostname,
                "disabled_reason": None,
            },
        )
        if call.at_least("2.88"):
            view["uptime"] = UPTIME
        else:
            free_disk = hyp.local_gb - use.local_gb_used
            view.update(
                vcpus=hyp.vcpus,
                memory_mb=hyp.memory_mb,
                local_gb=hyp.local_gb,
                vcpus_used=use.vcpus_used,
                memory_mb_used=use.memory_mb_used,
                local_gb_used=use.local_gb_used,
                free_ram_mb=hyp.memory_mb - use.memory_mb_used,
                free_disk_gb=free_disk,
                current_workload=use.current_workload,
                running_vms=use.running_vms,
                disk_available_least=free_disk,
                cpu_info=CPU_INFO if call.at_least("2.28") else json.dumps(CPU_INFO),
            )
    if with_servers and (use.servers or call.at_least("2.75")):
        view["servers"] = [{"name": name, "uuid": uuid} for name, uuid in use.servers]
    return view


def statistics(hypervisors: list[tuple[model.Hypervisor, model.HypervisorUse]]) -> dict:
    """The sums over every hypervisor (up to 2.87)."""
    totals = dict.fromkeys(
        (
            "count current_workload disk_available_least free_disk_gb free_ram_mb local_gb "
            "local_gb_used memory_mb memory_mb_used running_vms vcpus vcpus_used"
        ).split(),
        0,
    )
    for hyp, use in hypervisors:
        free_disk = hyp.local_gb - use.local_gb_used
        totals["count"] += 1
        totals["current_workload"] += use.current_workload
        totals["disk_available_least"] += free_disk
        totals["free_disk_gb"] += free_disk
        totals["free_ram_mb"] += hyp.memory_mb - use.memory_mb_used
        totals["local_gb"] += hyp.local_gb
        totals["local_gb_used"] += use.local_gb_used
        totals["memory_mb"] += hyp.memory_mb
        totals["memory_mb_used"] += use.memory_mb_used
        totals["running_vms"] += use.running_vms
        totals["vcpus"] += hyp.vcpus
        totals["vcpus_used"] += use.vcpus_used
    return totals
