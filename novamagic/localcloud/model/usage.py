"""What servers used over a period (Nova's os-simple-tenant-usage), read from the cloud's clock.

As Nova accounts it: the hours a server existed between its launch and its deletion (stops,
pauses and resizes ignored; the current flavor counts), clipped to the period. Deleted servers
count from their tombstones, so a period in the past still adds up after a clean-up (as far back
as the tombstones reach: :data:`~novamagic.localcloud.model.servers.MAX_TOMBSTONES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from novamagic.localcloud.errors import Forbidden
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.servers import Server


@dataclass(frozen=True, slots=True)
class ServerUsage:
    """One server's share of a period: Nova's ``server_usages`` entry, before its view."""

    server_id: str
    name: str
    project_id: str
    flavor: str
    vcpus: int
    memory_mb: int
    local_gb: int
    hours: float
    started_at: float
    ended_at: float | None
    state: str  # the vm_state, or "terminated" once deleted
    uptime: int  # seconds from launch to deletion, or to now


class UsageBackend:
    """Usage over a period for :class:`CloudState` (no state of its own)."""

    def server_usages(
        self, caller: Token, start: float, stop: float, project_id: str | None = None
    ) -> list[ServerUsage]:
        """Servers launched before ``stop`` and not deleted before ``start``, oldest first.

        ``project_id`` None: every project (admins only, Nova's ``list`` policy); a project: its
        owner or an admin (``show``). ``stop`` past the cloud's now is clipped to now, as Nova.
        """
        if project_id is None and not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed."
            )
        if project_id is not None and not caller.owns(project_id):
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed."
            )
        with self.lock:
            now = self.now()
            stop = min(stop, now)
            for server in [s for s in self.servers.values() if s.operation is not None]:
                self._settle(server, now)
            every = sorted(
                [*self.servers.values(), *self.deleted_servers.values()], key=lambda s: s.seq
            )
            return [
                self._usage_of(server, start, stop, now)
                for server in every
                if (project_id is None or server.project_id == project_id)
                and server.launched_at is not None
                and server.launched_at < stop
                and (server.terminated_at is None or server.terminated_at > start)
            ]

    def _usage_of(self, server: Server, start: float, stop: float, now: float) -> ServerUsage:
        flavor = self.flavors.get(server.flavor_id)
        ended = server.terminated_at
        began = max(server.launched_at, start)
        hours = max(0.0, (min(stop, ended) if ended is not None else stop) - began) / 3600.0
        return ServerUsage(
            server_id=server.id,
            name=server.name,
            project_id=server.project_id,
            flavor=flavor.name if flavor else "",
            vcpus=flavor.vcpus if flavor else 0,
            memory_mb=flavor.ram if flavor else 0,
            local_gb=(flavor.disk + flavor.ephemeral) if flavor else 0,
            hours=hours,
            started_at=server.launched_at,
            ended_at=ended,
            state="terminated" if ended is not None else server.vm_state,
            uptime=int((ended if ended is not None else now) - server.launched_at),
        )
