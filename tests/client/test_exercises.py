"""Exercises that check themselves (issue 15): the workshop's exercise files solved through the
client and passing, unsolved ones failing with what is missing, an admin checking a learner's
project, and every malformed file refused with its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from novamagic.client import (
    Exercise,
    ExerciseError,
    Forbidden,
    RequirementResult,
    check_exercise,
    connect,
    find_exercise,
    load_exercise,
    load_exercises,
)
from tests.client.conftest import LOCAL_IMAGE, now_clock

EXERCISES = Path(__file__).resolve().parents[2] / "notebooks" / "exercises"
SHIPPED = sorted(EXERCISES.glob("*.yaml"))

FULL = """\
exercise: first-server
title: Boot your first web server
requires:
  - server: web-1
    status: ACTIVE
    flavor: m1.small
    metadata: [owner]
  - snapshot_of: web-1
  - floating_ip_on: web-1
  - keypair: mykey
  - volume_attached_to: web-1
"""


def solve(cloud, name: str) -> None:
    """Do what the workshop's exercise ``name`` asks, as a learner would (notebook 09)."""
    if name in ("workshop-boot", "workshop-resize", "workshop-reach"):
        for server in ("web-1", "web-2"):
            cloud.create_server(
                server, LOCAL_IMAGE, "m1.tiny", metadata={"owner": "workshop"}, wait=True
            )
    if name == "workshop-resize":
        cloud.resize("web-1", "m1.small", finish="confirm")
        cloud.resize("web-2", "m1.medium", finish="revert")
    if name == "workshop-reach":
        cloud.attach_floating_ip("web-1")


def test_the_workshop_ships_its_exercises_and_each_loads():
    assert [p.stem for p in SHIPPED] == ["workshop-boot", "workshop-reach", "workshop-resize"]
    exercises = load_exercises(EXERCISES)
    assert [e.name for e in exercises] == [p.stem for p in SHIPPED]  # name = file name
    assert all(isinstance(e, Exercise) and e.title and e.requirements for e in exercises)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_exercise_fails_unsolved_and_passes_solved(local, cloud, path):
    exercise = load_exercise(path)
    unsolved = check_exercise(cloud, exercise)
    assert all(isinstance(r, RequirementResult) for r in unsolved)
    assert not any(r.met for r in unsolved)
    assert {r.detail for r in unsolved} <= {"no server named web-1", "no server named web-2"}
    solve(cloud, exercise.name)
    solved = check_exercise(cloud, exercise)
    assert [r.met for r in solved] == [True] * len(exercise.requirements), solved
    assert [r.requirement for r in solved] == [r.requirement for r in unsolved]


def test_a_half_done_exercise_says_what_is_missing_and_never_how(local, cloud):
    exercise = load_exercise(FULL)
    cloud.create_server("web-1", LOCAL_IMAGE, "m1.tiny", wait=True)
    cloud.stop_server("web-1")
    cloud.wait("web-1", "SHUTOFF")
    results = check_exercise(cloud, exercise)
    assert [(r.requirement, r.met, r.detail) for r in results] == [
        (
            "server web-1 is ACTIVE on m1.small with metadata owner",
            False,
            "web-1 is SHUTOFF; web-1 runs on m1.tiny; web-1 has no metadata owner",
        ),
        ("a snapshot of web-1 is ACTIVE", False, "no image is a snapshot of web-1"),
        ("web-1 has a floating IP", False, "web-1 has no floating IP"),
        ("key pair mykey exists", False, "no key pair named mykey"),
        ("a volume is attached to web-1", False, "no volume is attached to web-1"),
    ]
    said = " ".join(f"{r.requirement} {r.detail}" for r in results).lower()
    for command in ("%nova", "resize", "openstack ", "create_", "createimage", "--"):
        assert command not in said
    # A server whose name differs only by case is pointed at, not taken for the one asked.
    assert check_exercise(cloud, load_exercise(FULL.replace("web-1", "Web-1")))[0].detail == (
        "no server named Web-1 (there is web-1)"
    )


def test_the_full_schema_passes_once_solved(local, cloud):
    exercise = load_exercise(FULL)
    cloud.create_server("web-1", LOCAL_IMAGE, "m1.tiny", metadata={"owner": "me"}, wait=True)
    cloud.resize("web-1", "m1.small", finish="confirm")
    cloud.create_keypair("mykey")
    cloud.create_image("web-1", "web-1-snap")
    snapshot = check_exercise(cloud, exercise)[1]
    assert not snapshot.met and snapshot.detail == "the snapshot web-1-snap is SAVING"
    local.clock.advance(60)
    cloud.attach_floating_ip("web-1")
    cloud.create_volume("data", 1, wait=True)
    cloud.attach_volume("web-1", "data", wait=True)
    results = check_exercise(cloud, exercise)
    assert all(r.met for r in results), results
    assert results[1].detail == "web-1-snap is ACTIVE"
    assert results[4].detail == "data is attached at /dev/vdb"
    cloud.delete_keypair("mykey")


