"""Security groups and their rules, checked as Neutron checks them.

Every project has a ``default`` group (seeded with its ``private`` network) holding Neutron's
default rules: ingress from members of the same group and egress anywhere, for IPv4 and IPv6.
A new group starts with the two egress rules. Rules are checked field by field with Neutron's
messages: direction, ethertype, protocol (a name or 0-255), a port range of 1-65535 with
min <= max for TCP/UDP-like protocols (ICMP type and code 0-255), a remote CIDR that is a valid
network of the rule's ethertype, or a remote group — not both; a duplicate rule is a 409.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, NotFound, typed
from novamagic.localcloud.model.identity import Token

PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2,
    "ip": 4, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}  # fmt: skip
#: Protocols whose port range is a range of ports (others take none, ICMP a type and code).
PORT_PROTOCOLS = frozenset({"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"})
ICMP_PROTOCOLS = frozenset({"icmp", "ipv6-icmp", "icmpv6", "1", "58"})


@dataclass(slots=True, eq=False)
class SecurityGroup:
    id: str
    name: str
    project_id: str
    created: float
    updated: float
    description: str = ""
    rules: list = field(default_factory=list)  # rule ids, in creation order
    stateful: bool = True
    revision: int = 1


@dataclass(slots=True, eq=False)
class SecurityGroupRule:
    id: str
    security_group_id: str
    project_id: str
    direction: str
    ethertype: str
    created: float
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    description: str = ""
    revision: int = 1

    def key(self) -> tuple:
        return (
            self.security_group_id,
            self.direction,
            self.ethertype,
            self.protocol,
            self.port_range_min,
            self.port_range_max,
            self.remote_ip_prefix,
            self.remote_group_id,
        )


def group_not_found(group_id) -> NotFound:
    return typed(NotFound, "SecurityGroupNotFound", f"Security group {group_id} does not exist")


def _invalid(kind: str, message: str) -> BadRequest:
    return typed(BadRequest, kind, message)


class SecurityGroupBackend:
    """The security groups and rules of :class:`CloudState`."""

    security_groups: dict[str, SecurityGroup]
    security_group_rules: dict[str, SecurityGroupRule]

    def _reset_security_groups(self) -> None:
        self.security_groups, self.security_group_rules = {}, {}

    def _seed_security_group(self, project_id: str) -> SecurityGroup:
        group_id = self._seeded_id("security-group", project_id, "default")
        group = self._new_group(project_id, "default", "Default security group", group_id)
        for n, (direction, ethertype) in enumerate(
            (("egress", "IPv4"), ("egress", "IPv6"), ("ingress", "IPv4"), ("ingress", "IPv6"))
        ):
            remote = group.id if direction == "ingress" else None
            self._add_rule(group, direction, ethertype, remote_group_id=remote,
                           rule_id=self._seeded_id("rule", group.id, str(n)))  # fmt: skip
        return group

    def _new_group(self, project_id: str, name: str, description: str, group_id: str):
        now = self.now()
        group = SecurityGroup(group_id, name, project_id, now, now, description)
        self.security_groups[group.id] = group
        self.forget_views()  # a port may name it already (a project's default, seeded again)
        return group

    def _add_rule(self, group, direction, ethertype, rule_id=None, **attrs) -> SecurityGroupRule:
        rule = SecurityGroupRule(
            id=rule_id or self._net_id(),
            security_group_id=group.id,
            project_id=group.project_id,
            direction=direction,
            ethertype=ethertype,
            created=self.now(),
            **attrs,
        )
        self.security_group_rules[rule.id] = rule
        group.rules.append(rule.id)
        return rule

    def default_security_group(self, project_id: str) -> SecurityGroup:
        self._project_seeded(project_id)
        return self.security_groups[self._seeded_id("security-group", project_id, "default")]

    def get_security_group(self, caller: Token, ref: str) -> SecurityGroup:
        """By id, or (as Nova and the CLI allow) by a name unique in the caller's project."""
        with self.lock:
            self._project_seeded(caller.project.id)
            group = self.security_groups.get(ref)
            if group is not None and caller.owns(group.project_id):
                return group
            named = [
                g
                for g in self.security_groups.values()
                if g.name == ref and g.project_id == caller.project.id
            ]
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise typed(
                    Conflict,
                    "NeutronClientNoUniqueMatch",
                    f"Multiple security_group matches found for name '{ref}', use an ID to be "
                    "more specific.",
                )
            raise group_not_found(ref)

    def boot_security_groups(self, caller: Token, refs) -> list[str]:
        """The group ids a boot names (None: the project's default), with Nova's 400s."""
        if refs is None:
            return [self.default_security_group(caller.project.id).id]
        ids = []
        for ref in refs:
            try:
                group = self.get_security_group(caller, ref)
            except NotFound:
                raise BadRequest(f"Security group {ref} not found.") from None
            except Conflict:
                raise Conflict(
                    f"Multiple security groups found matching '{ref}'. Use an ID to be more "
                    "specific."
                ) from None
            if group.id not in ids:
                ids.append(group.id)
        return ids

    def list_security_groups(self, caller: Token) -> list[SecurityGroup]:
        with self.lock:
            self._project_seeded(caller.project.id)
            return [g for g in self.security_groups.values() if caller.owns(g.project_id)]

    def create_security_group(self, caller: Token, name: str, description: str = "",
                              project_id: str | None = None) -> SecurityGroup:  # fmt: skip
        with self.lock:
            project_id = self._target_project(caller, project_id)
            self._project_seeded(project_id)
            _name_not_default(name)
            self._check_network_quota(project_id, "security_group", 1)
            group = self._new_group(project_id, name, description, self._net_id())
            for ethertype in ("IPv4", "IPv6"):
                self._add_rule(group, "egress", ethertype)
            return group

    def update_security_group(self, caller: Token, group_id: str, **attrs) -> SecurityGroup:
        with self.lock:
            group = self.own_security_group(caller, group_id)
            if "name" in attrs:
                _name_not_default(attrs["name"])
            if group.name == "default" and "name" in attrs:
                raise typed(
                    Conflict,
                    "SecurityGroupCannotUpdateDefault",
                    "Updating default security group not allowed.",
                )
            for key, value in attrs.items():
                setattr(group, key, value)
            group.updated, group.revision = self.now(), group.revision + 1
            self.forget_views()  # its name shows in its servers' security_groups
            return group

    def own_security_group(self, caller: Token, group_id: str) -> SecurityGroup:
        """By id only (Neutron's own routes take ids); 404 unless the caller owns it or is admin."""
        group = self.security_groups.get(group_id)
        if group is None or not caller.owns(group.project_id):
            raise group_not_found(group_id)
        return group

    def delete_security_group(self, caller: Token, group_id: str) -> None:
        with self.lock:
            group = self.own_security_group(caller, group_id)
            if (
                group.name == "default"
                and group.id == self.default_security_group(group.project_id).id
                and not caller.is_admin
            ):
                raise typed(
                    Conflict,
                    "SecurityGroupCannotRemoveDefault",
                    "Insufficient rights for removing default security group.",
                )
            self._settle_port_devices()
            if any(group_id in p.security_groups for p in self.ports.values()):
                raise typed(Conflict, "SecurityGroupInUse", f"Security Group {group_id} in use.")
            for rule_id in group.rules:
                self.security_group_rules.pop(rule_id, None)
            for rule in [r for r in self.security_group_rules.values()
                         if r.remote_group_id == group_id]:  # fmt: skip
                self._drop_rule(rule)
            del self.security_groups[group_id]
            self.forget_views()

    # ------------------------------------------------------------------ rules
    def get_security_group_rule(self, caller: Token, rule_id: str) -> SecurityGroupRule:
        with self.lock:
            rule = self.security_group_rules.get(rule_id)
            if rule is None or not caller.owns(rule.project_id):
                raise typed(
                    NotFound,
                    "SecurityGroupRuleNotFound",
                    f"Security group rule {rule_id} does not exist",
                )
            return rule

    def list_security_group_rules(self, caller: Token) -> list[SecurityGroupRule]:
        with self.lock:
            self._project_seeded(caller.project.id)
            return [r for r in self.security_group_rules.values() if caller.owns(r.project_id)]

    def create_security_group_rule(
        self,
        caller: Token,
        security_group_id: str,
        direction,
        ethertype="IPv4",
        protocol=None,
        port_range_min=None,
        port_range_max=None,
        remote_ip_prefix=None,
        remote_group_id=None,
        description="",
    ) -> SecurityGroupRule:
        if direction not in ("ingress", "egress"):
            raise _invalid(
                "HTTPBadRequest",
                f"Invalid input for direction. Reason: {direction!r} is not in "
                "['ingress', 'egress'].",
            )
        ethertype = _ethertype(ethertype)
        protocol = _protocol(protocol)
        port_range_min, port_range_max = _port_range(protocol, port_range_min, port_range_max)
        if remote_ip_prefix is not None and remote_group_id is not None:
            raise _invalid(
                "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                "Only remote_ip_prefix or remote_group_id may be provided.",
            )
        if remote_ip_prefix is not None:
            remote_ip_prefix = _prefix(remote_ip_prefix, ethertype)
        with self.lock:
            group = self.own_security_group(caller, security_group_id)
            if remote_group_id is not None:
                remote_group_id = self.own_security_group(caller, remote_group_id).id
            attrs = {
                "protocol": protocol,
                "port_range_min": port_range_min,
                "port_range_max": port_range_max,
                "remote_ip_prefix": remote_ip_prefix,
                "remote_group_id": remote_group_id,
            }
            probe = SecurityGroupRule("", group.id, "", direction, ethertype, 0.0, **attrs)
            for rule_id in group.rules:
                if self.security_group_rules[rule_id].key() == probe.key():
                    raise typed(
                        Conflict,
                        "SecurityGroupRuleExists",
                        f"Security group rule already exists. Rule id is {rule_id}.",
                    )
            self._check_network_quota(group.project_id, "security_group_rule", 1)
            rule = self._add_rule(group, direction, ethertype, description=description, **attrs)
            group.updated, group.revision = self.now(), group.revision + 1
            return rule

    def delete_security_group_rule(self, caller: Token, rule_id: str) -> None:
        with self.lock:
            self._drop_rule(self.get_security_group_rule(caller, rule_id))

    def _drop_rule(self, rule: SecurityGroupRule) -> None:
        del self.security_group_rules[rule.id]
        group = self.security_groups.get(rule.security_group_id)
        if group is not None:
            group.rules.remove(rule.id)
            group.updated, group.revision = self.now(), group.revision + 1


