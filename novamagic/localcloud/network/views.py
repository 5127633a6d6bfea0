"""Neutron's JSON views: networks, subnets, ports, floating IPs, security groups and rules, with
the field names of the Networking API reference (``tenant_id`` beside ``project_id``, times as
``2012-03-21T00:00:00Z``, ``revision_number``, ``tags``)."""

from __future__ import annotations

import ipaddress

from novamagic.localcloud.clock import iso_seconds
from novamagic.localcloud.model.floatingips import FloatingIP
from novamagic.localcloud.model.networks import Network, Subnet
from novamagic.localcloud.model.ports import Port
from novamagic.localcloud.model.secgroups import SecurityGroup, SecurityGroupRule


def _common(thing) -> dict:
    return {
        "project_id": thing.project_id,
        "tenant_id": thing.project_id,
        "created_at": iso_seconds(thing.created),
        "updated_at": iso_seconds(getattr(thing, "updated", thing.created)),
        "revision_number": thing.revision,
        "tags": [],
    }


def network(n: Network) -> dict:
    return {
        "id": n.id,
        "name": n.name,
        "description": n.description,
        "admin_state_up": n.admin_state_up,
        "status": "ACTIVE",
        "shared": n.shared,
        "router:external": n.external,
        "subnets": list(n.subnets),
        "mtu": n.mtu,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "port_security_enabled": True,
        "is_default": n.external,
        "l2_adjacency": True,
        "qos_policy_id": None,
        **_common(n),
    }


def subnet(s: Subnet, external: bool) -> dict:
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "network_id": s.network_id,
        "ip_version": s.ip_version,
        "cidr": s.cidr,
        "gateway_ip": s.gateway_ip,
        "allocation_pools": [
            {"start": str(ipaddress.ip_address(a)), "end": str(ipaddress.ip_address(b))}
            for a, b in s.pools
        ],
        "enable_dhcp": s.enable_dhcp,
        "dns_nameservers": list(s.dns_nameservers),
        "host_routes": [dict(r) for r in s.host_routes],
        "ipv6_address_mode": None,
        "ipv6_ra_mode": None,
        "segment_id": None,
        "subnetpool_id": None,
        "service_types": [],
        "dns_publish_fixed_ip": False,
        "router:external": external,
        **_common(s),
    }


def port(p: Port, status: str) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "network_id": p.network_id,
        "mac_address": p.mac,
        "fixed_ips": [{"subnet_id": s, "ip_address": a} for s, a in p.fixed_ips],
        "device_id": p.device_id,
        "device_owner": p.device_owner,
        "admin_state_up": p.admin_state_up,
        "status": status,
        "security_groups": list(p.security_groups),
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "port_security_enabled": True,
        "binding:vnic_type": "normal",
        "ip_allocation": "immediate",
        "propagate_uplink_status": False,
        "dns_name": "",
        "dns_assignment": [],
        "qos_policy_id": None,
        "qos_network_policy_id": None,
        **_common(p),
    }


def floating_ip(f: FloatingIP, port_obj: Port | None, port_status: str) -> dict:
    body = {
        "id": f.id,
        "floating_ip_address": f.floating_ip_address,
        "floating_network_id": f.floating_network_id,
        "router_id": f.router_id,
        "port_id": f.port_id,
        "fixed_ip_address": f.fixed_ip_address,
        "status": "ACTIVE" if f.port_id else "DOWN",
        "description": f.description,
        "port_details": None,
        "port_forwardings": [],
        "dns_domain": "",
        "dns_name": "",
        "qos_policy_id": None,
        **_common(f),
    }
    if port_obj is not None:
        body["port_details"] = {
            "name": port_obj.name,
            "network_id": port_obj.network_id,
            "mac_address": port_obj.mac,
            "admin_state_up": port_obj.admin_state_up,
            "status": port_status,
            "device_id": port_obj.device_id,
            "device_owner": port_obj.device_owner,
        }
    return body


def rule(r: SecurityGroupRule, default_group: bool) -> dict:
    return {
        "id": r.id,
        "security_group_id": r.security_group_id,
        "direction": r.direction,
        "ethertype": r.ethertype,
        "protocol": r.protocol,
        "port_range_min": r.port_range_min,
        "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix,
        "remote_group_id": r.remote_group_id,
        "remote_address_group_id": None,
        "normalized_cidr": r.remote_ip_prefix,
        "description": r.description,
        "belongs_to_default_sg": default_group,
        **_common(r),
    }


def security_group(g: SecurityGroup, rules: list[SecurityGroupRule]) -> dict:
    is_default = g.name == "default"
    return {
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "stateful": g.stateful,
        "shared": False,
        "security_group_rules": [rule(r, is_default) for r in rules],
        **_common(g),
    }
