"""What the subcommand rooms share: the completion hint for server arguments, the frames module
loaded on first use, the prompt for a secret, and the options and targets of a listing over
many clouds and regions."""

from __future__ import annotations

from novamagic.magics.registry import arg
from novamagic.magics.rendering import NovaMagicError

#: ``completes=`` for a subcommand whose ``server``/``servers`` argument names servers.
SERVER = {"server": "server", "servers": "server"}


def load_frames():
    """``novamagic.frames``, imported on first use: pandas must not load at ``%load_ext``."""
    from novamagic import frames

    return frames


def ask_secret(prompt: str) -> str:
    """Prompt without echo; in a kernel without stdin (nbval, papermill) say what to do instead."""
    import getpass

    try:
        value = getpass.getpass(prompt)
    except Exception as exc:  # ipykernel's StdinNotImplementedError, EOFError without a terminal
        raise NovaMagicError(
            f"cannot prompt for a secret here ({type(exc).__name__})",
            hint="put the password in clouds.yaml/secure.yaml or OS_PASSWORD, then %nova login",
        ) from None
    if not value:
        raise NovaMagicError("no password given", hint="type it at the prompt")
    return value


#: The options of a listing over many clouds and regions (``servers``, ``report``).
# Both take several names at once or repeated (``--cloud a b`` = ``--cloud a --cloud b``), and
# none (``--cloud $names`` with an empty list is a plain listing), so a notebook passes lists.
MANY_CLOUDS = (
    arg("--cloud", action="extend", nargs="*", metavar="NAME",
        help="clouds.yaml clouds, or variables holding a novamagic Cloud"),
    arg("--region", action="extend", nargs="*", metavar="NAME",
        help="these regions of each cloud (all: every region, as --all-regions)"),
    arg("--all-regions", action="store_true", help="every region of each cloud's catalog"),
)  # fmt: skip


def many_clouds(nova, args) -> list | None:
    """The clouds a listing with ``--cloud``/``--region``/``--all-regions`` asks for, as
    ``fetch_across`` takes them (a variable holding a Cloud is that session, under its name);
    None for a plain listing on this session."""
    from novamagic.client import Cloud

    if args.region and "all" in args.region:
        args.region, args.all_regions = [], True
    if not (args.cloud or args.region or args.all_regions):
        return None
    if not args.cloud:
        return [("this session", nova.cloud)]
    namespace = nova.shell.user_ns if nova.shell is not None else {}
    return [
        (name, namespace[name]) if isinstance(namespace.get(name), Cloud) else name
        for name in args.cloud
    ]


def say_failures(merged) -> None:
    """One line per cloud that did not answer (the rest of the listing still comes back); when
    none answered, the cell fails with those lines."""
    if merged.failures and not merged.answered:
        raise NovaMagicError(
            "no cloud answered: " + "; ".join(str(f) for f in merged.failures),
            hint="check each cloud's name in clouds.yaml (or the variable's) and its credentials",
        )
    for failure in merged.failures:
        print(f"failed: {failure}")
