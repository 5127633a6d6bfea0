"""Networking through the cloud's Neutron endpoint (service type ``network``): networks,
subnets, ports and floating IPs (allocate, attach to a server, detach, release).

The endpoint comes from the service catalog (against the local cloud its ``/networking`` face,
against a real cloud its Neutron); a cloud without one fails with a one-line
ConfigurationError naming what is missing. Requests are plain JSON at ``/v2.0/...``, every page
followed. Floating IPs come back normalised (:func:`~novamagic.client.shapes.normalise_floating_ip`:
a ``server_id`` beside Neutron's fields). Security groups are in :mod:`.secgroups`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from novamagic.client.errors import (
    AmbiguousName,
    ConfigurationError,
    Conflict,
    NotFound,
    ValidationError,
)
from novamagic.client.resolve import is_uuid, not_found, pick, ref_to_string
from novamagic.client.shapes import normalise_floating_ip

__all__ = ["NetworkMixin"]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _conflict_hint(message: str) -> str | None:
    text = message.lower()
    if "quota" in text:
        return (
            "the project's networking quota is used up: release what you no longer need "
            "(floating IPs: cloud.delete_floating_ip) or ask for a larger quota"
        )
    if "floating ip" in text and "already" in text:
        return "that address or fixed IP has a floating IP already: detach it first"
    if "in use" in text:
        return "it is still in use: take it off the servers' ports first"
    if "already exists" in text:
        return "nothing to add: an equal one is there already"
    return None


class NetworkMixin:
    """Neutron's networks, subnets, ports and floating IPs."""

    _network_url: str | None = None

    # -- the endpoint and requests ----------------------------------------------------------

    @property
    def network_url(self) -> str:
        """The Neutron v2.0 root (``.../v2.0``), found in the catalog on first use."""
        if self._network_url is None:
            config = self.config
            url = self._http.endpoint(
                "network", interface=config.interface, region_name=config.region_name
            )
            if not url:
                raise ConfigurationError(
                    f"this cloud has no networking service: the service catalog of "
                    f"{config.auth_url} lists no 'network' endpoint (Neutron; interface "
                    f"{config.interface!r}, region {config.region_name!r}), which networks, "
                    "floating IPs and security groups need",
                    hint="ask the cloud's operator, or check region_name/interface",
                )
            url = url.rstrip("/")
            self._network_url = url if url.endswith("/v2.0") else url + "/v2.0"
        return self._network_url

    def has_networking(self) -> bool:
        """Whether the catalog has a networking (Neutron) endpoint."""
        try:
            _ = self.network_url
        except ConfigurationError:
            return False
        return True

    def _neutron(self, method: str, path: str, *, json=None, params=None, **kwargs) -> Any:
        try:
            return self._http.json(
                method,
                self.network_url + path,
                json=json,
                params=params,
                headers={"Accept": "application/json"},
                **kwargs,
            )
        except Conflict as exc:
            exc.hint = _conflict_hint(exc.message)  # not Nova's "the server is busy"
            raise

    def _neutron_delete(self, path: str) -> None:
        self._http.request(
            "DELETE", self.network_url + path, headers={"Accept": "application/json"}, gone_ok=True
        )

    def _neutron_list(self, collection: str, params: Mapping | None = None) -> list[dict]:
        """Every item of a collection; Neutron pages only when asked or configured to, so the
        next links are followed when there are any (on our URL, with their marker)."""
        key = collection.replace("-", "_")
        params = {k: v for k, v in (params or {}).items() if v is not None}
        result: list[dict] = []
        seen: set[str] = set()
        while True:
            data = self._neutron("GET", f"/{collection}", params=params) or {}
            page = data.get(key) or []
            result.extend(page)
            href = next(
                (x.get("href") for x in data.get(f"{key}_links", ()) if x.get("rel") == "next"),
                None,
            )
            if not href or not page:
                return result
            params = dict(parse_qsl(urlsplit(href).query))
            marker = params.get("marker")
            if marker is None or marker in seen:
                return result
            seen.add(marker)

    def _neutron_find(self, collection: str, kind: str, ref, *, own_only=False) -> dict:
        """One item by id, name or dict (names: unique in the project with ``own_only``)."""
        key = collection.replace("-", "_")[:-1]
        text = ref_to_string(ref, kind)
        if is_uuid(text) or isinstance(ref, Mapping):
            try:
                return self._neutron("GET", f"/{collection}/{quote(text, safe='')}")[key]
            except NotFound:
                pass  # a uuid may be a name too (rare): look among the names
        items = self._neutron_list(collection)
        if own_only:
            mine = self._project_id()
            named = [i for i in items if i.get("name") == text and i.get("project_id") == mine]
            if len(named) == 1:
                return named[0]
            items = [i for i in items if i.get("project_id") == mine or i.get("id") == text]
        return dict(pick(text, items, kind, f"the {len(items)} {kind}s you can see"))

    def _project_id(self) -> str:
        return self._http.access().project_id

    # -- networks, subnets, ports -----------------------------------------------------------

    def networks(self, **filters) -> list[dict]:
        """The networks the project can use (its own, shared and external ones), with Neutron's
        fields (id, name, status, shared, router:external, subnets, project_id, ...)."""
        return self._neutron_list("networks", filters)

    def network(self, ref) -> dict:
        """One network by name, id or dict."""
        return self._neutron_find("networks", "network", ref)

    def subnets(self, network=None, **filters) -> list[dict]:
        """Subnets (of one network when given): id, name, network_id, cidr, gateway_ip, ..."""
        if network is not None:
            filters["network_id"] = self.network(network)["id"]
        return self._neutron_list("subnets", filters)

    def ports(self, server=None, *, network=None, **filters) -> list[dict]:
        """Ports (of one server and/or network when given): id, network_id, fixed_ips,
        device_id (the server), security_groups, status, mac_address, ..."""
        if server is not None:
            filters["device_id"] = self._server_id(server)
        if network is not None:
            filters["network_id"] = self.network(network)["id"]
        return self._neutron_list("ports", filters)

    def port(self, port_id: str) -> dict:
        return self._neutron("GET", f"/ports/{quote(ref_to_string(port_id, 'port'), safe='')}")[
            "port"
        ]

    def external_network(self, ref=None) -> dict:
        """The external network floating IPs come from: ``ref`` when given (it must be
        external), else the only one (or the one named ``public`` among several)."""
        if ref is not None:
            network = self.network(ref)
            if not network.get("router:external"):
                raise ValidationError(
                    f"network {network.get('name') or network['id']!r} is not external: "
                    "floating IPs come from an external network "
                    f"({', '.join(self._external_names()) or 'this cloud has none'})"
                )
            return network
        external = self.networks(**{"router:external": "true"})
        if len(external) == 1:
            return external[0]
        public = [n for n in external if n.get("name") == "public"]
        if len(public) == 1:
            return public[0]
        if not external:
            raise NotFound(
                "this cloud has no external network, so no floating IPs: reach servers on "
                "their fixed addresses, or ask the operator for one"
            )
        raise AmbiguousName(
            f"{len(external)} external networks: {', '.join(self._external_names())}",
            matches=[(n.get("name"), n.get("id")) for n in external],
            hint="say which with network=NAME",
        )

    def _external_names(self) -> list[str]:
        return [str(n.get("name") or n["id"]) for n in self.networks(**{"router:external": "true"})]

    def server_port(self, server, fixed_address: str | None = None) -> tuple[dict, str]:
        """The server's port (and IPv4 address) a floating IP attaches to: the first with an
        IPv4 address on a network that is not external (``fixed_address`` picks one)."""
        server_id = self._server_id(server)
        ports = self.ports(device_id=server_id)
        external = {n["id"] for n in self.networks(**{"router:external": "true"})}
        for port in ports:
            if port.get("network_id") in external:
                continue
            for fixed in port.get("fixed_ips") or ():
                address = fixed.get("ip_address") or ""
                if ":" in address:
                    continue
                if fixed_address is None or address == fixed_address:
                    return port, address
        known = [f.get("ip_address") for p in ports for f in p.get("fixed_ips") or ()]
        if fixed_address is not None:
            raise ValidationError(
                f"server {server!r} has no fixed IPv4 address {fixed_address} a floating IP can "
                f"attach to (its addresses: {', '.join(known) or 'none'})"
            )
        raise ValidationError(
            f"server {server!r} has no port with an IPv4 address on a non-external network, "
            f"so a floating IP cannot reach it (its addresses: {', '.join(known) or 'none'})"
        )

    # -- what a boot names -----------------------------------------------------------------

    def _boot_networks(self, networks):
        """A boot's ``networks`` as Nova takes them: "auto" / "none" and ids as they are; names
        (or ``{"uuid": name}``) resolved to ids, so an unknown one fails before the boot with
        the names there are. Dicts keep their ``port`` and ``fixed_ip``."""
        if isinstance(networks, str) and networks in ("auto", "none"):
            return networks
        if isinstance(networks, (str, Mapping)):
            networks = [networks]
        if not isinstance(networks, (list, tuple)) or not networks:
            raise ValidationError(
                "networks must be 'auto', 'none', or a list of network names or ids "
                "(or {uuid, fixed_ip} / {port} entries)"
            )
        result = []
        for item in networks:
            entry = dict(item) if isinstance(item, Mapping) else {"uuid": item}
            unknown = set(entry) - {"uuid", "port", "fixed_ip", "tag"}
            if unknown or not (entry.get("uuid") or entry.get("port")):
                raise ValidationError(
                    f"network entry {item!r}: give a name or id, or a mapping with uuid "
                    "(and fixed_ip) or port"
                )
            # An id goes as it is (Nova checks it); a name is looked up, so a typo fails here.
            uuid = str(entry.get("uuid") or "")
            if uuid and not is_uuid(uuid) and self.has_networking():
                entry["uuid"] = self.network(uuid)["id"]
            result.append({k: str(v) for k, v in entry.items()})
        return result

    def _boot_security_groups(self, groups) -> list[dict]:
        """A boot's ``security_groups`` as Nova takes them (``[{"name": ...}]``), each checked
        to exist first where the cloud has Neutron (an unknown one names the groups there are)."""
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, (list, tuple)) or not all(
            isinstance(g, str) and g.strip() for g in groups
        ):
            raise ValidationError("security_groups must be a list of security group names or ids")
        if self.has_networking():
            for group in groups:
                self.security_group(group)  # NotFound (with near names) when there is none
        return [{"name": g} for g in groups]

    # -- floating IPs -----------------------------------------------------------------------

    def floating_ips(self, server=None, **filters) -> list[dict]:
        """The project's floating IPs (of one server when given): id, floating_ip_address,
        fixed_ip_address, port_id, status, floating_network_id, server_id (None when free)."""
        if server is not None:
            ports = self.ports(server)
            if not ports:
                return []
            filters["port_id"] = [p["id"] for p in ports]
        return [normalise_floating_ip(f) for f in self._neutron_list("floatingips", filters)]

    def floating_ip(self, ref) -> dict:
        """One floating IP by id, address or dict."""
        text = ref_to_string(ref, "floating IP")
        if _is_ip(text):
            found = self._neutron_list("floatingips", {"floating_ip_address": text})
            if not found:
                everyone = self._neutron_list("floatingips")
                raise not_found(text, "floating IP", f"the project's {len(everyone)} floating IPs",
                                (f.get("floating_ip_address") for f in everyone))  # fmt: skip
            return normalise_floating_ip(found[0])
        try:
            data = self._neutron("GET", f"/floatingips/{quote(text, safe='')}")
        except NotFound:
            raise NotFound(
                f"no floating IP with id or address {text!r}",
                hint="%nova floating-ips (cloud.floating_ips()) lists them",
            ) from None
        return normalise_floating_ip(data["floatingip"])

    def create_floating_ip(self, network=None, *, server=None, description=None) -> dict:
        """Allocate a floating IP from the external network (``network``, else the cloud's
        only or ``public`` one); with ``server`` it is attached at once, in the same request
        (so a refused attachment allocates nothing). Recorded as this session's (cleanup)."""
        body: dict[str, Any] = {"floating_network_id": self.external_network(network)["id"]}
        if server is not None:
            port, address = self.server_port(server)
            body.update(port_id=port["id"], fixed_ip_address=address)
        if description is not None:
            body["description"] = str(description)
        data = self._neutron("POST", "/floatingips", json={"floatingip": body}, idempotent=False)
        fip = normalise_floating_ip(data["floatingip"])
        self._remember("floating_ip", fip["id"], fip.get("floating_ip_address"))
        return fip

    def attach_floating_ip(self, server, floating_ip=None, *, fixed_address=None) -> dict:
        """Attach ``floating_ip`` (id, address or dict; None allocates one) to the server's
        port (the one of ``fixed_address`` when given). An address already attached elsewhere
        is the cloud's 409 Conflict; nothing is changed then."""
        if floating_ip is None:
            port, address = self.server_port(server, fixed_address)
            body = {"floating_network_id": self.external_network()["id"],
                    "port_id": port["id"], "fixed_ip_address": address}  # fmt: skip
            data = self._neutron("POST", "/floatingips", json={"floatingip": body},
                                 idempotent=False)  # fmt: skip
            fip = normalise_floating_ip(data["floatingip"])
            self._remember("floating_ip", fip["id"], fip.get("floating_ip_address"))
            return fip
        fip = self.floating_ip(floating_ip)
        port, address = self.server_port(server, fixed_address)
        if fip.get("port_id") == port["id"] and fip.get("fixed_ip_address") == address:
            return fip  # already there: nothing to change
        if fip.get("port_id"):
            raise Conflict(
                f"floating IP {fip.get('floating_ip_address')} is already attached (to port "
                f"{fip['port_id']}, fixed IP {fip.get('fixed_ip_address')}); nothing was changed",
                hint="detach it first (cloud.detach_floating_ip), or use another address",
            )
        body = {"port_id": port["id"], "fixed_ip_address": address}
        data = self._neutron(
            "PUT", f"/floatingips/{quote(fip['id'], safe='')}", json={"floatingip": body}
        )
        return normalise_floating_ip(data["floatingip"])

    def detach_floating_ip(self, floating_ip) -> dict:
        """Detach a floating IP from its server (kept allocated; a free one stays as it is)."""
        fip = self.floating_ip(floating_ip)
        if not fip.get("port_id"):
            return fip
        data = self._neutron(
            "PUT",
            f"/floatingips/{quote(fip['id'], safe='')}",
            json={"floatingip": {"port_id": None}},
        )
        return normalise_floating_ip(data["floatingip"])

    def delete_floating_ip(self, floating_ip) -> None:
        """Release a floating IP (detached first by the cloud itself)."""
        fip = self.floating_ip(floating_ip)
        self._neutron_delete(f"/floatingips/{quote(fip['id'], safe='')}")
        self._forget("floating_ip", fip["id"])

    # -- this session's networking resources (cleanup) --------------------------------------

    def _remember(self, kind: str, resource_id: str, name=None, **extra) -> None:
        with self._lock:
            self._session_network[(kind, resource_id)] = {"name": name, **extra}

    def _forget(self, kind: str, resource_id: str) -> None:
        with self._lock:
            self._session_network.pop((kind, resource_id), None)

    def session_network_resources(self) -> list[dict]:
        """The floating IPs, security groups and rules this session created and has not
        deleted: ``{"kind", "id", "name"}``, in creation order."""
        with self._lock:
            items = list(self._session_network.items())
        return [{"kind": k, "id": i, "name": info.get("name")} for (k, i), info in items]
