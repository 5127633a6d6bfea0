"""Nova's ``os-server-password``: the encrypted password a guest left in the metadata service
(empty here: no guest runs), and clearing it."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route


def show_password(call: Call, server_id: str):
    return {"password": call.state.server_password(call.token, server_id)}


def clear_password(call: Call, server_id: str):
    call.state.server_password(call.token, server_id, clear=True)
    return None, 204


def relative_rules() -> list:
    return [
        route("/servers/<server_id>/os-server-password", show_password, ["GET"]),
        route("/servers/<server_id>/os-server-password", clear_password, ["DELETE"]),
    ]
