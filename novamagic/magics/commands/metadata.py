"""``%nova meta`` and ``%nova image-meta``: one handler for both, over the client's
``MetadataAPI`` (list | get | set | set-item | update | delete); ``set-item`` is the book's
``PUT /servers/ID/metadata/KEY``: one key set, the others kept."""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.commands.common import load_frames
from novamagic.magics.parsing import parse_pairs
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    Message,
    mark_frame,
)

_META_ACTIONS = ("list", "get", "set", "set-item", "update", "delete")


def _metadata(nova, api, args, kind: str):
    if args.action == "list" and args.items:
        raise UsageError(f"%nova {kind} list takes no KEY or KEY=VALUE")
    if args.action in ("get", "delete") and len(args.items) != 1:
        raise UsageError(f"%nova {kind} {args.action} needs exactly one KEY")
    if args.action == "update" and not args.items:  # "set" with none clears them all
        raise UsageError(f"%nova {kind} update needs KEY=VALUE pairs")
    if args.action == "set-item" and (len(args.items) != 1 or "=" not in args.items[0]):
        raise UsageError(f"%nova {kind} set-item needs exactly one KEY=VALUE")
    frames = load_frames()
    if args.action == "list":
        return mark_frame(frames.metadata_frame(api.get(args.ref)), "metadata")
    if args.action == "get":
        return api.get_item(args.ref, args.items[0])
    if args.action == "delete":
        api.delete_item(args.ref, args.items[0])
        return Message(f"deleted metadata {args.items[0]!r} of {args.ref}")
    pairs = parse_pairs(args.items)
    if args.action == "set-item":
        ((key, value),) = pairs.items()
        return mark_frame(frames.metadata_frame(api.set_item(args.ref, key, value)), "metadata")
    call = api.set if args.action == "set" else api.update
    return mark_frame(frames.metadata_frame(call(args.ref, pairs)), "metadata")


_META_ARGS = (
    arg(
        "action",
        choices=_META_ACTIONS,
        help="list | get KEY | set K=V... (replaces all) | set-item K=V (one key) | "
        "update K=V... (merges) | delete KEY",
    ),
    arg("ref", metavar="NAME_OR_ID"),
    arg("items", nargs="*", metavar="KEY or KEY=VALUE"),
)


@subcommand(
    "meta",
    "server metadata: list, get, set (replace), set-item, update (merge), delete",
    *_META_ARGS,
    completes={"ref": "server"},
)
def meta(nova, args):
    return _metadata(nova, nova.cloud.server_metadata, args, "meta")


@subcommand(
    "image-meta",
    "image metadata: list, get, set (replace), set-item, update (merge), delete",
    *_META_ARGS,
    completes={"ref": "image"},
)
def image_meta(nova, args):
    return _metadata(nova, nova.cloud.image_metadata, args, "image-meta")
