"""Nova's server tags (microversion 2.26 on): list, replace, clear, check, add, delete."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import root_url
from novamagic.localcloud.http import Call, route


def _tags_version(call: Call) -> None:
    if not call.at_least("2.26"):
        raise errors.NotFound("The tags API needs microversion 2.26 or later.")


def list_tags(call: Call, server_id: str):
    _tags_version(call)
    with call.state.lock:
        return {"tags": list(call.state.get_server(call.token, server_id).tags)}


def replace_tags(call: Call, server_id: str):
    _tags_version(call)
    body = call.json()
    if not isinstance(body, dict) or "tags" not in body:
        raise errors.BadRequest('Malformed request body: expected {"tags": ["tag", ...]}.')
    with call.state.lock:
        return {"tags": list(call.state.set_tags(call.token, server_id, body["tags"]))}


def clear_tags(call: Call, server_id: str):
    _tags_version(call)
    call.state.clear_tags(call.token, server_id)
    return None, 204


def check_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    with call.state.lock:
        if tag not in call.state.get_server(call.token, server_id).tags:
            raise errors.NotFound(f"Tag '{tag}' could not be found on instance {server_id}.")
    return None, 204


def add_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    if call.state.add_tag(call.token, server_id, tag):
        location = f"{root_url(call)}/v2.1/{call.token.project.id}/servers/{server_id}/tags/{tag}"
        return None, 201, {"Location": location}
    return None, 204


def delete_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    call.state.delete_tag(call.token, server_id, tag)
    return None, 204


def relative_rules() -> list:
    return [
        route("/servers/<server_id>/tags", list_tags, ["GET"]),
        route("/servers/<server_id>/tags", replace_tags, ["PUT"]),
        route("/servers/<server_id>/tags", clear_tags, ["DELETE"]),
        route("/servers/<server_id>/tags/<tag>", check_tag, ["GET"]),
        route("/servers/<server_id>/tags/<tag>", add_tag, ["PUT"]),
        route("/servers/<server_id>/tags/<tag>", delete_tag, ["DELETE"]),
    ]
