"""Neutron's ports: list, show, create, update, delete. A server's ports carry its addresses;
their ``status`` follows the server (ACTIVE while it runs, DOWN otherwise)."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route
from novamagic.localcloud.network import views
from novamagic.localcloud.network.common import Attr, bad, listing, read_body, shown

PORT_ATTRS = {
    "name": Attr(),
    "description": Attr(),
    "network_id": Attr(),
    "fixed_ips": Attr("list"),
    "security_groups": Attr("list"),
    "admin_state_up": Attr("bool"),
    "device_id": Attr(),
    "device_owner": Attr(),
    "project_id": Attr(),
    "tenant_id": Attr(),
    "mac_address": Attr(),
    "port_security_enabled": Attr("bool"),
    "binding:vnic_type": Attr(),
}
PORT_UPDATABLE = ("name", "description", "admin_state_up", "security_groups")


def port_status(call: Call, port) -> str:
    server = call.state.servers.get(port.device_id) if port.device_id else None
    return "ACTIVE" if server is not None and server.status == "ACTIVE" else "DOWN"


def port_view(call: Call, port) -> dict:
    return views.port(port, port_status(call, port))


def list_ports(call: Call):
    with call.state.lock:
        items = [port_view(call, p) for p in call.state.list_ports(call.token)]
    return listing(call, "ports", items)


def show_port(call: Call, port_id: str):
    with call.state.lock:
        return {"port": shown(call, port_view(call, call.state.get_port(call.token, port_id)))}


def _wanted_ips(value) -> list:
    wanted = []
    for item in value:
        if not isinstance(item, dict) or not item or set(item) - {"subnet_id", "ip_address"}:
            raise bad("Invalid input for fixed_ips. Reason: each entry is an object with "
                      "'subnet_id' and/or 'ip_address'.")  # fmt: skip
        for key in ("subnet_id", "ip_address"):
            if key in item and not isinstance(item[key], str):
                raise bad(f"Invalid input for fixed_ips. Reason: {key} must be a string.")
        wanted.append((item.get("subnet_id"), item.get("ip_address")))
    return wanted


def _groups(value):
    if value is None:
        return None
    if not all(isinstance(g, str) for g in value):
        raise bad("Invalid input for security_groups. Reason: a list of security group ids.")
    return value


def create_port(call: Call):
    spec = read_body(call, "port", PORT_ATTRS, required=("network_id",))
    with call.state.lock:
        port = call.state.create_port(
            call.token,
            spec["network_id"],
            project_id=spec.get("project_id", spec.get("tenant_id")),
            fixed_ips=_wanted_ips(spec.get("fixed_ips", [])),
            security_groups=_groups(spec.get("security_groups")),
            mac_address=spec.get("mac_address"),
            **{k: spec[k] for k in ("name", "description", "admin_state_up") if k in spec},
        )
        return {"port": port_view(call, port)}, 201


def update_port(call: Call, port_id: str):
    spec = read_body(call, "port", PORT_ATTRS)
    fixed = sorted(set(spec) - set(PORT_UPDATABLE))
    if fixed:
        raise bad(f"Cannot update read-only attribute {fixed[0]} of port")
    groups = _groups(spec.pop("security_groups", None))
    with call.state.lock:
        port = call.state.update_port(call.token, port_id, security_groups=groups, **spec)
        return {"port": port_view(call, port)}


def delete_port(call: Call, port_id: str):
    call.state.delete_port(call.token, port_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/ports", list_ports, ["GET"], face="network"),
        route("/ports", create_port, ["POST"], face="network"),
        route("/ports/<port_id>", show_port, ["GET"], face="network"),
        route("/ports/<port_id>", update_port, ["PUT"], face="network"),
        route("/ports/<port_id>", delete_port, ["DELETE"], face="network"),
    ]
