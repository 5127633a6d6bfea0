"""The table of ``%nova`` subcommands.

A subcommand is a function ``handler(nova, args)`` (``nova`` is the ``NovaMagics`` instance,
``args`` the argparse namespace) declared with :func:`subcommand`::

    @subcommand("fleet", "a live view of the fleet (widget)", arg("--refresh", type=float),
                completes={"server": "server"})
    def fleet(nova, args):
        from novamagic.widgets import FleetView    # heavy imports inside, so loading stays cheap
        return FleetView(nova.cloud, refresh=args.refresh)

Every subcommand gets ``--help`` and ``-o NAME`` for free, appears in ``%nova help`` and in tab
completion. A new room of subcommands goes in :mod:`novamagic.magics.commands` and is imported by
its ``__init__`` (at ``%load_ext`` time, so it must import nothing heavy at module level).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from novamagic.magics.parsing import NovaArgumentParser

__all__ = ["SUBCOMMANDS", "Subcommand", "arg", "mark_exportable", "subcommand"]


def arg(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One ``add_argument`` call, declared: ``arg("--hard", action="store_true", help=...)``."""
    return flags, kwargs


@dataclass
class Subcommand:
    name: str
    summary: str
    handler: Callable[[Any, Any], Any]
    arguments: tuple = ()
    # argparse dest -> "server" | "flavor" | "image": what tab completion offers for it
    completes: Mapping[str, str] = field(default_factory=dict)
    hidden: bool = False  # not listed by %nova help (the cell magic's own parser)
    secret_safe: bool = False  # never echo the line's words in errors (login, password)
    description: str = ""
    # keep the words after this many positionals verbatim as one (e.g. raw's JSON body)
    verbatim_after: int | None = None
    exportable: bool = False  # a listing: --export FILE writes its frame (mark_exportable)
    _parser: NovaArgumentParser | None = field(default=None, repr=False)

    def parser(self) -> NovaArgumentParser:
        """Built on first use: building ~40 parsers at %load_ext would cost for nothing."""
        if self._parser is None:
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
        SUBCOMMANDS[name] = Subcommand(
            name=name,
            summary=summary,
            handler=handler,
            arguments=tuple(arguments),
            completes=dict(completes or {}),
            hidden=hidden,
            secret_safe=secret_safe,
            description=description or (handler.__doc__ or "").strip(),
            verbatim_after=verbatim_after,
        )
        return handler

    return register


def mark_exportable(*names: str) -> None:
    """These subcommands are listings: each takes ``--export FILE`` (its frame, written)."""
    for name in names:
        SUBCOMMANDS[name].exportable = True
        SUBCOMMANDS[name]._parser = None
