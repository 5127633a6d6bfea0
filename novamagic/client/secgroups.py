"""Security groups and their rules through Neutron: list, create, delete; a server's groups
(set on its ports); and the rule checks, made before anything is sent.

:func:`port_range` and :func:`check_rule` are the one place a rule is checked (the magics call
them too): a protocol Neutron knows (tcp, udp, icmp, ... or 0-255), ports 1-65535 with
min <= max, a remote CIDR that is a network; each refusal is one line saying what is allowed.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import quote

from novamagic.client.errors import ValidationError
from novamagic.client.resolve import ref_to_string

__all__ = ["PORT_PROTOCOLS", "SecurityGroupsMixin", "check_rule", "port_range"]

#: Protocols whose rules take a port range; icmp takes none here (any type and code).
PORT_PROTOCOLS = ("tcp", "udp", "sctp", "dccp", "udplite")
NAMED_PROTOCOLS = (*PORT_PROTOCOLS, "icmp", "ipv6-icmp", "gre", "esp", "ah", "vrrp")
MIN_PORT, MAX_PORT = 1, 65535


def port_range(value) -> tuple[int, int] | None:
    """``22`` / ``"22"`` -> (22, 22); ``"8000-8080"`` or ``(8000, 8080)`` -> (8000, 8080);
    None -> None (every port). Checked: 1-65535, min <= max."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = value
    elif isinstance(value, str) and "-" in value.strip("-"):
        low, _, high = value.partition("-")
    else:
        low = high = value
    numbers = []
    for part in (low, high):
        try:
            if isinstance(part, bool):
                raise ValueError
            numbers.append(int(str(part).strip()))
        except ValueError:
            raise ValidationError(
                f"port {value!r} is not a number: give a port (22) or a range (8000-8080) "
                f"within {MIN_PORT}-{MAX_PORT}"
            ) from None
    low, high = numbers
    for number in (low, high):
        if not MIN_PORT <= number <= MAX_PORT:
            raise ValidationError(
                f"port {number} is outside {MIN_PORT}-{MAX_PORT}: ports are {MIN_PORT} to "
                f"{MAX_PORT}"
            )
    if low > high:
        raise ValidationError(
            f"port range {low}-{high} runs backwards: the first port must not be above the "
            f"last (min <= max, e.g. {high}-{low})"
        )
    return low, high


def _protocol(value) -> str | None:
    if value is None or str(value).lower() in ("any", ""):
        return None
    text = str(value).lower()
    if text in NAMED_PROTOCOLS:
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise ValidationError(
        f"protocol {value!r} is not one Neutron knows: use {', '.join(NAMED_PROTOCOLS[:3])}, "
        f"icmp, any, or a protocol number 0-255"
    )


def _cidr(value) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if value is None:
        return None
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a CIDR: give a network such as 0.0.0.0/0 (anywhere), "
            "203.0.113.0/24 or ::/0"
        ) from None


def check_rule(
    protocol="tcp", ports=None, *, direction="ingress", cidr=None, remote_group=None,
    ethertype=None,
) -> dict[str, Any]:  # fmt: skip
    """A rule's Neutron fields (without its group), checked; ValidationError otherwise."""
    if direction not in ("ingress", "egress"):
        raise ValidationError(f"direction {direction!r}: a rule is 'ingress' or 'egress'")
    proto = _protocol(protocol)
    span = port_range(ports)
    if span is not None and proto not in PORT_PROTOCOLS and not (proto or "").isdigit():
        raise ValidationError(
            f"ports are only for {', '.join(PORT_PROTOCOLS)}; protocol "
            f"{proto or 'any'} takes none (leave the ports out)"
        )
    network = _cidr(cidr)
    if network is not None and remote_group is not None:
        raise ValidationError("a rule has a remote CIDR or a remote group, not both")
    version = f"IPv{network.version}" if network is not None else None
    if ethertype is not None:
        wanted = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(str(ethertype).lower())
        if wanted is None:
            raise ValidationError(f"ethertype {ethertype!r}: use IPv4 or IPv6")
        if version is not None and version != wanted:
            raise ValidationError(f"CIDR {cidr} is {version}, but the ethertype is {wanted}")
        version = wanted
    rule: dict[str, Any] = {
        "direction": direction,
        "ethertype": version or "IPv4",
        "protocol": proto,
        "port_range_min": span[0] if span else None,
        "port_range_max": span[1] if span else None,
        "remote_ip_prefix": str(network) if network is not None else None,
    }
    return rule


