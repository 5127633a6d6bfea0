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
    frame = run(shell, "%nova servers --long")
    view = run(shell, "%nova servers")
    assert list(view["image"]) == [booted["image"]["id"]]  # the id, as the CLI shows it
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
        assert type(error).__name__ == "QuotaExceeded" and "Traceback" not in seen
        assert f"booting {line.split()[1]} server(s)" in seen and "0 of 10 used" in seen
        assert "cloud up" not in seen and "AttributeError" not in seen
    assert max(len(h["path"]) for h in cloud.history) < 2000
    assert not [h for h in cloud.history if h["method"] == "POST"] and cloud.servers() == []


def test_admin_passwords_survive_no_pickle_and_no_copy(shell, cloud):
    import copy
    import pickle

    df = run(
        shell, f"%%nova_boot --count 2 -o web\nname: web-{{n}}\nimage: {IMAGE}\nflavor: m1.tiny\n"
    )
    secret = df.attrs["admin_passwords"]["web-1"]
    assert secret == cloud.admin_password("web-1")
    derived = [df.head(1), df.copy(), copy.copy(df), copy.deepcopy(df), df[df["name"] == "web-1"]]
    derived.append(pickle.loads(pickle.dumps(df)))
    for other in derived:
        kept = other.attrs["admin_passwords"]
        assert "not kept" in repr(kept) and "web-1" in repr(kept)
        try:
            kept["web-1"]
        except KeyError as exc:
            assert "cloud.admin_password" in str(exc)
        else:
            raise AssertionError("a copy holds an adminPass")
    blobs = [pickle.dumps(df), pickle.dumps(df.head(1)), pickle.dumps(df.attrs)]
    assert all(secret.encode() not in blob for blob in blobs)
    assert df.attrs["admin_passwords"]["web-1"] == secret  # the frame itself still has it
    run(shell, "web.to_pickle('web.pkl')")
    assert secret.encode() not in open("web.pkl", "rb").read()


def test_raw_masks_a_generated_private_key_and_says_how_to_read_it(shell, cloud, capsys):
    import pickle

    view = run(
        shell,
        '%nova raw -o gen --microversion 2.91 POST /os-keypairs \'{"keypair": {"name": "gen"}}\'',
    )
    key = str(view.data["keypair"]["private_key"])
    assert key.startswith("-----BEGIN") and shell.user_ns["gen"] is view
    shown = shell.display_formatter.format(view)[0]
    texts = [shown["text/plain"], shown["text/html"], repr(view), repr(view.data), str(view.data)]
    texts.append(capsys.readouterr().out)
    assert all(key not in text and key.splitlines()[1] not in text for text in texts)
    assert '"private_key": "********"' in shown["text/plain"]
    note = shown["text/plain"].splitlines()[-1]
    assert note.startswith("masked: keypair.private_key")
    assert "str(NAME.data['keypair']['private_key'])" in note and "create_keypair" in note
    assert all(key.splitlines()[1].encode() not in pickle.dumps(x) for x in (view, view.data))


def test_the_magics_mask_the_clients_secret_fields():
    from novamagic.client.masking import SECRET_FIELDS
    from novamagic.magics import rendering

    assert rendering._SECRET_KEYS == SECRET_FIELDS


def _boot_plain(cloud, *names):
    return [cloud.create_server(n, IMAGE, "m1.tiny", wait=True) for n in names]


def _actions(cloud):
    return [h for h in cloud.history if h["method"] == "POST" and h["path"].endswith("/action")]


def test_a_var_holding_an_option_is_one_value_never_an_option(shell, cloud, capsys):
    _boot_plain(cloud, "x")
    shell.user_ns["name"] = "x --hard"
    error, seen = fail(shell, "%nova reboot $name", capsys)
    assert type(error).__name__ == "NotFound" and "'x --hard'" in seen and "Traceback" not in seen
    assert _actions(cloud) == [] and cloud.server("x")["OS-EXT-STS:task_state"] is None
    # a value that is exactly an option is a server name too
    shell.user_ns["opt"] = "--hard"
    error, seen = fail(shell, "%nova reboot x $opt", capsys)
    assert "'--hard'" in seen and cloud.server("x")["OS-EXT-STS:task_state"] == "reboot_started"


def test_a_var_holding_two_names_deletes_no_server(shell, cloud, capsys):
    _boot_plain(cloud, "victim", "other")
    shell.user_ns["name"] = "victim other"
    error, seen = fail(shell, "%nova delete $name", capsys)
    assert type(error).__name__ == "NotFound" and "'victim other'" in seen
    assert sorted(s["name"] for s in cloud.servers()) == ["other", "victim"]
    assert not [h for h in cloud.history if h["method"] == "DELETE"]


def test_vars_still_work_as_one_value_each(shell, cloud, capsys):
    _boot_plain(cloud, "my server", "a", "b", "c")
    shell.user_ns.update(spaced="my server", several=["a", "b"], n=2, names={"third": "c"})
    assert "rebooting my server (soft)" in str(run(shell, "%nova reboot $spaced"))
    assert "renamed c to c-2" in str(run(shell, "%nova rename {names['third']} c-$n"))
    frame = run(shell, "%nova delete $several")  # a list: one name per item
    assert sorted(frame["item"]) == ["a", "b"]
    # ...also inside a function, from its locals
    run(
        shell,
        "def rename(new):\n    return get_ipython().run_line_magic('nova', 'rename c-2 $new')",
    )
    assert "renamed c-2 to z" in str(run(shell, "rename('z')"))
    error, seen = fail(shell, "%nova reboot $missing", capsys)
    assert type(error).__name__ == "UsageError" and "no variable named 'missing'" in seen
    assert len(seen.strip().splitlines()) == 1
