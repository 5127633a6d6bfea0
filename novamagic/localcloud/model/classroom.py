"""A learner's fresh start: everything one project made, gone at once (the instructor's reset).

Through the public APIs an admin would need dozens of calls, in the right order, waiting between
them (servers before their volumes, floating IPs before networks, rules before groups). Here it
is one step under the lock: the project looks as it did when the class began, its seeded private
network and default group made again with the same ids, its quotas back to the defaults. The
learner's users and tokens stay, so the learner carries on without logging in again.
"""

from __future__ import annotations

from collections import Counter

from novamagic.localcloud.errors import Conflict, Forbidden, NotFound
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.images import IMAGES

#: The numbers of the seeded catalogue's images: a reset keeps them, whoever owns them.
SEEDED_IMAGE_NUMBERS = frozenset(spec[0] for spec in IMAGES)


class ClassroomBackend:
    """reset_project: the instructor's "give this learner a fresh project"."""

    def reset_project(self, caller: Token, project_ref: str) -> dict[str, int]:
        """Remove every resource project ``project_ref`` (id or name) owns; returns how many of
        each kind went. Admin only; a project with an admin in it is refused (the instructor's
        own is not a learner's)."""
        if not caller.is_admin:
            raise Forbidden("Only an admin may reset a learner's project.")
        with self.lock:
            project = self.find_project(project_ref)
            if project is None:
                raise NotFound(f"No project {project_ref!r} in this cloud.")
            pid = project.id
            members = [u for u in self.users.values() if u.project_id == pid]
            if any(u.is_admin for u in members):
                raise Conflict(
                    f"Project {project.name} holds an admin; only learners' projects are reset."
                )
            now = self.now()
            removed: Counter = Counter()
            # Servers first: their ports, addresses, floating IP associations and volume
            # attachments go with them, at once rather than on the clock.
            for server in [s for s in self.servers.values() if s.project_id == pid]:
                server.locked = False
                self._finish_delete(server, now)
                removed["servers"] += 1
            for image in [i for i in self.images.values() if i.owner == pid]:
                if image.number not in SEEDED_IMAGE_NUMBERS:
                    del self.images[image.id]
                    removed["images"] += 1
            for snapshot in [s for s in self.snapshots.values() if s.project_id == pid]:
                del self.snapshots[snapshot.id]
                removed["volume_snapshots"] += 1
            for volume in [v for v in self.volumes.values() if v.project_id == pid]:
                del self.volumes[volume.id]
                removed["volumes"] += 1
            for group in [g for g in self.server_groups.values() if g.project_id == pid]:
                del self.server_groups[group.id]
                removed["server_groups"] += 1
            for key in [k for k, pair in self.keypairs.items()
                        if pair.user_id in {u.id for u in members}]:  # fmt: skip
                del self.keypairs[key]
                removed["keypairs"] += 1
            removed.update(self._reset_project_networking(pid))
            self.quotas.pop(pid, None)
            self._seed_project_quotas(pid)
            self.network_quotas.pop(pid, None)
            self.volume_quotas.pop(pid, None)
            return dict(removed)

    def _reset_project_networking(self, pid: str) -> Counter:
        removed: Counter = Counter()
        self.forget_views()
        for fip in [f for f in self.floating_ips.values() if f.project_id == pid]:
            del self.floating_ips[fip.id]
            self.pools.release(fip.slot)
            removed["floating_ips"] += 1
        for port in [p for p in self.ports.values() if p.project_id == pid]:
            self._drop_port(port)
            removed["ports"] += 1
        for rule in [r for r in self.security_group_rules.values() if r.project_id == pid]:
            del self.security_group_rules[rule.id]
        for group in [g for g in self.security_groups.values() if g.project_id == pid]:
            del self.security_groups[group.id]
            if group.name != "default":  # the default one comes back below
                removed["security_groups"] += 1
        for network in [n for n in self.networks.values() if n.project_id == pid]:
            for subnet_id in network.subnets:
                self.subnets.pop(subnet_id, None)
            del self.networks[network.id]
            if network.seeded is None:  # the seeded private one comes back below
                removed["networks"] += 1
        # Seeded again with the same ids: the private network and the default group.
        self._seeded_projects.discard(pid)
        self._project_seeded(pid)
        return removed
