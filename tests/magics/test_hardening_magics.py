"""Issue 13's magic cases: $var values stay values, secrets stay out of pickles, copies and raw
output, a lost boot says where to look, big counts and quota, listings that degrade to ids."""

from __future__ import annotations

from magic_helpers import IMAGE, fail, run

from novamagic.client import connect
from novamagic.localcloud import identity


def test_servers_listing_degrades_to_ids_with_one_note(shell, nova, lc, monkeypatch, capsys):
    with connect(local=lc) as booter:
        booted = booter.create_server("lookup", IMAGE, "m1.tiny")
    monkeypatch.setattr(
        identity, "SERVICES", tuple(s for s in identity.SERVICES if s[0] != "image")
    )
    lc.inject_fault(r"/images", status=404)
    nova.set_cloud(connect(local=lc))
    capsys.readouterr()
    frame = run(shell, "%nova servers")
    run(shell, "%nova servers")
    seen = capsys.readouterr()
    assert list(frame["id"]) == [booted["id"]] and list(frame["image_id"]) == [
        booted["image"]["id"]
    ]
    assert frame["image"].isna().all() and list(frame["flavor"]) == ["m1.tiny"]
    shown = seen.out + seen.err
    notes = [line for line in shown.splitlines() if "image names" in line]
    assert len(notes) == 1 and notes[0].startswith("note: image names are unavailable")
    assert "Traceback" not in shown and "Warning" not in shown
    nova.set_cloud(None)


def test_a_lost_boot_says_the_server_may_exist_and_how_to_look(shell, cloud, lc, capsys):
    lc.inject_fault(r"/servers$", method="POST", drop="after", count=1)
    # the cell's look for existing names goes through (a latency-only rule takes it); then
    # every listing fails, so the lookup by marker after the lost answer does too
    lc.inject_fault(r"/servers/detail$", method="GET", latency=0.001, count=1)
    lc.inject_fault(r"/servers/detail$", method="GET", status=503)
    error, seen = fail(
        shell, f"%%nova_boot\nname: ghost\nimage: {IMAGE}\nflavor: m1.tiny\n", capsys
    )
    assert "Traceback" not in seen
    assert "may exist" in seen and "ghost" in seen
    assert f"%nova servers --tag {cloud.session_tag}" in seen and "--force-new" in seen
    lc.clear_faults()
    assert list(run(shell, f"%nova servers --tag {cloud.session_tag}")["name"]) == ["ghost"]


def test_a_big_count_is_refused_in_one_line_before_anything_is_sent(shell, cloud, capsys):
    spec = f"name: big-{{n}}\nimage: {IMAGE}\nflavor: m1.tiny\n"
    for line in ("--count 10000 --dry-run", "--count 11"):
        error, seen = fail(shell, f"%%nova_boot {line}\n{spec}", capsys)
        assert type(error).__name__ == "OverLimit" and "Traceback" not in seen
        assert f"booting {line.split()[1]} server(s)" in seen and "0 of 10 used" in seen
        assert "cloud up" not in seen and "AttributeError" not in seen
    assert max(len(h["path"]) for h in cloud.history) < 2000
    assert not [h for h in cloud.history if h["method"] == "POST"] and cloud.servers() == []
