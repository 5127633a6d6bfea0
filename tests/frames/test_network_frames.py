"""Networking and diagnosis frames on the shapes Neutron and Nova answer: columns, dtypes,
empty input with the same columns, and the servers frame's floating_ipv4."""

from __future__ import annotations

import pandas as pd
import pytest

from novamagic import frames
from novamagic.frames import (
    ACTION_COLUMNS,
    EVENT_COLUMNS,
    FLOATING_IP_COLUMNS,
    NETWORK_COLUMNS,
    PORT_COLUMNS,
    RULE_COLUMNS,
    SECURITY_GROUP_COLUMNS,
    SERVER_COLUMNS,
    actions_frame,
    events_frame,
    floating_ips_frame,
    networks_frame,
    ports_frame,
    security_group_rules_frame,
    security_groups_frame,
    servers_frame,
)

NETWORK = {
    "id": "net-1", "name": "private", "status": "ACTIVE", "router:external": False,
    "shared": False, "mtu": 1450, "subnets": ["sub-4", "sub-6"], "project_id": "p1",
    "tenant_id": "p1", "created_at": "2026-11-27T07:00:00Z",
}  # fmt: skip
SUBNETS = [{"id": "sub-4", "cidr": "10.0.0.0/8"}, {"id": "sub-6", "cidr": "fd00::/64"}]
PORT = {
    "id": "port-1", "name": "", "status": "ACTIVE", "network_id": "net-1",
    "device_id": "srv-1", "device_owner": "compute:nova", "mac_address": "fa:16:3e:00:00:01",
    "fixed_ips": [{"subnet_id": "sub-4", "ip_address": "10.0.0.3"},
                  {"subnet_id": "sub-6", "ip_address": "fd00::3"}],
    "security_groups": ["sg-1", "sg-2"], "project_id": "p1",
    "created_at": "2026-11-27T07:00:00Z",
}  # fmt: skip
ROUTER_PORT = {**PORT, "id": "port-2", "device_id": "rtr-1", "device_owner": "network:router"}
FIP_ATTACHED = {
    "id": "fip-1", "floating_ip_address": "172.24.4.11", "status": "ACTIVE",
    "fixed_ip_address": "10.0.0.3", "port_id": "port-1", "floating_network_id": "net-pub",
    "port_details": {"device_id": "srv-1", "status": "ACTIVE"}, "description": "",
    "project_id": "p1", "created_at": "2026-11-27T07:01:00Z",
}  # fmt: skip
FIP_FREE = {**FIP_ATTACHED, "id": "fip-2", "floating_ip_address": "172.24.4.12",
            "status": "DOWN", "fixed_ip_address": None, "port_id": None,
            "port_details": None}  # fmt: skip
RULE_SSH = {
    "id": "r-1", "security_group_id": "sg-1", "direction": "ingress", "ethertype": "IPv4",
    "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
    "remote_ip_prefix": "0.0.0.0/0", "remote_group_id": None, "description": "",
}  # fmt: skip
RULE_EGRESS = {**RULE_SSH, "id": "r-2", "direction": "egress", "protocol": None,
               "port_range_min": None, "port_range_max": None,
               "remote_ip_prefix": None}  # fmt: skip
GROUP = {"id": "sg-1", "name": "web", "description": "d", "project_id": "p1",
         "security_group_rules": [RULE_SSH, RULE_EGRESS]}  # fmt: skip
ACTIONS = [
    {"action": "reboot", "request_id": "req-2", "start_time": "2026-11-27T07:05:00.000000",
     "updated_at": "2026-11-27T07:05:10.000000", "message": None, "user_id": "u1",
     "instance_uuid": "srv-1",
     "events": [{"event": "compute_reboot_instance", "start_time": "2026-11-27T07:05:00.000000",
                 "finish_time": None, "result": None, "hostId": "h"}]},
    {"action": "create", "request_id": "req-1", "start_time": "2026-11-27T07:00:00.000000",
     "updated_at": "2026-11-27T07:00:20.000000", "message": None, "user_id": "u1",
     "instance_uuid": "srv-1",
     "events": [{"event": "compute__do_build_and_run_instance",
                 "start_time": "2026-11-27T07:00:00.000000",
                 "finish_time": "2026-11-27T07:00:20.000000", "result": "Success",
                 "hostId": "h"}]},
]  # fmt: skip


