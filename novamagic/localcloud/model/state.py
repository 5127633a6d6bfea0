"""The local cloud's model: every resource of one cloud, composed into one :class:`CloudState`.

No HTTP here. Each resource has its own backend (moto's way): identity, flavors, images, key
pairs, quotas, servers, server actions and the lifecycle, and Neutron's networks (subnets,
ports), security groups, floating IPs and quotas, and Cinder's volumes and snapshots, each a mixin of :class:`CloudState`.
They share one re-entrant lock and one clock. Every public method takes the caller (a
:class:`Token`) where access matters and raises a typed :class:`~novamagic.localcloud.errors.
CloudError` on bad input or a wrong state; each route module words the HTTP answer its own way.

Determinism: ids come from RNGs seeded with ``seed`` (one stream for identity, one for
resources, so ``reset()`` replays the same resource ids), addresses are handed out in sequence.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid
from typing import Any

from novamagic.localcloud.clock import Clock, ManualClock, iso_micro_z
from novamagic.localcloud.model.actions import ServerActionBackend
from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.block_devices import BlockDeviceBackend
from novamagic.localcloud.model.classroom import ClassroomBackend
from novamagic.localcloud.model.console import ConsoleBackend
from novamagic.localcloud.model.flavors import FlavorBackend, check_extra_flavors
from novamagic.localcloud.model.floatingips import FloatingIPBackend
from novamagic.localcloud.model.hypervisors import (
    HypervisorBackend,
    check_hypervisor,
    check_regions,
)
from novamagic.localcloud.model.identity import (
    DEFAULT_USERS,
    AppCredential,
    IdentityBackend,
    Project,
    Token,
    User,
)
from novamagic.localcloud.model.images import ImageBackend
from novamagic.localcloud.model.instance_actions import InstanceActionBackend
from novamagic.localcloud.model.keypairs import KeyPairBackend
from novamagic.localcloud.model.lifecycle import DURATIONS, LifecycleBackend
from novamagic.localcloud.model.netquotas import NetworkQuotaBackend
from novamagic.localcloud.model.networks import NetworkBackend
from novamagic.localcloud.model.ports import PortBackend
from novamagic.localcloud.model.quotas import DEFAULT_QUOTAS, SETTABLE_QUOTAS, QuotaBackend
from novamagic.localcloud.model.rendered import RenderedViews
from novamagic.localcloud.model.secgroups import SecurityGroupBackend
from novamagic.localcloud.model.server_groups import ServerGroupBackend
from novamagic.localcloud.model.servers import ServerBackend
from novamagic.localcloud.model.usage import UsageBackend
from novamagic.localcloud.model.volumes import VolumeBackend


class CloudState(
    IdentityBackend,
    FlavorBackend,
    ImageBackend,
    KeyPairBackend,
    QuotaBackend,
    ServerBackend,
    ServerActionBackend,
    LifecycleBackend,
    NetworkBackend,
    PortBackend,
    SecurityGroupBackend,
    FloatingIPBackend,
    NetworkQuotaBackend,
    InstanceActionBackend,
    ConsoleBackend,
    ServerGroupBackend,
    VolumeBackend,
    BlockDeviceBackend,
    UsageBackend,
    HypervisorBackend,
    ClassroomBackend,
):
    """All the resources of one local cloud. Thread-safe; see the module docstring."""

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int | None = None,
        users: list[dict] | None = None,
        token_ttl: float = 3600.0,
        quotas: dict | None = None,
        durations: dict | None = None,
        flavors: list[dict] | None = None,
        hypervisor: dict | None = None,
        regions=("RegionOne",),
    ):
        self.extra_flavors = check_extra_flavors(flavors)
        self.clock = clock or ManualClock()
        self.seed = seed if seed is not None else secrets.randbits(32)
        self.token_ttl = float(token_ttl)
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        self.durations = {**DURATIONS, **(durations or {})}
        unknown = set(self.durations) - set(DURATIONS)
        if unknown:
            raise ValueError(f"unknown durations {sorted(unknown)}; known: {sorted(DURATIONS)}")
        self.configured_quotas = {**DEFAULT_QUOTAS, **(quotas or {})}  # reset() goes back to it
        self.default_quotas = dict(self.configured_quotas)
        unknown = set(self.default_quotas) - SETTABLE_QUOTAS
        if unknown:
            raise ValueError(f"unknown quotas {sorted(unknown)}; known: {sorted(SETTABLE_QUOTAS)}")
        self.hypervisor_sizes = check_hypervisor(hypervisor)
        self.regions = check_regions(regions)
        self.lock = threading.RLock()
        self._identity_rng = random.Random(f"{self.seed}:identity")
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self._tokens_by_user = {}
        self.app_credentials: dict[str, AppCredential] = {}
        for spec in users if users is not None else DEFAULT_USERS:
            self.add_user(**spec)
        self._reset_resources()

    def _uuid(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def now(self) -> float:
        return self.clock.now()

    @property
    def rendered(self) -> RenderedViews:
        """Server views rendered by earlier requests (runtime only: never persisted, made
        afresh for a restored state); see :mod:`.rendered`."""
        views = self.__dict__.get("_rendered")
        if views is None:
            views = self.__dict__["_rendered"] = RenderedViews()
        return views

    def forget_views(self) -> None:
        """Something every server's view may show outside the server changed (a port, a
        floating IP, a network or security group name): render them all again."""
        self.rendered.clear()

    def _reset_resources(self) -> None:
        with self.lock:
            self.forget_views()
            self._rng = random.Random(f"{self.seed}:resources")
            self.pools = AddressPools()
            self._reset_flavors()
            self._reset_images()  # draws the seeded images' ids first: they stay the same
            self._reset_keypairs()
            self._reset_quotas()
            self._reset_servers()
            self._reset_network_quotas()
            self._reset_floating_ips()
            self._reset_security_groups()
            self._reset_networks()  # seeds each project's network and default group
            self._reset_instance_actions()
            self._reset_server_groups()
            self._reset_volumes()

    def reset(self) -> None:
        """Back to the seeded catalogue with no servers or key pairs; identity (users, tokens)
        is kept."""
        self._reset_resources()

    def dump(self) -> dict[str, Any]:
        """A JSON-able picture of everything (no passwords, no tokens)."""
        with self.lock:
            now = self.now()
            for server in list(self.servers.values()):
                self._settle(server, now)
            for image in list(self.images.values()):
                self._settle_image(image, now)
            return {
                "seed": self.seed,
                "clock": self.clock.describe(),
                "projects": [{"id": p.id, "name": p.name} for p in self.projects.values()],
                "users": [
                    {"id": u.id, "name": u.name, "project_id": u.project_id, "roles": list(u.roles)}
                    for u in self.users.values()
                ],
                "flavors": [
                    {"id": f.id, "name": f.name, "ram": f.ram, "vcpus": f.vcpus, "disk": f.disk}
                    for f in self.flavors.values()
                ],
                "images": [
                    {
                        "id": i.id,
                        "number": i.number,
                        "name": i.name,
                        "status": i.status,
                        "owner": i.owner,
                        "properties": dict(i.properties),
                    }
                    for i in self.images.values()
                ],
                "servers": [
                    {
                        "id": s.id,
                        "number": s.number,
                        "name": s.name,
                        "project_id": s.project_id,
                        "status": s.status,
                        "vm_state": s.vm_state,
                        "task_state": s.task_state,
                        "flavor_id": s.flavor_id,
                        "image_id": s.image_id,
                        "metadata": dict(s.metadata),
                        "tags": list(s.tags),
                        "created": iso_micro_z(s.created),
                    }
                    for s in self.servers.values()
                ],
                "quotas": {pid: dict(q) for pid, q in self.quotas.items()},
                **self.dump_networking(),
                **self.dump_volumes(),
                "keypairs": [
                    {
                        "name": k.name,
                        "user_id": k.user_id,
                        "type": k.type,
                        "fingerprint": k.fingerprint,
                    }
                    for k in self.keypairs.values()
                ],
            }
