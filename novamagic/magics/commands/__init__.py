"""The ``%nova`` subcommands and the ``%%nova_boot`` handler, one room per kind of work.

Each handler is: arguments -> one client call (``nova.cloud.<operation>``) -> a frame or a small
result object. Heavy modules (pandas via novamagic.frames, the client, yaml, tqdm, matplotlib,
ipywidgets) are imported inside the handlers.

Importing this package imports no room: ``%load_ext novamagic`` must stay cheap. It enters the
names of :data:`ROOMS` in the registry as pending entries (enough for ``%nova help``'s names,
subcommand completion and the unknown-name error); a room is imported when one of its
subcommands is first used (run, explained by ``--help`` or listed with its summary). The order of
``ROOMS``, and of the names within a room (the order of its ``@subcommand``s), is the order of
``%nova help`` (and of the help saved in notebook 01), so it is kept by hand; a test checks that
each room declares exactly the names listed here.
"""

from __future__ import annotations

from functools import partial

from novamagic.magics.registry import mark_exportable, pending

__all__ = ["EXPORTABLE", "HIDDEN", "ROOMS", "import_all_rooms", "import_room"]

#: room (module of this package) -> the subcommands it declares, in its order.
ROOMS: dict[str, tuple[str, ...]] = {
    "help": ("help",),
    "session": ("login", "use", "logout", "whoami"),
    "listings": ("servers", "flavors", "images", "show", "addresses", "limits", "history"),
    "metadata": ("meta", "image-meta"),
    "changes": (
        "rename", "access-ip", "password", "reboot", "rebuild", "resize", "confirm-resize",
        "revert-resize", "snapshot", "start", "stop", "delete", "delete-image", "wait",
    ),
    "network": (
        "networks", "ports", "floating-ips", "security-groups", "rules", "expose", "keypairs",
    ),
    "volumes": ("volumes", "volume"),
    "diagnosis": ("console", "events"),
    "capacity": ("usage", "hypervisors"),
    "tools": ("raw", "report", "cleanup"),
    "local": ("local",),
    "boot_cell": ("nova_boot",),
    "widgets": ("boot-form", "resize-panel", "fleet"),
    "classroom": ("check",),
    "instructor": ("class",),
}  # fmt: skip

#: Not listed by ``%nova help`` nor completed after ``%nova`` (the cell magic's own parser).
HIDDEN = ("nova_boot",)

#: The listings: each takes ``--export FILE`` (its frame, written).
EXPORTABLE = (
    "servers", "flavors", "images", "addresses", "limits", "history", "usage", "hypervisors",
    "networks", "ports", "floating-ips", "security-groups", "rules", "keypairs", "events",
)  # fmt: skip


def import_room(room: str):
    """Import one room (its ``@subcommand``s fill the pending entries) and return it.

    Plain import statements, one per room, so that the import graph stays readable from the
    source (tests/test_architecture.py)."""
    if room == "help":
        from novamagic.magics.commands import help as module
    elif room == "session":
        from novamagic.magics.commands import session as module
    elif room == "listings":
        from novamagic.magics.commands import listings as module
    elif room == "metadata":
        from novamagic.magics.commands import metadata as module
    elif room == "changes":
        from novamagic.magics.commands import changes as module
    elif room == "network":
        from novamagic.magics.commands import network as module
    elif room == "volumes":
        from novamagic.magics.commands import volumes as module
    elif room == "diagnosis":
        from novamagic.magics.commands import diagnosis as module
    elif room == "capacity":
        from novamagic.magics.commands import capacity as module
    elif room == "tools":
        from novamagic.magics.commands import tools as module
    elif room == "local":
        from novamagic.magics.commands import local as module
    elif room == "boot_cell":
        from novamagic.magics.commands import boot_cell as module
    elif room == "widgets":
        from novamagic.magics.commands import widgets as module
    elif room == "classroom":
        from novamagic.magics.commands import classroom as module
    elif room == "instructor":
        from novamagic.magics.commands import instructor as module
    else:
        raise LookupError(f"no room {room!r} in novamagic.magics.commands")
    return module


def import_all_rooms() -> None:
    """Import every room now (what importing this package did before rooms loaded lazily)."""
    for room in ROOMS:
        import_room(room)


for _room, _names in ROOMS.items():
    pending(partial(import_room, _room), *_names, hidden=HIDDEN)
mark_exportable(*EXPORTABLE)
del _room, _names