def assert_schema(frame: pd.DataFrame, columns: dict) -> None:
    assert list(frame.columns) == list(columns)
    assert {c: str(frame[c].dtype) for c in frame} == {
        c: str(pd.api.types.pandas_dtype(d)) for c, d in columns.items()
    }


@pytest.mark.parametrize(
    ("build", "columns"),
    [
        (networks_frame, NETWORK_COLUMNS),
        (ports_frame, PORT_COLUMNS),
        (floating_ips_frame, FLOATING_IP_COLUMNS),
        (security_groups_frame, SECURITY_GROUP_COLUMNS),
        (security_group_rules_frame, RULE_COLUMNS),
        (actions_frame, ACTION_COLUMNS),
        (events_frame, EVENT_COLUMNS),
    ],
)
@pytest.mark.parametrize("empty", [[], None])
def test_empty_input_gives_the_same_columns(build, columns, empty):
    frame = build(empty)
    assert_schema(frame, columns) and len(frame) == 0


def test_networks_frame_with_subnet_cidrs():
    frame = networks_frame({"networks": [NETWORK]}, subnets=SUBNETS)
    assert_schema(frame, NETWORK_COLUMNS)
    row = frame.iloc[0]
    assert (row["name"], row["external"], row["mtu"], row["subnets"]) == ("private", False, 1450, 2)
    assert row["cidrs"] == "10.0.0.0/8, fd00::/64"
    assert pd.isna(networks_frame([NETWORK]).loc[0, "cidrs"])
    assert row["created"] == pd.Timestamp("2026-11-27T07:00:00Z")


def test_ports_frame_names_the_server_of_compute_ports_only():
    frame = ports_frame([PORT, ROUTER_PORT])
    assert_schema(frame, PORT_COLUMNS)
    assert frame.loc[0, "server_id"] == "srv-1" and pd.isna(frame.loc[1, "server_id"])
    assert (frame.loc[0, "fixed_ipv4"], frame.loc[0, "fixed_ipv6"]) == ("10.0.0.3", "fd00::3")
    assert frame.loc[0, "security_groups"] == 2


def test_floating_ips_frame_attached_and_free():
    frame = floating_ips_frame({"floatingips": [FIP_ATTACHED, FIP_FREE]})
    assert_schema(frame, FLOATING_IP_COLUMNS)
    assert frame.loc[0, "server_id"] == "srv-1" and frame.loc[0, "fixed_ip"] == "10.0.0.3"
    assert pd.isna(frame.loc[1, "server_id"]) and pd.isna(frame.loc[1, "fixed_ip"])
    assert frame["floating_ip"].tolist() == ["172.24.4.11", "172.24.4.12"]


def test_rules_frame_from_rules_or_from_groups():
    from_rules = security_group_rules_frame([RULE_SSH, RULE_EGRESS], groups=[GROUP])
    from_groups = security_group_rules_frame([GROUP])
    for frame in (from_rules, from_groups):
        assert_schema(frame, RULE_COLUMNS)
        assert frame["group"].tolist() == ["web", "web"]
        assert (frame.loc[0, "port_min"], frame.loc[0, "port_max"]) == (22, 22)
        assert pd.isna(frame.loc[1, "protocol"]) and pd.isna(frame.loc[1, "port_min"])
    assert pd.isna(security_group_rules_frame([RULE_SSH]).loc[0, "group"])
    groups = security_groups_frame([GROUP])
    assert_schema(groups, SECURITY_GROUP_COLUMNS) and groups.loc[0, "rules"] == 2


def test_actions_and_events_frames():
    actions = actions_frame({"instanceActions": ACTIONS})
    assert_schema(actions, ACTION_COLUMNS)
    assert actions["action"].tolist() == ["reboot", "create"]
    assert actions.loc[1, "start_time"] == pd.Timestamp("2026-11-27T07:00:00Z")
    events = events_frame(ACTIONS)
    assert_schema(events, EVENT_COLUMNS)
    assert events["action"].tolist() == ["create", "reboot"]  # oldest first
    assert events.loc[0, "result"] == "Success" and pd.isna(events.loc[1, "finish_time"])
    one = events_frame({"instanceAction": ACTIONS[1]})
    assert one["event"].tolist() == ["compute__do_build_and_run_instance"]


