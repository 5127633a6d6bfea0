"""Neutron's security groups and security group rules."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route
from novamagic.localcloud.network import views
from novamagic.localcloud.network.common import Attr, bad, listing, read_body, shown

GROUP_ATTRS = {
    "name": Attr(),
    "description": Attr(),
    "project_id": Attr(),
    "tenant_id": Attr(),
    "stateful": Attr("bool"),
}
RULE_ATTRS = {
    "security_group_id": Attr(),
    "direction": Attr("any"),
    "ethertype": Attr("any"),
    "protocol": Attr("any", nullable=True),
    "port_range_min": Attr("any", nullable=True),
    "port_range_max": Attr("any", nullable=True),
    "remote_ip_prefix": Attr("any", nullable=True),
    "remote_group_id": Attr("str", nullable=True),
    "remote_address_group_id": Attr("str", nullable=True),
    "description": Attr(),
    "project_id": Attr(),
    "tenant_id": Attr(),
}


def group_view(call: Call, group) -> dict:
    rules = [call.state.security_group_rules[r] for r in group.rules]
    return views.security_group(group, rules)


def rule_view(call: Call, rule) -> dict:
    group = call.state.security_groups.get(rule.security_group_id)
    return views.rule(rule, group is not None and group.name == "default")


def list_groups(call: Call):
    with call.state.lock:
        items = [group_view(call, g) for g in call.state.list_security_groups(call.token)]
    return listing(call, "security_groups", items)


def show_group(call: Call, group_id: str):
    with call.state.lock:
        group = call.state.own_security_group(call.token, group_id)
        return {"security_group": shown(call, group_view(call, group))}


def create_group(call: Call):
    spec = read_body(call, "security_group", GROUP_ATTRS, required=("name",))
    with call.state.lock:
        group = call.state.create_security_group(
            call.token,
            spec["name"],
            spec.get("description", ""),
            project_id=spec.get("project_id", spec.get("tenant_id")),
        )
        return {"security_group": group_view(call, group)}, 201


def update_group(call: Call, group_id: str):
    spec = read_body(call, "security_group", GROUP_ATTRS)
    fixed = sorted(set(spec) - {"name", "description"})
    if fixed:
        raise bad(f"Cannot update read-only attribute {fixed[0]} of security_group")
    with call.state.lock:
        group = call.state.update_security_group(call.token, group_id, **spec)
        return {"security_group": group_view(call, group)}


def delete_group(call: Call, group_id: str):
    call.state.delete_security_group(call.token, group_id)
    return None, 204


def list_rules(call: Call):
    with call.state.lock:
        items = [rule_view(call, r) for r in call.state.list_security_group_rules(call.token)]
    return listing(call, "security_group_rules", items)


def show_rule(call: Call, rule_id: str):
    with call.state.lock:
        rule = call.state.get_security_group_rule(call.token, rule_id)
        return {"security_group_rule": shown(call, rule_view(call, rule))}


def create_rule(call: Call):
    spec = read_body(
        call, "security_group_rule", RULE_ATTRS, required=("security_group_id", "direction")
    )
    if spec.get("remote_address_group_id") is not None:
        raise bad("Address groups are not offered by the local cloud: use remote_ip_prefix or "
                  "remote_group_id.")  # fmt: skip
    with call.state.lock:
        rule = call.state.create_security_group_rule(
            call.token,
            spec["security_group_id"],
            spec["direction"],
            ethertype=spec.get("ethertype", "IPv4"),
            protocol=spec.get("protocol"),
            port_range_min=spec.get("port_range_min"),
            port_range_max=spec.get("port_range_max"),
            remote_ip_prefix=spec.get("remote_ip_prefix"),
            remote_group_id=spec.get("remote_group_id"),
            description=spec.get("description", ""),
        )
        return {"security_group_rule": rule_view(call, rule)}, 201


def delete_rule(call: Call, rule_id: str):
    call.state.delete_security_group_rule(call.token, rule_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/security-groups", list_groups, ["GET"], face="network"),
        route("/security-groups", create_group, ["POST"], face="network"),
        route("/security-groups/<group_id>", show_group, ["GET"], face="network"),
        route("/security-groups/<group_id>", update_group, ["PUT"], face="network"),
        route("/security-groups/<group_id>", delete_group, ["DELETE"], face="network"),
        route("/security-group-rules", list_rules, ["GET"], face="network"),
        route("/security-group-rules", create_rule, ["POST"], face="network"),
        route("/security-group-rules/<rule_id>", show_rule, ["GET"], face="network"),
        route("/security-group-rules/<rule_id>", delete_rule, ["DELETE"], face="network"),
    ]
