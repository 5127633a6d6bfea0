"""Neutron's floating IPs: allocate from the external network, associate with a port (PUT
``port_id``), disassociate (PUT ``port_id: null``), release (DELETE)."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route
from novamagic.localcloud.network import views
from novamagic.localcloud.network.common import Attr, bad, listing, read_body, shown
from novamagic.localcloud.network.ports import port_status

FIP_ATTRS = {
    "floating_network_id": Attr(),
    "port_id": Attr(nullable=True),
    "fixed_ip_address": Attr("str", 64, nullable=True),
    "floating_ip_address": Attr("str", 64, nullable=True),
    "description": Attr(),
    "project_id": Attr(),
    "tenant_id": Attr(),
    "subnet_id": Attr(nullable=True),
    "dns_name": Attr(),
    "dns_domain": Attr(),
    "qos_policy_id": Attr(nullable=True),
}
FIP_UPDATABLE = ("port_id", "fixed_ip_address", "description")


def fip_view(call: Call, fip) -> dict:
    port = call.state.ports.get(fip.port_id) if fip.port_id else None
    return views.floating_ip(fip, port, port_status(call, port) if port else "DOWN")


def list_floating_ips(call: Call):
    with call.state.lock:
        items = [fip_view(call, f) for f in call.state.list_floating_ips(call.token)]
    return listing(call, "floatingips", items)


def show_floating_ip(call: Call, fip_id: str):
    with call.state.lock:
        fip = call.state.get_floating_ip(call.token, fip_id)
        return {"floatingip": shown(call, fip_view(call, fip))}


def create_floating_ip(call: Call):
    spec = read_body(call, "floatingip", FIP_ATTRS, required=("floating_network_id",))
    with call.state.lock:
        fip = call.state.create_floating_ip(
            call.token,
            spec["floating_network_id"],
            project_id=spec.get("project_id", spec.get("tenant_id")),
            port_id=spec.get("port_id"),
            fixed_ip_address=spec.get("fixed_ip_address"),
            floating_ip_address=spec.get("floating_ip_address"),
            description=spec.get("description", ""),
        )
        return {"floatingip": fip_view(call, fip)}, 201


def update_floating_ip(call: Call, fip_id: str):
    spec = read_body(call, "floatingip", FIP_ATTRS)
    fixed = sorted(set(spec) - set(FIP_UPDATABLE))
    if fixed:
        raise bad(f"Cannot update read-only attribute {fixed[0]} of floatingip")
    if "fixed_ip_address" in spec and "port_id" not in spec:
        spec["port_id"] = call.state.get_floating_ip(call.token, fip_id).port_id
    with call.state.lock:
        fip = call.state.update_floating_ip(call.token, fip_id, spec)
        return {"floatingip": fip_view(call, fip)}


def delete_floating_ip(call: Call, fip_id: str):
    call.state.delete_floating_ip(call.token, fip_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/floatingips", list_floating_ips, ["GET"], face="network"),
        route("/floatingips", create_floating_ip, ["POST"], face="network"),
        route("/floatingips/<fip_id>", show_floating_ip, ["GET"], face="network"),
        route("/floatingips/<fip_id>", update_floating_ip, ["PUT"], face="network"),
        route("/floatingips/<fip_id>", delete_floating_ip, ["DELETE"], face="network"),
    ]
