"""``%nova check EXERCISE`` (issue 15) through a real InteractiveShell on the local cloud."""

from __future__ import annotations

import shutil
from pathlib import Path

from magic_helpers import IMAGE, fail, run

EXERCISES = Path(__file__).resolve().parents[2] / "notebooks" / "exercises"


def shown(shell, result) -> str:
    """What the notebook shows for ``result`` as text."""
    data, _ = shell.display_formatter.format(result)
    return data["text/plain"]


def test_check_by_name_from_exercises_beside_the_notebook(shell, cloud, clean_env):
    shutil.copytree(EXERCISES, clean_env / "exercises")  # the kernel's directory: the notebook's
    result = run(shell, "%nova check workshop-boot")
    assert not result.passed and result.met == 0
    assert shown(shell, result).splitlines() == [
        "workshop-boot: Boot two web servers with the form, each with an owner",
        "\u2718 server web-1 is ACTIVE with metadata owner: no server named web-1",
        "\u2718 server web-2 is ACTIVE with metadata owner: no server named web-2",
        "0 of 2 met",
    ]
    run(shell, f"%%nova_boot --count 2 --wait\nname: web-{{n}}\nimage: {IMAGE}\nflavor: m1.tiny\n")
    half = run(shell, "%nova check workshop-boot")
    assert shown(shell, half).splitlines()[1:] == [
        "\u2718 server web-1 is ACTIVE with metadata owner: web-1 has no metadata owner",
        "\u2718 server web-2 is ACTIVE with metadata owner: web-2 has no metadata owner",
        "0 of 2 met",
    ]
    run(shell, "%nova meta set web-1 owner=me")
    assert shown(shell, run(shell, "%nova check workshop-boot")).endswith("1 of 2 met")
    run(shell, "%nova meta set web-2 owner=me")
    passed = run(shell, "%nova check workshop-boot -o outcome")
    assert passed.passed and shown(shell, passed).splitlines()[-1] == "passed"
    assert shell.user_ns["outcome"] is passed
    html = passed._repr_html_()
    assert html.count("&#10004;") == 2 and "passed" in html
    frame = passed.to_frame()
    assert list(frame.columns) == ["requirement", "met", "detail"] and frame["met"].all()


def test_check_a_file_or_a_name_in_the_configured_folder(shell, cloud, clean_env):
    folder = clean_env / "elsewhere"
    folder.mkdir()
    (folder / "keys.yaml").write_text("exercise: keys\nrequires:\n  - keypair: mykey\n")
    run(shell, f"%config NovaMagics.exercises_dir = '{folder}'")
    assert shown(shell, run(shell, "%nova check keys")).splitlines() == [
        "keys",
        "\u2718 key pair mykey exists: no key pair named mykey",
        "0 of 1 met",
    ]
    cloud.create_keypair("mykey")
    assert run(shell, f"%nova check {folder / 'keys.yaml'}").passed
    reach = EXERCISES / "workshop-reach.yaml"
    assert not run(shell, f"%nova check {reach}").passed


def test_bad_exercises_fail_the_cell_in_one_line(shell, cloud, clean_env, capsys):
    error, seen = fail(shell, "%nova check nothing-like-it", capsys)
    assert type(error).__name__ == "ExerciseError" and "Traceback" not in seen
    assert seen.startswith("ExerciseError: no exercise 'nothing-like-it'")
    (clean_env / "exercises").mkdir()
    (clean_env / "exercises" / "typo.yaml").write_text(
        "exercise: typo\nrequires:\n  - server: web-1\n    flavour: m1.small\n"
    )
    error, seen = fail(shell, "%nova check typo", capsys)
    line = seen.strip().splitlines()[0]
    assert line.startswith("ExerciseError: ") and "typo.yaml, line 4, key 'flavour'" in line
    assert "allowed: status, flavor, image, metadata" in line and "Traceback" not in seen
    error, seen = fail(shell, "%nova check", capsys)
    assert "the following arguments are required: exercise" in seen


def test_check_needs_a_login_only_once_the_file_is_good(shell, clean_env, capsys):
    shutil.copytree(EXERCISES, clean_env / "exercises")
    error, seen = fail(shell, "%nova check workshop-reac", capsys)
    assert "workshop-boot, workshop-reach, workshop-resize" in seen  # what there is
    error, seen = fail(shell, "%nova check workshop-reach", capsys)
    assert "not logged in" in seen.lower() and "Traceback" not in seen
