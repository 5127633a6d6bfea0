"""Reaching servers as frames: networks, ports, floating IPs, security groups and their rules,
in the shapes Neutron answers (and the client returns: floating IPs with ``server_id``), and
key pairs (never a private key: the column set has none)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    FLOATING_IP_COLUMNS,
    KEYPAIR_COLUMNS,
    NETWORK_COLUMNS,
    PORT_COLUMNS,
    RULE_COLUMNS,
    SECURITY_GROUP_COLUMNS,
    _as_list,
    _build,
)


def _created(item: Mapping) -> Any:
    return item.get("created_at") or item.get("created")


def networks_frame(networks: Any, *, subnets: Iterable[Mapping] | None = None) -> pd.DataFrame:
    """One row per network; columns ``NETWORK_COLUMNS`` (``cidrs`` from ``subnets=``)."""
    rows = _as_list(networks, "networks", "network")
    cidr_of = {s.get("id"): s.get("cidr") for s in _as_list(subnets, "subnets") if subnets}
    data = {
        "id": [n.get("id") for n in rows],
        "name": [n.get("name") for n in rows],
        "status": [n.get("status") for n in rows],
        "external": [n.get("router:external") for n in rows],
        "shared": [n.get("shared") for n in rows],
        "mtu": [n.get("mtu") for n in rows],
        "subnets": [len(n.get("subnets") or ()) for n in rows],
        "cidrs": [
            ", ".join(c for c in (cidr_of.get(i) for i in n.get("subnets") or ()) if c) or None
            for n in rows
        ],
        "project_id": [n.get("project_id") or n.get("tenant_id") for n in rows],
        "created": [_created(n) for n in rows],
    }
    return _build(NETWORK_COLUMNS, data)


def _fixed(port: Mapping, version: int) -> str | None:
    found = [
        f.get("ip_address")
        for f in port.get("fixed_ips") or ()
        if (":" in str(f.get("ip_address"))) == (version == 6)
    ]
    return ", ".join(found) or None


def ports_frame(ports: Any) -> pd.DataFrame:
    """One row per port; columns ``PORT_COLUMNS`` (``server_id`` is Neutron's device_id for a
    server's port; ``security_groups`` counts the groups on it)."""
    rows = _as_list(ports, "ports", "port")
    data = {
        "id": [p.get("id") for p in rows],
        "name": [p.get("name") for p in rows],
        "status": [p.get("status") for p in rows],
        "network_id": [p.get("network_id") for p in rows],
        "server_id": [
            p.get("device_id") if str(p.get("device_owner", "")).startswith("compute") else None
            for p in rows
        ],
        "device_owner": [p.get("device_owner") for p in rows],
        "mac": [p.get("mac_address") for p in rows],
        "fixed_ipv4": [_fixed(p, 4) for p in rows],
        "fixed_ipv6": [_fixed(p, 6) for p in rows],
        "security_groups": [len(p.get("security_groups") or ()) for p in rows],
        "project_id": [p.get("project_id") or p.get("tenant_id") for p in rows],
        "created": [_created(p) for p in rows],
    }
    return _build(PORT_COLUMNS, data)


def floating_ips_frame(floating_ips: Any) -> pd.DataFrame:
    """One row per floating IP; columns ``FLOATING_IP_COLUMNS`` (``server_id`` empty when free)."""
    from novamagic.client.shapes import normalise_floating_ip

    rows = [normalise_floating_ip(f) for f in _as_list(floating_ips, "floatingips", "floatingip")]
    data = {
        "id": [f.get("id") for f in rows],
        "floating_ip": [f.get("floating_ip_address") for f in rows],
        "status": [f.get("status") for f in rows],
        "fixed_ip": [f.get("fixed_ip_address") for f in rows],
        "server_id": [f.get("server_id") for f in rows],
        "port_id": [f.get("port_id") for f in rows],
        "network_id": [f.get("floating_network_id") for f in rows],
        "description": [f.get("description") for f in rows],
        "project_id": [f.get("project_id") or f.get("tenant_id") for f in rows],
        "created": [_created(f) for f in rows],
    }
    return _build(FLOATING_IP_COLUMNS, data)


def security_groups_frame(groups: Any) -> pd.DataFrame:
    """One row per security group; columns ``SECURITY_GROUP_COLUMNS``."""
    rows = _as_list(groups, "security_groups", "security_group")
    data = {
        "id": [g.get("id") for g in rows],
        "name": [g.get("name") for g in rows],
        "description": [g.get("description") for g in rows],
        "rules": [len(g.get("security_group_rules") or ()) for g in rows],
        "project_id": [g.get("project_id") or g.get("tenant_id") for g in rows],
        "created": [_created(g) for g in rows],
    }
    return _build(SECURITY_GROUP_COLUMNS, data)


def security_group_rules_frame(rules: Any, *, groups: Any = None) -> pd.DataFrame:
    """One row per rule; columns ``RULE_COLUMNS`` (``group`` named from ``groups=``, a list of
    security groups; rules inside groups may be given as the groups themselves)."""
    payload = _as_list(rules, "security_group_rules", "security_group_rule")
    group_rows = _as_list(groups, "security_groups") if groups is not None else []
    if payload and all("security_group_rules" in item for item in payload):
        group_rows = group_rows or payload  # groups given: their rules, in order
        payload = [r for g in payload for r in g.get("security_group_rules") or ()]
    names = {g.get("id"): g.get("name") for g in group_rows}
    data = {
        "id": [r.get("id") for r in payload],
        "group": [names.get(r.get("security_group_id")) for r in payload],
        "direction": [r.get("direction") for r in payload],
        "ethertype": [r.get("ethertype") for r in payload],
        "protocol": [r.get("protocol") for r in payload],
        "port_min": [r.get("port_range_min") for r in payload],
        "port_max": [r.get("port_range_max") for r in payload],
        "remote_ip_prefix": [r.get("remote_ip_prefix") for r in payload],
        "remote_group_id": [r.get("remote_group_id") for r in payload],
        "description": [r.get("description") for r in payload],
        "group_id": [r.get("security_group_id") for r in payload],
    }
    return _build(RULE_COLUMNS, data)


def keypairs_frame(keypairs: Any) -> pd.DataFrame:
    """One row per key pair; columns ``KEYPAIR_COLUMNS`` (``type`` from microversion 2.2)."""
    rows = [k.get("keypair", k) for k in _as_list(keypairs, "keypairs", "keypair")]
    data = {
        "name": [k.get("name") for k in rows],
        "type": [k.get("type") for k in rows],
        "fingerprint": [k.get("fingerprint") for k in rows],
        "public_key": [k.get("public_key") for k in rows],
    }
    return _build(KEYPAIR_COLUMNS, data)
