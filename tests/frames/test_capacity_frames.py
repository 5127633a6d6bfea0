"""Usage, hypervisor and zone frames: fixed columns and dtypes, empty input alike, the shapes of
each microversion (integer ids before 2.53, no resources from 2.88), and the report's sums."""

from __future__ import annotations

import pandas as pd

from novamagic import frames
from novamagic.frames import (
    HYPERVISOR_COLUMNS,
    SERVER_USAGE_COLUMNS,
    USAGE_COLUMNS,
    hypervisors_frame,
    server_usage_frame,
    usage_by_flavor,
    usage_frame,
    zones_frame,
)
from tests.frames.test_frames import assert_schema

USAGE = {
    "tenant_id": "p1",
    "start": "2012-03-21T00:00:00.000000",
    "stop": "2012-03-21T02:00:00.000000",
    "total_hours": 3.0,
    "total_vcpus_usage": 4.0,
    "total_memory_mb_usage": 8192.0,
    "total_local_gb_usage": 80.0,
    "server_usages": [
        {"instance_id": "a", "name": "web-10", "flavor": "m1.small", "vcpus": 1, "memory_mb": 2048,
         "local_gb": 20, "hours": 2.0, "started_at": "2012-03-21T00:00:00.000000",
         "ended_at": None, "state": "active", "tenant_id": "p1", "uptime": 7200},
        {"instance_id": "b", "name": "web-9", "flavor": "m1.medium", "vcpus": 2, "memory_mb": 4096,
         "local_gb": 40, "hours": 1.0, "started_at": "2012-03-21T00:30:00.000000",
         "ended_at": "2012-03-21T01:30:00.000000", "state": "terminated", "tenant_id": "p1",
         "uptime": 3600},
    ],
}  # fmt: skip


def test_usage_frames_columns_and_values():
    per_project = usage_frame([USAGE])
    assert_schema(per_project, USAGE_COLUMNS)
    assert per_project.loc[0, "servers"] == 2 and per_project.loc[0, "vcpu_hours"] == 4.0
    assert per_project.loc[0, "stop"] == pd.Timestamp("2012-03-21T02:00:00Z")
    per_server = server_usage_frame({"tenant_usage": USAGE})  # the API's envelope works too
    assert_schema(per_server, SERVER_USAGE_COLUMNS)
    assert per_server["vcpu_hours"].tolist() == [2.0, 2.0]
    assert per_server["ended_at"].isna().tolist() == [True, False]
    assert_schema(usage_frame([]), USAGE_COLUMNS)
    assert_schema(server_usage_frame([]), SERVER_USAGE_COLUMNS)
    by_flavor = usage_by_flavor(per_server)
    assert by_flavor[["flavor", "servers", "vcpu_hours", "ram_mb_hours"]].values.tolist() == [
        ["m1.medium", 1, 2.0, 4096.0], ["m1.small", 1, 2.0, 4096.0],
    ]  # fmt: skip
    assert usage_by_flavor(server_usage_frame([])).empty


def test_hypervisors_frame_at_each_microversion():
    old = {"id": 1, "hypervisor_hostname": "h1", "state": "up", "status": "enabled",
           "hypervisor_type": "QEMU", "host_ip": "10.0.0.1", "vcpus": 8, "vcpus_used": 2,
           "memory_mb": 1024, "memory_mb_used": 512, "local_gb": 100, "local_gb_used": 10,
           "running_vms": 2}  # fmt: skip
    new = {
        "id": "1bb62a04-c576-402c-8147-9e89757a09e3",
        "hypervisor_hostname": "h2",
        "state": "down",
        "status": "disabled",
        "uptime": "up 3 days",
    }  # 2.88: no resources
    frame = hypervisors_frame({"hypervisors": [old, new]})
    assert_schema(frame, HYPERVISOR_COLUMNS)
    assert frame["id"].tolist() == ["1", new["id"]]
    assert frame.loc[0, "ram_mb_used"] == 512 and pd.isna(frame.loc[1, "vcpus"])
    totals = frames.fleet_summary(frames.servers_frame([]), None, frame)["totals"].set_index(
        "resource"
    )
    assert totals.loc["cores", "host_total"] == 8 and totals.loc["cores", "host_percent"] == 25.0
    assert pd.isna(totals.loc["instances", "host_total"])  # nothing caps instances on a host
    assert_schema(hypervisors_frame([]), HYPERVISOR_COLUMNS)


def test_zones_frame():
    zones = zones_frame([
        {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None},
        {"zoneName": "internal", "zoneState": {"available": False}, "hosts": {"c": {}, "s": {}}},
    ])  # fmt: skip
    assert zones.values.tolist() == [["nova", True, pd.NA], ["internal", False, 2]]
    assert list(zones_frame([]).columns) == ["zone", "available", "hosts"]


def test_the_module_documents_the_new_columns():
    for columns in (USAGE_COLUMNS, SERVER_USAGE_COLUMNS, HYPERVISOR_COLUMNS):
        for name in columns:
            assert name in frames.__doc__, name