def covers(rule: dict, wanted: dict) -> bool:
    """Whether an existing rule already lets through what ``wanted`` (check_rule's) asks."""
    if rule.get("direction") != wanted["direction"] or rule.get("ethertype") != wanted["ethertype"]:
        return False
    if rule.get("remote_group_id"):
        return False
    if rule.get("protocol") not in (None, wanted["protocol"]):
        return False
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    if low is not None and (wanted["port_range_min"] is None or wanted["port_range_min"] < low):
        return False
    if high is not None and (wanted["port_range_max"] is None or wanted["port_range_max"] > high):
        return False
    have = rule.get("remote_ip_prefix")
    if have is None:
        return True
    if wanted["remote_ip_prefix"] is None:
        return ipaddress.ip_network(have).prefixlen == 0
    return ipaddress.ip_network(wanted["remote_ip_prefix"]).subnet_of(ipaddress.ip_network(have))


class SecurityGroupsMixin:
    """Security groups, their rules, and a server's groups."""

    def security_groups(self, **filters) -> list[dict]:
        """The project's security groups with their ``security_group_rules``."""
        return self._neutron_list("security-groups", filters)

    def security_group(self, ref) -> dict:
        """One group by id, dict or name (a name unique in this project)."""
        return self._neutron_find("security-groups", "security group", ref, own_only=True)

    def create_security_group(self, name: str, description: str = "") -> dict:
        """A new group (Neutron gives it the two egress rules). Recorded as this session's."""
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise ValidationError("a security group name is 1 to 255 characters")
        body = {"security_group": {"name": name, "description": str(description or "")}}
        group = self._neutron("POST", "/security-groups", json=body, idempotent=False)[
            "security_group"
        ]
        self._remember("security_group", group["id"], group.get("name"))
        return group

    def delete_security_group(self, ref) -> None:
        """Delete a group; one still on a port is the cloud's 409 (remove it from servers)."""
        group = self.security_group(ref)
        self._neutron_delete(f"/security-groups/{quote(group['id'], safe='')}")
        self._forget("security_group", group["id"])

    def security_group_rules(self, group=None, **filters) -> list[dict]:
        """Rules (of one group when given): direction, ethertype, protocol, port_range_min,
        port_range_max, remote_ip_prefix, remote_group_id, security_group_id, ..."""
        if group is not None:
            filters["security_group_id"] = self.security_group(group)["id"]
        return self._neutron_list("security-group-rules", filters)

    def create_security_group_rule(
        self,
        group,
        protocol="tcp",
        ports=None,
        *,
        direction: str = "ingress",
        cidr: str | None = None,
        remote_group=None,
        ethertype: str | None = None,
        description: str | None = None,
    ) -> dict:
        """Add a rule to ``group``: ``ports`` a port (22), a range ("8000-8080" or a pair) or
        None (every port); ``cidr`` where from (None: anywhere, unless ``remote_group``). Checked
        before sending (:func:`check_rule`); a rule the group has already is the cloud's 409."""
        rule = check_rule(protocol, ports, direction=direction, cidr=cidr,
                          remote_group=remote_group, ethertype=ethertype)  # fmt: skip
        target = self.security_group(group)
        rule["security_group_id"] = target["id"]
        if remote_group is not None:
            rule["remote_group_id"] = self.security_group(remote_group)["id"]
        if description is not None:
            rule["description"] = str(description)
        body = {"security_group_rule": {k: v for k, v in rule.items() if v is not None}}
        created = self._neutron("POST", "/security-group-rules", json=body, idempotent=False)[
            "security_group_rule"
        ]
        self._remember("security_group_rule", created["id"], target.get("name"))
        return created

    def delete_security_group_rule(self, rule) -> None:
        rule_id = ref_to_string(rule, "security group rule")
        self._neutron_delete(f"/security-group-rules/{quote(rule_id, safe='')}")
        self._forget("security_group_rule", rule_id)

    def server_security_groups(self, server) -> list[dict]:
        """The groups on the server's ports (each once)."""
        ids: list[str] = []
        for port in self.ports(server):
            ids += [g for g in port.get("security_groups") or () if g not in ids]
        groups = {g["id"]: g for g in self.security_groups()}
        return [groups.get(i, {"id": i, "name": None}) for i in ids]

    def add_security_group(self, server, group) -> list[dict]:
        """Put ``group`` on every port of the server (the ports changed are returned)."""
        group_id = self.security_group(group)["id"]
        return self._set_port_groups(server, lambda ids: [*ids, group_id] if group_id not in ids
                                     else ids)  # fmt: skip

    def remove_security_group(self, server, group) -> list[dict]:
        """Take ``group`` off every port of the server."""
        group_id = self.security_group(group)["id"]
        return self._set_port_groups(server, lambda ids: [i for i in ids if i != group_id])

    def _set_port_groups(self, server, change) -> list[dict]:
        changed = []
        for port in self.ports(server):
            before = list(port.get("security_groups") or ())
            after = change(before)
            if after != before:
                changed.append(self._put_port_groups(port["id"], after))
        return changed

    def _put_port_groups(self, port_id: str, group_ids: list[str]) -> dict:
        body = {"port": {"security_groups": group_ids}}
        return self._neutron("PUT", f"/ports/{quote(port_id, safe='')}", json=body)["port"]
