"""%%nova_boot notices drift: a server of the spec that differs is shown as a plan, changed only
with --apply (rebuild, resize, metadata update, groups), each step said before it runs."""

from __future__ import annotations

from magic_helpers import IMAGE, run

SPEC = f"""name: web-{{n}}
image: {IMAGE}
flavor: m1.tiny
metadata: {{role: web}}
"""
OTHER_IMAGE = "ubuntu-22.04-server-cloudimg-amd64"


def test_a_changed_spec_is_a_plan_and_nothing_changes(shell, cloud, capsys):
    run(shell, f"%%nova_boot --count 2 --wait\n{SPEC}")
    capsys.readouterr()
    run(shell, f"%%nova_boot --count 2 --wait\n{SPEC}")  # the same spec: no plan at all
    said = capsys.readouterr().out
    assert "already there, not booted again: web-1, web-2" in said and "plan:" not in said

    changed = SPEC.replace("m1.tiny", "m1.small").replace("{role: web}", "{role: db, tier: 2}")
    before = [(h["method"], h["path"]) for h in cloud.history]
    frame = run(shell, f"%%nova_boot --count 2 --wait\n{changed}")
    said = capsys.readouterr().out
    assert "plan:\n" in said
    for name in ("web-1", "web-2"):
        assert f"  ~ {name}: flavor m1.tiny -> m1.small (resize)" in said
        assert (
            f"  ~ {name}: metadata {{role: web, tier: None}} -> {{role: db, tier: 2}} "
            "(metadata update)" in said
        )
    assert "nothing was changed; re-run with --apply to perform the plan" in said
    sent = [(m, p) for m, p in ((h["method"], h["path"]) for h in cloud.history) if m != "GET"]
    assert sent == [(m, p) for m, p in before if m != "GET"]  # GETs only
    assert set(frame["flavor"]) == {"m1.tiny"}
    assert cloud.server_metadata.get("web-1")["role"] == "web"


def test_apply_resizes_updates_metadata_and_rebuilds_saying_each_step(shell, cloud, capsys):
    run(shell, f"%%nova_boot --count 1 --wait\n{SPEC}")
    web = cloud.server("web-1")
    capsys.readouterr()
    changed = (
        SPEC.replace("m1.tiny", "m1.small")
        .replace("{role: web}", "{role: db}")
        .replace(IMAGE, OTHER_IMAGE)
    )
    frame = run(shell, f"%%nova_boot --apply --wait\n{changed}".replace("web-{n}", "web-1"))
    said = capsys.readouterr().out
    lines = said.splitlines()
    assert "applying:" in lines
    verbs = ("  resizing ", "  rebuilding ", "  updating ", "  adding ", "  removing ")
    steps = [line.strip() for line in lines if line.startswith(verbs)]
    assert steps == [  # the resize first: the new image needs the bigger disk
        "resizing web-1 to m1.small (and confirming)",
        f"rebuilding web-1 from {OTHER_IMAGE}",
        "updating web-1's metadata: role=db",
    ]
    # each step is said before it runs: the plan lines come first, then the steps in order
    assert lines.index("  ~ web-1: image cirros-0.6.2-x86_64-disk -> " + OTHER_IMAGE
                       + " (rebuild)") < lines.index(f"  rebuilding web-1 from {OTHER_IMAGE}")  # fmt: skip
    assert "applied: 1 server(s) now match the spec" in said
    server = cloud.server("web-1")
    assert server["id"] == web["id"] and server["status"] == "ACTIVE"
    assert (server["flavor"]["name"], server["image"]["name"]) == ("m1.small", OTHER_IMAGE)
    assert cloud.server_metadata.get("web-1")["role"] == "db"
    row = frame.set_index("name").loc["web-1"]
    assert (row["flavor"], row["image"], row["status"]) == ("m1.small", OTHER_IMAGE, "ACTIVE")
    capsys.readouterr()
    run(shell, f"%%nova_boot --apply --wait\n{changed}".replace("web-{n}", "web-1"))
    assert "plan:" not in capsys.readouterr().out  # nothing left to change


def test_groups_and_key_drift_are_planned_then_applied(shell, cloud, capsys):
    cloud.create_security_group("web")
    cloud.create_keypair("mine")
    run(shell, f"%%nova_boot --wait\nname: app\nimage: {IMAGE}\nflavor: m1.tiny\n")
    capsys.readouterr()
    spec = f"name: app\nimage: {IMAGE}\nflavor: m1.tiny\nkey_name: mine\nsecurity_groups: [web]\n"
    run(shell, f"%%nova_boot\n{spec}")
    said = capsys.readouterr().out
    assert "  ~ app: key_name None -> mine (rebuild)" in said
    assert "  ~ app: security_groups [default] -> [web] (set groups)" in said
    run(shell, f"%%nova_boot --apply\n{spec}")
    said = capsys.readouterr().out
    assert "  rebuilding app from " in said and "with key mine" in said
    assert "  adding security group web to app" in said
    assert "  removing security group default from app" in said
    server = cloud.server("app")
    assert server["key_name"] == "mine"
    assert [g["name"] for g in cloud.server_security_groups("app")] == ["web"]
