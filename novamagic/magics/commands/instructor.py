"""The instructor's side of a class: ``%nova class`` (a live table of the learners) and
``%nova class reset LEARNER --yes`` (a learner's fresh project). Both need an admin's login on a
novamagic classroom cloud; a learner gets the cloud's 403 in one line."""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.commands.classroom import exercise_folders
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import Message

__all__ = ["class_command"]

KINDS = {
    "servers": "server", "images": "image", "volumes": "volume",
    "volume_snapshots": "volume snapshot", "keypairs": "key pair",
    "floating_ips": "floating IP", "security_groups": "security group", "ports": "port",
    "networks": "network", "server_groups": "server group",
}  # fmt: skip


def _exercises(nova, folder):
    """The exercises to count: every YAML of ``--exercises DIR``, else of the first exercise
    folder (``%config NovaMagics.exercises_dir``, ``exercises/`` beside the notebook) found."""
    from pathlib import Path

    from novamagic.client.exercises import load_exercises

    if folder:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise UsageError(f"%nova class --exercises: {folder} is not a folder of exercises")
        return load_exercises(path)
    for path in exercise_folders(nova):
        if path.is_dir():
            return load_exercises(path)
    return []


def _removed_text(removed: dict) -> str:
    parts = [
        f"{count} {KINDS.get(kind, kind)}{'' if count == 1 else 's'}"
        for kind, count in removed.items()
        if count
    ]
    return ", ".join(parts) or "nothing (it was already fresh)"


@subcommand(
    "class",
    "the instructor's live view of the learners; `class reset LEARNER --yes` (admin, widget)",
    arg("action", nargs="?", help="reset: give LEARNER a fresh project"),
    arg("learner", nargs="?", help="with reset: a learner's user name or project"),
    arg("--every", type=float, default=10.0, metavar="SECONDS",
        help="refresh every SECONDS (default 10; 0: only on Refresh)"),
    arg("--exercises", metavar="DIR", help="count passes of the exercises in DIR"),
    arg("--window", type=float, default=10.0, metavar="MINUTES",
        help="errors of the last MINUTES (default 10)"),
    arg("--table", action="store_true", help="the table as a DataFrame, not the widget"),
    arg("--yes", action="store_true", help="with reset: really do it"),
    description=(
        "The instructor's view of a classroom cloud (python -m novamagic.localcloud): one row "
        "per learner with their servers and states, quota use, last activity, the errors they "
        "met in the last minutes and the exercises they pass, refreshing itself. `%nova class "
        "reset LEARNER --yes` deletes everything in that learner's project (they stay logged "
        "in). Needs an admin's login."
    ),
)  # fmt: skip
def class_command(nova, args):
    if args.action is None:
        if args.learner is not None:
            raise UsageError("%nova class takes no learner; did you mean `class reset LEARNER`?")
        return _view(nova, args)
    if args.action != "reset":
        raise UsageError(
            f"%nova class: unknown action {args.action!r}; use `%nova class` for the view or "
            "`%nova class reset LEARNER --yes`"
        )
    if not args.learner:
        raise UsageError("%nova class reset needs a LEARNER: a user name or project name")
    return _reset(nova, args)


def _view(nova, args):
    if args.every < 0 or args.window <= 0:
        raise UsageError(
            "%nova class: --every takes seconds >= 0 (0: no timer), --window minutes > 0"
        )
    exercises = _exercises(nova, args.exercises)
    if args.table:
        from novamagic.client.classroom import class_status
        from novamagic.frames.classroom import class_frame

        return class_frame(class_status(nova.cloud, exercises, error_window=args.window * 60))
    from novamagic.widgets.classroom import class_view

    view = class_view(
        nova.cloud, exercises, every=args.every or None, error_window=args.window * 60
    )
    # One timer per kernel: a re-run cell's old view stops polling the cloud (it stays shown).
    previous, nova.class_view = nova.class_view, view
    if previous is not None:
        previous.model.stop_auto_refresh()
    return view


def _reset(nova, args):
    from novamagic.client.classroom import find_learner, reset_learner

    if not args.yes:
        learner = find_learner(nova.cloud, args.learner)
        servers = nova.cloud.servers(all_projects=True, tenant_id=learner["project_id"])
        return Message(
            f"would reset {learner['name']}'s project {learner['project']}: everything in it "
            f"deleted ({len(servers)} servers among it); run `%nova class reset "
            f"{learner['name']} --yes` to do it"
        )
    result = reset_learner(nova.cloud, args.learner)  # finds the learner itself: one roster read
    nova.forget_names()
    return Message(
        f"{result['learner']}'s project {result['project']} is fresh: removed "
        f"{_removed_text(result['removed'])}",
        data=result,
    )
