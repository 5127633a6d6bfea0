"""The instructor's view through the client, against a local classroom cloud with several
learners: each learner's row (servers, quota use, activity, errors, exercises passed), the passes
per exercise, a learner's fresh project, and a learner refused in one line."""

from __future__ import annotations

import pytest

from novamagic.client import connect
from novamagic.client.classroom import class_status, exercise_passes, find_learner, reset_learner
from novamagic.client.errors import Forbidden, NotFound
from novamagic.client.exercises import load_exercise
from novamagic.localcloud import LocalCloud
from tests.client.conftest import now_clock

CLASS = [
    {"name": "alice", "password": "alice-pw-1", "project": "class-1"},
    {"name": "bob", "password": "bob-pw-2", "project": "class-2"},
    {"name": "carol", "password": "carol-pw-3", "project": "class-3"},
    {"name": "teacher", "password": "teacher-pw", "project": "staff", "roles": ["admin"]},
]
FIRST_SERVER = """\
exercise: first-server
title: Boot your first web server
requires:
  - server: web-1
    status: ACTIVE
    flavor: m1.small
    metadata: [owner]
"""
KEYPAIR = """\
exercise: a-key
title: Make a key pair
requires:
  - keypair: mykey
"""


@pytest.fixture(scope="module")
def classroom():
    with LocalCloud(seed=5, clock=now_clock(), users=CLASS, token_ttl=86400) as cloud:
        yield cloud


def login(lc, name: str):
    user = next(u for u in CLASS if u["name"] == name)
    return connect(
        auth_url=lc.auth_url, username=name, password=user["password"],
        project_name=user["project"], user_domain_name="Default", project_domain_name="Default",
        sleep=lc.clock.advance, monotonic=lc.clock.now,
    )  # fmt: skip


def test_the_instructor_sees_each_learner_and_the_passes(classroom):
    exercises = [load_exercise(FIRST_SERVER), load_exercise(KEYPAIR)]
    alice, bob, teacher = (login(classroom, n) for n in ("alice", "bob", "teacher"))
    alice.create_server("web-1", "cirros-0.6.2-x86_64-disk", "m1.small",
                        metadata={"owner": "alice"}, wait=True)  # fmt: skip
    alice.create_keypair("mykey")
    bob.create_server("web-1", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
    with pytest.raises(NotFound):  # the cloud's own 404, which the learner saw
        bob.raw("GET", "/servers/web-9")

    rows = {row["learner"]: row for row in class_status(teacher, exercises)}
    assert list(rows) == ["alice", "bob", "carol"]  # the instructor is not a learner
    a, b, c = rows["alice"], rows["bob"], rows["carol"]
    assert a["project"] == "class-1" and a["servers"] == 1 and a["states"] == {"ACTIVE": 1}
    assert a["passed"] == ["first-server", "a-key"]
    assert a["instances_used"] == 1 and a["instances_limit"] == 10
    assert a["cores_used"] == 1 and a["ram_used"] == 2048
    assert a["errors"] == 0 and a["last_error"] is None
    assert a["requests"] > 0 and a["idle_seconds"] >= 0 and a["last_request"]
    assert b["passed"] == [] and b["errors"] == 1
    assert "web-9" in b["last_error"]
    assert c["servers"] == 0 and c["requests"] == 0 and c["idle_seconds"] is None
    assert exercise_passes(rows.values(), exercises) == {"first-server": 1, "a-key": 1}
    # errors older than the window are history
    quiet = {r["learner"]: r for r in class_status(teacher, error_window=0.0)}
    assert quiet["bob"]["errors"] == 0


def test_a_learner_asking_for_the_class_gets_a_one_line_403(classroom):
    alice = login(classroom, "alice")
    with pytest.raises(Forbidden) as refused:
        class_status(alice)
    assert "instructor" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(Forbidden):
        reset_learner(alice, "bob")


def test_reset_gives_one_learner_a_fresh_project(classroom):
    carol, teacher = login(classroom, "carol"), login(classroom, "teacher")
    carol.create_server("c-1", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
    carol.create_keypair("k")
    others = {r["learner"]: r["servers"] for r in class_status(teacher)}
    result = reset_learner(teacher, "class-3")  # by project name too
    assert result["learner"] == "carol" and result["removed"]["servers"] == 1
    assert result["removed"]["keypairs"] == 1
    assert carol.servers() == [] and carol.keypairs() == []  # still logged in
    after = {r["learner"]: r["servers"] for r in class_status(teacher)}
    assert after == {**others, "carol": 0}
    with pytest.raises(NotFound) as missing:
        find_learner(teacher, "dave")
    assert "alice, bob, carol" in missing.value.hint
