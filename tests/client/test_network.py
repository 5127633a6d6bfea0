"""Networking through the client over real HTTP: the Neutron endpoint from the catalog,
networks, subnets, ports, floating IPs (allocate, attach, detach, release), security groups and
rules with their checks, boots naming networks and groups, and a cloud without Neutron.

Runs against the local cloud, or a real one with ``--os-cloud`` (skipping, with the reason,
where that cloud has no networking service); tests that set quotas need the local cloud.
"""

from __future__ import annotations

import pytest

from novamagic.client import (
    ConfigurationError,
    Conflict,
    NotFound,
    ValidationError,
    connect,
)
from tests.client.conftest import LOCAL_ACCOUNT, local_connect


@pytest.fixture
def neutron(cloud):
    """The cloud, when it has a networking service; else the test skips saying so."""
    if not cloud.has_networking():
        pytest.skip("this cloud's catalog has no 'network' endpoint (no Neutron)")
    return cloud


@pytest.fixture
def admin(local):
    client = local_connect(
        local, **{**LOCAL_ACCOUNT, "username": "admin", "password": "admin",
                  "project_name": "admin"}
    )  # fmt: skip
    yield client
    client.close()


def test_the_endpoint_comes_from_the_catalog(neutron, lc):
    url = neutron.network_url
    assert url.endswith("/v2.0")
    if lc is not None:
        assert url == lc.url + "/networking/v2.0"
    networks = neutron.networks()
    assert networks and {"id", "name", "status", "router:external", "subnets"} <= set(networks[0])
    external = neutron.external_network()
    assert external["router:external"] is True
    assert neutron.network(external["name"])["id"] == external["id"]
    assert neutron.network({"id": external["id"]})["name"] == external["name"]


def test_a_cloud_without_neutron_says_what_is_missing(local):
    # No 'network' endpoint in this region: the compute API is reached by its URL.
    with local_connect(
        local, region_name="Nowhere", compute_endpoint_override=local.url + "/compute/v2.1"
    ) as bare:
        assert bare.has_networking() is False
        with pytest.raises(ConfigurationError) as caught:
            bare.networks()
        message = str(caught.value)
        assert "no 'network' endpoint" in message and "Neutron" in message
        assert "\n" not in message
        assert bare.cleanup().ok  # nothing networked to clean: no Neutron call at all


def test_subnets_and_a_servers_ports(neutron, boot, lc):
    server = boot("net")
    ports = neutron.ports(server)
    assert ports and all(p["device_id"] == server["id"] for p in ports)
    port, address = neutron.server_port(server)
    assert address in {f["ip_address"] for f in port["fixed_ips"]} and ":" not in address
    network = neutron.network(port["network_id"])
    subnets = neutron.subnets(network["id"])
    assert {s["network_id"] for s in subnets} == {network["id"]}
    if lc is not None:
        assert (network["name"], address) == ("private", "10.0.0.3")
        assert "10.0.0.0/8" in {s["cidr"] for s in subnets}
    with pytest.raises(NotFound, match="no network with id or name 'privat'.*did you mean"):
        neutron.network("privat")


def test_floating_ip_allocate_attach_detach_release(neutron, boot):
    server = boot("fip")
    fip = neutron.create_floating_ip()
    assert fip["port_id"] is None and fip["server_id"] is None
    address = fip["floating_ip_address"]
    attached = neutron.attach_floating_ip(server, address)
    assert attached["server_id"] == server["id"] and attached["fixed_ip_address"]
    assert neutron.attach_floating_ip(server, address)["id"] == fip["id"]  # nothing to change
    assert [f["id"] for f in neutron.floating_ips(server)] == [fip["id"]]
    floating = [
        a["addr"]
        for entries in neutron.server(server)["addresses"].values()
        for a in entries
        if a.get("OS-EXT-IPS:type") == "floating"
    ]
    assert floating == [address]
    detached = neutron.detach_floating_ip(address)
    assert detached["port_id"] is None and detached["server_id"] is None
    neutron.delete_floating_ip(fip["id"])
    assert fip["id"] not in {f["id"] for f in neutron.floating_ips()}
    with pytest.raises(NotFound, match="no floating IP"):
        neutron.floating_ip(address)


def test_an_address_attached_elsewhere_is_a_conflict(neutron, boot):
    one, two = boot("one"), boot("two")
    fip = neutron.attach_floating_ip(one)  # allocated and attached in one request
    with pytest.raises(Conflict) as caught:
        neutron.attach_floating_ip(two, fip["floating_ip_address"])
    assert "already attached" in str(caught.value) and "detach it first" in caught.value.hint
    assert neutron.floating_ip(fip["id"])["server_id"] == one["id"]  # unchanged
    # The cloud's own 409: a second floating IP on the same fixed IP.
    spare = neutron.create_floating_ip()
    port, address = neutron.server_port(one)
    with pytest.raises(Conflict) as caught:
        neutron._neutron(
            "PUT",
            f"/floatingips/{spare['id']}",
            json={"floatingip": {"port_id": port["id"], "fixed_ip_address": address}},
        )
    assert "already" in str(caught.value) and "busy" not in (caught.value.hint or "")


