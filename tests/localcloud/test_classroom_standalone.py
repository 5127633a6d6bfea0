"""A workshop day on the standalone cloud, end to end: ``class new`` makes the class, the cloud
runs as a workshop runs it (a process of its own, the class's users file), each learner logs in
with their own clouds.yaml, works on the workshop's exercise (notebooks/exercises), and the
instructor sees who passed, who met an error, and gives one learner a fresh project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from novamagic.client import connect
from novamagic.client.classroom import class_status, exercise_passes, reset_learner
from novamagic.client.errors import Forbidden, NotFound
from novamagic.client.exercises import check_exercise, load_exercise
from tests.reliability.standalone import Standalone

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "notebooks" / "exercises" / "workshop-boot.yaml"
IMAGE, FLAVOR = "cirros-0.6.2-x86_64-disk", "m1.tiny"


@pytest.fixture
def workshop(tmp_path, monkeypatch):
    """(the class folder, the running cloud, connect(name) for a member of the class)."""
    made = subprocess.run(
        [sys.executable, "-m", "novamagic.localcloud", "class", "new", "--learners", "3",
         "--out", str(tmp_path / "class")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    root = tmp_path / "class"
    cloud = Standalone(root / "users.yaml", tmp_path / "cloud.log", "--speed", "50")
    clients = []

    def login(name: str):
        folder = root / ("instructor" if name == "instructor" else f"learners/{name}")
        text = (folder / "clouds.yaml").read_text()
        config = tmp_path / f"{name}-clouds.yaml"  # the learner's own file, at this cloud's port
        config.write_text(text.replace("http://127.0.0.1:8774/identity", cloud.auth_url))
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(config))
        client = connect("classroom")
        clients.append(client)
        return client

    try:
        yield root, cloud, login
    finally:
        for client in clients:
            client.close()
        cloud.stop()


def test_a_workshop_day_on_the_standalone_cloud(workshop):
    root, _cloud, login = workshop
    exercise = load_exercise(EXERCISE)
    first, second, third = (login(f"learner-0{n}") for n in (1, 2, 3))
    teacher = login("instructor")
    for name in ("web-1", "web-2"):
        first.create_server(name, IMAGE, FLAVOR, metadata={"owner": "first"}, wait=True)
    second.create_server("web-1", IMAGE, FLAVOR, metadata={"owner": "second"}, wait=True)
    with pytest.raises(NotFound):
        third.raw("GET", "/servers/web-1")  # a mistake the instructor will see

    # the learners check their own work, as %nova check does
    assert all(result.met for result in check_exercise(first, exercise))
    missing = [r for r in check_exercise(second, exercise) if not r.met]
    assert [r.detail for r in missing] == ["no server named web-2"]

    rows = {row["learner"]: row for row in class_status(teacher, [exercise])}
    assert sorted(rows) == ["learner-01", "learner-02", "learner-03"]
    assert rows["learner-01"]["passed"] == ["workshop-boot"] and rows["learner-01"]["servers"] == 2
    assert rows["learner-02"]["passed"] == [] and rows["learner-02"]["instances_used"] == 1
    assert rows["learner-03"]["errors"] == 1 and "web-1" in rows["learner-03"]["last_error"]
    assert exercise_passes(rows.values(), [exercise]) == {"workshop-boot": 1}

    # a learner cannot reach the instructor's view, nor reset a classmate
    with pytest.raises(Forbidden) as refused:
        class_status(second, [exercise])
    assert "\n" not in str(refused.value)
    with pytest.raises(Forbidden):
        reset_learner(second, "learner-01")

    result = reset_learner(teacher, "learner-01")
    assert result["removed"]["servers"] == 2
    assert first.servers() == []  # still logged in, on a fresh project
    assert not all(result.met for result in check_exercise(first, exercise))
    assert (root / "handout.html").read_text().count('class="card"') == 3