def test_an_admin_checks_a_learners_project_and_a_learner_cannot(localcloud_factory):
    users = [
        {"name": "alice", "password": "alice-pw", "project": "alice"},
        {"name": "bob", "password": "bob-pw", "project": "bob"},
        {"name": "teacher", "password": "teacher-pw", "project": "staff", "roles": ["admin"]},
    ]
    lc = localcloud_factory(clock=now_clock(), users=users)

    def login(name):
        return connect(
            auth_url=lc.auth_url,
            username=name,
            password=f"{name}-pw",
            project_name="staff" if name == "teacher" else name,
            user_domain_name="Default",
            project_domain_name="Default",
            sleep=lc.clock.advance,
            monotonic=lc.clock.now,
        )

    alice, bob, teacher = login("alice"), login("bob"), login("teacher")
    exercise = load_exercise(FULL)
    alice.create_server("web-1", LOCAL_IMAGE, "m1.small", metadata={"owner": "a"}, wait=True)
    alice.create_keypair("mykey")
    alice.create_image("web-1", "snap")
    lc.clock.advance(60)
    alice.attach_floating_ip("web-1")
    alice.create_volume("data", 1, wait=True)
    alice.attach_volume("web-1", "data", wait=True)
    bob.create_server("web-1", LOCAL_IMAGE, "m1.tiny", wait=True)  # the same name elsewhere

    alice_project = alice.whoami()["project_id"]
    bob_project = bob.whoami()["project_id"]
    assert all(r.met for r in check_exercise(teacher, exercise, project_id=alice_project))
    for_bob = check_exercise(teacher, exercise, project_id=bob_project)
    assert [r.met for r in for_bob] == [False] * 5
    assert for_bob[0].detail == "web-1 runs on m1.tiny; web-1 has no metadata owner"
    assert for_bob[3].detail == "no key pair named mykey"  # alice's key pair is not bob's
    # The teacher's own project holds nothing; a learner cannot look at another's.
    assert not any(r.met for r in check_exercise(teacher, exercise))
    with pytest.raises(Forbidden, match="admin role"):
        check_exercise(bob, exercise, project_id=alice_project)
    assert all(r.met for r in check_exercise(alice, exercise, project_id=alice_project))


MALFORMED = [
    # (YAML, line, key, words the message must hold)
    ("exercise: x\nrequires:\n  - server: web-1\n    flavour: m1.small\n", 4, "flavour",
     "allowed: status, flavor, image, metadata"),
    ("exercise: x\nrequires:\n  - servr: web-1\n", 3, "servr",
     "server, snapshot_of, floating_ip_on, keypair, volume_attached_to"),
    ("exercise: x\nrequires:\n  - server: web-1\n    status: running\n", 4, "status",
     "allowed: ACTIVE"),
    ("exercise: x\nrequires:\n  - server: web-1\n    metadata: {owner: 1}\n", 4, "owner",
     "must be text"),
    ("exercise: x\nrequires:\n  - server: web-1\n    metadata: owner\n", 4, "metadata",
     "a list of keys"),
    ("exercise: x\nrequires:\n  - server: web-1\n    keypair: k\n", 4, "keypair",
     "a requirement has one kind"),
    ("exercise: x\nrequires:\n  - server:\n", 3, "server", "a resource name"),
    ("exercise: x\nrequires:\n  - floating_ip_on: web-1\n    status: ACTIVE\n", 4, "status",
     "allowed: no other key"),
    ("exercise: x\nrequires: []\n", 2, "requires", "a list of requirements"),
    ("exercise: x\nrequires:\n  - web-1\n", 3, "requires", "a mapping"),
    ("exercise: x\ntitle: t\ntitle: u\nrequires:\n  - keypair: k\n", 3, "title",
     "given twice in an exercise (first on line 2)"),
    ("exercise: x\nrequirements:\n  - keypair: k\n", 2, "requirements",
     "allowed: exercise, title, description, requires"),
    ("title: t\nrequires:\n  - keypair: k\n", 1, "exercise", "missing"),
    ("exercise: [x\nrequires: []\n", 2, None, "not valid YAML"),
    ("- just\n- a list\n", 1, None, "an exercise must be a mapping"),
]  # fmt: skip


@pytest.mark.parametrize("text,line,key,words", MALFORMED)
def test_a_malformed_exercise_names_the_file_line_and_key(tmp_path, text, line, key, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ExerciseError) as caught:
        load_exercise(path)
    error = caught.value
    message = str(error)
    assert (error.line, error.key, error.source) == (line, key, str(path))
    assert message.startswith(f"{path}, line {line}" + (f", key {key!r}: " if key else ": "))
    assert words in message and "\n" not in message
    with pytest.raises(ExerciseError, match=f"<exercise text>, line {line}"):
        load_exercise(text if "\n" in text else text + "\n")


def test_unreadable_empty_and_unknown_exercises(tmp_path):
    with pytest.raises(ExerciseError, match="cannot read exercise file .*missing.yaml"):
        load_exercise(tmp_path / "missing.yaml")
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    with pytest.raises(ExerciseError, match="empty; an exercise has the keys exercise"):
        load_exercise(tmp_path / "empty.yaml")
    # Aliases never expand: the reader walks only what the schema allows, and stops there.
    levels = "".join(
        f"  - server: s{c}\n    metadata: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    bomb = "exercise: x\nrequires:\n  - server: sa\n    metadata: &a [k, k, k]\n" + levels
    (tmp_path / "bomb.yaml").write_text(bomb)
    with pytest.raises(ExerciseError, match="key 'metadata': must be a key name"):
        load_exercise(tmp_path / "bomb.yaml")
    (tmp_path / "huge.yaml").write_text("exercise: x\n" + "# padding\n" * 10_000)
    with pytest.raises(ExerciseError, match="too large for an exercise"):
        load_exercise(tmp_path / "huge.yaml")
    with pytest.raises(TypeError):
        load_exercise(42)


def test_find_an_exercise_by_file_or_name(tmp_path):
    assert find_exercise(SHIPPED[0]) == SHIPPED[0]
    assert (
        find_exercise("workshop-reach", [tmp_path, EXERCISES]) == EXERCISES / "workshop-reach.yaml"
    )
    with pytest.raises(ExerciseError) as caught:
        find_exercise("workshop-rech", [EXERCISES])
    assert "no exercise 'workshop-rech'" in str(caught.value)
    assert "workshop-boot, workshop-reach, workshop-resize" in str(caught.value)