def _ethertype(value) -> str:
    if isinstance(value, str) and value.lower() in ("ipv4", "ipv6"):
        return "IPv4" if value.lower() == "ipv4" else "IPv6"
    raise _invalid(
        "HTTPBadRequest",
        f"Invalid input for ethertype. Reason: {value!r} is not in ['IPv4', 'IPv6'].",
    )


def _protocol(value) -> str | None:
    if value is None or value == "any":
        return None
    text = (
        str(value).lower()
        if isinstance(value, (str, int)) and not isinstance(value, bool)
        else None
    )
    if text in PROTOCOLS:
        return text
    if text is not None and text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    raise _invalid(
        "SecurityGroupRuleInvalidProtocol",
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"[None, {', '.join(repr(p) for p in sorted(PROTOCOLS))}] and integer "
        "representations [0 to 255] are supported.",
    )


def _port(value, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        number = None
    else:
        try:
            number = int(value)
        except ValueError:
            number = None
    if number is None:
        raise _invalid(
            "HTTPBadRequest",
            f"Invalid input for {name}. Reason: '{value}' is not an integer.",
        )
    return number


def _name_not_default(name) -> None:
    """Neutron's ``name_not_default`` check of a group's name, on create and update alike."""
    if isinstance(name, str) and name.lower() == "default":
        raise typed(
            Conflict, "SecurityGroupDefaultAlreadyExists", "Default security group already exists."
        )


def _port_range(protocol, low, high) -> tuple[int | None, int | None]:
    low, high = _port(low, "port_range_min"), _port(high, "port_range_max")
    if low is None and high is None:
        return None, None
    if protocol is None:
        raise _invalid(
            "SecurityGroupProtocolRequiredWithPorts",
            "Must also specify protocol if port range is given.",
        )
    if protocol in ICMP_PROTOCOLS:
        if low is None:
            raise _invalid(
                "SecurityGroupMissingIcmpType",
                f"ICMP code (port-range-max) {high} is provided but ICMP type "
                "(port-range-min) is missing.",
            )
        for field_name, attr, number in (("type", "port_range_min", low),
                                         ("code", "port_range_max", high)):  # fmt: skip
            if number is not None and not 0 <= number <= 255:
                raise _invalid(
                    "SecurityGroupInvalidIcmpValue",
                    f"Invalid value for ICMP {field_name} ({attr}) {number}. It must be 0 to 255.",
                )
        return low, high
    if protocol not in PORT_PROTOCOLS:
        raise _invalid(
            "SecurityGroupInvalidProtocolForPort",
            f"Invalid protocol {protocol} for port range, only supported for TCP, UDP, UDPLITE, "
            "SCTP and DCCP.",
        )
    for number in (low, high):
        if number is not None and not 1 <= number <= 65535:
            raise _invalid(
                "SecurityGroupInvalidPortValue",
                f"Invalid value for port {number}: ports must be 1 to 65535.",
            )
    if low is None or high is None or low > high:
        raise _invalid(
            "SecurityGroupInvalidPortRange",
            "For TCP/UDP protocols, port_range_min must be <= port_range_max (got min "
            f"{low}, max {high}; both are required, equal for one port).",
        )
    return low, high


def _prefix(value, ethertype: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=False) if isinstance(value, str) else None
    except ValueError:
        net = None
    if net is None:
        raise _invalid(
            "HTTPBadRequest",
            f"Invalid input for remote_ip_prefix. Reason: '{value}' is not a valid IP prefix "
            "(a CIDR such as 0.0.0.0/0 or 192.168.1.0/24).",
        )
    if f"IPv{net.version}" != ethertype:
        raise _invalid(
            "SecurityGroupConflictingEthertype",
            f"Conflicting value ethertype {ethertype} for CIDR {value}",
        )
    return str(net)
