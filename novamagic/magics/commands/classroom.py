"""The classroom: ``check`` (does your project meet an exercise? one line per requirement)."""

from __future__ import annotations

from pathlib import Path

from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import ExerciseCheck

#: Where a notebook's path may be found in the kernel (JupyterLab's session, VS Code's).
_NOTEBOOK_PATH_NAMES = ("__session__", "__vsc_ipynb_file__")


def exercise_folders(nova) -> list[Path]:
    """Where ``%nova check NAME`` looks for NAME.yaml, in order: ``NovaMagics.exercises_dir``,
    ``exercises/`` beside the notebook, ``exercises/`` in the working directory."""
    folders = []
    if nova.exercises_dir:
        folders.append(Path(nova.exercises_dir).expanduser())
    namespace = nova.shell.user_ns if nova.shell is not None else {}
    for name in _NOTEBOOK_PATH_NAMES:
        value = namespace.get(name)
        if isinstance(value, str) and value.endswith(".ipynb") and Path(value).is_file():
            folders.append(Path(value).parent / "exercises")
    folders.append(Path.cwd() / "exercises")
    return list(dict.fromkeys(folders))


@subcommand(
    "check",
    "check an exercise against your project: each requirement met or missing",
    arg(
        "exercise",
        help="an exercise file, or NAME for NAME.yaml in NovaMagics.exercises_dir or exercises/",
    ),
    description=(
        "Check an exercise (a YAML file of what your project must hold) against the cloud: one "
        "line per requirement, \u2714 met or \u2718 with what is missing, then 'passed' or "
        "'N of M met'. EXERCISE is a file, or a name looked up as NAME.yaml in "
        "%config NovaMagics.exercises_dir, then in exercises/ beside the notebook. Only reads."
    ),
)
def check(nova, args):
    from novamagic.client import check_exercise, find_exercise, load_exercise

    # The file first: a typo in its name or its YAML is said before any login is needed.
    exercise = load_exercise(find_exercise(args.exercise, exercise_folders(nova)))
    results = check_exercise(nova.cloud, exercise)
    title = (
        exercise.name if exercise.title == exercise.name else f"{exercise.name}: {exercise.title}"
    )
    return ExerciseCheck(title, results)
