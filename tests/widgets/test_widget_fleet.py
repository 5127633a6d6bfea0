"""The fleet view: refresh, filter, selection, bulk reboot/delete behind a confirm step, chart."""

from __future__ import annotations

import threading

import pytest
from widget_helpers import DONE, IMAGE, finished, requests, text

from novamagic.client import ValidationError
from novamagic.widgets import FleetModel, fleet_view


@pytest.fixture
def fleet(cloud, lc):
    """Four ACTIVE web servers (m1.small) and two db servers (m1.medium)."""
    cloud.create_servers("web", IMAGE, "m1.small", count=4).raise_first()
    cloud.create_servers("db", IMAGE, "m1.medium", count=2).raise_first()
    lc.clock.advance(60)
    return sorted(s["name"] for s in cloud.servers())


def statuses(cloud) -> dict[str, str]:
    return {s["name"]: s["status"] for s in cloud.servers()}


def tick(view, names) -> None:
    """Tick the rows of these servers, as a user clicking their checkboxes."""
    for row in view.rows_box.children:
        checkbox, cells = row.children
        if any(f">{n}<" in cells.value for n in names):
            checkbox.value = True


def test_refresh_shows_every_server_with_status_colours(cloud, lc, fleet):
    view = fleet_view(cloud)
    assert len(view.rows_box.children) == 6
    assert text(view.info).startswith("6 servers · 0 selected · refreshed ")
    assert view.model.counts() == {"ACTIVE": 6}
    assert all('color:#2e7d32">ACTIVE' in row.children[1].value for row in view.rows_box.children)

    cloud.create_server("late", IMAGE, "m1.tiny")  # BUILD until the clock moves
    view.refresh_button.click()
    assert len(view.rows_box.children) == 7
    assert view.model.counts() == {"ACTIVE": 6, "BUILD": 1}
    late = [r for r in view.rows_box.children if ">late<" in r.children[1].value]
    assert len(late) == 1 and 'color:#b26a00">BUILD' in late[0].children[1].value


def test_filter_box_narrows_the_table(cloud, fleet):
    view = fleet_view(cloud)
    view.filter.value = "WEB"
    assert len(view.rows_box.children) == 4
    assert text(view.info).startswith("6 servers, 4 match the filter")
    view.filter.value = "m1.medium"
    assert len(view.rows_box.children) == 2
    view.filter.value = "nothing-like-this"
    assert view.rows_box.children == ()
    view.filter.value = ""
    assert len(view.rows_box.children) == 6
    view.model.filter = "db"  # from code: the box and the table follow
    assert view.filter.value == "db" and len(view.rows_box.children) == 2
    view.model.select(["db-1"])
    assert [row.children[0].value for row in view.rows_box.children] == [True, False]


def test_bulk_reboot_needs_an_explicit_confirm(cloud, lc, fleet):
    view = fleet_view(cloud)
    assert view.reboot_button.disabled and view.delete_button.disabled  # nothing selected
    tick(view, ["web-1", "web-2", "db-1"])
    assert view.model.selected and len(view.model.selected) == 3
    assert "3 selected" in text(view.info)
    view.reboot_button.click()
    assert view.confirm_box.layout.display == ""
    prompt = text(view.prompt)
    assert prompt.startswith("Reboot 3 servers: ") and prompt.endswith("?")
    assert sorted(prompt[len("Reboot 3 servers: ") : -1].split(", ")) == ["db-1", "web-1", "web-2"]
    assert requests(cloud, "POST", "/action") == []  # nothing sent before the confirm
    view.no_button.click()
    assert view.confirm_box.layout.display == "none" and view.model.pending is None
    assert requests(cloud, "POST", "/action") == []

    view.reboot_button.click()
    view.yes_button.click()
    finished(view.model)
    assert view.model.error is None
    assert list(view.model.outcomes["ok"]) == [True, True, True]
    assert sorted(view.model.outcomes["item"]) == ["db-1", "web-1", "web-2"]
    assert len(requests(cloud, "POST", "/action")) == 3
    # The run waited for the reboots itself (the client's waits move the manual clock): no
    # REBOOT left, in the cloud or in the table, and each server's result is its final status.
    assert set(statuses(cloud).values()) == {"ACTIVE"}
    assert view.model.counts() == {"ACTIVE": 6}
    assert "REBOOT" not in "".join(row.children[1].value for row in view.rows_box.children)
    assert text(view.last_action) == "rebooting: 3 of 3 server(s) back ACTIVE"
    assert sorted(view.model.results) == [
        ("db-1", "ACTIVE", None), ("web-1", "ACTIVE", None), ("web-2", "ACTIVE", None)
    ]  # fmt: skip
    assert "<NA>" not in view.outcomes.value and "ACTIVE" in text(view.outcomes)
    assert view.progress.layout.display == "none"  # shown only while waiting


