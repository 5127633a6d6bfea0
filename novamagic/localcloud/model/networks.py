"""Networks and subnets (Neutron's core) and the addresses their subnets hand out.

Seeded on every reset: a shared external ``public`` network (owned by the admin project) and,
for each project, a ``private`` network, each with an IPv4 and an IPv6 subnet. A project that
appears later gets its ``private`` network on first use. Seeded ids are hashed from the seed and
the project, so they never depend on the order projects are first seen, and nothing here draws
from the resource RNG (server ids stay what they were before networks existed).

Addresses: the seeded subnets hand out *slot* addresses (``AddressPools``: slot n is the n-th
address of each pool), so a server booted on ``auto`` gets exactly the addresses it always had
(10.0.0.3..., 172.24.4.10...); other subnets hand out the lowest free address of their
allocation pools. Ports, and how servers plug into networks, are in :mod:`.ports`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, typed
from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.identity import Token

PUBLIC_NETWORK_ID = "c0ffee00-0000-4000-8000-000000000002"

#: (network, subnet name, cidr, gateway, pool start, slot base) of the seeded subnets.
SEEDED_SUBNETS = {
    "private": (
        ("private-subnet", "10.0.0.0/8", "10.0.0.1", "10.0.0.2", AddressPools.PRIVATE_V4),
        ("ipv6-private-subnet", "fd8e:1f01:a11c::/64", "fd8e:1f01:a11c::1",
         "fd8e:1f01:a11c::2", AddressPools.PRIVATE_V6),
    ),
    "public": (
        ("public-subnet", "172.24.0.0/13", "172.24.4.1", "172.24.4.2", AddressPools.PUBLIC_V4),
        ("ipv6-public-subnet", "2001:db8::/64", "2001:db8::1", "2001:db8::2",
         AddressPools.PUBLIC_V6),
    ),
}  # fmt: skip

DEVICE_OWNER_COMPUTE = "compute:nova"
_SEEDED_IDS: dict[tuple, str] = {}


@dataclass(slots=True, eq=False)
class Network:
    id: str
    name: str
    project_id: str
    created: float
    updated: float
    shared: bool = False
    external: bool = False
    admin_state_up: bool = True
    description: str = ""
    mtu: int = 1500
    subnets: list = field(default_factory=list)
    seeded: str | None = None  # "private" / "public": its subnets hand out slot addresses
    revision: int = 1


@dataclass(slots=True, eq=False)
class Subnet:
    id: str
    name: str
    network_id: str
    project_id: str
    cidr: str
    ip_version: int
    gateway_ip: str | None
    pools: list  # [(start int, end int)]
    created: float
    updated: float
    enable_dhcp: bool = True
    description: str = ""
    dns_nameservers: list = field(default_factory=list)
    host_routes: list = field(default_factory=list)  # [{"destination", "nexthop"}]
    slot_base: int | None = None  # seeded: slot n has address slot_base + n
    revision: int = 1


def not_found(what: str, ident) -> NotFound:
    kinds = {"Network": "NetworkNotFound", "Subnet": "SubnetNotFound", "Port": "PortNotFound"}
    return typed(NotFound, kinds[what], f"{what} {ident} could not be found.")


def policy(rule: str) -> Forbidden:
    return typed(Forbidden, "PolicyNotAuthorized", f"rule:{rule} is disallowed by policy")


class NetworkBackend:
    """Networks and subnets of :class:`CloudState` (their reset also empties the ports)."""

    networks: dict[str, Network]
    subnets: dict[str, Subnet]
    ports: dict  # port id -> Port (see ports.py)
    floating_ips: dict  # floating IP id -> FloatingIP (see floatingips.py)
    server_ports: dict[str, list[str]]

    def _reset_networks(self) -> None:
        import random

        self._net_rng = random.Random(f"{self.seed}:network")
        self.networks, self.subnets, self.ports, self.server_ports = {}, {}, {}, {}
        self._claimed: set[tuple[str, int]] = set()  # (subnet id, address) given on purpose
        self._seeded_projects: set[str] = set()
        admin = self.find_project("admin")
        owner = admin.id if admin is not None else ""
        self._seed_network("public", owner, PUBLIC_NETWORK_ID)
        for project_id in list(self.projects):
            self._project_seeded(project_id)

    # ------------------------------------------------------------------ ids and seeding
    def _seeded_id(self, *parts: str) -> str:
        known = _SEEDED_IDS.get((self.seed, parts))
        if known is None:  # hashing on every boot would double a 10,000-server populate
            digest = hashlib.sha256(":".join((str(self.seed), *parts)).encode()).digest()
            known = str(uuid.UUID(bytes=digest[:16], version=4))
            if len(_SEEDED_IDS) < 100_000:
                _SEEDED_IDS[(self.seed, parts)] = known
        return known

    def _net_id(self) -> str:
        return str(uuid.UUID(int=self._net_rng.getrandbits(128), version=4))

    def _mac(self) -> str:
        tail = self._net_rng.getrandbits(24) | 0x400000  # never one of the slot MACs' ranges
        return f"fa:16:3e:{tail >> 16:02x}:{(tail >> 8) & 0xFF:02x}:{tail & 0xFF:02x}"

    def _seed_network(self, kind: str, project_id: str, network_id: str) -> Network:
        now = self.now()
        public = kind == "public"
        network = Network(
            id=network_id,
            name=kind,
            project_id=project_id,
            created=now,
            updated=now,
            shared=public,
            external=public,
            seeded=kind,
        )
        for name, cidr, gateway, start, base in SEEDED_SUBNETS[kind]:
            net = ipaddress.ip_network(cidr)
            subnet = Subnet(
                id=self._seeded_id("subnet", network_id, name),
                name=name,
                network_id=network_id,
                project_id=project_id,
                cidr=cidr,
                ip_version=net.version,
                gateway_ip=gateway,
                pools=[(int(ipaddress.ip_address(start)), int(net.broadcast_address) - 1)],
                created=now,
                updated=now,
                enable_dhcp=net.version == 4,
                slot_base=base,
            )
            self.subnets[subnet.id] = subnet
            network.subnets.append(subnet.id)
        self.networks[network.id] = network
        return network

    def _project_seeded(self, project_id: str) -> None:
        """The project's ``private`` network and ``default`` security group are made once (a
        project's owner may delete the network later; the default group comes back, as
        Neutron's does)."""
        if project_id not in self._seeded_projects:
            self._seeded_projects.add(project_id)
            self._seed_network(
                "private", project_id, self._seeded_id("network", project_id, "private")
            )
        if self._seeded_id("security-group", project_id, "default") not in self.security_groups:
            self._seed_security_group(project_id)

    def private_network(self, project_id: str) -> Network | None:
        """The project's seeded ``private`` network (None once its owner deleted it)."""
        self._project_seeded(project_id)
        return self.networks.get(self._seeded_id("network", project_id, "private"))

    # ------------------------------------------------------------------ visibility
    def _sees_network(self, caller: Token, network: Network) -> bool:
        return network.shared or network.external or caller.owns(network.project_id)

    def get_network(self, caller: Token, network_id: str) -> Network:
        with self.lock:
            self._project_seeded(caller.project.id)
            network = self.networks.get(network_id)
            if network is None or not self._sees_network(caller, network):
                raise not_found("Network", network_id)
            return network

    def list_networks(self, caller: Token) -> list[Network]:
        with self.lock:
            self._project_seeded(caller.project.id)
            return [n for n in self.networks.values() if self._sees_network(caller, n)]

    def get_subnet(self, caller: Token, subnet_id: str) -> Subnet:
        with self.lock:
            subnet = self.subnets.get(subnet_id)
            if subnet is None or not self._sees_network(caller, self.networks[subnet.network_id]):
                raise not_found("Subnet", subnet_id)
            return subnet

    def list_subnets(self, caller: Token) -> list[Subnet]:
        with self.lock:
            self._project_seeded(caller.project.id)
            return [
                s
                for s in self.subnets.values()
                if self._sees_network(caller, self.networks[s.network_id])
            ]

    def _owned(self, caller: Token, network: Network, rule: str) -> None:
        if not caller.owns(network.project_id):
            raise policy(rule)

    # ------------------------------------------------------------------ networks
    def create_network(self, caller: Token, name: str, project_id: str | None = None, **attrs):
        shared, external = attrs.get("shared", False), attrs.get("router:external", False)
        if (shared or external) and not caller.is_admin:
            raise policy("create_network:shared" if shared else "create_network:router:external")
        with self.lock:
            project_id = self._target_project(caller, project_id)
            self._check_network_quota(project_id, "network", 1)
            now = self.now()
            network = Network(
                id=self._net_id(),
                name=name,
                project_id=project_id,
                created=now,
                updated=now,
                shared=shared,
                external=external,
                admin_state_up=attrs.get("admin_state_up", True),
                description=attrs.get("description", ""),
                mtu=attrs.get("mtu", 1500),
            )
            self.networks[network.id] = network
            return network

    def _target_project(self, caller: Token, project_id: str | None) -> str:
        if project_id in (None, caller.project.id):
            return caller.project.id
        if not caller.is_admin:
            raise typed(
                BadRequest,
                "HTTPBadRequest",
                "Specifying 'project_id' or 'tenant_id' other than the authenticated project "
                "in request requires admin privileges",
            )
        return project_id

    def update_network(self, caller: Token, network_id: str, **attrs) -> Network:
        with self.lock:
            network = self.get_network(caller, network_id)
            self._owned(caller, network, "update_network")
            if ("shared" in attrs or "router:external" in attrs) and not caller.is_admin:
                raise policy("update_network:shared")
            for key, value in attrs.items():
                setattr(network, {"router:external": "external"}.get(key, key), value)
            self._touch(network)
            return network

    def delete_network(self, caller: Token, network_id: str) -> None:
        with self.lock:
            network = self.get_network(caller, network_id)
            self._owned(caller, network, "delete_network")
            self._settle_port_devices()
            fips = [f for f in self.floating_ips.values() if f.floating_network_id == network_id]
            if any(p.network_id == network_id for p in self.ports.values()) or any(
                f.port_id for f in fips
            ):
                raise typed(
                    Conflict,
                    "NetworkInUse",
                    f"Unable to complete operation on network {network_id}. There are one or "
                    "more ports still in use on the network.",
                )
            for fip in fips:  # as Neutron, the network's disassociated floating IPs go with it
                del self.floating_ips[fip.id]
                self.pools.release(fip.slot)
            for subnet_id in network.subnets:
                self.subnets.pop(subnet_id, None)
            del self.networks[network_id]
            self.forget_views()

    def _touch(self, thing) -> None:
        thing.updated = self.now()
        thing.revision += 1
        self.forget_views()  # a port's or network's change may show in servers' addresses

    # ------------------------------------------------------------------ subnets
    def create_subnet(self, caller: Token, network_id: str, cidr, ip_version, **attrs) -> Subnet:
        with self.lock:
            network = self.get_network(caller, network_id)
            self._owned(caller, network, "create_subnet")
            net = _network_of(cidr, ip_version)
            for other in network.subnets:
                if ipaddress.ip_network(self.subnets[other].cidr).overlaps(net):
                    raise typed(
                        BadRequest,
                        "InvalidInput",
                        f"Invalid input for operation: Requested subnet with cidr: {net} for "
                        f"network: {network_id} overlaps with another subnet.",
                    )
            gateway = attrs.get("gateway_ip", "")
            hosts_first = int(net.network_address) + 1
            hosts_last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
            if hosts_last < hosts_first:
                raise typed(
                    BadRequest,
                    "InvalidInput",
                    f"Invalid input for operation: the subnet {net} has no room for addresses; "
                    "use a prefix of /30 or shorter for IPv4.",
                )
            if gateway == "":
                gateway = str(ipaddress.ip_address(hosts_first))
            elif gateway is not None:
                gateway = _address_in(net, gateway, "gateway_ip")
            pools = attrs.get("allocation_pools")
            if pools is None:
                gw = int(ipaddress.ip_address(gateway)) if gateway else None
                start = hosts_first + 1 if gw == hosts_first else hosts_first
                pools = [(start, hosts_last)]
            self._check_network_quota(network.project_id, "subnet", 1)
            now = self.now()
            subnet = Subnet(
                id=self._net_id(),
                name=attrs.get("name", ""),
                network_id=network_id,
                project_id=network.project_id,
                cidr=str(net),
                ip_version=net.version,
                gateway_ip=gateway,
                pools=pools,
                created=now,
                updated=now,
                enable_dhcp=attrs.get("enable_dhcp", True),
                description=attrs.get("description", ""),
                dns_nameservers=list(attrs.get("dns_nameservers", [])),
                host_routes=list(attrs.get("host_routes", [])),
            )
            self.subnets[subnet.id] = subnet
            network.subnets.append(subnet.id)
            self._touch(network)
            return subnet

    def update_subnet(self, caller: Token, subnet_id: str, **attrs) -> Subnet:
        with self.lock:
            subnet = self.get_subnet(caller, subnet_id)
            self._owned(caller, self.networks[subnet.network_id], "update_subnet")
            if attrs.get("gateway_ip") is not None:
                attrs["gateway_ip"] = _gateway_outside_pools(subnet, attrs["gateway_ip"])
            for key, value in attrs.items():
                setattr(subnet, key, value)
            self._touch(subnet)
            return subnet

    def delete_subnet(self, caller: Token, subnet_id: str) -> None:
        with self.lock:
            subnet = self.get_subnet(caller, subnet_id)
            network = self.networks[subnet.network_id]
            self._owned(caller, network, "delete_subnet")
            self._settle_port_devices()
            if any(s == subnet_id for p in self.ports.values() for s, _ in p.fixed_ips):
                raise typed(
                    Conflict,
                    "SubnetInUse",
                    f"Unable to complete operation on subnet {subnet_id}: One or more ports "
                    "have an IP allocation from this subnet.",
                )
            network.subnets.remove(subnet_id)
            del self.subnets[subnet_id]

    # ------------------------------------------------------------------ addresses
    def _in_use(self, subnet_id: str) -> set[int]:
        used = {int(ipaddress.ip_address(a)) for p in self.ports.values() for s, a in p.fixed_ips
                if s == subnet_id}  # fmt: skip
        if self.subnets[subnet_id].slot_base is not None:
            base = self.subnets[subnet_id].slot_base
            used |= {base + server.slot for server in self.servers.values()}
            # floating IPs hold slot addresses of public's IPv4 subnet
            used |= {int(ipaddress.ip_address(f.floating_ip_address))
                     for f in self.floating_ips.values()}  # fmt: skip
        return used

    def _fixed_ips(self, network: Network, slot: int | None, wanted: list) -> list:
        """[(subnet id, address)] for a new port: ``wanted`` [(subnet id or None, address or None)]
        or, when empty, one address from each subnet of the network."""
        if not network.subnets:
            return []
        requests = wanted or [(subnet_id, None) for subnet_id in network.subnets]
        result = []
        for subnet_id, address in requests:
            if subnet_id is None:  # an address without a subnet: the subnet that holds it
                subnet_id = next(
                    (s for s in network.subnets if _holds(self.subnets[s], address)), None
                )
                if subnet_id is None:
                    raise typed(
                        BadRequest,
                        "InvalidIpForNetwork",
                        f"IP address {address} is not a valid IP for any of the subnets on the "
                        f"specified network {network.id}.",
                    )
            if subnet_id not in network.subnets:
                raise typed(
                    BadRequest,
                    "InvalidInput",
                    f"Invalid input for operation: Failed to create port on network "
                    f"{network.id}, because fixed_ips included invalid subnet {subnet_id}.",
                )
            subnet = self.subnets[subnet_id]
            # A slot address needs no search (populating 100,000 servers stays linear).
            slotted = address is None and subnet.slot_base is not None and slot is not None
            used = set() if slotted else self._in_use(subnet_id)
            if address is not None:
                if not _holds(subnet, address):
                    raise typed(
                        BadRequest,
                        "InvalidIpForSubnet",
                        f"IP address {address} is not a valid IP for the specified subnet.",
                    )
                number = int(ipaddress.ip_address(address))
                if number in used or str(ipaddress.ip_address(number)) == subnet.gateway_ip:
                    raise typed(
                        Conflict,
                        "IpAddressAlreadyAllocated",
                        f"IP address {address} already allocated in subnet {subnet_id}",
                    )
            elif slotted:
                number = subnet.slot_base + slot
            else:
                number = self._free_address(subnet, used)
            if subnet.slot_base is not None and address is not None:
                self._claimed.add((subnet_id, number))
            result.append((subnet_id, str(ipaddress.ip_address(number))))
        return result

    def _free_address(self, subnet: Subnet, used: set[int]) -> int:
        gateway = int(ipaddress.ip_address(subnet.gateway_ip)) if subnet.gateway_ip else None
        claimed = {n for s, n in self._claimed if s == subnet.id}
        for start, end in subnet.pools:
            number = start
            while number <= end:
                if number not in used and number != gateway and number not in claimed:
                    return number
                number += 1
        raise typed(
            Conflict,
            "IpAddressGenerationFailure",
            f"No more IP addresses available on network {subnet.network_id}.",
        )

    def allocate_slot(self) -> int:
        """A pool slot whose seeded addresses nobody claimed on purpose (a fixed IP asked for)."""
        while True:
            slot = self.pools.allocate()
            if not any(
                (s, self.subnets[s].slot_base + slot) in self._claimed
                for s in {s for s, _ in self._claimed}
                if s in self.subnets
            ):
                return slot


