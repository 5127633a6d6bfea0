"""The compute host behind the local cloud (Nova's os-hypervisors) and its availability zones.

One hypervisor, ``localcloud-1`` (every server runs there), whose size is a cloud option
(``hypervisor={"vcpus": ..., "memory_mb": ..., "local_gb": ...}``); what it has in use is summed
from the servers on it, as Nova's resource tracker reports it. Admins only, as in Nova.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from novamagic.localcloud.errors import BadRequest, Forbidden
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.servers import HOST

#: A modest host of today: 64 vCPUs, 256 GiB of RAM, 4 TB of disk.
DEFAULT_HYPERVISOR = {"vcpus": 64, "memory_mb": 262_144, "local_gb": 4_000}
#: Sizes a cloud may be given: enough for any fleet populate_servers() can make, never a bignum.
MAX_SIZE = 10**9
#: Servers in these states hold no resources on the host (Nova frees them on offload).
OFF_HOST = frozenset({"SHELVED_OFFLOADED"})
ZONE = "nova"  # Nova's default_availability_zone


@dataclass(frozen=True, slots=True)
class Hypervisor:
    id: int
    uuid: str
    service_id: int
    service_uuid: str
    hostname: str
    host_ip: str
    hypervisor_type: str
    hypervisor_version: int
    vcpus: int
    memory_mb: int
    local_gb: int


@dataclass(frozen=True, slots=True)
class HypervisorUse:
    """What a hypervisor holds now: the ``*_used`` fields and the servers on it."""

    vcpus_used: int
    memory_mb_used: int
    local_gb_used: int
    running_vms: int
    current_workload: int  # servers with a task under way
    servers: tuple[tuple[str, str], ...]  # (name, uuid)


def check_hypervisor(spec: dict | None) -> dict:
    """The ``hypervisor=`` option: DEFAULT_HYPERVISOR with these sizes (positive integers)."""
    sizes = dict(DEFAULT_HYPERVISOR)
    for key, value in (spec or {}).items():
        if key not in DEFAULT_HYPERVISOR:
            raise ValueError(
                f"unknown hypervisor size {key!r}; known: {sorted(DEFAULT_HYPERVISOR)}"
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_SIZE:
            raise ValueError(f"hypervisor {key} must be an integer from 1 to {MAX_SIZE}")
        sizes[key] = value
    return sizes


def check_regions(regions) -> tuple[str, ...]:
    """The ``regions=`` option: a region name or a list of them (the catalogue's regions)."""
    names = (regions,) if isinstance(regions, str) else tuple(regions)
    if not names or len(names) > 16 or len(set(names)) != len(names):
        raise ValueError("regions must be 1 to 16 distinct names, e.g. ['RegionOne', 'RegionTwo']")
    for name in names:
        if not isinstance(name, str) or not 0 < len(name) <= 64 or not name.isprintable():
            raise ValueError(f"a region name is 1 to 64 printable characters; got {name!r}")
    return names


class HypervisorBackend:
    """The hypervisors and availability zones of :class:`CloudState`."""

    hypervisor_sizes: dict

    def _admin_only(self, caller: Token, rule: str) -> None:
        if not caller.is_admin:
            raise Forbidden(f"Policy doesn't allow os_compute_api:{rule} to be performed.")

    def hypervisors(self, caller: Token, rule: str = "list") -> list[Hypervisor]:
        """Every hypervisor (admins; ``rule`` names Nova's policy in a refusal)."""
        self._admin_only(caller, f"os-hypervisors:{rule}")
        # Fixed ids from the seed, drawn from no RNG: every other id of the cloud stays as it was.
        named = uuid.uuid5(uuid.NAMESPACE_URL, f"novamagic-localcloud:{self.seed}")
        return [
            Hypervisor(
                id=1,
                uuid=str(uuid.uuid5(named, f"compute-node:{HOST}")),
                service_id=1,
                service_uuid=str(uuid.uuid5(named, f"service:{HOST}")),
                hostname=HOST,
                host_ip="127.0.0.1",
                hypervisor_type="QEMU",
                hypervisor_version=8_002_000,
                **self.hypervisor_sizes,
            )
        ]

    def hypervisor_use(self, hypervisor: Hypervisor) -> HypervisorUse:
        with self.lock:
            now = self.now()
            on_host = []
            for server in list(self.servers.values()):
                if server.operation is not None:
                    self._settle(server, now)
                if not server.deleted and server.status not in OFF_HOST:
                    on_host.append(server)
            flavors = [self.flavors.get(s.flavor_id) for s in on_host]
            return HypervisorUse(
                vcpus_used=sum(f.vcpus for f in flavors if f),
                memory_mb_used=sum(f.ram for f in flavors if f),
                local_gb_used=sum(f.disk + f.ephemeral for f in flavors if f),
                running_vms=len(on_host),
                current_workload=sum(1 for s in on_host if s.task_state is not None),
                servers=tuple((s.name, s.id) for s in on_host),
            )

    def find_hypervisor(
        self, caller: Token, ref: str, by_uuid: bool, rule: str = "show"
    ) -> Hypervisor | None:
        """The hypervisor with this id (an integer before 2.53, a uuid from it), else None."""
        for hypervisor in self.hypervisors(caller, rule):
            if (hypervisor.uuid if by_uuid else str(hypervisor.id)) == ref:
                return hypervisor
        return None

    def search_hypervisors(
        self, caller: Token, pattern: str, rule: str = "search"
    ) -> list[Hypervisor]:
        """Hypervisors whose hostname contains ``pattern`` (Nova's SQL ``LIKE %pattern%``)."""
        found = self.hypervisors(caller, rule)  # the policy first: a member learns nothing
        if len(pattern) > 255:
            raise BadRequest("hypervisor_hostname_pattern is at most 255 characters.")
        return [h for h in found if pattern in h.hostname]

    def availability_zones(self, caller: Token, detail: bool) -> list[dict]:
        """Zones as Nova lists them: ``nova`` for everyone; with ``detail`` (admins) the
        ``internal`` zone of the control services too, and each zone's hosts and services."""
        if detail:
            self._admin_only(caller, "os-availability-zone:detail")
            service = {"active": True, "available": True, "updated_at": None}
            return [
                {
                    "zoneName": "internal",
                    "zoneState": {"available": True},
                    "hosts": {
                        "conductor": {"nova-conductor": dict(service)},
                        "scheduler": {"nova-scheduler": dict(service)},
                    },
                },
                {
                    "zoneName": ZONE,
                    "zoneState": {"available": True},
                    "hosts": {HOST: {"nova-compute": dict(service)}},
                },
            ]
        return [{"zoneName": ZONE, "zoneState": {"available": True}, "hosts": None}]