def test_bulk_delete_removes_exactly_the_selection(cloud, lc, fleet):
    view = fleet_view(cloud)
    view.filter.value = "db"
    view.select_shown_button.click()
    assert view.model.selected == {s["id"] for s in cloud.servers() if s["name"].startswith("db")}
    view.filter.value = ""
    tick(view, ["web-4"])
    view.delete_button.click()
    assert view.yes_button.description == "Yes, delete"
    assert text(view.prompt).startswith("Delete 3 servers: ")
    view.yes_button.click()
    finished(view.model)
    assert view.model.error is None
    assert text(view.last_action) == "deleting: 3 of 3 server(s) deleted"
    assert view.model.selected == set()
    # waited until they were gone: the table has lost them without a refresh or a clock tick
    assert len(view.rows_box.children) == 3
    assert sorted(s["name"] for s in cloud.servers()) == ["web-1", "web-2", "web-3"]
    assert len(view.rows_box.children) == 3 and view.model.counts() == {"ACTIVE": 3}
    assert len(requests(cloud, "DELETE", "/servers/")) == 3


def test_a_failed_item_is_reported_in_one_line_and_the_others_go_through(cloud, lc, fleet):
    cloud.stop_server("web-1")
    cloud.wait("web-1", "SHUTOFF")
    model = FleetModel(cloud)
    pending = model.bulk_reboot(["web-1", "web-2", "web-3"])
    assert pending.kind == "reboot" and model.pending == pending
    model.confirm_pending()
    finished(model)
    outcomes = dict(zip(model.outcomes["item"], model.outcomes["ok"], strict=True))
    assert outcomes == {"web-1": False, "web-2": True, "web-3": True}
    line = model.error
    assert line.startswith("1 of 3 failed; web-1: Conflict: ") and "HTTP 409" in line
    assert "req-" in line and "\n" not in line
    assert model.counts() == {"ACTIVE": 5, "SHUTOFF": 1}
    assert ("web-1", "refused", line.split("web-1: ", 1)[1]) in model.results


def test_python_api_stages_and_confirms(cloud, lc, fleet):
    model = FleetModel(cloud)
    with pytest.raises(ValidationError, match="select the servers to delete first"):
        model.bulk_delete()
    with pytest.raises(ValidationError, match="no server 'web-9' in the fleet"):
        model.bulk_delete(["web-9"])
    with pytest.raises(ValidationError, match="nothing to confirm"):
        model.confirm_pending()
    model.select(["web-1", "web-2"])
    model.bulk_delete(confirm=True)
    finished(model)
    assert len(model.frame) == 4 and "web-1" not in set(model.frame["name"])
    model.bulk_reboot(["db-1"], hard=True, confirm=True)
    finished(model)
    assert [e for e in cloud.server_actions("db-1") if e["action"] == "reboot"]
    assert cloud.server("db-1")["status"] == "ACTIVE"  # the hard reboot was waited for


def test_stop_waiting_leaves_the_reboot_going(cloud, sleeper, fleet):
    """Stop waiting reaches the client's wait: the run ends within a poll slice, the servers
    carry on rebooting and nothing is undone."""
    view = fleet_view(cloud)
    view.model.select(["web-1"])
    view.reboot_button.click()
    sleeper.hold()  # the wait's first pause blocks: the server stays in REBOOT
    view.yes_button.click()
    assert sleeper.entered.wait(DONE), "the reboot was never waited for"
    assert view.progress.layout.display == "" and view.stop_button.layout.display == ""
    assert "waiting for web-1 (1 of 1)" in text(view.last_action)
    view.stop_button.click()
    sleeper.release()
    finished(view.model)
    assert view.model.results == [("web-1", "stopped waiting", None)]
    assert cloud.server("web-1")["status"] == "REBOOT"


def test_auto_refresh_runs_on_a_timer_until_stopped(cloud, fleet):
    model = FleetModel(cloud)
    first = model.refresh_count
    enough = threading.Event()
    model.observe(lambda m: m.refresh_count >= first + 2 and enough.set())
    model.start_auto_refresh(0.05)
    assert enough.wait(DONE), "the timer did not refresh twice"
    model.stop_auto_refresh()
    assert model.refresh_interval is None
    with pytest.raises(ValidationError, match="positive number of seconds"):
        model.start_auto_refresh(0)


def test_chart_shows_use_by_flavor_against_the_limits(cloud, fleet):
    view = fleet_view(cloud)
    chart = text(view.chart)
    assert "vCPUs: 8 of 20 (40%)" in chart  # 4 x 1 + 2 x 2
    assert "RAM (MB): 16384 of 51200 (32%)" in chart  # 4 x 2048 + 2 x 4096
    assert 'title="m1.small: 4" style="width:20.00%' in view.chart.value
    assert 'title="m1.medium: 4" style="width:20.00%' in view.chart.value


def test_hostile_names_are_escaped_in_rows_chart_and_static_html(cloud, lc):
    hostile = '<img src=x onerror="alert(1)">'
    cloud.create_server(hostile, IMAGE, "m1.tiny")
    cloud.create_server("a & b", IMAGE, "m1.tiny")
    lc.clock.advance(60)
    view = fleet_view(cloud)
    rows = "".join(r.children[1].value for r in view.rows_box.children)
    bundle = view._repr_mimebundle_()
    for markup in (rows, bundle["text/html"], view.model.to_html()):
        assert "<img" not in markup
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup
        assert "a &amp; b" in markup
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id
    assert bundle["text/plain"].startswith("<Fleet 2 servers")
    tick(view, ["a &amp; b"])
    view.delete_button.click()
    assert "a &amp; b" in view.prompt.value and "<img" not in view.prompt.value
