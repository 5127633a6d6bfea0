"""Neutron's networks and subnets: list, show, create, update, delete."""

from __future__ import annotations

import ipaddress

from novamagic.localcloud.http import Call, route
from novamagic.localcloud.network import views
from novamagic.localcloud.network.common import Attr, bad, listing, read_body, shown

NETWORK_ATTRS = {
    "name": Attr(),
    "description": Attr(),
    "admin_state_up": Attr("bool"),
    "shared": Attr("bool"),
    "router:external": Attr("bool"),
    "mtu": Attr("int"),
    "project_id": Attr(),
    "tenant_id": Attr(),
    "port_security_enabled": Attr("bool"),
    "availability_zone_hints": Attr("list"),
}
NETWORK_UPDATABLE = ("name", "description", "admin_state_up", "shared", "router:external", "mtu")

SUBNET_ATTRS = {
    "name": Attr(),
    "description": Attr(),
    "network_id": Attr(),
    "cidr": Attr("any"),
    "ip_version": Attr("int"),
    "gateway_ip": Attr("str", 64, nullable=True),
    "allocation_pools": Attr("list"),
    "enable_dhcp": Attr("bool"),
    "dns_nameservers": Attr("list"),
    "project_id": Attr(),
    "tenant_id": Attr(),
    "host_routes": Attr("list"),
    "ipv6_address_mode": Attr("str", 16, nullable=True),
    "ipv6_ra_mode": Attr("str", 16, nullable=True),
}
SUBNET_UPDATABLE = ("name", "description", "enable_dhcp", "dns_nameservers", "gateway_ip",
                    "host_routes")  # fmt: skip


def _network_view(call: Call, network):
    return views.network(network)


def list_networks(call: Call):
    with call.state.lock:
        items = [views.network(n) for n in call.state.list_networks(call.token)]
    return listing(call, "networks", items)


def show_network(call: Call, network_id: str):
    with call.state.lock:
        return {
            "network": shown(call, views.network(call.state.get_network(call.token, network_id)))
        }


def create_network(call: Call):
    spec = read_body(call, "network", NETWORK_ATTRS)
    with call.state.lock:
        network = call.state.create_network(
            call.token,
            spec.get("name", ""),
            project_id=spec.get("project_id", spec.get("tenant_id")),
            **{
                k: spec[k]
                for k in ("shared", "router:external", "admin_state_up", "description", "mtu")
                if k in spec
            },  # fmt: skip
        )
        return {"network": views.network(network)}, 201


def update_network(call: Call, network_id: str):
    spec = read_body(call, "network", NETWORK_ATTRS)
    _only(spec, NETWORK_UPDATABLE, "network")
    with call.state.lock:
        network = call.state.update_network(call.token, network_id, **spec)
        return {"network": views.network(network)}


def delete_network(call: Call, network_id: str):
    call.state.delete_network(call.token, network_id)
    return None, 204


def _only(spec: dict, allowed, what: str) -> None:
    fixed = sorted(set(spec) - set(allowed))
    if fixed:
        raise bad(f"Cannot update read-only attribute {fixed[0]} of {what}")


# ------------------------------------------------------------------ subnets


def _subnet_view(call: Call, subnet):
    return views.subnet(subnet, call.state.networks[subnet.network_id].external)


def list_subnets(call: Call):
    with call.state.lock:
        items = [_subnet_view(call, s) for s in call.state.list_subnets(call.token)]
    return listing(call, "subnets", items)


def show_subnet(call: Call, subnet_id: str):
    with call.state.lock:
        return {
            "subnet": shown(call, _subnet_view(call, call.state.get_subnet(call.token, subnet_id)))
        }


def _pools(value, cidr: str) -> list[tuple[int, int]]:
    pools = []
    for pool in value:
        if not isinstance(pool, dict) or set(pool) != {"start", "end"}:
            raise bad("Invalid input for allocation_pools. Reason: each pool is an object with "
                      "'start' and 'end'.")  # fmt: skip
        try:
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            net = ipaddress.ip_network(cidr, strict=False)
        except (ValueError, TypeError):
            raise bad(f"Invalid input for allocation_pools. Reason: {pool!r} is not a range of "
                      "IP addresses.") from None  # fmt: skip
        if start not in net or end not in net or start > end:
            raise bad(f"The allocation pool {pool['start']}-{pool['end']} spans beyond the "
                      f"subnet cidr {cidr}.", "OutOfBoundsAllocationPool")  # fmt: skip
        pools.append((int(start), int(end)))
    return pools


def _routes(value) -> list[dict]:
    """A subnet's ``host_routes``: objects of a ``destination`` cidr and a ``nexthop`` address."""
    routes = []
    for route_ in value:
        if not isinstance(route_, dict) or set(route_) != {"destination", "nexthop"}:
            raise bad("Invalid input for host_routes. Reason: each route is an object with "
                      "'destination' and 'nexthop'.")  # fmt: skip
        try:
            destination = ipaddress.ip_network(route_["destination"])
            nexthop = ipaddress.ip_address(route_["nexthop"])
        except (ValueError, TypeError):
            raise bad(f"Invalid input for host_routes. Reason: {route_!r} is not a cidr and an "
                      "IP address.") from None  # fmt: skip
        routes.append({"destination": str(destination), "nexthop": str(nexthop)})
    return routes


def create_subnet(call: Call):
    spec = read_body(call, "subnet", SUBNET_ATTRS, required=("network_id", "ip_version"))
    if spec["ip_version"] not in (4, 6):
        raise bad(f"Invalid input for ip_version. Reason: '{spec['ip_version']}' is not in [4, 6].")
    if "cidr" not in spec:
        raise bad("Bad subnets request: a cidr must be specified in the absence of a subnet pool.")
    extra = {k: spec[k] for k in ("name", "description", "gateway_ip", "enable_dhcp",
                                  "dns_nameservers") if k in spec}  # fmt: skip
    if "host_routes" in spec:
        extra["host_routes"] = _routes(spec["host_routes"])
    with call.state.lock:
        if "allocation_pools" in spec:
            extra["allocation_pools"] = _pools(spec["allocation_pools"], str(spec["cidr"]))
        subnet = call.state.create_subnet(
            call.token, spec["network_id"], spec["cidr"], spec["ip_version"], **extra
        )
        return {"subnet": _subnet_view(call, subnet)}, 201


def update_subnet(call: Call, subnet_id: str):
    spec = read_body(call, "subnet", SUBNET_ATTRS)
    _only(spec, SUBNET_UPDATABLE, "subnet")
    if "host_routes" in spec:
        spec["host_routes"] = _routes(spec["host_routes"])
    with call.state.lock:
        return {
            "subnet": _subnet_view(call, call.state.update_subnet(call.token, subnet_id, **spec))
        }


def delete_subnet(call: Call, subnet_id: str):
    call.state.delete_subnet(call.token, subnet_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/networks", list_networks, ["GET"], face="network"),
        route("/networks", create_network, ["POST"], face="network"),
        route("/networks/<network_id>", show_network, ["GET"], face="network"),
        route("/networks/<network_id>", update_network, ["PUT"], face="network"),
        route("/networks/<network_id>", delete_network, ["DELETE"], face="network"),
        route("/subnets", list_subnets, ["GET"], face="network"),
        route("/subnets", create_subnet, ["POST"], face="network"),
        route("/subnets/<subnet_id>", show_subnet, ["GET"], face="network"),
        route("/subnets/<subnet_id>", update_subnet, ["PUT"], face="network"),
        route("/subnets/<subnet_id>", delete_subnet, ["DELETE"], face="network"),
    ]
