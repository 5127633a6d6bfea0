"""Every changing subcommand through the shell against the local cloud."""

import getpass

import pytest
from magic_helpers import IMAGE, boot, fail, run

from novamagic import frames


@pytest.fixture
def web(shell, cloud):
    boot(shell, count=2)
    return cloud


def test_server_metadata_list_set_update_get_delete(shell, web, capsys):
    assert run(shell, "%nova meta list web-1").empty
    listed = run(shell, "%nova meta set web-1 owner=joe group=www")
    assert list(listed.columns) == list(frames.METADATA_COLUMNS)
    assert listed.values.tolist() == [["group", "www"], ["owner", "joe"]]
    merged = run(shell, "%nova meta update web-1 owner=adam 'note=a b'")
    assert merged.values.tolist() == [["group", "www"], ["note", "a b"], ["owner", "adam"]]
    assert run(shell, "%nova meta get web-1 owner") == "adam"
    run(shell, "%nova meta delete web-1 owner")
    assert web.server_metadata.get("web-1") == {"group": "www", "note": "a b"}
    assert run(shell, "%nova meta set web-1 only=1").values.tolist() == [["only", "1"]]
    error, seen = fail(shell, "%nova meta update web-1 novalue", capsys)
    assert "expected KEY=VALUE, got 'novalue'" in seen
    error, seen = fail(shell, "%nova meta set web-1 a=1 b=2 c=3 d=4 e=5 f=6", capsys)
    assert type(error).__name__ == "ValidationError" and "at most 5" in seen


def test_image_metadata(shell, web, capsys):
    before = run(shell, f"%nova image-meta list {IMAGE}")
    assert ("os_distro", "cirros") in list(map(tuple, before.values.tolist()))
    error, seen = fail(shell, f"%nova image-meta update {IMAGE} course=ops", capsys)
    assert type(error).__name__ == "Forbidden" and "HTTP 403" in seen  # a public image
    run(shell, "%nova snapshot web-1 mine")
    run(shell, "%nova wait web-1")
    # The properties Nova puts on a snapshot count against the book's project's five items.
    error, seen = fail(shell, "%nova image-meta update mine course=ops", capsys)
    assert type(error).__name__ == "ValidationError" and "at most 5 (maxImageMeta)" in seen
    run(shell, "%nova image-meta set mine version=1")  # replaces them all, as Nova's PUT does
    run(shell, "%nova image-meta update mine course=ops")
    assert run(shell, "%nova image-meta get mine course") == "ops"
    run(shell, "%nova image-meta delete mine course")
    assert "course" not in web.image_metadata.get("mine")


def test_rename_and_access_ips(shell, web, capsys):
    assert str(run(shell, "%nova rename web-2 db-1")) == "renamed web-2 to db-1"
    assert web.server("db-1")["name"] == "db-1"
    run(shell, "%nova access-ip db-1 --v4 192.168.100.2 --v6 2001:db8::2")
    server = web.server("db-1")
    assert (server["accessIPv4"], server["accessIPv6"]) == ("192.168.100.2", "2001:db8::2")
    error, seen = fail(shell, "%nova access-ip db-1 --v4 300.1.1.1", capsys)
    assert type(error).__name__ == "ValidationError" and "300.1.1.1" in seen


