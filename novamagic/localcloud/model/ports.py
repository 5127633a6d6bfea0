"""Ports, and how servers plug into networks: a boot's ``networks`` checked before anything is
made, one port per network for each new server (the seeded networks' slot addresses and MACs,
so ``auto`` gives the addresses servers always had), the ports going with their server, and the
server's Nova ``addresses`` and ``security_groups`` read back from its ports."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, NotFound, typed
from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.networks import (
    DEVICE_OWNER_COMPUTE,
    PUBLIC_NETWORK_ID,
    _holds,
    _slot_address,
    not_found,
    policy,
)

_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


@dataclass(slots=True, eq=False)
class Port:
    id: str
    name: str
    network_id: str
    project_id: str
    mac: str
    fixed_ips: list  # [(subnet id, address)]
    created: float
    updated: float
    device_id: str = ""
    device_owner: str = ""
    security_groups: list = field(default_factory=list)
    admin_state_up: bool = True
    description: str = ""
    slot: int | None = None  # a pool slot this port holds itself (released with it)
    made_for_server: bool = False  # Nova made it at boot, so it goes with the server
    revision: int = 1


class PortBackend:
    """Ports of :class:`CloudState`; ``server_ports`` maps a server id to its port ids in the
    order Nova lists its networks."""

    ports: dict[str, Port]
    server_ports: dict[str, list[str]]

    def get_port(self, caller: Token, port_id: str) -> Port:
        with self.lock:
            self._settle_port_devices()
            port = self.ports.get(port_id)
            if port is None or not caller.owns(port.project_id):
                raise not_found("Port", port_id)
            return port

    def list_ports(self, caller: Token) -> list[Port]:
        with self.lock:
            self._settle_port_devices()
            return [p for p in self.ports.values() if caller.owns(p.project_id)]

    def _settle_port_devices(self) -> None:
        # A port's status follows its server, and a deletion that finished unobserved still
        # holds its ports: settle the servers that are busy first.
        now = self.now()
        for server in [s for s in self.servers.values() if s.operation is not None]:
            self._settle(server, now)

    # ------------------------------------------------------------------ ports
    def create_port(
        self,
        caller: Token,
        network_id: str,
        project_id: str | None = None,
        fixed_ips=None,
        security_groups=None,
        mac_address=None,
        **attrs,
    ) -> Port:
        with self.lock:
            network = self.get_network(caller, network_id)
            project_id = self._target_project(caller, project_id)
            if not network.shared and not caller.owns(network.project_id):
                raise policy("create_port:network")
            mac = self._chosen_mac(caller, network, mac_address)
            groups = self._resolve_port_groups(caller, project_id, security_groups)
            self._check_network_quota(project_id, "port", 1)
            slot = None
            if network.seeded and not fixed_ips:
                slot = self.allocate_slot()
            try:
                ips = self._fixed_ips(network, slot, fixed_ips or [])
            except Exception:
                if slot is not None:
                    self.pools.release(slot)
                raise
            port = self._add_port(network, project_id, ips, groups, mac, slot, **attrs)
            return port

    def _chosen_mac(self, caller: Token, network, mac) -> str:
        """The port's MAC: a new one, or one asked for (the network's owner or an admin may,
        once per network)."""
        if mac is None:
            return self._mac()
        if not caller.owns(network.project_id):
            raise policy("create_port:mac_address")
        if not isinstance(mac, str) or not _MAC.match(mac) or mac.strip("0:") == "":
            raise typed(BadRequest, "HTTPBadRequest",
                        f"Invalid input for mac_address. Reason: '{str(mac)[:40]}' is not a "
                        "valid MAC address.")  # fmt: skip
        mac = mac.lower()
        if int(mac[:2], 16) & 1:
            raise typed(BadRequest, "HTTPBadRequest", f"Invalid input for mac_address. Reason: "
                        f"'{mac}' is a multicast address, not a port's.")  # fmt: skip
        if any(p.network_id == network.id and p.mac == mac for p in self.ports.values()):
            raise typed(Conflict, "MacAddressInUse", f"Unable to complete operation for network "
                        f"{network.id}. The mac address {mac} is in use.")  # fmt: skip
        return mac

    def _add_port(self, network, project_id, ips, groups, mac, slot=None, **attrs) -> Port:
        now = self.now()
        port = Port(
            id=self._net_id(),
            name=attrs.get("name", ""),
            network_id=network.id,
            project_id=project_id,
            mac=mac,
            fixed_ips=ips,
            created=now,
            updated=now,
            device_id=attrs.get("device_id", ""),
            device_owner=attrs.get("device_owner", ""),
            security_groups=groups,
            admin_state_up=attrs.get("admin_state_up", True),
            description=attrs.get("description", ""),
            slot=slot,
        )
        self.ports[port.id] = port
        self.forget_views()
        return port

    def _resolve_port_groups(self, caller: Token, project_id: str, groups) -> list[str]:
        if groups is None:
            return [self.default_security_group(project_id).id]
        return [self.get_security_group(caller, g).id for g in groups]

    def update_port(self, caller: Token, port_id: str, security_groups=None, **attrs) -> Port:
        with self.lock:
            port = self.get_port(caller, port_id)
            if security_groups is not None:
                port.security_groups = self._resolve_port_groups(
                    caller, port.project_id, security_groups
                )
            for key, value in attrs.items():
                setattr(port, key, value)
            self._touch(port)
            return port

    def delete_port(self, caller: Token, port_id: str) -> None:
        with self.lock:
            port = self.get_port(caller, port_id)
            self._drop_port(port)

    def _drop_port(self, port: Port) -> None:
        self.forget_views()
        self._release_floating_ips(port)
        del self.ports[port.id]
        if port.slot is not None:
            self.pools.release(port.slot)
        for subnet_id, address in port.fixed_ips:
            self._claimed.discard((subnet_id, int(ipaddress.ip_address(address))))
        owned = self.server_ports.get(port.device_id)
        if owned is not None and port.id in owned:
            owned.remove(port.id)

    # ------------------------------------------------------------------ servers
    def check_server_networks(self, caller: Token, requested, count: int, quota=True) -> list:
        """What a boot's ``networks`` (None: auto; [] none; or Nova's list) plugs, checked
        before anything is made: [(network, port or None, fixed ip or None)]; Nova's 400s."""
        project_id = caller.project.id
        if requested is None:
            found = (self.private_network(project_id), self.networks.get(PUBLIC_NETWORK_ID))
            plan = [(network, None, None) for network in found if network is not None]
            if not plan:
                raise BadRequest(
                    f"Unable to automatically allocate a network for project {project_id}: "
                    "its private network and public are gone; name a network to boot on."
                )
        else:
            plan = []
            for item in requested:
                if "port" in item and item["port"] is not None:
                    port = self.ports.get(item["port"])
                    if port is None or not caller.owns(port.project_id):
                        raise BadRequest(f"Port {item['port']} could not be found.")
                    if port.device_id:
                        raise Conflict(f"Port {port.id} is still in use.")
                    if count > 1:
                        raise BadRequest(
                            "Unable to launch multiple instances with a single configured port ID. "
                            "Please launch your instance one by one with different ports."
                        )
                    plan.append((self.networks[port.network_id], port, None))
                    continue
                network = self.networks.get(item.get("uuid"))
                if network is None or not self._sees_network(caller, network):
                    raise BadRequest(f"Network {item.get('uuid')} could not be found.")
                fixed_ip = item.get("fixed_ip")
                if fixed_ip is not None:
                    if count > 1:
                        raise BadRequest(
                            "max_count cannot be greater than 1 if an fixed_ip is specified."
                        )
                    if not any(_holds(self.subnets[s], fixed_ip) for s in network.subnets):
                        raise BadRequest(
                            f"Fixed IP {fixed_ip} is not a valid ip address for network "
                            f"{network.id}."
                        )
                    if any(
                        a == fixed_ip for p in self.ports.values() for _, a in p.fixed_ips
                    ) or any(
                        _slot_address(self.subnets[s], srv.slot) == fixed_ip
                        for s in network.subnets
                        for srv in self.servers.values()
                    ):
                        raise BadRequest(
                            f"Fixed IP address {fixed_ip} is already in use on instance."
                        )
                plan.append((network, None, fixed_ip))
        if quota:
            ports_needed = count * sum(1 for _, port, _ in plan if port is None)
            self._check_network_quota(project_id, "port", ports_needed, nova=True)
        return plan

    def plug_server(self, server, plan, group_ids: list[str]) -> None:
        """Give a new server its ports (the order of ``plan`` is the order of its addresses)."""
        macs = AddressPools.addresses(server.slot)
        self.forget_views()
        ids = self.server_ports[server.id] = []
        for network, port, fixed_ip in plan:
            if port is None:
                kind = network.seeded or ""
                if (
                    fixed_ip is None
                    and kind in macs
                    and all(self.subnets[s].slot_base is not None for s in network.subnets)
                ):  # the seeded subnets' slot addresses, fast (inet_ntop, no search)
                    by_version = {version: addr for version, addr, _ in macs[kind]}
                    ips = [(s, by_version[self.subnets[s].ip_version]) for s in network.subnets]
                else:
                    wanted = [(None, fixed_ip)] if fixed_ip is not None else []
                    ips = self._fixed_ips(network, server.slot, wanted)
                mac = macs[kind][0][2] if kind in macs else self._mac()
                port = self._add_port(network, server.project_id, ips, list(group_ids), mac)
                port.made_for_server = True
            port.device_id, port.device_owner = server.id, DEVICE_OWNER_COMPUTE
            self._touch(port)
            ids.append(port.id)

    def unplug_server(self, server) -> None:
        """A deleted server's ports go; ports it was given unbind (as Nova does)."""
        self.forget_views()
        for port_id in self.server_ports.pop(server.id, []):
            port = self.ports.get(port_id)
            if port is None:
                continue
            if port.made_for_server:
                self._drop_port(port)
            else:
                port.device_id, port.device_owner = "", ""
                self._touch(port)

    def server_addresses(self, server) -> list[tuple[str, list[tuple[int, str, str, str]]]]:
        """Nova's ``addresses`` of a server: [(network name, [(version, addr, type, mac)])]."""
        out: dict[str, list] = {}
        for port_id in self.server_ports.get(server.id, ()):
            port = self.ports[port_id]
            entries = out.setdefault(self.networks[port.network_id].name, [])
            for _, address in port.fixed_ips:
                version = 6 if ":" in address else 4
                entries.append((version, address, "fixed", port.mac))
            for fip in self.floating_ips_of_port(port.id):
                entries.append((4, fip.floating_ip_address, "floating", port.mac))
        return list(out.items())

    def dump_networking(self) -> dict:
        """The networking part of :meth:`CloudState.dump`."""
        return _dump_networking(self)

    def change_server_security_group(self, caller: Token, server_id: str, ref, add: bool) -> None:
        """Nova's addSecurityGroup / removeSecurityGroup: the group (by name or id, in the
        caller's project) set on, or taken off, every port of the server (Nova's 404s)."""
        if not isinstance(ref, str) or not ref.strip():
            raise BadRequest("Security group name cannot be empty")
        with self.lock:
            server = self.get_server(caller, server_id)
            try:
                group = self.get_security_group(caller, ref)
            except NotFound:
                raise NotFound(
                    f"Security group {ref} is not found for project {caller.project.id}"
                ) from None
            except Conflict:
                raise Conflict(
                    f"Multiple security groups found matching '{ref}'. Use an ID to be more "
                    "specific."
                ) from None
            ports = [self.ports[p] for p in self.server_ports.get(server.id, ())]
            if not ports:
                raise NotFound(
                    f"instance_id {server.id} could not be found as device id on any ports"
                )
            changed = False
            for port in ports:
                if add and group.id not in port.security_groups:
                    port.security_groups = [*port.security_groups, group.id]
                    self._touch(port)
                elif not add and group.id in port.security_groups:
                    port.security_groups = [g for g in port.security_groups if g != group.id]
                    self._touch(port)
                    changed = True
            if not add and not changed:
                raise NotFound(f"Security group {ref} not associated with the instance {server.id}")

    def server_security_groups(self, server) -> list[str]:
        names = []
        for port_id in self.server_ports.get(server.id, ()):
            for group_id in self.ports[port_id].security_groups:
                group = self.security_groups.get(group_id)
                if group is not None and group.name not in names:
                    names.append(group.name)
        return names


def _dump_networking(cloud) -> dict:
    return {
        "networks": [
            {"id": n.id, "name": n.name, "project_id": n.project_id, "shared": n.shared,
             "external": n.external, "subnets": list(n.subnets)}
            for n in cloud.networks.values()
        ],
        "subnets": [
            {"id": s.id, "name": s.name, "network_id": s.network_id, "cidr": s.cidr}
            for s in cloud.subnets.values()
        ],
        "ports": [
            {"id": p.id, "network_id": p.network_id, "project_id": p.project_id,
             "device_id": p.device_id, "fixed_ips": [a for _, a in p.fixed_ips]}
            for p in cloud.ports.values()
        ],
        "floating_ips": [
            {"id": f.id, "address": f.floating_ip_address, "project_id": f.project_id,
             "port_id": f.port_id}
            for f in cloud.floating_ips.values()
        ],
        "security_groups": [
            {"id": g.id, "name": g.name, "project_id": g.project_id, "rules": len(g.rules)}
            for g in cloud.security_groups.values()
        ],
        "network_quotas": {pid: dict(q) for pid, q in cloud.network_quotas.items()},
    }  # fmt: skip
