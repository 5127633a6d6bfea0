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
