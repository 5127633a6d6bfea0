"""``%nova help``: the subcommands, from the registry, in the order they were registered."""

from __future__ import annotations

from novamagic.magics.registry import SUBCOMMANDS, arg, subcommand


@subcommand(
    "help",
    "list the subcommands, or explain one",
    arg("subcommand", nargs="?", help="the subcommand to explain"),
)
def help_(nova, args):
    if args.subcommand:
        name = args.subcommand.lstrip("%")
        if name not in SUBCOMMANDS:
            return nova.run_subcommand(name, ["--help"])  # the unknown-name error
        SUBCOMMANDS[name].parser().print_help()
        return None
    visible = [c for c in SUBCOMMANDS.values() if not c.hidden]
    width = max(len(c.name) for c in visible)
    lines = ["%nova SUBCOMMAND [options]   (%nova SUBCOMMAND --help for its options)", ""]
    lines += [f"  {c.name.ljust(width)}  {c.summary}" for c in visible]
    lines += [
        "",
        "Every subcommand returns its result; -o NAME also stores it in a variable.",
        "%%nova_boot boots servers from a YAML spec in the cell (%nova help nova_boot).",
    ]
    print("\n".join(lines))
    return None
