"""resize(..., wait=, finish=): Nova's three steps (resize, verify, confirm or revert) in one call,
with the same callback, timeout and cancel as wait()."""

from __future__ import annotations

import threading

import pytest

from novamagic.client import ValidationError, WaitCancelled
from tests.client.conftest import LOCAL_IMAGE, local_connect


@pytest.fixture
def flavors(cloud, flavor_ref):
    """(small, bigger): the test flavor and the next one up in RAM."""
    ordered = sorted(cloud.flavors(), key=lambda f: (f["ram"], f["vcpus"]))
    small = cloud.flavor(flavor_ref)
    return small, next(f for f in ordered if f["ram"] > small["ram"])


def actions(cloud, server_id: str) -> list[str]:
    return [h["path"] for h in cloud.history if h["method"] == "POST" and server_id in h["path"]]


def test_finish_confirm_is_the_whole_dance(cloud, boot, flavors, timeout):
    small, bigger = flavors
    server = boot("rz-confirm")
    seen = []
    done = cloud.resize(
        server["id"], bigger["name"], finish="confirm", timeout=timeout, callback=seen.append
    )
    assert (done["status"], done["flavor"]["id"]) == ("ACTIVE", bigger["id"])
    assert done["OS-EXT-STS:task_state"] is None
    assert "VERIFY_RESIZE" in [s["status"] for s in seen]  # it waited for the verify step
    assert len(actions(cloud, server["id"])) == 2  # resize, confirmResize


def test_finish_revert_goes_back(cloud, boot, flavors, timeout):
    small, bigger = flavors
    server = boot("rz-revert")
    done = cloud.resize(server["id"], bigger["id"], finish="revert", timeout=timeout)
    assert (done["status"], done["flavor"]["id"]) == ("ACTIVE", small["id"])


def test_wait_stops_at_verify_then_the_decision_can_wait_too(cloud, boot, flavors, timeout):
    small, bigger = flavors
    server = boot("rz-wait")
    assert cloud.resize(server["id"], bigger["id"]) is None  # sent only
    cloud.wait(server["id"], "VERIFY_RESIZE", timeout=timeout)
    confirmed = cloud.confirm_resize(server["id"], wait=True, timeout=timeout)
    assert (confirmed["status"], confirmed["flavor"]["id"]) == ("ACTIVE", bigger["id"])

    verify = cloud.resize(server["id"], small["id"], wait=True, timeout=timeout)
    assert (verify["status"], verify["flavor"]["id"]) == ("VERIFY_RESIZE", small["id"])
    reverted = cloud.revert_resize(server["id"], wait=True, timeout=timeout)
    assert (reverted["status"], reverted["flavor"]["id"]) == ("ACTIVE", bigger["id"])


def test_a_stopped_server_rests_shutoff_after_the_confirm(cloud, local, boot, flavors, timeout):
    small, bigger = flavors
    server = boot("rz-stopped")
    cloud.stop_server(server["id"])
    cloud.wait(server["id"], "SHUTOFF", timeout=timeout)
    done = cloud.resize(server["id"], bigger["id"], finish="confirm", timeout=timeout)
    assert (done["status"], done["flavor"]["id"]) == ("SHUTOFF", bigger["id"])


def test_a_wrong_finish_is_refused_before_anything_is_sent(cloud, boot, flavors):
    server = boot("rz-bad")
    with pytest.raises(ValidationError, match="finish must be None, 'confirm' or 'revert'"):
        cloud.resize(server["id"], flavors[1]["id"], finish="keep")
    assert actions(cloud, server["id"]) == []


def test_cancel_stops_before_the_decision_and_undoes_nothing(local):
    cancel = threading.Event()

    def sleep(seconds):
        cancel.set()  # Cancel pressed during the first pause of the verify wait
        local.clock.advance(seconds)

    with local_connect(local) as setup:
        server = setup.create_server("rz-cancel", LOCAL_IMAGE, "m1.tiny", wait=True)
    with local_connect(local, sleep=sleep) as client:
        with pytest.raises(WaitCancelled, match="to be VERIFY_RESIZE.*nothing was undone"):
            client.resize(server["id"], "m1.small", finish="confirm", cancel=cancel)
        assert len(actions(client, server["id"])) == 1  # the resize; no confirm
        local.clock.advance(60)
        assert client.server(server["id"])["status"] == "VERIFY_RESIZE"  # awaits a decision


def test_every_call_that_waits_takes_the_first_pause_it_is_given(local):
    """interval= is the first pause of each wait (then it grows), in every call that waits."""
    pauses: list[float] = []

    def sleep(seconds):
        pauses.append(seconds)
        local.clock.advance(seconds)

    with local_connect(local, sleep=sleep) as cloud:
        calls = {
            "create_server": lambda: cloud.create_server(
                "iv-1", LOCAL_IMAGE, "m1.tiny", wait=True, interval=0.1
            ),
            "create_servers": lambda: cloud.create_servers(
                "iv-{n}", LOCAL_IMAGE, "m1.tiny", count=2, skip_existing=True, wait=True,
                interval=0.1,
            ).raise_first(),
            "resize (verify)": lambda: cloud.resize("iv-1", "m1.small", wait=True, interval=0.1),
            "revert_resize": lambda: cloud.revert_resize("iv-1", wait=True, interval=0.1),
            "resize (confirm)": lambda: cloud.resize(
                "iv-1", "m1.small", finish="confirm", interval=0.1
            ),
            "delete_server": lambda: cloud.delete_server("iv-1", wait=True, interval=0.1),
            "delete_servers": lambda: cloud.delete_servers(["iv-2"], wait=True, interval=0.1),
        }  # fmt: skip
        for name, call in calls.items():
            pauses.clear()
            call()
            # 0.1 is under the cancel slice (0.2) that bulk waits pause in, so it shows as is.
            assert pauses and pauses[0] == 0.1, f"{name}: first pause {pauses[:1]}"
