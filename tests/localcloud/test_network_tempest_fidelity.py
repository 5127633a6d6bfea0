"""Neutron's answers where tempest's network API tests found the local cloud differing: a
port's chosen MAC, a subnet's host routes and new gateway, security group names and port
ranges, an external network's floating IPs going with it."""

from __future__ import annotations

import pytest

from tests.localcloud.test_network import Net, neutron_error


@pytest.fixture(name="net")
def _net(localcloud):
    return Net(localcloud)


def _network(who: Net, **extra) -> tuple[str, str]:
    network = who.ok("post", "/networks", {"network": {"name": "t", **extra}}, 201)["network"]
    subnet = who.ok("post", "/subnets", {"subnet": {
        "network_id": network["id"], "ip_version": 4, "cidr": "10.100.0.0/28",
        "gateway_ip": "10.100.0.1", "allocation_pools": [{"start": "10.100.0.3",
                                                          "end": "10.100.0.7"}]}},
        201)["subnet"]  # fmt: skip
    return network["id"], subnet["id"]


def test_a_port_may_be_given_its_mac_by_the_network_owner(localcloud, net):
    localcloud.add_user("ann", "pw", project="other")
    ann = Net(localcloud, "ann", "pw", "other")
    network_id, _ = _network(net)
    mac = "FA:16:3E:00:00:2A"
    port = net.ok("post", "/ports", {"port": {"network_id": network_id, "mac_address": mac}}, 201)
    assert port["port"]["mac_address"] == mac.lower()
    again = net.post("/ports", {"port": {"network_id": network_id, "mac_address": mac}})
    assert "is in use" in neutron_error(again, 409, "MacAddressInUse")
    bad = net.post("/ports", {"port": {"network_id": network_id, "mac_address": "fa:16"}})
    assert "not a valid MAC address" in neutron_error(bad, 400)
    shared = Net(localcloud, "admin", "admin", "admin")
    public = shared.ok("post", "/networks", {"network": {"name": "s", "shared": True}}, 201)
    theirs = ann.post("/ports", {"port": {"network_id": public["network"]["id"],
                                          "mac_address": "fa:16:3e:00:00:2b"}})  # fmt: skip
    assert "create_port:mac_address" in neutron_error(theirs, 403, "PolicyNotAuthorized")


def test_subnet_host_routes_and_a_new_gateway_outside_the_pools(net):
    _, subnet_id = _network(net)
    routes = [{"destination": "10.20.0.0/32", "nexthop": "10.100.0.1"}]
    updated = net.ok("put", f"/subnets/{subnet_id}", {"subnet": {
        "host_routes": routes, "gateway_ip": "10.100.0.2"}})["subnet"]  # fmt: skip
    assert updated["host_routes"] == routes and updated["gateway_ip"] == "10.100.0.2"
    assert net.ok("get", f"/subnets/{subnet_id}")["subnet"]["host_routes"] == routes
    in_pool = net.put(f"/subnets/{subnet_id}", {"subnet": {"gateway_ip": "10.100.0.4"}})
    assert "conflicts with allocation pool" in neutron_error(
        in_pool, 409, "GatewayConflictWithAllocationPools"
    )
    bad = net.put(f"/subnets/{subnet_id}", {"subnet": {"host_routes": [{"destination": "x"}]}})
    assert "host_routes" in neutron_error(bad, 400)


def test_no_group_is_named_default_but_the_default_and_port_ranges_need_both_ends(net):
    made = net.post("/security-groups", {"security_group": {"name": "Default"}})
    neutron_error(made, 409, "SecurityGroupDefaultAlreadyExists")
    group = net.ok("post", "/security-groups", {"security_group": {"name": "web"}}, 201)
    group_id = group["security_group"]["id"]
    renamed = net.put(f"/security-groups/{group_id}", {"security_group": {"name": "default"}})
    neutron_error(renamed, 409, "SecurityGroupDefaultAlreadyExists")
    half = net.post("/security-group-rules", {"security_group_rule": {
        "security_group_id": group_id, "direction": "ingress", "protocol": "tcp",
        "port_range_max": 6}})  # fmt: skip
    assert "port_range_min must be <= port_range_max" in neutron_error(
        half, 400, "SecurityGroupInvalidPortRange"
    )


def test_an_external_network_takes_its_unassociated_floating_ips_with_it(localcloud):
    admin = Net(localcloud, "admin", "admin", "admin")
    network_id, _ = _network(admin, **{"router:external": True})
    fip = admin.ok("post", "/floatingips", {"floatingip": {"floating_network_id": network_id}},
                   201)["floatingip"]  # fmt: skip
    admin.ok("delete", f"/networks/{network_id}", status=204)
    assert admin.get(f"/floatingips/{fip['id']}").status_code == 404