def _network_of(cidr, ip_version) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        net = ipaddress.ip_network(cidr, strict=False) if isinstance(cidr, str) else None
    except ValueError:
        net = None
    if net is None:
        raise typed(
            BadRequest,
            "HTTPBadRequest",
            f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet.",
        )
    if str(net) != cidr and not (isinstance(cidr, str) and "/" in cidr):
        raise typed(
            BadRequest,
            "HTTPBadRequest",
            f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet (use a prefix "
            "such as 10.1.0.0/24).",
        )
    if ip_version != net.version:
        raise typed(
            BadRequest,
            "InvalidInput",
            f"Invalid input for operation: Cidr {cidr} does not match the IP version {ip_version}.",
        )
    return net


def _gateway_outside_pools(subnet: Subnet, value) -> str:
    """A new gateway of a subnet: in its cidr and in none of its allocation pools."""
    gateway = _address_in(ipaddress.ip_network(subnet.cidr), value, "gateway_ip")
    number = int(ipaddress.ip_address(gateway))
    for start, end in subnet.pools:
        if start <= number <= end:
            pool = f"{ipaddress.ip_address(start)}-{ipaddress.ip_address(end)}"
            raise typed(
                Conflict,
                "GatewayConflictWithAllocationPools",
                f"Gateway ip {gateway} conflicts with allocation pool {pool}.",
            )
    return gateway


def _address_in(net, value, field_name: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except (ValueError, TypeError):
        raise typed(
            BadRequest,
            "HTTPBadRequest",
            f"Invalid input for {field_name}. Reason: '{value}' is not a valid IP address.",
        ) from None
    if address not in net:
        raise typed(
            BadRequest,
            "InvalidInput",
            f"Invalid input for operation: Gateway IP {value} is not in the subnet {net}.",
        )
    return str(address)


def _holds(subnet: Subnet, address) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(subnet.cidr)
    except (ValueError, TypeError):
        return False


def _slot_address(subnet: Subnet, slot: int) -> str | None:
    if subnet.slot_base is None:
        return None
    return str(ipaddress.ip_address(subnet.slot_base + slot))
