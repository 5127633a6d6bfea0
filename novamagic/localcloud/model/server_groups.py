"""Server groups (Nova's ``os-server-groups``): a named policy servers join at boot.

The local cloud has one compute host, so affinity always holds; a boot past what an
``anti-affinity`` group allows on one host (``max_server_per_host``, default 1) is accepted and
then goes to ERROR with "No valid host was found", as Nova's scheduler ends it. Quotas:
``server_groups`` per project, ``server_group_members`` per group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, NotFound, OverQuota
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.validation import check_name

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


@dataclass(slots=True)
class ServerGroup:
    id: str
    name: str
    policy: str
    project_id: str
    user_id: str
    rules: dict = field(default_factory=dict)
    members: list = field(default_factory=list)  # server ids, in the order they joined


class ServerGroupBackend:
    """The server groups of :class:`CloudState`."""

    server_groups: dict[str, ServerGroup]

    def _reset_server_groups(self) -> None:
        self.server_groups = {}

    def create_server_group(self, caller: Token, name, policy, rules=None) -> ServerGroup:
        name = check_name(name)
        if policy not in POLICIES:
            raise BadRequest(
                f"Invalid input for field/attribute policy. Value: {policy!r}. "
                f"It must be one of {list(POLICIES)}."
            )
        rules = dict(rules or {})
        if set(rules) - {"max_server_per_host"}:
            raise BadRequest("Invalid rules: the only rule is max_server_per_host.")
        if rules and policy != "anti-affinity":
            raise BadRequest("Only anti-affinity policy supports rules.")
        limit = rules.get("max_server_per_host")
        if rules and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise BadRequest("max_server_per_host must be a positive integer.")
        with self.lock:
            project_id = caller.project.id
            quota = self.quota_limits(project_id)["server_groups"]
            used = sum(1 for g in self.server_groups.values() if g.project_id == project_id)
            if 0 <= quota <= used:
                raise OverQuota(
                    f"Quota exceeded, too many server groups: {used} of {quota} in use."
                )
            group = ServerGroup(
                id=self._uuid(self._rng),
                name=name,
                policy=policy,
                project_id=project_id,
                user_id=caller.user.id,
                rules=rules,
            )
            self.server_groups[group.id] = group
            return group

    def get_server_group(self, caller: Token, group_id: str) -> ServerGroup:
        with self.lock:
            group = self.server_groups.get(group_id)
            if group is None or not caller.owns(group.project_id):
                raise NotFound(f"Instance group {group_id} could not be found.")
            self._forget_deleted_members(group)
            return group

    def list_server_groups(self, caller: Token, all_projects: bool = False) -> list[ServerGroup]:
        with self.lock:
            groups = [
                g
                for g in self.server_groups.values()
                if g.project_id == caller.project.id or (all_projects and caller.is_admin)
            ]
            for group in groups:
                self._forget_deleted_members(group)
            return groups

    def delete_server_group(self, caller: Token, group_id: str) -> None:
        with self.lock:
            group = self.get_server_group(caller, group_id)
            del self.server_groups[group.id]

    def join_server_group(self, caller: Token, group_id, count: int) -> ServerGroup | None:
        """The group a boot's ``group`` hint names, checked for ``count`` new members (a boot's
        400 for an unknown group, 403 over the members quota); None without a hint. The boot
        adds its servers with :meth:`add_group_members`."""
        if group_id is None:
            return None
        with self.lock:
            try:
                group = self.get_server_group(caller, group_id)
            except NotFound:
                raise BadRequest(f"Invalid server group {group_id!r}: no such group.") from None
            quota = self.quota_limits(group.project_id)["server_group_members"]
            if 0 <= quota < len(group.members) + count:
                raise OverQuota(
                    f"Quota exceeded, too many servers in group: {len(group.members)} of "
                    f"{quota} members."
                )
            return group

    def add_group_members(self, group: ServerGroup, servers) -> None:
        per_host = group.rules.get("max_server_per_host", 1)
        for server in servers:
            group.members.append(server.id)
            if group.policy == "anti-affinity" and len(group.members) > per_host:
                if server.operation is not None:
                    server.operation.data["no_valid_host"] = (
                        "No valid host was found. There are not enough hosts available: "
                        f"anti-affinity group {group.name!r} allows {per_host} server(s) per "
                        "host and the local cloud has one."
                    )

    def groups_of_server(self, server_id: str) -> list[str]:
        return [g.id for g in self.server_groups.values() if server_id in g.members]

    def _forget_deleted_members(self, group: ServerGroup) -> None:
        now = self.now()
        for member in group.members:
            if member in self.servers:
                self._settle(self.servers[member], now)  # a deletion due by now has happened
        group.members = [
            m for m in group.members if m in self.servers and not self.servers[m].deleted
        ]
