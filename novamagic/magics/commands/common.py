"""What the subcommand rooms share: the completion hint for server arguments, the frames module
loaded on first use, and the prompt for a secret."""

from __future__ import annotations

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
