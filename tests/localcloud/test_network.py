"""The Neutron face over real HTTP: discovery, networks, subnets, ports, security groups and
rules, floating IPs and quotas; their status codes and NeutronError bodies, isolation between
projects and the admin view; and Nova's side: boot on networks and groups, addresses from ports."""

from __future__ import annotations

import pytest
import requests

from tests.localcloud.conftest import Api, fault

PUBLIC = "c0ffee00-0000-4000-8000-000000000002"


class Net:
    """Networking calls as one user."""

    def __init__(self, cloud, user="joe", password="shhh", project="openstack"):
        self.api = Api(cloud, user, password, project)
        self.root = cloud.url + "/networking/v2.0"
        self.project_id = self.api.project_id

    def __getattr__(self, method):
        def call(path, json=None):
            return self.api.request(method.upper(), self.root + path, json=json)

        return call

    def ok(self, method, path, json=None, status=200):
        response = getattr(self, method)(path, json)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


def neutron_error(response, status: int, kind: str | None = None) -> str:
    """Assert a NeutronError body with ``status`` (and ``type``); return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"NeutronError"}, body
    inner = body["NeutronError"]
    assert set(inner) == {"type", "message", "detail"} and inner["detail"] == ""
    if kind is not None:
        assert inner["type"] == kind, inner
    assert inner["message"] and "\n" not in inner["message"]
    return inner["message"]


@pytest.fixture
def net(localcloud):
    return Net(localcloud)


@pytest.fixture
def ann(localcloud):
    localcloud.add_user("ann", "pw", project="other")
    return Net(localcloud, "ann", "pw", "other")


@pytest.fixture
def admin_net(localcloud):
    return Net(localcloud, "admin", "admin", "admin")


def private_id(net: Net) -> str:
    (private,) = net.ok("get", "/networks?name=private")["networks"]
    return private["id"]


# ------------------------------------------------------------------ discovery and seeds


def test_version_discovery_and_resources(localcloud):
    versions = requests.get(localcloud.url + "/networking", timeout=5)
    assert versions.status_code == 200
    (v2,) = versions.json()["versions"]
    assert v2["id"] == "v2.0" and v2["status"] == "CURRENT"
    assert v2["links"][0]["href"] == localcloud.url + "/networking/v2.0/"
    net = Net(localcloud)
    names = {r["collection"] for r in net.ok("get", "/")["resources"]}
    assert {"networks", "subnets", "ports", "floatingips", "security-groups"} <= names
    aliases = {e["alias"] for e in net.ok("get", "/extensions")["extensions"]}
    assert {"external-net", "router", "security-group", "quotas"} <= aliases
    neutron_error(net.get("/extensions/nope"), 404)
    assert (
        requests.get(localcloud.url + "/networking/v2.0/networks", timeout=5).json()["error"][
            "code"
        ]
        == 401
    )  # keystonemiddleware's shape


def test_seeded_networks_subnets_and_default_group(net):
    networks = {n["name"]: n for n in net.ok("get", "/networks")["networks"]}
    assert set(networks) == {"public", "private"}
    public, private = networks["public"], networks["private"]
    assert public["id"] == PUBLIC and public["router:external"] and public["shared"]
    assert not private["router:external"] and private["project_id"] == net.project_id
    assert private["tenant_id"] == net.project_id and private["status"] == "ACTIVE"
    subnets = {s["name"]: s for s in net.ok("get", "/subnets")["subnets"]}
    assert subnets["private-subnet"]["cidr"] == "10.0.0.0/8"
    assert subnets["private-subnet"]["gateway_ip"] == "10.0.0.1"
    assert subnets["ipv6-private-subnet"]["ip_version"] == 6
    assert subnets["public-subnet"]["network_id"] == PUBLIC
    (group,) = net.ok("get", "/security-groups")["security_groups"]
    assert group["name"] == "default"
    rules = {
        (r["direction"], r["ethertype"], r["remote_group_id"])
        for r in group["security_group_rules"]
    }
    assert rules == {
        ("egress", "IPv4", None),
        ("egress", "IPv6", None),
        ("ingress", "IPv4", group["id"]),
        ("ingress", "IPv6", group["id"]),
    }
    only = net.ok("get", "/networks?name=public&fields=id&fields=name")["networks"]
    assert only == [{"id": PUBLIC, "name": "public"}]
    assert net.ok("get", "/networks?router:external=True")["networks"][0]["id"] == PUBLIC
    neutron_error(net.get("/networks?colour=blue"), 400, "HTTPBadRequest")


def test_seeded_ids_are_stable_across_resets(localcloud, net):
    before = private_id(net)
    localcloud.reset()
    assert private_id(net) == before


# ------------------------------------------------------------------ networks and subnets


def test_network_and_subnet_lifecycle(net):
    created = net.ok("post", "/networks", {"network": {"name": "lab"}}, 201)["network"]
    assert created["subnets"] == [] and created["admin_state_up"] is True
    body = {"subnet": {"network_id": created["id"], "cidr": "192.168.7.0/24", "ip_version": 4}}
    subnet = net.ok("post", "/subnets", body, 201)["subnet"]
    assert subnet["gateway_ip"] == "192.168.7.1"
    assert subnet["allocation_pools"] == [{"start": "192.168.7.2", "end": "192.168.7.254"}]
    port = net.ok("post", "/ports", {"port": {"network_id": created["id"]}}, 201)["port"]
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "192.168.7.2"}]
    assert port["status"] == "DOWN" and port["mac_address"].startswith("fa:16:3e:")
    message = neutron_error(net.delete(f"/networks/{created['id']}"), 409, "NetworkInUse")
    assert "ports still in use" in message
    neutron_error(net.delete(f"/subnets/{subnet['id']}"), 409, "SubnetInUse")
    renamed = net.ok("put", f"/networks/{created['id']}", {"network": {"name": "lab2"}})
    assert renamed["network"]["name"] == "lab2" and renamed["network"]["revision_number"] == 3
    net.ok("delete", f"/ports/{port['id']}", status=204)
    net.ok("delete", f"/subnets/{subnet['id']}", status=204)
    net.ok("delete", f"/networks/{created['id']}", status=204)
    neutron_error(net.get(f"/networks/{created['id']}"), 404, "NetworkNotFound")


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        ({"cidr": "10.1.0.0/33", "ip_version": 4}, "HTTPBadRequest", "not a valid IP subnet"),
        ({"cidr": "not-a-cidr", "ip_version": 4}, "HTTPBadRequest", "not a valid IP subnet"),
        ({"cidr": "10.1.0.0/24", "ip_version": 6}, "InvalidInput", "does not match"),
        ({"cidr": "10.1.0.0/24", "ip_version": 5}, "HTTPBadRequest", "[4, 6]"),
        ({"cidr": "10.1.0.0/24"}, "HTTPBadRequest", "ip_version"),
        ({"cidr": "10.1.0.0/24", "ip_version": 4, "colour": 1}, "HTTPBadRequest", "colour"),
    ],
)
def test_bad_subnets_are_refused_and_nothing_is_made(net, body, kind, words):
    network = net.ok("post", "/networks", {"network": {"name": "n"}}, 201)["network"]
    before = net.ok("get", "/subnets")["subnets"]
    message = neutron_error(
        net.post("/subnets", {"subnet": {"network_id": network["id"], **body}}), 400, kind
    )
    assert words in message
    assert net.ok("get", "/subnets")["subnets"] == before


def test_members_may_not_make_shared_or_external_networks(net, admin_net):
    for attr in ("shared", "router:external"):
        response = net.post("/networks", {"network": {"name": "x", attr: True}})
        assert "disallowed by policy" in neutron_error(response, 403, "PolicyNotAuthorized")
    neutron_error(net.put(f"/networks/{PUBLIC}", {"network": {"name": "mine"}}), 403)
    neutron_error(net.delete(f"/networks/{PUBLIC}"), 403)
    made = admin_net.ok(
        "post", "/networks", {"network": {"name": "ext", "router:external": True}}, 201
    )
    assert made["network"]["router:external"] is True


# ------------------------------------------------------------------ isolation and admin


def test_projects_are_isolated_and_the_admin_sees_all(localcloud, net, ann, admin_net):
    mine = private_id(net)
    theirs = private_id(ann)
    assert mine != theirs
    assert {n["id"] for n in ann.ok("get", "/networks")["networks"]} == {PUBLIC, theirs}
    for path in (f"/networks/{mine}",):
        neutron_error(ann.get(path), 404, "NetworkNotFound")
        neutron_error(ann.delete(path), 404)
    server = net.api.boot("web")
    localcloud.tick(20)
    (port, _) = net.ok("get", f"/ports?device_id={server}")["ports"]
    neutron_error(ann.get(f"/ports/{port['id']}"), 404, "PortNotFound")
    assert ann.ok("get", f"/ports?device_id={server}")["ports"] == []
    group = net.ok("get", "/security-groups")["security_groups"][0]
    neutron_error(ann.get(f"/security-groups/{group['id']}"), 404, "SecurityGroupNotFound")
    rule = {"security_group_rule": {"security_group_id": group["id"], "direction": "ingress"}}
    neutron_error(ann.post("/security-group-rules", rule), 404, "SecurityGroupNotFound")
    seen = {n["id"] for n in admin_net.ok("get", "/networks")["networks"]}
    assert {mine, theirs, PUBLIC} <= seen
    assert port["id"] in {p["id"] for p in admin_net.ok("get", "/ports")["ports"]}
    body = {"floatingip": {"floating_network_id": PUBLIC, "port_id": port["id"]}}
    neutron_error(ann.post("/floatingips", body), 404, "PortNotFound")
    assert ann.ok("get", "/floatingips")["floatingips"] == []


# ------------------------------------------------------------------ servers and ports


def test_server_ports_give_the_addresses_it_always_had(localcloud, net, api):
    server = api.boot("web")
    localcloud.tick(20)
    addresses = api.server(server)["addresses"]
    assert [a["addr"] for a in addresses["private"]] == ["10.0.0.3", "fd8e:1f01:a11c::10"]
    assert [a["addr"] for a in addresses["public"]] == ["172.24.4.10", "2001:db8::10"]
    ports = net.ok("get", f"/ports?device_id={server}")["ports"]
    assert [p["network_id"] for p in ports] == [private_id(net), PUBLIC]
    assert all(p["status"] == "ACTIVE" and p["device_owner"] == "compute:nova" for p in ports)
    assert ports[0]["mac_address"] == addresses["private"][0]["OS-EXT-IPS-MAC:mac_addr"]
    api.delete(f"/servers/{server}")
    localcloud.tick(5)
    assert net.ok("get", f"/ports?device_id={server}")["ports"] == []


def test_boot_on_named_networks_ports_and_groups(localcloud, net, api):
    lab = net.ok("post", "/networks", {"network": {"name": "lab"}}, 201)["network"]
    net.ok("post", "/subnets", {"subnet": {"network_id": lab["id"], "cidr": "192.168.9.0/24",
                                           "ip_version": 4}}, 201)  # fmt: skip
    web = net.ok("post", "/security-groups", {"security_group": {"name": "web"}}, 201)
    server = api.boot(
        "lab-1",
        networks=[{"uuid": lab["id"]}],
        security_groups=[{"name": "web"}],
        expect=202,
    )
    localcloud.tick(20)
    shown = api.server(server)
    assert list(shown["addresses"]) == ["lab"]
    assert shown["addresses"]["lab"][0]["addr"] == "192.168.9.2"
    assert shown["security_groups"] == [{"name": "web"}]
    (port,) = net.ok("get", f"/ports?device_id={server}")["ports"]
    assert port["security_groups"] == [web["security_group"]["id"]]
    spare = net.ok("post", "/ports", {"port": {"network_id": lab["id"], "name": "spare"}}, 201)
    given = api.boot("lab-2", networks=[{"port": spare["port"]["id"]}])
    localcloud.tick(20)
    assert api.server(given)["addresses"]["lab"][0]["addr"] == "192.168.9.3"
    api.delete(f"/servers/{given}")
    localcloud.tick(5)
    kept = net.ok("get", f"/ports/{spare['port']['id']}")["port"]  # a given port stays
    assert kept["device_id"] == "" and kept["fixed_ips"][0]["ip_address"] == "192.168.9.3"


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        (
            {"networks": [{"uuid": "3c9f1b2e-0000-4000-8000-000000000009"}]},
            400,
            "could not be found",
        ),
        ({"security_groups": [{"name": "nope"}]}, 400, "Security group nope not found"),
        ({"security_groups": ["default"]}, 400, "security_groups"),
        ({"networks": [{"port": "3c9f1b2e-0000-4000-8000-000000000009"}]}, 400, "Port"),
        ({"networks": [{"uuid": PUBLIC, "fixed_ip": "10.9.9.9"}]}, 400, "not a valid ip"),
    ],
)
def test_boot_refuses_unknown_networks_and_groups(net, api, extra, status, words):
    ports_before = net.ok("get", "/ports")["ports"]
    response = api.post(
        "/servers", {"server": {"name": "x", "imageRef": "3", "flavorRef": "1", **extra}}
    )
    assert words in fault(response, status)
    assert api.get("/servers").json()["servers"] == []
    assert net.ok("get", "/ports")["ports"] == ports_before


def test_a_boot_needing_more_ports_than_the_quota_is_refused(localcloud, net, api, admin_net):
    admin_net.ok("put", f"/quotas/{net.project_id}", {"quota": {"port": 1}})
    message = fault(
        api.post("/servers", {"server": {"name": "x", "imageRef": "3", "flavorRef": "1"}}), 403
    )
    assert "Maximum number of ports exceeded" in message
    assert api.get("/servers").json()["servers"] == []


# ------------------------------------------------------------------ security groups


def test_security_group_rules(net):
    group = net.ok("post", "/security-groups", {"security_group": {"name": "ssh"}}, 201)
    group_id = group["security_group"]["id"]
    assert [r["direction"] for r in group["security_group"]["security_group_rules"]] == [
        "egress",
        "egress",
    ]
    body = {"security_group_id": group_id, "direction": "ingress", "protocol": "tcp",
            "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}  # fmt: skip
    rule = net.ok("post", "/security-group-rules", {"security_group_rule": body}, 201)
    rule = rule["security_group_rule"]
    assert (rule["protocol"], rule["port_range_min"], rule["ethertype"]) == ("tcp", 22, "IPv4")
    message = neutron_error(
        net.post("/security-group-rules", {"security_group_rule": body}),
        409,
        "SecurityGroupRuleExists",
    )
    assert rule["id"] in message
    remote = {"security_group_id": group_id, "direction": "ingress", "remote_group_id": group_id,
              "ethertype": "IPv6"}  # fmt: skip
    net.ok("post", "/security-group-rules", {"security_group_rule": remote}, 201)
    shown = net.ok("get", f"/security-groups/{group_id}")["security_group"]
    assert len(shown["security_group_rules"]) == 4
    net.ok("delete", f"/security-group-rules/{rule['id']}", status=204)
    neutron_error(net.get(f"/security-group-rules/{rule['id']}"), 404, "SecurityGroupRuleNotFound")
    net.ok("delete", f"/security-groups/{group_id}", status=204)
    default = net.ok("get", "/security-groups?name=default")["security_groups"][0]
    neutron_error(
        net.delete(f"/security-groups/{default['id']}"), 409, "SecurityGroupCannotRemoveDefault"
    )


@pytest.mark.parametrize(
    ("fields", "kind", "words"),
    [
        ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 22}, "SecurityGroupInvalidPortValue", "1 to 65535"),
        ({"protocol": "tcp", "port_range_min": 22, "port_range_max": 65536}, "SecurityGroupInvalidPortValue", "65536"),
        ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 22}, "SecurityGroupInvalidPortRange", "port_range_min must be <= port_range_max"),
        ({"port_range_min": 22, "port_range_max": 22}, "SecurityGroupProtocolRequiredWithPorts", "protocol"),
        ({"protocol": "icmp", "port_range_min": 300}, "SecurityGroupInvalidIcmpValue", "0 to 255"),
        ({"protocol": "carrier-pigeon"}, "SecurityGroupRuleInvalidProtocol", "not supported"),
        ({"remote_ip_prefix": "10.0.0.0/99"}, "HTTPBadRequest", "not a valid IP prefix"),
        ({"remote_ip_prefix": "::/0"}, "SecurityGroupConflictingEthertype", "IPv4"),
        ({"remote_ip_prefix": "0.0.0.0/0", "remote_group_id": "x"}, "SecurityGroupRemoteGroupAndRemoteIpPrefix", "Only"),
        ({"direction": "sideways"}, "HTTPBadRequest", "ingress"),
        ({"ethertype": "IPv5"}, "HTTPBadRequest", "IPv4"),
        ({"protocol": "tcp", "port_range_min": "ssh"}, "HTTPBadRequest", "not an integer"),
    ],
)  # fmt: skip
def test_bad_rules_say_what_is_allowed_and_make_nothing(net, fields, kind, words):
    group = net.ok("get", "/security-groups?name=default")["security_groups"][0]
    before = net.ok("get", "/security-group-rules")["security_group_rules"]
    body = {"security_group_id": group["id"], "direction": "ingress", **fields}
    message = neutron_error(
        net.post("/security-group-rules", {"security_group_rule": body}), 400, kind
    )
    assert words in message
    assert net.ok("get", "/security-group-rules")["security_group_rules"] == before


# ------------------------------------------------------------------ floating IPs


def test_floating_ip_lifecycle(localcloud, net, api):
    server = api.boot("web")
    localcloud.tick(20)
    fip = net.ok("post", "/floatingips", {"floatingip": {"floating_network_id": PUBLIC}}, 201)
    fip = fip["floatingip"]
    assert fip["status"] == "DOWN" and fip["port_id"] is None
    assert fip["floating_ip_address"] == "172.24.4.11"  # the next slot's public address
    private_port, public_port = net.ok("get", f"/ports?device_id={server}")["ports"]
    message = neutron_error(
        net.put(f"/floatingips/{fip['id']}", {"floatingip": {"port_id": public_port["id"]}}),
        404,
        "ExternalGatewayForFloatingIPNotFound",
    )
    assert "not reachable" in message
    put = net.ok(
        "put", f"/floatingips/{fip['id']}", {"floatingip": {"port_id": private_port["id"]}}
    )
    assert put["floatingip"]["fixed_ip_address"] == "10.0.0.3"
    assert put["floatingip"]["status"] == "ACTIVE" and put["floatingip"]["router_id"]
    assert put["floatingip"]["port_details"]["device_id"] == server
    floating = api.server(server)["addresses"]["private"][-1]
    assert floating["addr"] == "172.24.4.11" and floating["OS-EXT-IPS:type"] == "floating"
    other = net.ok("post", "/floatingips", {"floatingip": {"floating_network_id": PUBLIC}}, 201)
    message = neutron_error(
        net.put(
            f"/floatingips/{other['floatingip']['id']}",
            {"floatingip": {"port_id": private_port["id"]}},
        ),
        409,
        "FloatingIPPortAlreadyAssociated",
    )
    assert "already has a floating IP" in message
    net.ok("put", f"/floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
    assert [a["OS-EXT-IPS:type"] for a in api.server(server)["addresses"]["private"]] == [
        "fixed",
        "fixed",
    ]
    net.ok("delete", f"/floatingips/{fip['id']}", status=204)
    neutron_error(net.get(f"/floatingips/{fip['id']}"), 404, "FloatingIPNotFound")
    body = {"floatingip": {"floating_network_id": private_id(net)}}
    assert "not a valid external network" in neutron_error(net.post("/floatingips", body), 400)


def test_floating_ip_quota_exhausted_is_409_and_makes_nothing(net, admin_net):
    admin_net.ok("put", f"/quotas/{net.project_id}", {"quota": {"floatingip": 1}})
    body = {"floatingip": {"floating_network_id": PUBLIC}}
    net.ok("post", "/floatingips", body, 201)
    message = neutron_error(net.post("/floatingips", body), 409, "OverQuota")
    assert message == "Quota exceeded for resources: ['floatingip']."
    assert len(net.ok("get", "/floatingips")["floatingips"]) == 1


# ------------------------------------------------------------------ quotas


def test_neutron_quotas(net, ann, admin_net):
    quota = net.ok("get", f"/quotas/{net.project_id}")["quota"]
    assert quota["floatingip"] == 50 and quota["security_group_rule"] == 100
    details = net.ok("get", f"/quotas/{net.project_id}/details.json")["quota"]
    assert details["security_group"] == {"limit": 10, "used": 1, "reserved": 0}
    assert details["network"]["used"] == 1
    neutron_error(net.put(f"/quotas/{net.project_id}", {"quota": {"network": 1}}), 403)
    neutron_error(ann.get(f"/quotas/{net.project_id}"), 403)
    neutron_error(net.get("/quotas"), 403)
    neutron_error(admin_net.put(f"/quotas/{net.project_id}", {"quota": {"colour": 1}}), 400)
    neutron_error(admin_net.put(f"/quotas/{net.project_id}", {"quota": {"network": -2}}), 400)
    admin_net.ok("put", f"/quotas/{net.project_id}", {"quota": {"network": 1}})
    assert [q["project_id"] for q in admin_net.ok("get", "/quotas")["quotas"]] == [net.project_id]
    assert "['network']" in neutron_error(
        net.post("/networks", {"network": {"name": "x"}}), 409, "OverQuota"
    )
    admin_net.ok("delete", f"/quotas/{net.project_id}", status=204)
    net.ok("post", "/networks", {"network": {"name": "x"}}, 201)


def test_deleting_seeded_networks_and_groups_never_breaks_a_boot(localcloud, net, api, admin_net):
    private = private_id(net)
    for subnet_id in net.ok("get", f"/networks/{private}")["network"]["subnets"]:
        net.ok("delete", f"/subnets/{subnet_id}", status=204)
    net.ok("delete", f"/networks/{private}", status=204)
    assert [n["name"] for n in net.ok("get", "/networks")["networks"]] == ["public"]
    server = api.boot("public-only")
    localcloud.tick(20)
    assert list(api.server(server)["addresses"]) == ["public"]
    default = net.ok("get", "/security-groups?name=default")["security_groups"][0]
    admin_net.ok("delete", f"/security-groups/{default['id']}", status=409)  # in use
    api.delete(f"/servers/{server}")
    localcloud.tick(5)
    admin_net.ok("delete", f"/security-groups/{default['id']}", status=204)
    again = net.ok("get", "/security-groups?name=default")["security_groups"]
    assert [g["id"] for g in again] == [default["id"]]  # Neutron's default group comes back
    for subnet in admin_net.ok("get", f"/subnets?network_id={PUBLIC}")["subnets"]:
        admin_net.ok("delete", f"/subnets/{subnet['id']}", status=204)
    admin_net.ok("delete", f"/networks/{PUBLIC}", status=204)
    refused = api.post("/servers", {"server": {"name": "x", "imageRef": "3", "flavorRef": "1"}})
    assert "Unable to automatically allocate a network" in fault(refused, 400)


def test_the_ip_filter_reads_ports(localcloud, net, api):
    lab = net.ok("post", "/networks", {"network": {"name": "lab"}}, 201)["network"]
    net.ok("post", "/subnets", {"subnet": {"network_id": lab["id"], "cidr": "192.168.5.0/24",
                                           "ip_version": 4}}, 201)  # fmt: skip
    server = api.boot("lab-1", networks=[{"uuid": lab["id"]}])
    api.boot("other")
    localcloud.tick(20)
    found = api.get("/servers?ip=192.168.5.2").json()["servers"]
    assert [s["id"] for s in found] == [server]


def test_fixed_ips_asked_for_never_collide_and_reset_clears_networking(localcloud, net, admin_net):
    fip = net.ok("post", "/floatingips", {"floatingip": {"floating_network_id": PUBLIC}}, 201)
    address = fip["floatingip"]["floating_ip_address"]
    taken = {"port": {"network_id": PUBLIC, "fixed_ips": [{"ip_address": address}]}}
    assert address in neutron_error(
        admin_net.post("/ports", taken), 409, "IpAddressAlreadyAllocated"
    )
    outside = {"port": {"network_id": PUBLIC, "fixed_ips": [{"ip_address": "192.0.2.1"}]}}
    neutron_error(admin_net.post("/ports", outside), 400, "InvalidIpForNetwork")
    wanted = {"port": {"network_id": PUBLIC, "fixed_ips": [{"ip_address": "172.24.4.200"}]}}
    port = admin_net.ok("post", "/ports", wanted, 201)["port"]
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == ["172.24.4.200"]
    localcloud.reset()
    assert net.ok("get", "/floatingips")["floatingips"] == []
    assert admin_net.ok("get", "/ports")["ports"] == []


def test_the_port_quota_covers_what_the_nova_quota_allows(localcloud_factory):
    cloud = localcloud_factory(quotas={"instances": 400, "cores": 640, "ram": 1_228_800})
    net = Net(cloud)
    assert net.ok("get", f"/quotas/{net.project_id}")["quota"]["port"] == 800
    assert net.ok("get", f"/quotas/{net.project_id}/default")["quota"]["port"] == 800
    cloud.populate_servers(260)
    Api(cloud).boot("one-more")  # 522 ports: more than Neutron's 500, fewer than 2 x 400
