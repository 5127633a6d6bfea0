"""``%nova class`` and ``%nova class reset`` through a real InteractiveShell, against a local
classroom cloud with several learners: the instructor's widget and table, the exercises counted,
a learner's fresh project, and every refusal in one line."""

from __future__ import annotations

import pytest

from novamagic.client import connect
from novamagic.localcloud import LocalCloud, ManualClock
from tests.magics.magic_helpers import fail, run

CLASS = [
    {"name": "learner-1", "password": "pw-one-1", "project": "class-1"},
    {"name": "learner-2", "password": "pw-two-2", "project": "class-2"},
    {"name": "learner-10", "password": "pw-ten-10", "project": "class-10"},
    {"name": "teacher", "password": "teacher-pw", "project": "staff", "roles": ["admin"]},
]
EXERCISE = """\
exercise: first-server
title: Boot web-1
requires:
  - server: web-1
    status: ACTIVE
"""


@pytest.fixture
def classroom():
    with LocalCloud(seed=11, clock=ManualClock(), users=CLASS, token_ttl=10 * 86400) as cloud:
        yield cloud


def login(nova, lc, name):
    user = next(u for u in CLASS if u["name"] == name)
    client = connect(
        auth_url=lc.auth_url, username=name, password=user["password"],
        project_name=user["project"], user_domain_name="Default", project_domain_name="Default",
        sleep=lc.clock.advance, monotonic=lc.clock.now,
    )  # fmt: skip
    nova.set_cloud(client, owned=True)
    return client


def test_the_instructor_sees_the_class_and_the_passes(shell, nova, classroom, tmp_path):
    (tmp_path / "first-server.yaml").write_text(EXERCISE)
    learner = login(nova, classroom, "learner-2")
    learner.create_server("web-1", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
    login(nova, classroom, "teacher")
    view = run(shell, f"%nova class --every 0 --exercises {tmp_path}")
    assert type(view).__name__ == "ClassView" and view.model.refresh_interval is None
    assert [row["learner"] for row in view.model.rows] == ["learner-1", "learner-2", "learner-10"]
    assert view.model.passes() == {"first-server": 1}
    html = view.model.to_html()
    assert "Exercises passed: first-server 1/3" in html and "never" in html
    assert "<NA>" not in html and "teacher" not in view.table.value
    text = repr(view)
    assert "learner-2: 1 server," in text and "passed first-server" in text

    frame = run(shell, f"%nova class --table --exercises {tmp_path}")
    assert list(frame["learner"]) == ["learner-1", "learner-2", "learner-10"]  # natural order
    assert frame.set_index("learner").loc["learner-2", "passed"] == "first-server"
    assert frame.set_index("learner").loc["learner-2", "servers"] == 1

    timed = run(shell, "%nova class --every 30")
    assert timed.model.refresh_interval == 30 and timed.auto_refresh.value
    again = run(shell, "%nova class --every 30")  # the cell run again: one timer, not two
    assert timed.model.refresh_interval is None and again.model.refresh_interval == 30
    login(nova, classroom, "learner-1")  # a new login: the view stops polling the old cloud
    assert again.model.refresh_interval is None


def test_reset_asks_first_then_gives_a_fresh_project(shell, nova, classroom):
    learner = login(nova, classroom, "learner-1")
    learner.create_server("web-1", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
    login(nova, classroom, "teacher")
    dry = run(shell, "%nova class reset learner-1")
    assert str(dry).startswith("would reset learner-1's project class-1")
    assert "1 servers" in str(dry) and "--yes" in str(dry)
    assert len(learner.servers()) == 1
    done = run(shell, "%nova class reset class-1 --yes")
    assert str(done) == "learner-1's project class-1 is fresh: removed 1 server"
    assert learner.servers() == []


@pytest.mark.parametrize(
    "line, words",
    [
        ("%nova class reset", "needs a LEARNER"),
        ("%nova class rest learner-1", "unknown action 'rest'"),
        ("%nova class reset nobody --yes", "learners: learner-1, learner-2, learner-10"),
        ("%nova class --every -1", "--every takes seconds >= 0"),
        ("%nova class --exercises /no/such/folder", "is not a folder of exercises"),
    ],
)
def test_bad_input_is_one_line(shell, nova, classroom, capsys, line, words):
    login(nova, classroom, "teacher")
    _error, seen = fail(shell, line, capsys)
    assert words in seen and "Traceback" not in seen
    said = [line for line in seen.strip().splitlines() if not line.strip().startswith("hint:")]
    assert len(said) == 1, seen  # the error, and at most its hint


def test_a_learner_gets_a_one_line_403(shell, nova, classroom, capsys):
    login(nova, classroom, "learner-1")
    for line in ("%nova class", "%nova class reset learner-2 --yes"):
        _error, seen = fail(shell, line, capsys)
        assert "Forbidden" in seen and "instructor" in seen and "Traceback" not in seen
        assert len(seen.strip().splitlines()) == 1, seen
