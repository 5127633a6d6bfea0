"""``python -m novamagic.localcloud class new`` (issue 15): the files a class needs, a standalone
cloud started with its users file, every learner logging in with its own clouds.yaml, and bad
input refused in one line before anything is written."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from novamagic.localcloud import classkit

PASSWORD = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


def kit(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "novamagic.localcloud", "class", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_class_of_numbered_learners_is_written_with_private_files(tmp_path, capsys):
    assert classkit.main(["new", "--learners", "3", "--out", str(tmp_path / "class")]) == 0
    out = capsys.readouterr().out
    root = tmp_path / "class"
    learners = ["learner-01", "learner-02", "learner-03"]
    assert sorted(p.name for p in (root / "learners").iterdir()) == learners
    assert "3 learner(s)" in out and str(root / "users.yaml") in out
    users = yaml.safe_load((root / "users.yaml").read_text())["users"]
    assert [u["name"] for u in users] == ["instructor", *learners]
    assert users[0]["roles"] == ["admin", "member"] and users[1]["roles"] == ["member"]
    assert [u["project"] for u in users[1:]] == learners  # a project each
    passwords = [u["password"] for u in users]
    assert all(PASSWORD.fullmatch(p) for p in passwords) and len(set(passwords)) == 4
    assert not PASSWORD.search(out)  # paths and counts only

    secret_files = [root / "users.yaml", root / "instructor" / "clouds.yaml", root / "handout.html"]
    for name in learners:
        secret_files += [
            root / "learners" / name / "clouds.yaml",
            root / "learners" / name / "learner.sh",
        ]
    assert all(mode(p) == 0o600 for p in secret_files), {p: oct(mode(p)) for p in secret_files}
    manifest = json.loads((root / "class.json").read_text())
    assert not PASSWORD.search((root / "class.json").read_text())
    assert sorted(manifest["files"]) == sorted(str(p.relative_to(root)) for p in secret_files)

    clouds = yaml.safe_load((root / "learners" / "learner-02" / "clouds.yaml").read_text())
    auth = clouds["clouds"]["classroom"]["auth"]
    assert auth == {
        "auth_url": "http://127.0.0.1:8774/identity",
        "username": "learner-02",
        "password": users[2]["password"],
        "project_name": "learner-02",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    snippet = (root / "learners" / "learner-02" / "learner.sh").read_text()
    assert f"export OS_PASSWORD={users[2]['password']}\n" in snippet
    assert "export OS_PROJECT_NAME=learner-02\n" in snippet
    shell = subprocess.run(
        ["sh", "-c", f". '{root}/learners/learner-02/learner.sh' && echo $OS_USERNAME"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == "learner-02\n"


def test_the_handout_has_one_self_contained_card_per_learner(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("# workshop, Tuesday\nada\n\ngrace  # the late one\nlinus\n")
    out = tmp_path / "ws"
    assert classkit.main(["new", "--names", str(names), "--out", str(out), "--auth-url",
                          "https://cloud.example.org:5000/identity/"]) == 0  # fmt: skip
    html = (out / "handout.html").read_text()
    users = yaml.safe_load((out / "users.yaml").read_text())["users"]
    cards = re.findall(r'<section class="card">(.*?)</section>', html, re.S)
    assert len(cards) == 3  # learners only: the instructor's password is not handed out
    for card, user in zip(cards, users[1:], strict=True):
        assert f"<h2>{user['name']}</h2>" in card and user["password"] in card
        assert "https://cloud.example.org:5000/identity" in card  # trailing slash dropped
        assert "%nova login classroom" in card
        assert f"--user {user['name']} --project {user['project']}" in card
    assert users[0]["password"] not in html
    assert "break-inside: avoid" in html and "@media print" in html
    # Self-contained: nothing is fetched, nothing links out.
    for external in ("<link", "<script", "<img", "src=", "href=", "url(", "@import"):
        assert external not in html
    assert (
        re.findall(r"https?://[^\s<\"']+", html) == ["https://cloud.example.org:5000/identity"] * 6
    )


def test_a_standalone_cloud_takes_the_users_file_and_each_learner_logs_in(tmp_path, monkeypatch):
    root = tmp_path / "class"
    made = kit("new", "--learners", "3", "--out", str(root), "--auth-url",
               "http://127.0.0.1:1/identity", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "novamagic.localcloud", "--port", "0", "--seed", "1",
         "--manual-clock", "--users", str(root / "users.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        auth_url = next(x.split(": ", 1)[1].strip() for x in lines if x.startswith("auth URL:"))
        assert "learner-03" in "".join(lines)
        from novamagic.client import connect

        for folder in sorted((root / "learners").iterdir()) + [root / "instructor"]:
            # The learner's own file, pointed at where this test's cloud listens.
            text = (
                (folder / "clouds.yaml")
                .read_text()
                .replace("http://127.0.0.1:1/identity", auth_url)
            )
            config = tmp_path / f"{folder.name}-clouds.yaml"
            config.write_text(text)
            monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(config))
            cloud = connect("classroom")
            try:
                who = cloud.whoami()
                assert (who["username"], who["project_name"]) == (folder.name, folder.name)
                assert cloud.servers() == []
            finally:
                cloud.close()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


BAD = [
    (["--learners", "0"], "--learners 0 is out of range; allowed: 1 to 200"),
    (["--learners", "201"], "out of range"),
    (["--learners", "many"], "invalid int value"),
    ([], "one of the arguments --learners --names is required"),
    (["--learners", "2", "--names", "names.txt"], "not allowed with argument"),
    (["--learners", "2", "--prefix", "a b"], "--prefix: 'a b' is not a valid learner name"),
    (["--learners", "2", "--auth-url", "localhost:8774"], "is not a URL"),
    (["--names", "missing.txt"], "cannot read names file missing.txt"),
]


@pytest.mark.parametrize(
    "names,expected",
    [
        ("ada\nAda\n", "learner name 'Ada' clashes with learner 'ada' (names are compared ignoring case)"),
        ("ada\nINSTRUCTOR\n", "clashes with the instructor account 'instructor'"),
        ("ada\ngrace hopper\n", "line 2: 'grace hopper' is not a valid learner name; allowed: letters"),
        ("ada\nzoë\n", "'zoë' is not a valid learner name"),
        ("ada\n../etc\n", "'../etc' is not a valid learner name"),
        ("# nobody yet\n\n", "holds no names"),
    ],
)  # fmt: skip
def test_a_bad_names_file_is_refused_before_anything_is_written(tmp_path, names, expected):
    (tmp_path / "names.txt").write_text(names, encoding="utf-8")
    result = kit("new", "--names", "names.txt", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.txt"]  # nothing written


@pytest.mark.parametrize("argv,expected", BAD)
def test_bad_arguments_are_refused_in_one_line_before_anything_is_written(tmp_path, argv, expected):
    result = kit("new", *argv, cwd=tmp_path)
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_previous_class_is_kept_unless_forced(tmp_path):
    assert kit("new", "--learners", "3", cwd=tmp_path).returncode == 0
    first = (tmp_path / "class" / "users.yaml").read_text()
    (tmp_path / "class" / "notes.md").write_text("the instructor's own notes")
    again = kit("new", "--learners", "2", cwd=tmp_path)
    assert again.returncode == 2 and "already holds a class" in again.stderr
    assert "--force" in again.stderr and len(again.stderr.splitlines()) == 1
    assert (tmp_path / "class" / "users.yaml").read_text() == first  # untouched

    forced = kit("new", "--learners", "2", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    root = tmp_path / "class"
    assert sorted(p.name for p in (root / "learners").iterdir()) == ["learner-01", "learner-02"]
    assert (root / "users.yaml").read_text() != first
    assert (root / "notes.md").read_text() == "the instructor's own notes"  # not the kit's

    (tmp_path / "afile").write_text("x")
    result = kit("new", "--learners", "2", "--out", "afile", cwd=tmp_path)
    assert result.returncode == 2 and "is a file" in result.stderr


def test_the_top_level_command_dispatches_class(tmp_path, capsys, monkeypatch):
    from novamagic.localcloud.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["novamagic-localcloud", "class", "new", "--learners", "1"])
    assert main() == 0  # argv=None: the console script's sys.argv
    assert (tmp_path / "class" / "learners" / "learner-01" / "clouds.yaml").is_file()
    assert repr(classkit.plan_class(["ada"])[1]) == "Learner('ada', project='ada')"
