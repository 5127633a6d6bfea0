"""Dry-run boot checks, the per-server progress hook of create_servers, and the session's
resources (servers and snapshots) with cleanup."""

from __future__ import annotations

import pytest

from novamagic.client import NotFound, OverLimit, ValidationError
from novamagic.client.cloud import BOOT_STAGES, MARKER_KEY
from tests.client.conftest import LOCAL_IMAGE, local_connect, now_clock

BIG_IMAGE = "ubuntu-22.04-server-cloudimg-amd64"  # the local cloud's image with minDisk 3 GB


def changes(cloud, since: int) -> list[dict]:
    return [h for h in list(cloud.history)[since:] if h["method"] != "GET"]


# --------------------------------------------------------------------------------- check_boot


def test_check_boot_returns_the_plan_and_sends_nothing(cloud, names, image_ref, flavor_ref):
    cloud.create_server(names("plan-1"), image_ref, flavor_ref)
    before = len(cloud.history)
    plan = cloud.check_boot(
        names("plan"),
        image_ref,
        flavor_ref,
        count=3,
        skip_existing=True,
        metadata={"role": "web"},
        files={"/etc/motd": "hello"},
        access_ipv4="192.0.2.10",
        wait=True,  # create_servers' waiting options are accepted and ignored
        progress=print,
    )
    assert plan["boot"] == [names("plan-2"), names("plan-3")]
    assert plan["skip"] == [names("plan-1")]
    flavor = cloud.flavor(flavor_ref)
    assert plan["flavor"] == {k: flavor[k] for k in ("id", "name", "vcpus", "ram", "disk")}
    assert plan["image"]["id"] == cloud.image(image_ref)["id"]
    by_resource = {row["resource"]: row for row in plan["quota"]}
    assert by_resource["instances"]["needed"] == 2
    assert by_resource["cores"]["needed"] == 2 * flavor["vcpus"]
    assert by_resource["ram_mb"]["needed"] == 2 * flavor["ram"]
    assert changes(cloud, before) == []  # GETs only
    without = cloud.check_boot(names("plan"), image_ref, flavor_ref, count=3)
    assert without["boot"] == [names(f"plan-{i}") for i in (1, 2, 3)] and without["skip"] == []


def test_check_boot_refuses_what_the_cloud_would(cloud, names, image_ref, flavor_ref):
    before = len(cloud.history)
    with pytest.raises(NotFound, match="did you mean"):
        cloud.check_boot([names("x")], image_ref, "m1.tiyn")
    with pytest.raises(ValidationError, match="not an IPv4 address"):
        cloud.check_boot([names("x")], image_ref, flavor_ref, access_ipv4="300.1.1.1")
    with pytest.raises(ValidationError, match="server name must be a non-empty string"):
        cloud.check_boot([names("x"), " "], image_ref, flavor_ref)
    limits = cloud.limits()["absolute"]
    if limits.get("maxServerMeta", -1) >= 0:
        too_many = {f"k{i}": "v" for i in range(limits["maxServerMeta"] + 1)}
        with pytest.raises(ValidationError, match="maxServerMeta"):
            cloud.check_boot([names("x")], image_ref, flavor_ref, metadata=too_many)
    assert changes(cloud, before) == []
    assert cloud.servers(name=names("")) == []


def test_check_boot_image_too_big_for_the_flavor(local, cloud, names):
    with pytest.raises(ValidationError) as info:
        cloud.check_boot([names("x")], BIG_IMAGE, "m1.tiny")
    assert "needs 3 GB of disk; m1.tiny has 1 GB" in str(info.value)
    assert info.value.hint == "pick a larger flavor"
    assert cloud.check_boot([names("x")], BIG_IMAGE, "m1.small")["boot"] == [names("x")]


def test_check_boot_counts_the_quota_with_current_usage(localcloud_factory, names):
    lc = localcloud_factory(clock=now_clock(), quotas={"instances": 3, "cores": 4})
    with local_connect(lc) as cloud:
        cloud.create_server(names("used"), LOCAL_IMAGE, "m1.tiny")
        plan = cloud.check_boot(names("q"), LOCAL_IMAGE, "m1.tiny", count=2)
        rows = {row["resource"]: row for row in plan["quota"]}
        assert rows["instances"] == {
            "resource": "instances",
            "needed": 2,
            "used": 1,
            "limit": 3,
            "free": 2,
        }
        with pytest.raises(OverLimit) as info:
            cloud.check_boot(names("q"), LOCAL_IMAGE, "m1.tiny", count=3)
        assert "needs 3 instances; the project has 2 free (1 of 3 used)" in str(info.value)
        assert "boot fewer servers" in info.value.hint
        with pytest.raises(OverLimit, match="needs 4 cores; the project has 3 free"):
            cloud.check_boot([names("big")], LOCAL_IMAGE, "m1.large")  # 4 vCPUs
        assert [s["name"] for s in cloud.servers()] == [names("used")]


# ------------------------------------------------------------------------- progress hook


class Recorder:
    def __init__(self):
        self.events: list[dict] = []

    def __call__(self, event):
        assert set(event) == {
            "name",
            "stage",
            "done",
            "id",
            "status",
            "task",
            "progress",
            "server",
            "error",
        }
        assert event["stage"] in BOOT_STAGES
        self.events.append(event)

    def of(self, name) -> list[dict]:
        return [e for e in self.events if e["name"] == name]


