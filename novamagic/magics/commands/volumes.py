"""Block storage: ``volumes`` (and ``--snapshots``), ``volume create|delete|extend|attach|detach
|snapshot``. Each is one client call and a frame or a line; the client checks sizes and states
(an attached volume is neither attached again nor deleted; volumes only grow) before sending.
"""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.commands.common import load_frames
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import Message, mark_frame


@subcommand(
    "volumes",
    "volumes as a DataFrame (status, size, bootable, attached to); --snapshots for snapshots",
    arg("--snapshots", action="store_true", help="the snapshots instead"),
    arg("--server", help="only what this server has attached (its attachments)"),
    completes={"server": "server"},
)
def volumes(nova, args):
    cloud, frames = nova.cloud, load_frames()
    if args.snapshots and args.server:
        raise UsageError("%nova volumes: --snapshots or --server, not both")
    if args.snapshots:
        return mark_frame(frames.snapshots_frame(cloud.snapshots()), "snapshots")
    if args.server:
        return mark_frame(frames.attachments_frame(cloud.server_volumes(args.server)),
                          "attachments")  # fmt: skip
    return mark_frame(frames.volumes_frame(cloud.volumes()), "volumes")


_USAGE = {
    "create": "create NAME SIZE_GB [--image IMAGE | --snapshot SNAPSHOT] [--wait]",
    "delete": "delete VOLUME [--wait]",
    "extend": "extend VOLUME SIZE_GB [--wait]",
    "attach": "attach VOLUME SERVER [--wait]",
    "detach": "detach VOLUME SERVER [--wait]",
    "snapshot": "snapshot VOLUME [NAME] [--force] [--wait]",
    "delete-snapshot": "delete-snapshot SNAPSHOT [--wait]",
}
_COUNTS = {"create": (2, 2), "delete": (1, 1), "extend": (2, 2), "attach": (2, 2),
           "detach": (2, 2), "snapshot": (1, 2), "delete-snapshot": (1, 1)}  # fmt: skip


def _size(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{text!r} is not a size: give whole GB, e.g. 1 or 10")
    return int(text)


@subcommand(
    "volume",
    "a volume: create NAME GB, delete, extend VOL GB, attach VOL SERVER, detach VOL SERVER, "
    "snapshot VOL",
    arg("action", choices=tuple(_USAGE)),
    arg("items", nargs="*", metavar="VOLUME, SIZE or SERVER"),
    arg("--image", help="create: copy this image into the volume (it is then bootable)"),
    arg("--snapshot", help="create: from this snapshot"),
    arg("--force", action="store_true", help="snapshot: even while attached (in-use)"),
    arg("--wait", action="store_true", help="until the volume rests (available / in-use)"),
    completes={"items": "volume", "image": "image"},
)
def volume(nova, args):
    cloud, action, items = nova.cloud, args.action, args.items
    low, high = _COUNTS[action]
    if not low <= len(items) <= high:
        raise UsageError(f"usage: %nova volume {_USAGE[action]}")
    if (args.image or args.snapshot) and action != "create":
        raise UsageError("%nova volume: --image and --snapshot go with create")
    if args.force and action != "snapshot":
        raise UsageError("%nova volume: --force goes with snapshot")
    nova.forget_names()
    wait = args.wait
    if action == "create":
        made = cloud.create_volume(items[0], _size(items[1]), image=args.image,
                                   snapshot=args.snapshot, wait=wait)  # fmt: skip
        return Message(f"created volume {made['name']} ({made['id']}, {made['size']} GB, "
                       f"{made['status']})", made)  # fmt: skip
    if action == "delete":
        cloud.delete_volume(items[0], wait=wait)
        return Message(f"deleted volume {items[0]}" if wait else f"deleting volume {items[0]}")
    if action == "extend":
        grown = cloud.extend_volume(items[0], _size(items[1]), wait=wait)
        return Message(f"volume {items[0]}: {grown['size']} GB ({grown['status']})", grown)
    if action == "attach":
        attached = cloud.attach_volume(items[1], items[0], wait=wait)
        return Message(f"attached {items[0]} to {items[1]} as {attached['device']}", attached)
    if action == "detach":
        cloud.detach_volume(items[1], items[0], wait=wait)
        return Message(f"detached {items[0]} from {items[1]}")
    if action == "snapshot":
        name = items[1] if len(items) == 2 else None
        snap = cloud.create_snapshot(items[0], name, force=args.force, wait=wait)
        return Message(f"snapshot {snap['name'] or snap['id']} of {items[0]} ({snap['size']} GB, "
                       f"{snap['status']})", snap)  # fmt: skip
    cloud.delete_snapshot(items[0], wait=wait)
    return Message(f"deleted snapshot {items[0]}")
