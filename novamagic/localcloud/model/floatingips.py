"""Floating IPs: allocated from the external ``public`` network, associated with a port.

An address is a pool slot's public IPv4 address (:class:`AddressPools`), so a floating IP never
collides with a server's fixed address on ``public``. Associating needs a port of the same
project with an IPv4 address on a network that reaches ``public`` (every project's networks do,
through an implicit router; ``public`` itself does not, as in Neutron: 404); a fixed IP that
already has a floating IP is a 409. The quota (Neutron's ``floatingip``) is checked before
anything is allocated.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from novamagic.localcloud.errors import BadRequest, Conflict, NotFound, typed
from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.identity import Token


@dataclass(slots=True, eq=False)
class FloatingIP:
    id: str
    floating_ip_address: str
    floating_network_id: str
    project_id: str
    slot: int
    created: float
    updated: float
    port_id: str | None = None
    fixed_ip_address: str | None = None
    router_id: str | None = None
    description: str = ""
    revision: int = 1


def fip_not_found(fip_id) -> NotFound:
    return typed(NotFound, "FloatingIPNotFound", f"Floating IP {fip_id} could not be found")


class FloatingIPBackend:
    """The floating IPs of :class:`CloudState`."""

    floating_ips: dict[str, FloatingIP]

    def _reset_floating_ips(self) -> None:
        self.floating_ips = {}

    def get_floating_ip(self, caller: Token, fip_id: str) -> FloatingIP:
        with self.lock:
            self._settle_port_devices()
            fip = self.floating_ips.get(fip_id)
            if fip is None or not caller.owns(fip.project_id):
                raise fip_not_found(fip_id)
            return fip

    def list_floating_ips(self, caller: Token) -> list[FloatingIP]:
        with self.lock:
            self._settle_port_devices()
            return [f for f in self.floating_ips.values() if caller.owns(f.project_id)]

    def floating_ips_of_port(self, port_id: str) -> list[FloatingIP]:
        return [f for f in self.floating_ips.values() if f.port_id == port_id]

    def create_floating_ip(
        self,
        caller: Token,
        floating_network_id: str,
        project_id: str | None = None,
        port_id: str | None = None,
        fixed_ip_address: str | None = None,
        floating_ip_address: str | None = None,
        description: str = "",
    ) -> FloatingIP:
        with self.lock:
            network = self.get_network(caller, floating_network_id)
            if not network.external:
                raise typed(
                    BadRequest,
                    "BadRequest",
                    f"Bad floatingip request: Network {network.id} is not a valid external "
                    "network.",
                )
            project_id = self._target_project(caller, project_id)
            if floating_ip_address is not None:
                raise typed(
                    BadRequest,
                    "PolicyNotAuthorized" if not caller.is_admin else "BadRequest",
                    "rule:create_floatingip:floating_ip_address is disallowed by policy"
                    if not caller.is_admin
                    else "Bad floatingip request: the local cloud picks floating addresses "
                    "itself; leave out floating_ip_address.",
                )
            self._check_network_quota(project_id, "floatingip", 1)
            port = fixed = None
            if port_id is not None:  # checked before the address is taken: nothing half-made
                port, fixed = self._association(caller, None, port_id, fixed_ip_address)
            slot = self.allocate_slot()
            address = str(ipaddress.ip_address(AddressPools.PUBLIC_V4 + slot))
            now = self.now()
            fip = FloatingIP(self._net_id(), address, network.id, project_id, slot, now, now,
                             description=description)  # fmt: skip
            self.floating_ips[fip.id] = fip
            if port is not None:
                self._associate(fip, port, fixed)
            return fip

    def update_floating_ip(self, caller: Token, fip_id: str, fields: dict) -> FloatingIP:
        """``fields`` may hold port_id (None disassociates), fixed_ip_address, description."""
        with self.lock:
            fip = self.get_floating_ip(caller, fip_id)
            if "port_id" in fields:
                if fields["port_id"] is None:
                    fip.port_id = fip.fixed_ip_address = fip.router_id = None
                else:
                    port, fixed = self._association(
                        caller, fip, fields["port_id"], fields.get("fixed_ip_address")
                    )
                    self._associate(fip, port, fixed)
            if "description" in fields:
                fip.description = fields["description"]
            fip.updated, fip.revision = self.now(), fip.revision + 1
            self.forget_views()  # an association shows in the server's addresses
            return fip

    def delete_floating_ip(self, caller: Token, fip_id: str) -> None:
        with self.lock:
            fip = self.get_floating_ip(caller, fip_id)
            del self.floating_ips[fip.id]
            self.pools.release(fip.slot)
            self.forget_views()

    def _association(self, caller: Token, fip, port_id, fixed_ip_address):
        port = self.ports.get(port_id) if isinstance(port_id, str) else None
        if port is None or not caller.owns(port.project_id):
            raise typed(NotFound, "PortNotFound", f"Port {port_id} could not be found.")
        if fip is not None and port.project_id != fip.project_id:
            raise typed(NotFound, "PortNotFound", f"Port {port_id} could not be found.")
        v4 = [(s, a) for s, a in port.fixed_ips if ":" not in a]
        if not v4:
            raise typed(
                BadRequest,
                "BadRequest",
                f"Bad floatingip request: Port {port.id} does not have any IPv4 address "
                "(a floating IP needs one).",
            )
        if fixed_ip_address is None:
            subnet_id, fixed = v4[0]
        else:
            match = [(s, a) for s, a in v4 if a == fixed_ip_address]
            if not match:
                raise typed(
                    BadRequest,
                    "BadRequest",
                    f"Bad floatingip request: Port {port.id} does not have fixed ip "
                    f"{fixed_ip_address}.",
                )
            subnet_id, fixed = match[0]
        network = self.networks[port.network_id]
        if network.external:
            raise typed(
                NotFound,
                "ExternalGatewayForFloatingIPNotFound",
                f"External network {network.id} is not reachable from subnet {subnet_id}. "
                f"Therefore, cannot associate Port {port.id} with a Floating IP.",
            )
        for other in self.floating_ips.values():
            if other is not fip and other.port_id == port.id and other.fixed_ip_address == fixed:
                raise typed(
                    Conflict,
                    "FloatingIPPortAlreadyAssociated",
                    f"Cannot associate floating IP {fip.floating_ip_address if fip else ''} "
                    f"({fip.id if fip else 'new'}) with port {port.id} using fixed IP {fixed}, "
                    f"as that fixed IP already has a floating IP on external network "
                    f"{other.floating_network_id}.",
                )
        return port, fixed

    def _associate(self, fip: FloatingIP, port, fixed: str) -> None:
        self.forget_views()
        fip.port_id, fip.fixed_ip_address = port.id, fixed
        fip.router_id = self._seeded_id("router", port.project_id)

    def _release_floating_ips(self, port) -> None:
        # A port that goes takes its associations, not its floating IPs (as in Neutron).
        self.forget_views()
        for fip in self.floating_ips_of_port(port.id):
            fip.port_id = fip.fixed_ip_address = fip.router_id = None
            fip.updated = self.now()