def test_floating_ip_quota_exhausted_allocates_nothing(cloud, local, admin, boot):
    project = cloud.whoami()["project_id"]
    admin._neutron("PUT", f"/quotas/{project}", json={"quota": {"floatingip": 1}})
    server = boot("quota")
    cloud.create_floating_ip()
    with pytest.raises(Conflict) as caught:
        cloud.attach_floating_ip(server)
    assert "Quota exceeded" in str(caught.value) and "quota is used up" in caught.value.hint
    assert len(cloud.floating_ips()) == 1 and cloud.floating_ips(server) == []


def test_security_groups_and_rules(neutron, names):
    name = names("sg")
    group = neutron.create_security_group(name, "for the test")
    assert neutron.security_group(name)["id"] == group["id"]
    rule = neutron.create_security_group_rule(name, "tcp", "8000-8080", cidr="203.0.113.0/24")
    assert (rule["port_range_min"], rule["port_range_max"]) == (8000, 8080)
    assert rule["remote_ip_prefix"] == "203.0.113.0/24" and rule["direction"] == "ingress"
    icmp = neutron.create_security_group_rule(group, "icmp")
    assert icmp["protocol"] == "icmp" and icmp["port_range_min"] is None
    listed = {r["id"] for r in neutron.security_group_rules(name)}
    assert {rule["id"], icmp["id"]} <= listed
    with pytest.raises(Conflict) as caught:
        neutron.create_security_group_rule(name, "tcp", "8000-8080", cidr="203.0.113.0/24")
    assert "already exists" in str(caught.value)
    neutron.delete_security_group_rule(rule["id"])
    assert rule["id"] not in {r["id"] for r in neutron.security_group_rules(name)}
    neutron.delete_security_group(name)
    with pytest.raises(NotFound, match="no security group"):
        neutron.security_group(name)


@pytest.mark.parametrize(
    ("protocol", "ports", "cidr", "match"),
    [
        ("tcp", 0, None, "port 0 is outside 1-65535"),
        ("tcp", 70000, None, "port 70000 is outside 1-65535"),
        ("tcp", "90-80", None, r"port range 90-80 runs backwards.*min <= max"),
        ("tcp", "ssh", None, "port 'ssh' is not a number"),
        ("tcp", 22, "10.0.0/33", "'10.0.0/33' is not a CIDR: give a network such as 0.0.0.0/0"),
        ("icmp", 22, None, "ports are only for tcp"),
        ("tpc", 22, None, "protocol 'tpc' is not one Neutron knows"),
    ],
)
def test_rule_checks_send_nothing(neutron, protocol, ports, cidr, match):
    before = len(neutron.history)
    with pytest.raises(ValidationError, match=match) as caught:
        neutron.create_security_group_rule("default", protocol, ports, cidr=cidr)
    assert "\n" not in str(caught.value)
    assert len(neutron.history) == before


def test_boot_on_named_networks_and_groups(neutron, boot, names, lc):
    group = neutron.create_security_group(names("boot-sg"))
    private = next(n for n in neutron.networks() if not n["router:external"])
    server = boot("named", networks=[private["name"]], security_groups=[group["name"]])
    assert neutron.server_security_groups(server)[0]["id"] == group["id"]
    assert {p["network_id"] for p in neutron.ports(server)} == {private["id"]}
    by_id = boot("by-id", networks=[{"uuid": private["id"]}])  # an id goes as it is
    assert {p["network_id"] for p in neutron.ports(by_id)} == {private["id"]}
    before = len(neutron.history)
    with pytest.raises(NotFound, match="no network with id or name 'nowhere'"):
        boot("bad-net", networks=["nowhere"])
    with pytest.raises(NotFound, match="no security group with id or name 'nogroup'"):
        boot("bad-sg", security_groups=["nogroup"])
    sent = [h for h in list(neutron.history)[before:] if h["method"] == "POST"]
    assert sent == []  # refused before any boot was sent
    with pytest.raises(ValidationError, match="networks must be"):
        boot("bad-shape", networks=[])


def test_add_and_remove_a_servers_group(neutron, boot, names):
    server = boot("groups")
    group = neutron.create_security_group(names("extra"))
    neutron.add_security_group(server, group["name"])
    assert group["id"] in {g["id"] for g in neutron.server_security_groups(server)}
    assert neutron.add_security_group(server, group["name"]) == []  # already there
    with pytest.raises(Conflict, match="in use"):
        neutron._neutron_delete(f"/security-groups/{group['id']}")
    neutron.remove_security_group(server, group["id"])
    assert group["id"] not in {g["id"] for g in neutron.server_security_groups(server)}


def test_secrets_never_reach_the_network_calls_history(neutron, lc):
    if lc is None:
        pytest.skip("checks the local account's password, which a real cloud does not have")
    neutron.networks()
    assert "shhh" not in repr(list(neutron.history)) and "shhh" not in repr(neutron)


def test_a_fresh_connection_finds_the_endpoint_once(local):
    client = connect(local=local)
    try:
        client.networks()
        client.security_groups()
        assert client._network_url == local.url + "/networking/v2.0"
    finally:
        client.close()
