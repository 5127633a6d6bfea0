"""Nova's ``os-getConsoleOutput`` server action: the server's boot log (``length``: last N
lines), as ``{"output": "..."}``."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import check_body_keys
from novamagic.localcloud.http import Call


def console_output(call: Call, server_id: str, arg):
    if arg is None:
        arg = {}
    if not isinstance(arg, dict):
        raise errors.BadRequest(
            "Invalid input for field/attribute os-getConsoleOutput. It must be an object, "
            'e.g. {"length": 50}.'
        )
    check_body_keys(arg, {"length"}, "os-getConsoleOutput")
    return {"output": call.state.console_output(call.token, server_id, arg.get("length"))}
