"""The resize panel: resize -> VERIFY_RESIZE -> confirm or revert, refusals and Cancel."""

from __future__ import annotations

import pytest
from widget_helpers import IMAGE, Sleeper, connect_to, finished, now_clock, requests, text

from novamagic.client import ValidationError
from novamagic.client.wait import CANCEL_SLICE
from novamagic.widgets import ResizePanelModel, resize_panel


@pytest.fixture
def web(cloud):
    return cloud.create_server("web", IMAGE, "m1.small", wait=True)


def flavor_value(panel, name: str) -> str:
    return next(v for label, v in panel.target.options if label.startswith(name + " "))


def test_resize_then_confirm_by_clicking(cloud, web):
    panel = resize_panel(cloud)
    assert panel.resize_button.disabled and panel.confirm_button.disabled
    panel.server.value = web["id"]
    assert "m1.small — 1 vCPU, 2048 MB RAM, 20 GB disk" in text(panel.current)
    assert panel.resize_button.disabled  # no target yet
    panel.target.value = flavor_value(panel, "m1.medium")
    change = text(panel.change)
    assert "vCPUs 1 → 2 (+1)" in change
    assert "RAM 2048 MB → 4096 MB (+2048)" in change
    assert "disk 20 GB → 40 GB (+20)" in change
    assert not panel.resize_button.disabled
    assert panel.confirm_button.disabled and panel.revert_button.disabled  # only after resizing

    panel.resize_button.click()
    finished(panel.model)
    assert panel.model.phase == "verify", panel.model.error
    assert "VERIFY_RESIZE" in panel.current.value
    assert not panel.confirm_button.disabled and not panel.revert_button.disabled
    assert panel.resize_button.disabled and panel.target.disabled
    assert panel.progress.value == 100
    assert "confirm or revert" in panel.phase.value

    panel.confirm_button.click()
    finished(panel.model)
    assert panel.model.phase == "confirmed", panel.model.error
    assert "Final flavor (kept): m1.medium — 2 vCPUs" in text(panel.final)
    assert panel.confirm_button.disabled and panel.revert_button.disabled
    server = cloud.server("web")
    assert (server["status"], server["flavor"]["name"]) == ("ACTIVE", "m1.medium")
    assert len(requests(cloud, "POST", "/action")) == 2  # resize, confirmResize


def test_resize_then_revert_goes_back_to_the_old_flavor(cloud, web):
    panel = resize_panel(cloud, "web", flavor="m1.large")
    assert "vCPUs 1 → 4 (+3)" in text(panel.change)
    panel.resize_button.click()
    finished(panel.model)
    assert panel.model.phase == "verify"
    assert cloud.server("web")["flavor"]["name"] == "m1.large"

    panel.revert_button.click()
    finished(panel.model)
    assert panel.model.phase == "reverted", panel.model.error
    assert "Final flavor (back to): m1.small" in text(panel.final)
    server = cloud.server("web")
    assert (server["status"], server["flavor"]["name"]) == ("ACTIVE", "m1.small")


def test_a_server_that_is_not_active_is_refused_with_the_reason(cloud, web):
    cloud.stop_server("web")
    cloud.wait("web", "SHUTOFF")
    panel = resize_panel(cloud, "web", flavor="m1.medium")
    assert "web is SHUTOFF; only an ACTIVE server can be resized" in text(panel.refusal)
    assert panel.resize_button.disabled
    with pytest.raises(ValidationError, match="only an ACTIVE server can be resized"):
        panel.model.resize()
    assert requests(cloud, "POST", "/action") == [requests(cloud, "POST", "/action")[0]]  # the stop

    cloud.start_server("web")
    cloud.wait("web")
    panel.reload_button.click()
    assert panel.refusal.value == "" and not panel.resize_button.disabled
    panel.target.value = flavor_value(panel, "m1.small")  # the current flavor
    assert "m1.small is the current flavor; pick another one" in text(panel.refusal)
    assert panel.resize_button.disabled
    with pytest.raises(ValidationError, match="nothing to confirm"):
        panel.model.confirm()


def test_a_refused_resize_shows_one_line_with_the_request_id(localcloud_factory):
    lc = localcloud_factory(clock=now_clock(), quotas={"cores": 2})
    cloud = connect_to(lc, Sleeper(lc.clock))
    try:
        cloud.create_server("web", IMAGE, "m1.small", wait=True)
        panel = resize_panel(cloud, "web", flavor="m1.large")  # 4 vCPUs > the quota of 2
        panel.resize_button.click()
        finished(panel.model)
        assert panel.model.phase == "idle"  # refused: the server did not change
        line = panel.model.error
        assert "Quota exceeded for cores" in line and "HTTP 403" in line and "req-" in line
        assert "\n" not in line and "req-" in panel.error.value
        assert cloud.server("web")["status"] == "ACTIVE"
        assert not panel.resize_button.disabled  # another flavor can be tried
    finally:
        cloud.close()


def test_cancel_stops_waiting_and_undoes_nothing(cloud, sleeper, web, lc):
    panel = resize_panel(cloud, "web", flavor="m1.medium")
    sleeper.hold()
    panel.resize_button.click()
    assert sleeper.entered.wait(20), "the resize never started waiting"
    assert not panel.cancel_button.disabled and panel.server.disabled
    panel.cancel_button.click()
    sleeper.release()
    finished(panel.model)
    assert panel.model.phase == "cancelled"
    assert "stopped waiting; web carries on and nothing was undone" in text(panel.error)
    assert len(requests(cloud, "POST", "/action")) == 1  # the resize only: no revert
    lc.clock.advance(60)
    assert cloud.server("web")["status"] == "VERIFY_RESIZE"

    # Picking the server again resumes the dance at the decision.
    panel.model.select("web")
    assert panel.model.phase == "verify" and not panel.confirm_button.disabled
    panel.confirm_button.click()
    finished(panel.model)
    assert cloud.server("web")["flavor"]["name"] == "m1.medium"