def test_progress_follows_each_server_until_ready(cloud, names, image_ref, flavor_ref, timeout):
    cloud.create_server(names("p-1"), image_ref, flavor_ref)
    seen = Recorder()
    result = cloud.create_servers(
        names("p"),
        image_ref,
        flavor_ref,
        count=3,
        skip_existing=True,
        wait=True,
        timeout=timeout,
        progress=seen,
    )
    assert result.ok and [e["skipped"] for e in result] == [True, False, False]
    (skipped,) = seen.of(names("p-1"))
    assert skipped["stage"] == "skipped" and skipped["done"] and skipped["id"]
    for name in (names("p-2"), names("p-3")):
        events = seen.of(name)
        stages = [e["stage"] for e in events]
        assert stages[0] == "requested" and stages[-1] == "ready"
        assert set(stages[1:-1]) <= {"polled"} and "polled" in stages
        assert [e["done"] for e in events] == [False] * (len(events) - 1) + [True]
        assert events[-1]["status"] == "ACTIVE" and events[-1]["progress"] == 100
        assert all(e["id"] == events[0]["id"] for e in events)
        assert all(0 <= e["progress"] <= 100 and e["error"] is None for e in events)
    assert sum(e["done"] for e in seen.events) == 3  # one final event per server


def test_progress_without_waiting_ends_at_the_request(cloud, names, image_ref, flavor_ref):
    seen = Recorder()
    cloud.create_servers([names("nw")], image_ref, flavor_ref, progress=seen)
    (event,) = seen.events
    assert event["stage"] == "requested" and event["done"] and event["status"] == "BUILD"


def test_progress_reports_a_refused_boot(local, cloud, names, timeout):
    local.inject_fault("/servers$", method="POST", status=400, count=1)
    seen = Recorder()
    result = cloud.create_servers(
        names("r"), LOCAL_IMAGE, "m1.tiny", count=2, wait=True, timeout=timeout, progress=seen
    )
    assert len(result.failed) == 1 and len(result.succeeded) == 1
    (failed,) = [e for e in seen.events if e["stage"] == "failed"]
    assert failed["done"] and failed["id"] is None and failed["error"] is result.failed[0]["error"]
    assert [e["stage"] for e in seen.of(failed["name"])] == ["failed"]
    with pytest.raises(TypeError, match="progress="):
        cloud.create_servers([names("cb")], LOCAL_IMAGE, "m1.tiny", callback=print)


def test_an_exception_in_the_hook_stops_waiting_and_deletes_nothing(
    cloud, names, image_ref, flavor_ref, timeout
):
    class Stop(Exception):
        pass

    def hook(event):
        if event["stage"] == "polled":
            raise Stop

    with pytest.raises(Stop):
        cloud.create_servers(
            names("s"), image_ref, flavor_ref, count=2, wait=True, timeout=timeout, progress=hook
        )
    assert sorted(s["name"] for s in cloud.servers(name=names("s-"))) == [
        names("s-1"),
        names("s-2"),
    ]
    assert [h for h in cloud.history if h["method"] == "DELETE"] == []


# ---------------------------------------------------------------- session resources, cleanup


def test_snapshots_are_the_sessions_and_cleanup_removes_them(
    local, cloud, names, snapshots, timeout
):
    server = cloud.create_server(names("src"), LOCAL_IMAGE, "m1.tiny", wait=True, timeout=timeout)
    marked = cloud.create_image(server["id"], names("snap"), metadata={"purpose": "backup"})
    snapshots.append(marked["id"])
    cloud.wait(server["id"], timeout=timeout)
    assert cloud.image(marked["id"])["metadata"][MARKER_KEY] == cloud.session_tag
    full = {f"k{i}": "v" for i in range(cloud.limits()["absolute"]["maxImageMeta"])}
    unmarked = cloud.create_image(server["id"], names("full"), metadata=full)  # no slot left
    snapshots.append(unmarked["id"])
    cloud.wait(server["id"], timeout=timeout)
    assert MARKER_KEY not in cloud.image(unmarked["id"])["metadata"]

    with local_connect(local) as other:  # another session's snapshot is not ours
        theirs = other.create_image(server["id"], names("theirs"))
        snapshots.append(theirs["id"])
        cloud.wait(server["id"], timeout=timeout)
        assert [i["id"] for i in other.session_images()] == [theirs["id"]]
    assert {i["id"] for i in cloud.session_images()} == {marked["id"], unmarked["id"]}

    before = len(cloud.history)
    listing = cloud.cleanup(dry_run=True)
    assert changes(cloud, before) == []
    assert [(e["kind"], e["name"]) for e in listing][0] == ("server", names("src"))
    assert sorted((e["kind"], e["name"]) for e in listing[1:]) == [
        ("image", names("full")),
        ("image", names("snap")),
    ]
    assert not any(e["ok"] or e["error"] for e in listing)
    done = cloud.cleanup()
    assert done.ok and sorted(e["item"] for e in done) == sorted(e["item"] for e in listing)
    remaining = {i["id"] for i in cloud.images()}
    assert marked["id"] not in remaining and unmarked["id"] not in remaining
    assert theirs["id"] in remaining
    assert cloud.session_images() == []


def test_delete_servers_waits_until_every_one_is_gone(cloud, names, image_ref, flavor_ref, timeout):
    booted = cloud.create_servers(names("d"), image_ref, flavor_ref, count=2, wait=True)
    refs = [names("d-1"), booted[1]["result"]["id"], names("never-existed")]
    result = cloud.delete_servers(refs, wait=True, timeout=timeout)
    assert [e["item"] for e in result] == refs and [e["ok"] for e in result] == [True, True, False]
    assert isinstance(result[2]["error"], NotFound)
    assert cloud.servers(name=names("d-")) == []  # gone, not just DELETING
