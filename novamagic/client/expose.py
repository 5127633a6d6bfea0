"""Making a server reachable in one call (``expose``), and undoing this session's networking.

``expose(server, ports=[22], protocol="tcp")`` gives the server what reaching it needs and
nothing more: ingress rules for the ports (in a group of its own, ``novamagic-expose-<id8>``,
so no other server of the project opens up) unless a group already on it lets them through,
and a floating IP on its port unless it has one. A second call finds everything in place and
changes nothing. What it creates is recorded as this session's, so ``cleanup()`` removes it;
a call that fails part way undoes what it made before the error is raised.
"""

from __future__ import annotations

from novamagic.client.errors import NotFound, NovaError
from novamagic.client.secgroups import check_rule, covers

__all__ = ["EXPOSE_GROUP_PREFIX", "ExposeMixin"]

EXPOSE_GROUP_PREFIX = "novamagic-expose-"


def _describe(rule: dict) -> str:
    proto = rule["protocol"] or "any"
    low, high = rule["port_range_min"], rule["port_range_max"]
    ports = "" if low is None else f"{low}" if low == high else f"{low}-{high}"
    return f"{ports}/{proto}" if ports else proto


class ExposeMixin:
    """expose and the networking half of cleanup."""

    def expose(
        self, server, ports=(22,), protocol: str = "tcp", *, cidr: str = "0.0.0.0/0"
    ) -> dict:
        """Make ``server`` reachable from ``cidr`` on ``ports`` (each a port or "low-high";
        ignored for icmp) over ``protocol``: the rules and a floating IP it lacks (see the
        module docstring). Returns ``{"server", "server_id", "floating_ip", "fixed_ip",
        "security_group", "open", "created", "changed"}``; ``created`` lists what this call
        made (``{"kind", "id", "name"}``), empty when everything was there already;
        ``security_group`` is the server's expose group, None when its other groups let the
        traffic through already."""
        if isinstance(ports, (int, str)):
            ports = [ports]
        wanted_ports = [None] if str(protocol).lower() in ("icmp", "any") else list(ports)
        wanted = [check_rule(protocol, p, cidr=cidr) for p in wanted_ports]  # before sending
        server_doc = self.server(server)
        port, fixed = self.server_port(server_doc["id"])
        undo: list[tuple] = []
        created: list[dict] = []
        try:
            group = self._expose_rules(server_doc, port, wanted, undo, created)
            fip = self._expose_address(server_doc, port, fixed, undo, created)
        except BaseException as exc:
            left = self._undo(undo)
            if isinstance(exc, NovaError):
                undone = (
                    "nothing was left behind"
                    if not left
                    else (f"could not undo: {', '.join(left)}")
                )
                exc.hint = f"{exc.hint}; {undone}" if exc.hint else undone
            raise
        return {
            "server": server_doc.get("name"),
            "server_id": server_doc["id"],
            "floating_ip": fip.get("floating_ip_address"),
            "fixed_ip": fixed,
            "security_group": group,
            "open": [_describe(w) + f" from {w['remote_ip_prefix'] or 'anywhere'}" for w in wanted],
            "created": created,
            "changed": bool(created),
        }

    def _expose_rules(self, server, port, wanted, undo, created) -> str | None:
        """The rules ``wanted`` lacks on the port's groups, in the server's own group."""
        on_port = list(port.get("security_groups") or ())
        rules = self._neutron_list("security-group-rules")
        mine = [r for r in rules if r.get("security_group_id") in on_port]
        missing = [w for w in wanted if not any(covers(r, w) for r in mine)]
        name = EXPOSE_GROUP_PREFIX + server["id"][:8]
        if not missing:  # the server's groups let it all through already
            named = {g["id"]: g.get("name") for g in self.security_groups()} if on_port else {}
            return name if name in (named.get(g) for g in on_port) else None
        project = self._project_id()
        groups = [g for g in self.security_groups(name=name) if g.get("project_id") == project]
        if groups:
            group = groups[0]
        else:
            group = self.create_security_group(
                name, f"novamagic expose: what reaching {server.get('name')} needs"
            )
            undo.append(("security_group", group["id"]))
            created.append({"kind": "security_group", "id": group["id"], "name": name})
        have = [r for r in rules if r.get("security_group_id") == group["id"]]
        for rule in missing:
            if any(covers(r, rule) for r in have):
                continue
            made = self.create_security_group_rule(
                group["id"],
                rule["protocol"],
                None if rule["port_range_min"] is None
                else (rule["port_range_min"], rule["port_range_max"]),
                cidr=rule["remote_ip_prefix"],
            )  # fmt: skip
            undo.append(("security_group_rule", made["id"]))
            created.append({"kind": "security_group_rule", "id": made["id"],
                            "name": f"{name} {_describe(rule)}"})  # fmt: skip
        if group["id"] not in on_port:
            self._put_port_groups(port["id"], [*on_port, group["id"]])
            undo.append(("port_groups", port["id"], on_port))
            created.append({"kind": "port_security_groups", "id": port["id"], "name": name})
        return name

    def _expose_address(self, server, port, fixed, undo, created) -> dict:
        attached = self.floating_ips(port_id=port["id"])
        if attached:
            return attached[0]
        fip = self.create_floating_ip(server=server["id"])
        undo.append(("floating_ip", fip["id"]))
        created.append(
            {"kind": "floating_ip", "id": fip["id"], "name": fip.get("floating_ip_address")}
        )
        return fip

    def _undo(self, undo: list[tuple]) -> list[str]:
        """Undo in reverse order; returns what could not be undone (best effort: the first
        error is the one the caller sees)."""
        left = []
        for step in reversed(undo):
            kind, resource_id = step[0], step[1]
            try:
                if kind == "port_groups":
                    self._put_port_groups(resource_id, step[2])
                elif kind == "floating_ip":
                    self._neutron_delete(f"/floatingips/{resource_id}")
                elif kind == "security_group_rule":
                    self._neutron_delete(f"/security-group-rules/{resource_id}")
                else:
                    self._neutron_delete(f"/security-groups/{resource_id}")
            except NotFound:
                pass
            except (NovaError, KeyboardInterrupt):
                left.append(f"{kind} {resource_id}")
                continue
            if kind != "port_groups":
                self._forget(kind, resource_id)
        return left

    def _cleanup_network(self, dry_run: bool) -> list[dict]:
        """Release this session's floating IPs, then its rules, then its groups (taken off
        the ports first: Neutron refuses to delete a group in use). Entries as cleanup's."""
        items = self.session_network_resources()
        if not items:
            return []
        order = {"floating_ip": 0, "security_group_rule": 1, "security_group": 2}
        items.sort(key=lambda item: order.get(item["kind"], 3))
        if dry_run:
            return [{**i, "item": i["id"], "ok": False, "result": None, "error": None}
                    for i in items]  # fmt: skip
        results = []
        ports = None
        for item in items:
            kind, resource_id = item["kind"], item["id"]
            error = None
            try:
                if kind == "security_group":
                    if ports is None:
                        ports = self._neutron_list("ports")
                    for port in ports:
                        groups = list(port.get("security_groups") or ())
                        if resource_id in groups:
                            groups.remove(resource_id)
                            try:
                                self._put_port_groups(port["id"], groups)
                            except NotFound:  # the port went with its server
                                pass
                            port["security_groups"] = groups
                    path = f"/security-groups/{resource_id}"
                elif kind == "floating_ip":
                    path = f"/floatingips/{resource_id}"
                else:
                    path = f"/security-group-rules/{resource_id}"
                try:
                    self._neutron_delete(path)
                except NotFound:
                    pass  # gone already (a rule goes with its group)
                self._forget(kind, resource_id)
            except NovaError as exc:
                error = exc
            results.append({**item, "item": resource_id, "ok": error is None, "result": None,
                            "error": error})  # fmt: skip
        return results
