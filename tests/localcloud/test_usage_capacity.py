"""os-simple-tenant-usage, os-hypervisors and os-availability-zone as the compute API reference
has them: the cloud's clock, per project and per server, admin-only where Nova is, each
microversion that changes a shape; then openstacksdk and the ``openstack`` CLI, unmodified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from novamagic.localcloud import LocalCloud, ManualClock
from tests.localcloud.conftest import Api, fault
from tests.localcloud.test_clients import sdk_connect

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

CLASS = [
    {"name": "alice", "password": "a", "project": "class-1"},
    {"name": "bob", "password": "b", "project": "class-2"},
    {"name": "teacher", "password": "t", "project": "staff", "roles": ["admin"]},
]
HOUR = 3600
DAY0 = "2012-03-21T00:00:00"  # the manual clock's start


@pytest.fixture
def classroom():
    with LocalCloud(
        seed=7, clock=ManualClock(), users=CLASS, token_ttl=10 * 86400,
        hypervisor={"vcpus": 16, "memory_mb": 32768, "local_gb": 500},
    ) as cloud:  # fmt: skip
        yield cloud


def test_usage_counts_hours_from_launch_to_deletion_within_the_period(classroom):
    alice, bob = Api(classroom, "alice", "a", "class-1"), Api(classroom, "bob", "b", "class-2")
    teacher = Api(classroom, "teacher", "t", "staff")
    small = alice.boot("small", flavor="2")  # m1.small: 1 vCPU, 2048 MB, 20 GB
    classroom.tick(20)  # built: launched at 00:00:20
    gone = alice.boot("gone", flavor="1")
    classroom.tick(20 + 2 * HOUR)
    alice.delete(f"/servers/{gone}")
    classroom.tick(5 + HOUR)  # deleted 5 s later; an hour on
    bob.boot("bob-1", flavor="1")
    classroom.tick(20)

    period = f"start={DAY0}&end=2012-03-21T02:00:20"
    own = alice.get(f"/os-simple-tenant-usage/{alice.project_id}?{period}")
    assert own.status_code == 200, own.text
    usage = own.json()["tenant_usage"]
    assert (
        usage["start"] == "2012-03-21T00:00:00.000000"
        and usage["stop"] == "2012-03-21T02:00:20.000000"
    )
    by_name = {s["name"]: s for s in usage["server_usages"]}
    assert by_name["small"]["hours"] == 2.0 and by_name["small"]["state"] == "active"
    assert by_name["small"] | {"hours": 0} == {
        "ended_at": None, "flavor": "m1.small", "hours": 0, "instance_id": small,
        "local_gb": 20, "memory_mb": 2048, "name": "small",
        "started_at": "2012-03-21T00:00:20.000000", "state": "active",
        "tenant_id": alice.project_id, "uptime": 2 * HOUR + 20 + 5 + HOUR + 20,  # launch to now
        "vcpus": 1,
    }  # fmt: skip
    assert by_name["gone"]["hours"] == pytest.approx((2 * HOUR - 20) / HOUR)
    # Deleted since: terminated with its deletion time in any period (as Nova: ended_at is the
    # server's terminated_at), and counted up to the period's end only.
    assert by_name["gone"]["state"] == "terminated"
    assert by_name["gone"]["ended_at"] == "2012-03-21T02:00:45.000000"
    now = alice.get(f"/os-simple-tenant-usage/{alice.project_id}?start={DAY0}").json()
    gone_now = {s["name"]: s for s in now["tenant_usage"]["server_usages"]}["gone"]
    assert (
        gone_now["state"] == "terminated" and gone_now["ended_at"] == "2012-03-21T02:00:45.000000"
    )
    assert gone_now["hours"] == pytest.approx((2 * HOUR + 5) / HOUR)
    totals = now["tenant_usage"]
    assert totals["total_hours"] == pytest.approx(
        sum(s["hours"] for s in now["tenant_usage"]["server_usages"])
    )
    assert totals["total_memory_mb_usage"] == pytest.approx(
        sum(s["memory_mb"] * s["hours"] for s in now["tenant_usage"]["server_usages"])
    )
    # A period after the deletion has only the live server; one before any launch is empty.
    later = alice.get(
        f"/os-simple-tenant-usage/{alice.project_id}?start=2012-03-21T03:00:00"
    ).json()
    assert [s["name"] for s in later["tenant_usage"]["server_usages"]] == ["small"]
    empty = alice.get(
        f"/os-simple-tenant-usage/{alice.project_id}?start=2012-01-01T00:00:00&end=2012-02-01T00:00:00"
    )
    assert empty.json() == {"tenant_usage": {}}

    # A server counts once launched before the period's end (bob's launched just now: a minute on).
    classroom.tick(60)
    # Isolation: another project's usage is the admin's to read; the listing of all is admin-only.
    assert "os-simple-tenant-usage:show" in fault(
        alice.get(f"/os-simple-tenant-usage/{bob.project_id}"), 403
    )
    assert "os-simple-tenant-usage:list" in fault(alice.get("/os-simple-tenant-usage"), 403)
    listing = teacher.get(f"/os-simple-tenant-usage?start={DAY0}").json()["tenant_usages"]
    assert [u["tenant_id"] for u in listing] == [alice.project_id, bob.project_id]
    assert all("server_usages" not in u for u in listing)  # only with detailed=1
    detailed = teacher.get(f"/os-simple-tenant-usage?start={DAY0}&detailed=1").json()
    assert [len(u["server_usages"]) for u in detailed["tenant_usages"]] == [2, 1]


def test_usage_query_rules_and_paging_by_microversion(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    teacher = Api(classroom, "teacher", "t", "staff")
    for n in range(3):
        alice.boot(f"vm-{n}")
    classroom.tick(60)
    assert "invalid format" in fault(
        alice.get(f"/os-simple-tenant-usage/{alice.project_id}?start=yesterday"), 400
    )
    # Nova's formats have no zone: a trailing Z is refused, as Nova's strptime refuses it.
    assert "invalid format" in fault(
        alice.get(f"/os-simple-tenant-usage/{alice.project_id}?start={DAY0}Z"), 400
    )
    assert "cannot occur after" in fault(
        alice.get(
            f"/os-simple-tenant-usage/{alice.project_id}?start=2012-03-22T00:00:00&end={DAY0}"
        ),
        400,
    )
    assert (
        alice.get(
            f"/os-simple-tenant-usage/{alice.project_id}?start=2012-03-20 00:00:00.5"
        ).status_code
        == 200
    )
    # End past the cloud's now is clipped to now.
    clipped = alice.get(
        f"/os-simple-tenant-usage/{alice.project_id}?start={DAY0}&end=2030-01-01T00:00:00"
    )
    assert clipped.json()["tenant_usage"]["stop"] == "2012-03-21T00:01:00.000000"

    # 2.40: limit and marker page over servers; a full page links to the next.
    path = f"/os-simple-tenant-usage?start={DAY0}&detailed=1"
    first = teacher.get(path + "&limit=2", version="2.40").json()
    assert len(first["tenant_usages"][0]["server_usages"]) == 2
    (link,) = first["tenant_usages_links"]
    rest = teacher.get(link["href"], url=link["href"], version="2.40").json()
    names = [s["name"] for u in (first, rest) for s in u["tenant_usages"][0]["server_usages"]]
    assert names == ["vm-0", "vm-1", "vm-2"] and "tenant_usages_links" not in rest
    # Before 2.40 there is no paging (limit is ignored) and no links.
    old = teacher.get(path + "&limit=2", version="2.39").json()
    assert len(old["tenant_usages"][0]["server_usages"]) == 3 and "tenant_usages_links" not in old
    assert "marker" in fault(teacher.get(path + "&marker=nope", version="2.40"), 400).lower()
    # 2.75: unknown query parameters are refused; before, ignored.
    assert "Additional properties" in fault(teacher.get(path + "&colour=red", version="2.75"), 400)
    assert teacher.get(path + "&colour=red", version="2.74").status_code == 200


def test_hypervisors_by_microversion_admin_only(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    teacher = Api(classroom, "teacher", "t", "staff")
    alice.boot("a", flavor="2")
    alice.boot("b", flavor="3")  # m1.medium: 2 vCPUs, 4096 MB, 40 GB
    classroom.tick(20)
    assert "os-hypervisors" in fault(alice.get("/os-hypervisors"), 403)
    assert "os-hypervisors:statistics" in fault(alice.get("/os-hypervisors/statistics"), 403)
    assert "os-hypervisors:list-detail" in fault(alice.get("/os-hypervisors/detail"), 403)

    (old,) = teacher.get("/os-hypervisors/detail", version="2.1").json()["hypervisors"]
    assert old["id"] == 1 and old["service"]["id"] == 1
    assert (old["vcpus"], old["memory_mb"], old["local_gb"]) == (16, 32768, 500)
    assert (old["vcpus_used"], old["memory_mb_used"], old["local_gb_used"]) == (3, 6144, 60)
    assert old["free_ram_mb"] == 32768 - 6144 and old["running_vms"] == 2
    assert isinstance(old["cpu_info"], str) and json.loads(old["cpu_info"])["arch"] == "x86_64"
    alice.boot("c")
    (v228,) = teacher.get("/os-hypervisors/detail", version="2.28").json()["hypervisors"]
    assert isinstance(v228["cpu_info"], dict)
    (new,) = teacher.get("/os-hypervisors/detail", version="2.53").json()["hypervisors"]
    assert len(new["id"]) == 36 and len(new["service"]["id"]) == 36
    (latest,) = teacher.get("/os-hypervisors/detail", version="2.88").json()["hypervisors"]
    assert "vcpus" not in latest and "cpu_info" not in latest and latest["uptime"]
    (summary,) = teacher.get("/os-hypervisors").json()["hypervisors"]
    assert set(summary) == {"id", "hypervisor_hostname", "state", "status"}

    # show: an integer id before 2.53 (else 404), a uuid from it (else 400)
    assert teacher.get("/os-hypervisors/1", version="2.52").json()["hypervisor"]["vcpus"] == 16
    fault(teacher.get("/os-hypervisors/abc", version="2.52"), 404)
    assert "Invalid uuid" in fault(teacher.get("/os-hypervisors/1", version="2.53"), 400)
    shown = teacher.get(f"/os-hypervisors/{new['id']}?with_servers=true", version="2.53").json()
    assert sorted(s["name"] for s in shown["hypervisor"]["servers"]) == ["a", "b", "c"]
    fault(teacher.get("/os-hypervisors/00000000-0000-4000-8000-000000000000", version="2.53"), 404)
    assert "with_servers" in fault(
        teacher.get("/os-hypervisors?with_servers=maybe", version="2.53"), 400
    )

    # statistics up to 2.87, gone at 2.88
    stats = teacher.get("/os-hypervisors/statistics", version="2.87").json()[
        "hypervisor_statistics"
    ]
    assert stats["count"] == 1 and stats["vcpus"] == 16 and stats["running_vms"] == 3
    fault(teacher.get("/os-hypervisors/statistics", version="2.88"), 404)
    # searching: a route before 2.53, a query parameter from it
    assert teacher.get("/os-hypervisors/localcloud/search", version="2.52").status_code == 200
    fault(teacher.get("/os-hypervisors/localcloud/search", version="2.53"), 404)
    assert (
        teacher.get("/os-hypervisors?hypervisor_hostname_pattern=cloud", version="2.53").status_code
        == 200
    )
    fault(teacher.get("/os-hypervisors?hypervisor_hostname_pattern=nowhere", version="2.53"), 404)
    # 2.53 allows no other query parameter; before, they are ignored
    assert "Additional properties" in fault(
        teacher.get("/os-hypervisors?colour=red", version="2.53"), 400
    )
    assert teacher.get("/os-hypervisors?colour=red", version="2.52").status_code == 200
    # paging from 2.33
    page = teacher.get("/os-hypervisors?limit=1", version="2.33").json()
    assert page["hypervisors_links"][0]["rel"] == "next"
    assert "not found" in fault(teacher.get("/os-hypervisors?marker=99", version="2.33"), 400)


def test_availability_zones_for_everyone_and_detail_for_admins(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    teacher = Api(classroom, "teacher", "t", "staff")
    zones = alice.get("/os-availability-zone").json()["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]
    assert "os-availability-zone:detail" in fault(alice.get("/os-availability-zone/detail"), 403)
    detail = teacher.get("/os-availability-zone/detail").json()["availabilityZoneInfo"]
    assert [z["zoneName"] for z in detail] == ["internal", "nova"]
    assert detail[1]["hosts"] == {
        "localcloud-1": {"nova-compute": {"active": True, "available": True, "updated_at": None}}
    }


def test_openstacksdk_reads_usage_hypervisors_and_zones(classroom):
    import datetime as dt

    alice = Api(classroom, "alice", "a", "class-1")
    alice.boot("a", flavor="2")
    classroom.tick(20 + HOUR)
    conn = sdk_connect(classroom, "teacher", "t", "staff")
    start = dt.datetime(2012, 3, 21)
    # Nova reads detailed=1 only (the SDK would send True as "True": no server_usages, as Nova)
    (usage,) = list(conn.compute.usages(start=start, detailed=1))
    assert usage.project_id == alice.project_id and usage.total_hours == pytest.approx(1.0)
    assert usage.server_usages[0]["flavor"] == "m1.small"
    own = conn.compute.get_usage(alice.project_id, start=start)
    assert own.total_vcpus_usage == pytest.approx(1.0)
    (hyp,) = list(conn.compute.hypervisors(details=True))
    assert hyp.name == "localcloud-1" and hyp.state == "up" and hyp.status == "enabled"
    assert conn.compute.get_hypervisor(hyp.id).name == "localcloud-1"
    assert [z.name for z in conn.compute.availability_zones()] == ["nova"]
    assert {z.name for z in conn.compute.availability_zones(details=True)} == {"nova", "internal"}


def test_openstack_cli_usage_list_and_hypervisor_list(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    alice.boot("a", flavor="2")
    classroom.tick(20 + 2 * HOUR)
    cli = Path(sys.executable).with_name("openstack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")} | {
        "OS_AUTH_URL": classroom.auth_url, "OS_USERNAME": "teacher", "OS_PASSWORD": "t",
        "OS_PROJECT_NAME": "staff", "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default", "OS_IDENTITY_API_VERSION": "3",
    }  # fmt: skip

    def run(*args):
        result = subprocess.run(
            [str(cli), *args, "-f", "json"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    # The CLI's dates are days on the cloud's calendar (the manual clock is in 2012).
    (row,) = run("usage", "list", "--start", "2012-03-21", "--end", "2012-03-22")
    # The CLI asks detailed=True, which Nova reads as not detailed: no server count, as on Nova.
    assert row["Project"] == alice.project_id and row["CPU Hours"] == pytest.approx(2.0, abs=0.01)
    assert row["RAM MB-Hours"] == pytest.approx(4096, abs=10)
    (hyp,) = run("hypervisor", "list")
    assert hyp["Hypervisor Hostname"] == "localcloud-1" and hyp["State"] == "up"
    assert hyp["Host IP"] == "127.0.0.1" and hyp["Hypervisor Type"] == "QEMU"


def test_the_catalogue_lists_each_region_asked_for():
    with LocalCloud(seed=1, regions=["RegionOne", "RegionTwo"]) as cloud:
        token = Api(cloud)
        body = token.session.get(
            f"{cloud.auth_url}/v3/auth/tokens",
            headers={"X-Auth-Token": token.token, "X-Subject-Token": token.token},
            timeout=10,
        ).json()
        (compute,) = [s for s in body["token"]["catalog"] if s["type"] == "compute"]
        regions = sorted({e["region"] for e in compute["endpoints"]})
        assert regions == ["RegionOne", "RegionTwo"]
        assert len({e["id"] for e in compute["endpoints"]}) == len(compute["endpoints"])
    for bad in ([], ["a", "a"], [""], ["x" * 65]):
        with pytest.raises(ValueError, match="region"):
            LocalCloud(regions=bad)