def test_password_is_prompted_twice_and_never_shown(shell, web, monkeypatch, capsys):
    answers = iter(["n3w-s3cret", "n3w-s3cret", "one", "two"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    message = run(shell, "%nova password web-1")
    assert str(message) == "changed the admin password of web-1"
    error, seen = fail(shell, "%nova password web-1", capsys)
    assert "the two passwords differ" in seen
    error, seen = fail(shell, "%nova password web-1 n3w-s3cret", capsys)
    assert "n3w-s3cret" not in seen
    history = run(shell, "%nova history")
    assert "n3w-s3cret" not in history.to_string()


def test_reboot_rebuild_start_stop_wait(shell, web):
    run(shell, "%nova reboot web-1")
    assert web.server("web-1")["status"] == "REBOOT"
    assert run(shell, "%nova wait web-1").loc[0, "status"] == "ACTIVE"
    run(shell, "%nova reboot web-1 --hard")
    assert web.server("web-1")["status"] == "HARD_REBOOT"
    run(shell, "%nova wait web-1")
    outcomes = run(shell, "%nova reboot web-1 web-2")  # several at once: per-server outcomes
    assert outcomes["ok"].all() and list(outcomes.columns) == list(frames.OUTCOME_COLUMNS)
    run(shell, "%nova wait web-1")
    run(shell, "%nova wait web-2")
    run(shell, "%nova rebuild web-1 ubuntu-11.04-server --name web-1b --meta role=db")
    assert run(shell, "%nova wait web-1b").loc[0, "image"] == "ubuntu-11.04-server"
    assert web.server_metadata.get("web-1b") == {"role": "db"}
    run(shell, "%nova stop web-2")
    assert run(shell, "%nova wait web-2 --status SHUTOFF").loc[0, "status"] == "SHUTOFF"
    run(shell, "%nova start web-2")
    assert run(shell, "%nova wait web-2").loc[0, "status"] == "ACTIVE"


def test_resize_wait_confirm_and_revert(shell, web):
    assert "resized web-1 to m1.medium and confirmed" == str(
        run(shell, "%nova resize web-1 m1.medium --confirm")
    )
    assert run(shell, "%nova wait web-1").loc[0, "flavor"] == "m1.medium"
    run(shell, "%nova resize web-2 m1.medium --wait")
    assert web.server("web-2")["status"] == "VERIFY_RESIZE"
    run(shell, "%nova revert-resize web-2")
    assert run(shell, "%nova wait web-2").loc[0, "flavor"] == "m1.small"
    run(shell, "%nova resize web-2 m1.large")
    run(shell, "%nova wait web-2 --status VERIFY_RESIZE")
    run(shell, "%nova confirm-resize web-2")
    assert run(shell, "%nova wait web-2").loc[0, "flavor"] == "m1.large"


def test_resize_with_a_decision_is_one_call_that_ends_at_rest(shell, web, sleeper, capsys):
    before = len(web.history)
    reverted = run(shell, "%nova resize web-1 m1.medium --revert")
    assert str(reverted) == "resized web-1 to m1.medium, then reverted"
    assert (reverted.data["status"], reverted.data["flavor"]["name"]) == ("ACTIVE", "m1.small")
    posts = [h["path"] for h in list(web.history)[before:] if h["method"] == "POST"]
    assert len(posts) == 2 and all(p.endswith("/action") for p in posts)  # resize, revert

    sleeper.armed = True  # Ctrl-C while waiting for VERIFY_RESIZE
    error, seen = fail(shell, "%nova resize web-2 m1.medium --confirm", capsys)
    assert "stopped waiting for the resize of web-2; it goes on and nothing was undone" in seen
    assert "%nova wait web-2 --status VERIFY_RESIZE, then %nova confirm-resize" in seen
    assert web.wait("web-2", "VERIFY_RESIZE")["flavor"]["name"] == "m1.medium"  # not confirmed


def test_snapshot_then_delete_image(shell, web):
    image = run(shell, "%nova snapshot web-1 web-1-snap --meta purpose=backup")
    assert list(image.columns) == list(frames.IMAGE_COLUMNS)
    assert (
        image.loc[0, "name"] == "web-1-snap"
        and image.loc[0, "server_id"] == web.server("web-1")["id"]
    )
    run(shell, "%nova wait web-1")  # the snapshot's task ends
    assert web.image("web-1-snap")["metadata"]["purpose"] == "backup"
    run(shell, "%nova delete-image web-1-snap")
    assert "web-1-snap" not in {i["name"] for i in web.images()}


def test_delete_several_and_wait_for_gone(shell, web, capsys):
    boot(shell, names_spec="extra")
    outcomes = run(shell, "%nova delete web-1 web-2 --wait")
    assert outcomes["item"].tolist() == ["web-1", "web-2"] and outcomes["ok"].all()
    assert [s["name"] for s in web.servers()] == ["extra"]
    assert str(run(shell, "%nova delete extra --wait")) == "deleted extra"
    assert web.servers() == [] or all(s["status"] == "DELETED" for s in web.servers())
    error, seen = fail(shell, "%nova delete nothing-here", capsys)
    assert type(error).__name__ == "NotFound"


def test_interrupting_a_wait_stops_only_the_waiting(shell, cloud, sleeper, capsys):
    run(shell, f"%%nova_boot\nname: slow\nimage: {IMAGE}\nflavor: m1.small\n")
    sleeper.armed = True  # Ctrl-C during the wait's first pause
    error, seen = fail(shell, "%nova wait slow", capsys)
    assert "stopped waiting for slow to be ACTIVE; the server was not changed" in seen
    assert "resume with %nova wait slow" in seen
    assert cloud.server("slow")["status"] == "BUILD"
    assert run(shell, "%nova wait slow").loc[0, "status"] == "ACTIVE"


def test_raw_any_call_pretty_printed(shell, web, capsys):
    flavor = run(shell, "%nova raw GET /flavors/2")
    assert flavor.data["flavor"]["name"] == "m1.small" and flavor.status == 200
    text = shell.display_formatter.format(flavor)[0]["text/plain"]
    assert text.startswith("HTTP 200 req-") and '\n  "flavor": {\n    "id": "2",' in text
    shell.user_ns["body"] = {"metadata": {"team": "blue"}}
    server_id = web.server("web-1")["id"]
    run(shell, f"%nova raw POST /servers/{server_id}/metadata $body")
    assert web.server_metadata.get("web-1")["team"] == "blue"
    run(
        shell, f'%nova raw PUT /servers/{server_id}/metadata/team \'{{"meta": {{"team": "red"}}}}\''
    )
    assert web.server_metadata.get_item("web-1", "team") == "red"
    image_id = web.image(IMAGE)["id"]
    body = {"server": {"name": "raw-1", "imageRef": image_id, "flavorRef": "1", "networks": "auto"}}
    shell.user_ns["boot_body"] = body
    created = run(shell, "%nova raw POST /servers $boot_body")
    secret = created.data["server"]["adminPass"]  # the data keeps it: ask and you get it
    shown = shell.display_formatter.format(created)[0]
    assert secret not in repr(shown) and '"adminPass": "********"' in shown["text/plain"]
    error, seen = fail(shell, "%nova raw POST /servers '{oops'", capsys)
    assert "the body is not JSON" in seen
    error, seen = fail(shell, "%nova raw GET /servers/does-not-exist", capsys)
    assert type(error).__name__ == "NotFound" and "HTTP 404" in seen and "req-" in seen


def test_report_summary_and_plot(shell, web):
    report = run(shell, "%nova report")
    assert report.by_status.values.tolist() == [["ACTIVE", 2]]
    assert report.by_flavor.values.tolist() == [["m1.small", 2, 2, 4096, 40]]
    totals = report.totals.set_index("resource")
    assert totals.loc["instances", "used"] == 2 and totals.loc["instances", "max"] == 10
    # joe is no admin: the report says the hosts are out of its reach, and goes on.
    assert report.figure is not None and "needs an admin role" in report.note
    assert totals["host_total"].isna().all()
    by_status_axes, limits_axes, usage_axes, hosts_axes = report.figure.axes
    assert usage_axes.get_xlabel() == "vCPU-hours" and not hosts_axes.patches
    # Both panels are horizontal bars, so long names (VERIFY_RESIZE) stay readable.
    assert [t.get_text() for t in by_status_axes.get_yticklabels()] == ["ACTIVE"]
    assert "instances" in [t.get_text() for t in limits_axes.get_yticklabels()]
    # Named axes, and one colour rule: bars at or over the threshold orange, under it green.
    from matplotlib.colors import to_hex

    from novamagic.frames.plots import OVER, THRESHOLD_PERCENT, UNDER

    for axes in (by_status_axes, limits_axes, usage_axes, hosts_axes):
        assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()
    percents = report.totals.dropna(subset=["percent"])["percent"].tolist()
    colours = [to_hex(bar.get_facecolor()) for bar in limits_axes.patches]
    assert colours == [OVER if p >= THRESHOLD_PERCENT else UNDER for p in percents]
    assert UNDER in colours  # 2 of 10 instances: under the threshold
    formatted = shell.display_formatter.format(report)[0]
    assert "Fleet report: 2 servers" in formatted["text/plain"]
    # No disk quota in Nova: the disk row says "–", never pandas' <NA>.
    assert "<NA>" not in formatted["text/plain"] and "&lt;NA&gt;" not in formatted["text/html"]
    assert totals["max"].isna()["disk_gb"] and "disk_gb" in formatted["text/plain"]
    assert "data:image/png;base64," in formatted["text/html"]
    assert run(shell, "%nova report --no-plot").figure is None


def test_report_as_admin_has_usage_over_the_period_and_capacity_against_the_hosts(shell, web, lc):
    from novamagic.client import connect

    lc.tick(3600)  # the two web servers run an hour
    shell.user_ns["admin"] = connect(
        auth_url=lc.auth_url, username="admin", password="admin", project_name="admin",
        user_domain_name="Default", project_domain_name="Default",
    )  # fmt: skip
    run(shell, "%nova use admin")
    report = run(shell, "%nova report --all-projects --start 2012-03-21")
    assert report.note is None and len(report.servers) == 2
    totals = report.totals.set_index("resource")
    # the hosts: the default hypervisor of 64 vCPUs holds the two m1.small servers
    assert totals.loc["cores", "host_total"] == 64 and totals.loc["cores", "host_used"] == 2
    assert totals.loc["disk_gb", "host_percent"] == 1.0  # 40 of 4,000 GB
    (row,) = report.usage_by_flavor.to_dict("records")
    assert row["flavor"] == "m1.small" and row["servers"] == 2
    assert row["vcpu_hours"] == pytest.approx(2.0, abs=0.05)
    hosts_axes = report.figure.axes[3]
    assert [t.get_text() for t in hosts_axes.get_yticklabels()] == ["cores", "ram_mb", "disk_gb"]
    html = shell.display_formatter.format(report)[0]["text/html"]
    assert "usage from 2012-03-21 to now" in html and "host_percent" in html


def test_report_without_matplotlib_has_a_note(shell, web, monkeypatch):
    import sys

    for name in ("matplotlib", "matplotlib.figure"):  # as if not installed: imports fail
        monkeypatch.setitem(sys.modules, name, None)
    report = run(shell, "%nova report")
    assert report.figure is None and "matplotlib is not installed" in report.note
    assert "matplotlib is not installed" in shell.display_formatter.format(report)[0]["text/plain"]


def test_cleanup_lists_then_deletes_only_this_kernels_resources(shell, web, lc, capsys):
    lc_servers_before = len(web.servers())
    web.control.populate(2, name="someone-else-{n}")  # not booted by this session
    run(shell, "%nova snapshot web-1 mine")
    run(shell, "%nova wait web-1")
    capsys.readouterr()
    listing = run(shell, "%nova cleanup")
    said = capsys.readouterr().out
    assert said.startswith("dry run: would delete 2 server(s) and 1 image(s); ")
    assert "%nova cleanup --yes deletes them" in said
    # a dry run reads as one: what would go, no "deleted False" and no empty columns
    assert list(listing.columns) == ["would delete", "name", "id"]
    assert sorted(zip(listing["would delete"], listing["name"], strict=True)) == [
        ("image", "mine"), ("server", "web-1"), ("server", "web-2")
    ]  # fmt: skip
    assert not listing.isna().any().any()
    assert len(web.servers()) == lc_servers_before + 2  # nothing deleted without --yes
    done = run(shell, "%nova cleanup --yes")
    assert capsys.readouterr().out.startswith("deleted 2 server(s) and 1 image(s)")
    assert list(done.columns) == ["kind", "name", "id", "result"]
    assert (done["result"] == "deleted").all() and len(done) == 3
    # waited for: right after, %nova servers lists only the others (no tick needed)
    remaining = list(run(shell, "%nova servers")["name"])
    assert len(remaining) == 2 and all(n.startswith("someone-else-") for n in remaining)
    assert "mine" not in {i["name"] for i in web.images()}


def test_local_cloud_controls(shell, cloud, lc, capsys):
    status = run(shell, "%nova local status")
    assert status["seed"] == 42 and status["servers"] == 0
    before = lc.clock.now()
    run(shell, "%nova local tick 30")
    assert lc.clock.now() == pytest.approx(before + 30, abs=1)
    run(shell, "%nova local advance 5")
    boot(shell, count=1)
    run(shell, "%nova local fault /flavors --status 500 --count 1")
    error, seen = fail(shell, "%nova flavors", capsys)
    assert type(error).__name__ == "ServerError" and "HTTP 500" in seen and "req-" in seen
    assert len(seen.strip().splitlines()) <= 2
    run(shell, "%nova flavors")  # the fault was for one request only
    run(shell, "%nova local fault --clear")
    run(shell, "%nova local reset")
    assert cloud.servers() == []
    error, seen = fail(shell, "%nova local tick soon", capsys)
    assert "expected seconds as a number, got 'soon'" in seen
    error, seen = fail(shell, "%nova local speed 5", capsys)  # a ManualClock has no speed
    assert type(error).__name__ == "Conflict" and "HTTP 409" in seen and "req-" in seen
