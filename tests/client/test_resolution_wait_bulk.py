"""Name resolution, waits (success, ERROR, timeout, interrupt) and bulk operations."""

from __future__ import annotations

import pytest

from novamagic.client import AmbiguousName, Forbidden, NotFound, WaitError, WaitTimeout
from tests.client.conftest import local_connect


def test_ambiguous_name_lists_the_matches(cloud, boot, names):
    first = boot("twin", wait=False)
    second = boot("twin", wait=False)
    with pytest.raises(AmbiguousName) as info:
        cloud.server(names("twin"))
    error = info.value
    assert {m[1] for m in error.matches} == {first["id"], second["id"]}
    assert first["id"] in str(error) and second["id"] in str(error)
    assert error.hint == "use the id instead of the name"
    assert cloud.server(first["id"])["id"] == first["id"]  # the id still works


def test_unknown_names_suggest_near_ones(cloud, boot, names, image_ref):
    server = boot("lonely", wait=False)
    with pytest.raises(NotFound) as info:
        cloud.server(names("lonley"))
    message = str(info.value)
    assert f"did you mean {server['name']!r}" in message
    assert "searched the" in message and "servers of project" in message
    with pytest.raises(NotFound, match="did you mean 'm1.tiny'"):
        cloud.flavor("m1.tiyn")
    with pytest.raises(NotFound, match="no image with id or name 'no-such-image'"):
        cloud.image("no-such-image")


def test_a_name_with_regex_characters_matches_exactly(cloud, boot, names):
    dotted = boot("a.b", wait=False)
    boot("axb", wait=False)  # "a.b" as a regex would match this one too
    assert cloud.server(names("a.b"))["id"] == dotted["id"]


def test_wait_until_active_with_progress(cloud, boot):
    server = boot("wait", wait=False)
    assert server["status"] == "BUILD"
    seen = []
    done = cloud.wait(server["id"], callback=lambda s: seen.append((s["status"], s["progress"])))
    assert done["status"] == "ACTIVE" and done["OS-EXT-STS:task_state"] is None
    assert seen[0][0] == "BUILD" and seen[-1] == ("ACTIVE", 100)


def test_wait_raises_on_error_with_the_fault(cloud, local, boot):
    server = boot("doomed", wait=False, metadata={"localcloud:fail": "build"})
    with pytest.raises(WaitError) as info:
        cloud.wait(server["id"])
    assert "went to ERROR" in str(info.value) and "aborted" in str(info.value)
    assert info.value.server["status"] == "ERROR"
    assert not isinstance(info.value, WaitTimeout)


def test_wait_stops_at_the_deadline(cloud, local, boot):
    server = boot("slow", wait=False)
    started = local.clock.now()
    with pytest.raises(WaitTimeout) as info:
        cloud.wait(server["id"], timeout=5)  # a build takes 20 cloud seconds
    assert "still BUILD" in str(info.value) and "after 5 s" in str(info.value)
    assert 5 <= local.clock.now() - started < 10


def test_wait_for_deleted(cloud, boot):
    server = boot("gone")
    cloud.delete_server(server["id"])
    assert cloud.wait(server["id"], "DELETED") is None


def test_keyboard_interrupt_propagates_from_a_wait(cloud, local, boot):
    server = boot("interrupted", wait=False)

    def interrupt(_server):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cloud.wait(server["id"], callback=interrupt)
    assert cloud.server(server["id"])["status"] == "BUILD"  # left as it was


def test_bulk_create_reboot_resize_delete(cloud, names, image_ref, flavor_ref, timeout):
    created = cloud.create_servers(
        names("bulk"), image_ref, flavor_ref, count=3, wait=True, timeout=timeout
    )
    assert created.ok and len(created.succeeded) == 3
    assert [e["item"] for e in created] == [names(f"bulk-{i}") for i in (1, 2, 3)]
    ids = [s["id"] for s in created.succeeded]
    rebooted = cloud.reboot_servers(ids, hard=True)
    assert rebooted.ok
    for sid in ids:
        cloud.wait(sid, timeout=timeout)
    bigger = sorted(cloud.flavors(), key=lambda f: f["ram"])[1]
    assert cloud.resize_servers(ids, bigger["id"]).ok
    deleted = cloud.delete_servers(ids + [names("never-existed")])
    assert not deleted.ok and len(deleted.failed) == 1
    assert deleted.failed[0]["item"] == names("never-existed")
    assert isinstance(deleted.failed[0]["error"], NotFound)
    assert [e["ok"] for e in deleted] == [True, True, True, False]


def test_bulk_create_with_partial_failure(localcloud_factory, names):
    from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, now_clock

    lc = localcloud_factory(clock=now_clock())
    with local_connect(lc) as cloud:
        # The whole count fits the quota when checked (a bulk boot beyond it sends nothing),
        # but the cloud refuses two boots all the same (another kernel took the room meanwhile).
        quota_refusal = "Quota exceeded for instances: Requested 1, but already used 10 of 10"
        lc.inject_fault(r"/servers$", method="POST", status=403, message=quota_refusal, count=2)
        result = cloud.create_servers([names(str(i)) for i in range(4)], LOCAL_IMAGE, LOCAL_FLAVOR)
        assert len(result.succeeded) == 2 and len(result.failed) == 2
        assert all(isinstance(e["error"], Forbidden) for e in result.failed)
        assert "Quota exceeded" in str(result.failed[0]["error"])
        assert "quota" in result.failed[0]["error"].hint
        with pytest.raises(Forbidden):
            result.raise_first()
        assert len(cloud.servers()) == 2


def test_bulk_create_skips_existing_names_when_asked(cloud, names, image_ref, flavor_ref):
    first = cloud.create_servers(names("rerun"), image_ref, flavor_ref, count=2)
    assert first.ok and [e["skipped"] for e in first] == [False, False]
    again = cloud.create_servers(names("rerun"), image_ref, flavor_ref, count=3, skip_existing=True)
    assert again.ok and [e["skipped"] for e in again] == [True, True, False]
    assert [e["result"]["id"] for e in again][:2] == [e["result"]["id"] for e in first]
    assert len(cloud.servers(name=names("rerun-"))) == 3