def test_servers_frame_floating_ipv4_only_from_floating_addresses():
    server = {
        "id": "s", "name": "s", "flavor": {"id": "1"}, "image": {"id": "i"},
        "addresses": {
            "private": [{"version": 4, "addr": "10.0.0.3", "OS-EXT-IPS:type": "fixed"},
                        {"version": 4, "addr": "172.24.4.11", "OS-EXT-IPS:type": "floating"}],
            "public": [{"version": 4, "addr": "172.24.4.10", "OS-EXT-IPS:type": "fixed"}],
        },
    }  # fmt: skip
    bare = {**server, "addresses": {"public": server["addresses"]["public"]}}
    frame = servers_frame([server, bare])
    assert_schema(frame, SERVER_COLUMNS)
    assert frame.loc[0, "floating_ipv4"] == "172.24.4.11"
    assert pd.isna(frame.loc[1, "floating_ipv4"])  # a fixed address on public is not floating


def test_module_documents_every_new_column():
    for columns in (NETWORK_COLUMNS, PORT_COLUMNS, FLOATING_IP_COLUMNS, SECURITY_GROUP_COLUMNS,
                    RULE_COLUMNS, ACTION_COLUMNS, EVENT_COLUMNS):  # fmt: skip
        for name in columns:
            assert name in frames.__doc__, name
    assert "floating_ipv4" in frames.__doc__


def test_live_frames_from_the_local_cloud(localcloud):
    from novamagic.client import connect

    with connect(local=localcloud) as cloud:
        server = cloud.create_server("web", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
        exposed = cloud.expose(server)
        frame = servers_frame(cloud.servers())
        assert frame.loc[0, "floating_ipv4"] == exposed["floating_ip"]
        assert_schema(networks_frame(cloud.networks(), subnets=cloud.subnets()), NETWORK_COLUMNS)
        ports = ports_frame(cloud.ports(server))
        assert set(ports["server_id"]) == {server["id"]}
        fips = floating_ips_frame(cloud.floating_ips())
        assert fips["server_id"].tolist() == [server["id"]]
        rules = security_group_rules_frame(cloud.security_groups())
        assert exposed["security_group"] in set(rules["group"])
        events = events_frame(cloud.server_actions(server, events=True))
        assert events.loc[0, "event"] == "compute__do_build_and_run_instance"
        cloud.cleanup()


def test_servers_frame_takes_a_stream_of_servers_and_reads_it_once():
    server = {
        "id": "s", "name": "s", "flavor": {"id": "1"}, "image": {"id": "i"},
        "addresses": {
            "private": [{"version": 6, "addr": "fd00::3"},
                        {"addr": "192.0.2.9", "OS-EXT-IPS:type": "floating"},  # no version: v4
                        {"version": 4, "addr": "10.0.0.3", "OS-EXT-IPS:type": "fixed"},
                        {"version": "4", "addr": "172.24.4.11", "OS-EXT-IPS:type": "floating"}],
        },
        "fault": {"message": "No valid host"},
    }  # fmt: skip
    listed = [server, {**server, "id": "t", "addresses": {}, "fault": "odd"}]
    handed = []

    def stream():
        for item in listed:
            handed.append(item["id"])
            yield item

    frame = servers_frame(stream())
    assert handed == ["s", "t"]
    assert_schema(frame, SERVER_COLUMNS)
    assert frame.equals(servers_frame(listed))
    row = frame.loc[0]
    # public: the first v4 address marked floating ("4" counts); floating: the first one marked
    # floating whose version is 4 or unsaid; private: the first other v4 address
    assert (row["public_ipv4"], row["private_ipv4"], row["floating_ipv4"]) == (
        "172.24.4.11",
        "10.0.0.3",
        "192.0.2.9",
    )
    assert row["fault"] == "No valid host" and pd.isna(frame.loc[1, "fault"])
    assert frame.loc[1, ["public_ipv4", "private_ipv4", "floating_ipv4"]].isna().all()
    assert len(servers_frame(iter([]))) == 0
