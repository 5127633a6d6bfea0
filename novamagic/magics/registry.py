"""The table of ``%nova`` subcommands.

A subcommand is a function ``handler(nova, args)`` (``nova`` is the ``NovaMagics`` instance,
``args`` the argparse namespace) declared with :func:`subcommand`::

    @subcommand("fleet", "a live view of the fleet (widget)", arg("--refresh", type=float),
                completes={"server": "server"})
    def fleet(nova, args):
        from novamagic.widgets import FleetView    # heavy imports inside, so loading stays cheap
        return FleetView(nova.cloud, refresh=args.refresh)

Every subcommand gets ``--help`` and ``-o NAME`` for free, appears in ``%nova help`` and in tab
completion. A new room of subcommands goes in :mod:`novamagic.magics.commands`, whose ``ROOMS``
index names the subcommands each room declares.

``%load_ext`` imports no room: the index puts a *pending* entry in :data:`SUBCOMMANDS` for each
name (its name, whether it is hidden or exportable, and how to import its room), which is all
that subcommand-name completion, ``did you mean`` and the unknown-name error read. The first
use of anything else (its summary, handler, arguments, parser) imports the room, whose
``@subcommand`` fills the pending entry in place, so the table's order is the index's order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from novamagic.magics.parsing import NovaArgumentParser

__all__ = ["SUBCOMMANDS", "Subcommand", "arg", "mark_exportable", "pending", "subcommand"]


def arg(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One ``add_argument`` call, declared: ``arg("--hard", action="store_true", help=...)``."""
    return flags, kwargs


# What a room's @subcommand declares; read from a pending entry, one of them imports the room.
_DECLARED = (
    "summary",
    "handler",
    "arguments",
    "completes",
    "secret_safe",
    "description",
    "verbatim_after",
)


class Subcommand:
    """One ``%nova`` subcommand (a plain class, not a dataclass: making a dataclass costs about
    a millisecond at import, which ``%load_ext`` would pay)."""

    __slots__ = (
        "name",
        "hidden",  # not listed by %nova help (the cell magic's own parser)
        "exportable",  # a listing: --export FILE writes its frame (mark_exportable)
        *_DECLARED,
        "_parser",
        "_room",
    )

    name: str
    summary: str
    handler: Callable[[Any, Any], Any]
    arguments: tuple
    # argparse dest -> "server" | "flavor" | "image": what tab completion offers for it
    completes: Mapping[str, str]
    hidden: bool
    secret_safe: bool  # never echo the line's words in errors (login, password)
    description: str
    # keep the words after this many positionals verbatim as one (e.g. raw's JSON body)
    verbatim_after: int | None
    exportable: bool

    def __init__(
        self,
        name: str,
        summary: str,
        handler: Callable[[Any, Any], Any],
        arguments: tuple = (),
        completes: Mapping[str, str] | None = None,
        hidden: bool = False,
        secret_safe: bool = False,
        description: str = "",
        verbatim_after: int | None = None,
        exportable: bool = False,
    ):
        self.name, self.hidden, self.exportable = name, hidden, exportable
        self._parser: NovaArgumentParser | None = None
        self._room: Callable[[], object] | None = None
        self._declare(summary, handler, arguments, completes, secret_safe, description,
                      verbatim_after)  # fmt: skip

    @classmethod
    def pending(cls, name: str, room: Callable[[], object], *, hidden: bool = False) -> Subcommand:
        """An entry whose room is not imported yet: ``room()`` imports it."""
        entry = cls.__new__(cls)
        entry.name, entry.hidden, entry.exportable = name, hidden, False
        entry._parser, entry._room = None, room
        return entry

    def _declare(
        self, summary, handler, arguments, completes, secret_safe, description, verbatim_after
    ) -> None:
        self.summary, self.handler, self.arguments = summary, handler, tuple(arguments)
        self.completes = dict(completes or {})
        self.secret_safe, self.description = secret_safe, description
        self.verbatim_after = verbatim_after
        self._room = None

    @property
    def is_pending(self) -> bool:
        """Whether the room that declares this subcommand is still to be imported."""
        return self._room is not None

    def __getattr__(self, attr: str):
        # Only called for a slot not set yet: a pending entry's declaration. Import its room
        # (its @subcommand fills this entry in place) and read again.
        room = self._room if attr in _DECLARED else None
        if room is None:
            raise AttributeError(attr)
        room()
        if self._room is not None:
            raise LookupError(f"%nova {self.name}: its room does not declare it (see ROOMS)")
        return getattr(self, attr)

    def __repr__(self) -> str:
        state = "pending" if self.is_pending else "declared"
        return f"<Subcommand {self.name!r} ({state})>"

    def parser(self) -> NovaArgumentParser:
        """Built on first use: building ~40 parsers at %load_ext would cost for nothing."""
        if self._parser is None:
            from novamagic.magics.parsing import NovaArgumentParser

            parser = NovaArgumentParser(
                prog=f"%%{self.name}" if self.hidden else f"%nova {self.name}",
                description=self.description or self.summary,
                secret_safe=self.secret_safe,
            )
            for flags, kwargs in self.arguments:
                parser.add_argument(*flags, **kwargs)
            parser.add_argument(
                "-o", "--output", metavar="NAME", help="also store the result in the variable NAME"
            )
            if self.exportable:
                parser.add_argument(
                    "--export",
                    metavar="FILE",
                    help="also write the table to FILE (.csv .json .xlsx .parquet)",
                )
            self._parser = parser
        return self._parser

    def flags_with_values(self) -> list[str]:
        return [o for a in self.parser()._actions if a.nargs != 0 for o in a.option_strings]

    def options(self) -> list[str]:
        """Option strings, for completion."""
        return sorted(o for action in self.parser()._actions for o in action.option_strings)


SUBCOMMANDS: dict[str, Subcommand] = {}


def pending(room: Callable[[], object], *names: str, hidden: tuple[str, ...] = ()) -> None:
    """Enter ``names`` in the table without importing their room (``room()`` imports it)."""
    for name in names:
        if name not in SUBCOMMANDS:
            SUBCOMMANDS[name] = Subcommand.pending(name, room, hidden=name in hidden)


def subcommand(
    name: str,
    summary: str,
    *arguments: tuple,
    completes: Mapping[str, str] | None = None,
    hidden: bool = False,
    secret_safe: bool = False,
    description: str = "",
    verbatim_after: int | None = None,
):
    """Register ``handler(nova, args)`` as ``%nova NAME``; returns the handler unchanged."""

    def register(handler):
        declared = (
            summary,
            handler,
            arguments,
            completes,
            secret_safe,
            description or (handler.__doc__ or "").strip(),
            verbatim_after,
        )
        entry = SUBCOMMANDS.get(name)
        if entry is not None and entry.is_pending:  # from the index (ROOMS): filled in place
            entry.hidden = hidden
            entry._declare(*declared)
        else:
            SUBCOMMANDS[name] = Subcommand(
                name,
                summary,
                handler,
                arguments,
                completes,
                hidden,
                secret_safe,
                declared[5],
                verbatim_after,
            )
        return handler

    return register


def mark_exportable(*names: str) -> None:
    """These subcommands are listings: each takes ``--export FILE`` (its frame, written)."""
    for name in names:
        SUBCOMMANDS[name].exportable = True
        SUBCOMMANDS[name]._parser = None
