"""Diagnosing a server: ``console`` (its console log, the last N lines with ``--lines``) and
``events`` (what was asked of it and how each step ended; an ERROR server's fault itself is in
``%nova show`` and the servers frame's ``fault``)."""

from __future__ import annotations

from novamagic.magics.commands.common import SERVER, load_frames
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import Text, mark_frame


@subcommand(
    "console",
    "a server's console output (--lines N: the last N lines)",
    arg("server"),
    arg("--lines", type=int, metavar="N", help="only the last N lines"),
    completes=SERVER,
)
def console(nova, args):
    return Text(nova.cloud.console_output(args.server, length=args.lines))


@subcommand(
    "events",
    "a server's instance actions and their events (what happened, and how it ended)",
    arg("server"),
    arg("--actions", action="store_true", help="one row per action, without events"),
    completes=SERVER,
)
def events(nova, args):
    frames = load_frames()
    if args.actions:
        return mark_frame(frames.actions_frame(nova.cloud.server_actions(args.server)), "actions")
    found = nova.cloud.server_actions(args.server, events=True)
    return mark_frame(frames.events_frame(found), "events")
