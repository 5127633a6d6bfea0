"""%%nova_boot: specs, --count with {n}, progress, idempotent re-runs, dry runs, adminPass."""

import io
import sys

import pytest
from magic_helpers import IMAGE, fail, run

from novamagic import frames

SPEC = f"""name: web-{{n}}
image: {IMAGE}
flavor: m1.small
metadata: {{role: web, owner: joe}}
files:
  /etc/motd: "Welcome"
  /etc/app.conf: {{file: app.conf}}
access_ipv4: 192.168.100.7
"""


def posts(cloud):
    return [h for h in cloud.history if h["method"] == "POST" and h["path"].endswith("/servers")]


def test_count_wait_progress_and_admin_passwords(shell, nova, cloud, clean_env, capsys):
    (clean_env / "app.conf").write_text("port = 8080\n")
    nova.progress = True
    df = run(shell, f"%%nova_boot --count 3 --wait -o web\n{SPEC}")
    progress = capsys.readouterr().err
    # not a terminal (pytest captures stderr): one summary line, not a line per update
    lines = [line for line in progress.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("booting: 3/3 server in "), progress
    assert "\r" not in progress
    assert shell.user_ns["web"] is df
    assert list(df.columns) == list(frames.SERVER_COLUMNS)
    assert sorted(df["name"]) == ["web-1", "web-2", "web-3"] and set(df["status"]) == {"ACTIVE"}
    assert set(df["access_ipv4"]) == {"192.168.100.7"}
    assert cloud.server_metadata.get("web-2") == {"role": "web", "owner": "joe"}
    passwords = df.attrs["admin_passwords"]
    assert sorted(passwords) == ["web-1", "web-2", "web-3"]
    secret = passwords["web-1"]
    assert secret and secret == cloud.admin_password("web-1")
    shown = [repr(passwords), str(df.attrs), repr(df), df._repr_html_()]
    shown += [str(v) for v in shell.display_formatter.format(df)[0].values()]
    shown.append(repr(shell.display_formatter.format(passwords)))
    assert all(secret not in text for text in shown)
    assert "'web-1': '********'" in repr(passwords)
    seen = capsys.readouterr()
    assert secret not in seen.out + seen.err
    assert len(posts(cloud)) == 3  # one request per server, run concurrently


def test_rerun_reports_existing_servers_and_boots_no_duplicates(shell, cloud, clean_env, capsys):
    (clean_env / "app.conf").write_text("x")
    run(shell, f"%%nova_boot --count 2 --wait\n{SPEC}")
    capsys.readouterr()
    again = run(shell, f"%%nova_boot --count 3 --wait\n{SPEC}")
    assert "already there, not booted again: web-1, web-2" in capsys.readouterr().out
    assert sorted(again["name"]) == ["web-1", "web-2", "web-3"] and again.attrs["existing"] == [
        "web-1",
        "web-2",
    ]
    assert len(posts(cloud)) == 3
    assert sorted(s["name"] for s in cloud.servers()) == ["web-1", "web-2", "web-3"]
    run(shell, f"%%nova_boot --count 2 --force-new\n{SPEC}")
    assert len(posts(cloud)) == 5 and len(cloud.servers()) == 5


def test_dry_run_checks_everything_and_sends_nothing(shell, cloud, clean_env, capsys):
    (clean_env / "app.conf").write_text("x")
    run(shell, f"%%nova_boot\n{SPEC.replace('web-{n}', 'web-1')}")
    before = len(cloud.history)
    plan = run(shell, f"%%nova_boot --dry-run --count 3\n{SPEC}")
    assert plan["would boot"] == "web-2, web-3" and plan["already there"] == "web-1"
    assert plan["flavor"].startswith("m1.small (1 vCPU, 2048 MB RAM, 20 GB disk)")
    assert "instances 2 of 9 free" in plan["quota"]
    assert all(h["method"] == "GET" for h in list(cloud.history)[before:])
    error, seen = fail(
        shell, f"%%nova_boot --dry-run\n{SPEC.replace('m1.small', 'm1.smal')}", capsys
    )
    assert type(error).__name__ == "NotFound" and "did you mean 'm1.small'?" in seen
    error, seen = fail(shell, f"%%nova_boot --dry-run --count 11\n{SPEC}", capsys)
    assert type(error).__name__ == "QuotaExceeded" and "instances" in seen and "hint: " in seen
    error, seen = fail(
        shell,
        f"%%nova_boot --dry-run\n{SPEC.replace('m1.small', 'm1.tiny').replace(IMAGE, 'ubuntu-22.04-server-cloudimg-amd64')}",
        capsys,
    )
    assert type(error).__name__ == "ValidationError" and "needs 3 GB of disk" in seen
    assert all(h["method"] == "GET" for h in list(cloud.history)[before:])
    assert len(cloud.servers()) == 1


@pytest.mark.parametrize(
    ("line", "cell", "message"),
    [
        (
            "",
            "name: x\nimage: a\nflavour: b\n",
            "unknown key 'flavour'; allowed: name, image, flavor",
        ),
        ("", "name: x\nimage: a\nflavour: b\n", "did you mean flavor?"),
        ("", "name: x\nflavor: b\n", "'image' is required"),
        ("--count 2", "name: x\nimage: a\nflavor: b\n", "needs a {n} in the name"),
        ("", "- just\n- a list\n", "must be a YAML mapping"),
        ("", "name: [unclosed\n", "not valid YAML at line"),
        ("", "name: x\nimage: a\nflavor: b\nfiles: {/etc/x: {file: missing.txt}}\n", "cannot read"),
        ("--count zero", "name: x\nimage: a\nflavor: b\n", "invalid int value: 'zero'"),
    ],
)
def test_spec_errors_are_one_clear_line(shell, cloud, capsys, line, cell, message):
    error, seen = fail(shell, f"%%nova_boot {line}\n{cell}", capsys)
    assert type(error).__name__ == "UsageError" and message in seen
    assert cloud.servers() == []


def test_the_cell_line_gets_variable_expansion(shell, cloud):
    shell.user_ns["how_many"] = 2
    df = run(
        shell,
        f"%%nova_boot --count {{how_many}} -o $target_name\nname: db-{{n}}\nimage: {IMAGE}\nflavor: m1.tiny\n".replace(
            "$target_name", "booted"
        ),
    )
    assert sorted(df["name"]) == ["db-1", "db-2"] and shell.user_ns["booted"] is df


def test_a_failed_boot_fails_the_cell_but_keeps_the_others(shell, cloud, capsys):
    run(shell, "%nova local fault /servers$ --method POST --status 400 --count 1")
    error, seen = fail(
        shell,
        f"%%nova_boot --count 2 -o partial\nname: p-{{n}}\nimage: {IMAGE}\nflavor: m1.tiny\n",
        capsys,
    )
    assert type(error).__name__ == "BadRequest" and "HTTP 400" in seen and "req-" in seen
    assert "1 of 2 boots failed; the others are in the result" in seen
    assert len(shell.user_ns["partial"]) == 1


def test_interrupting_a_boot_wait_says_how_to_resume(shell, cloud, sleeper, capsys):
    sleeper.armed = True
    error, seen = fail(
        shell, f"%%nova_boot --wait\nname: slow\nimage: {IMAGE}\nflavor: m1.tiny\n", capsys
    )
    assert "stopped waiting; the servers already requested keep booting" in seen
    assert "re-run the cell" in seen
    assert [s["name"] for s in cloud.servers()] == ["slow"]
    again = run(shell, f"%%nova_boot --wait\nname: slow\nimage: {IMAGE}\nflavor: m1.tiny\n")
    assert again.attrs["existing"] == ["slow"] and len(cloud.servers()) == 1


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_in_a_terminal_is_one_line_updated_in_place(
    shell, nova, cloud, clean_env, monkeypatch
):
    (clean_env / "app.conf").write_text("port = 8080\n")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    nova.progress = True
    run(shell, f"%%nova_boot --count 2 --wait\n{SPEC}")
    written = terminal.getvalue()
    assert "\r" in written and "2/2" in written  # tqdm's own line, redrawn with \r
    assert written.rstrip("\n").count("\n") == 0  # one line, ended once


def test_progress_place_follows_where_the_shell_runs(shell, monkeypatch):
    from types import SimpleNamespace

    from novamagic.magics.core import progress_place

    assert progress_place(SimpleNamespace(kernel=object())) == "notebook"  # ipykernel's shell
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_place(shell) == "log"
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress_place(shell) == "terminal"
