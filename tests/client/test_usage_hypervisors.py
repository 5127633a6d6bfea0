"""The client's usage and capacity calls against the local cloud: periods in any time form,
pages merged by project, hypervisors with their resources at any session microversion."""

from __future__ import annotations

import datetime as dt

import pytest

from novamagic.client import Forbidden, ValidationError
from novamagic.client.usage import nova_time
from novamagic.localcloud import LocalCloud, ManualClock
from tests.client.conftest import local_connect

HOUR = 3600


@pytest.fixture
def lc():
    with LocalCloud(seed=3, clock=ManualClock(), hypervisor={"vcpus": 8}) as cloud:
        yield cloud


def admin_of(lc, **options):
    return local_connect(lc, username="admin", password="admin", project_name="admin", **options)


def test_time_forms_become_novas_one_form():
    assert nova_time("2012-03-21", "start") == "2012-03-21T00:00:00"
    assert nova_time("2012-03-21T06:00:00+02:00", "start") == "2012-03-21T04:00:00"
    assert nova_time("2012-03-21T06:00:00Z", "start") == "2012-03-21T06:00:00"
    assert nova_time(dt.date(2012, 3, 21), "end") == "2012-03-21T00:00:00"
    assert (
        nova_time(dt.datetime(2012, 3, 21, 1, tzinfo=dt.timezone.utc), "end")
        == "2012-03-21T01:00:00"
    )
    with pytest.raises(ValidationError, match="not a time"):
        nova_time("last tuesday", "start")
    with pytest.raises(ValidationError, match="must be a datetime"):
        nova_time(12, "start")


def test_usage_of_this_project_over_a_period_and_of_every_project(lc):
    lc.populate_servers(3, flavor="2")  # launched at once: 1 vCPU, 2048 MB, 20 GB each
    lc.tick(2 * HOUR)
    cloud = local_connect(lc)
    (mine,) = cloud.usage(start="2012-03-21T00:00:00Z", end="2012-03-21T01:00:00Z")
    assert mine["total_hours"] == pytest.approx(3.0) and mine["total_vcpus_usage"] == pytest.approx(
        3.0
    )
    assert [s["name"] for s in mine["server_usages"]] == ["server-1", "server-2", "server-3"]
    (so_far,) = cloud.usage()  # from the epoch to the cloud's now
    assert so_far["total_memory_mb_usage"] == pytest.approx(3 * 2048 * 2)
    assert cloud.usage(start="2011-01-01", end="2011-02-01") == []
    with pytest.raises(ValidationError, match="before end"):
        cloud.usage(start="2012-03-22", end="2012-03-21")
    with pytest.raises(Forbidden):
        cloud.usage(all_projects=True)

    admin = admin_of(lc)
    lc.populate_servers(1, project="admin", name="ops-{n}")
    lc.tick(HOUR)
    everyone = {u["tenant_id"]: u for u in admin.usage(all_projects=True)}
    assert everyone[mine["tenant_id"]]["total_hours"] == pytest.approx(9.0)
    assert len(everyone) == 2 and len(everyone[mine["tenant_id"]]["server_usages"]) == 3
    (theirs,) = admin.usage(project=mine["tenant_id"], start="2012-03-21T02:00:00")
    assert theirs["total_hours"] == pytest.approx(3.0)


def test_usage_pages_are_followed_and_merged_by_project(lc):
    lc.populate_servers(5)
    lc.tick(HOUR)
    admin = admin_of(lc, compute_api_version="2.40")
    original = admin._compute
    pages = []

    def small_pages(method, path, **kwargs):  # the cloud pages at 2 servers instead of 1000
        kwargs["params"] = {**kwargs.get("params", {}), "limit": "2"}
        pages.append(kwargs["params"].get("marker"))
        return original(method, path, **kwargs)

    admin._compute = small_pages
    (usage,) = admin.usage(all_projects=True)
    assert len(pages) == 3 and pages[0] is None  # three pages: 2 + 2 + 1 servers
    assert [s["name"] for s in usage["server_usages"]] == [f"server-{n}" for n in range(1, 6)]
    assert usage["total_hours"] == pytest.approx(5.0)


@pytest.mark.parametrize("microversion", [None, "2.1", "2.53", "2.88"])
def test_hypervisors_carry_their_resources_at_any_session_microversion(lc, microversion):
    lc.populate_servers(3, flavor="3")  # 2 vCPUs each
    options = {"compute_api_version": microversion} if microversion else {}
    admin = admin_of(lc, **options)
    (hyp,) = admin.hypervisors()
    assert hyp["hypervisor_hostname"] == "localcloud-1"
    assert (hyp["vcpus"], hyp["vcpus_used"], hyp["running_vms"]) == (8, 6, 3)
    stats = admin.hypervisor_statistics()
    assert stats["count"] == 1 and stats["memory_mb_used"] == 3 * 4096
    assert [z["zoneName"] for z in admin.availability_zones()] == ["nova"]
    assert "internal" in {z["zoneName"] for z in admin.availability_zones(detail=True)}


def test_hypervisors_are_for_admins(lc):
    with pytest.raises(Forbidden) as caught:
        local_connect(lc).hypervisors()
    assert caught.value.status == 403