def test_cancel_returns_within_one_poll_slice(cloud, sleeper, web, lc):
    panel = resize_panel(cloud, "web", flavor="m1.medium")
    sleeper.hold()  # the first pause slice of the wait for VERIFY_RESIZE blocks
    panel.resize_button.click()
    assert sleeper.entered.wait(20), "the resize never started waiting"
    held_at, polls = lc.clock.now(), len(requests(cloud, "GET", "/servers/" + web["id"]))
    panel.cancel_button.click()
    sleeper.release()
    finished(panel.model)
    assert lc.clock.now() - held_at == pytest.approx(CANCEL_SLICE)  # not the whole pause
    assert len(requests(cloud, "GET", "/servers/" + web["id"])) == polls  # no poll after it
    assert panel.model.phase == "cancelled" and panel.model.server["status"] == "RESIZE"


def test_the_panel_follows_choices_made_on_its_model(cloud, web):
    cloud.create_server("other", IMAGE, "m1.tiny", wait=True)
    panel = resize_panel(cloud)
    panel.model.select("other")  # not in the list the panel loaded: the list is reloaded
    panel.model.set_target("m1.small")
    assert panel.server.label == "other (ACTIVE)" and panel.target.label.startswith("m1.small")
    assert "vCPUs 1 → 1 (±0)" in text(panel.change) and not panel.resize_button.disabled


def test_the_model_is_the_python_api(cloud, web):
    model = ResizePanelModel(cloud)
    model.select("web")
    model.set_target("m1.medium")
    assert model.change() == [
        ("vCPUs", 1, 2, 1, ""),
        ("RAM", 2048, 4096, 2048, " MB"),
        ("disk", 20, 40, 20, " GB"),
    ]
    assert model.resize("m1.medium", server="web").wait(20)
    assert model.phase == "verify"
    assert model.current_flavor["name"] == "m1.medium"  # on trial until confirmed or reverted
    assert model.revert().wait(20)
    assert model.phase == "reverted" and model.final_flavor["name"] == "m1.small"
    with pytest.raises(ValidationError, match="no flavor 'm1.huge' on this cloud"):
        model.set_target("m1.huge")


def test_static_representation_escapes_the_server_name(cloud):
    cloud.create_server("<script>alert(1)</script>", IMAGE, "m1.small", wait=True)
    panel = resize_panel(cloud, "<script>alert(1)</script>", flavor="m1.medium")
    bundle = panel._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bundle["text/html"]
    assert "<script>" not in panel.current.value
    assert "<script>alert(1)</script>" in bundle["text/plain"]
    labels = [label for label, _value in panel.server.options]
    assert "<script>alert(1)</script> (ACTIVE)" in labels  # dropdown labels are plain text


def until(model, condition, what: str) -> None:
    """Wait (bounded) until ``condition()`` holds after one of the model's changes."""
    import threading

    from widget_helpers import DONE

    reached = threading.Event()
    model.observe(lambda _m: condition() and reached.set())
    if not condition():
        assert reached.wait(DONE), f"never: {what} ({model!r})"


def test_the_panel_follows_servers_that_appear_change_and_vanish(cloud, web):
    panel = resize_panel(cloud, "web", flavor="m1.medium")
    assert [label for label, _v in panel.server.options[1:]] == ["web (ACTIVE)"]

    late = cloud.create_server("late", IMAGE, "m1.tiny", wait=True)  # booted elsewhere
    until(panel.model, lambda: "late (ACTIVE)" in [lb for lb, _v in panel.server.options], "late")

    panel.resize_button.click()
    finished(panel.model)
    until(panel.model, lambda: "web (VERIFY_RESIZE)" in [lb for lb, _v in panel.server.options],
          "the picker says VERIFY_RESIZE")  # fmt: skip
    # the change line compares the flavor before the resize with the new one, not new with new
    assert "vCPUs 1 → 2 (+1)" in text(panel.change)
    assert "m1.small -> m1.medium" in repr(panel.model)
    panel.confirm_button.click()
    finished(panel.model)
    assert "vCPUs 1 → 2 (+1)" in text(panel.change)

    cloud.delete_server("web", wait=True)  # deleted behind the panel's back
    until(panel.model, lambda: panel.model.server is None, "the deleted server is let go")
    assert "web is gone (deleted); pick another server" in text(panel.refusal)
    assert [label for label, _v in panel.server.options[1:]] == ["late (ACTIVE)"]
    panel.reload_button.click()  # the reload icon: no NotFound
    assert panel.model.error is None and "NotFound" not in text(panel.error)
    panel.server.value = late["id"]
    panel.target.value = flavor_value(panel, "m1.small")
    assert not panel.resize_button.disabled
    panel.close()


def test_reloading_a_server_deleted_meanwhile_is_a_note_not_a_notfound(cloud, web):
    model = ResizePanelModel(cloud, "web", flavor="m1.medium", follow=False)
    cloud.delete_server("web", wait=True)
    assert model.server is not None  # not following: it still shows until the reload
    model.load()
    assert model.server is None and model.error is None and model.phase == "idle"
    assert model.note == "web is gone (deleted); pick another server"
    assert "web is gone" in model.to_html() and model.servers == []
