"""Nova's ``os-volume_attachments``: attach a volume to a server, list and show its attachments,
detach it. The volume's side (``attaching`` -> ``in-use``, ``detaching`` -> ``available`` on the
cloud's clock) is the block-storage model's.

Per microversion, as Nova: 2.49 ``tag`` may be given · 2.70 ``tag`` shown · 2.79
``delete_on_termination`` given and shown · 2.89 ``attachment_id`` and ``bdm_uuid`` shown,
``id`` gone.
"""

from __future__ import annotations

import uuid

from novamagic.localcloud import errors
from novamagic.localcloud.compute import instance_actions
from novamagic.localcloud.compute.common import check_body_keys
from novamagic.localcloud.http import Call, route

#: vm_states a volume may be attached to or detached from (Nova's check_instance_state).
ATTACH_STATES = ("active", "paused", "stopped", "suspended", "resized", "shelved",
                 "shelved_offloaded")  # fmt: skip


def _view(call: Call, attachment: dict) -> dict:
    body = {
        "device": attachment["device"],
        "serverId": attachment["server_id"],
        "volumeId": attachment["volume_id"],
    }
    if not call.at_least("2.89"):
        body["id"] = attachment["volume_id"]
    if call.at_least("2.70"):
        body["tag"] = attachment.get("tag")
    if call.at_least("2.79"):
        body["delete_on_termination"] = attachment["delete_on_termination"]
    if call.at_least("2.89"):
        body["attachment_id"] = attachment["attachment_id"]
        body["bdm_uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, attachment["attachment_id"]))
    return body


def list_attachments(call: Call, server_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        attached = call.state.server_volumes(server.id)
        return {"volumeAttachments": [_view(call, a) for _, a in attached]}


def show_attachment(call: Call, server_id: str, volume_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        for volume, attachment in call.state.server_volumes(server.id):
            if volume.id == volume_id:
                return {"volumeAttachment": _view(call, attachment)}
    raise errors.NotFound(f"Instance {server_id} is not attached to volume {volume_id}.")


def attach(call: Call, server_id: str):
    spec = call.body_dict("volumeAttachment", required_keys=("volumeId",))
    allowed = {"volumeId", "device"}
    if call.at_least("2.49"):
        allowed.add("tag")
    if call.at_least("2.79"):
        allowed.add("delete_on_termination")
    check_body_keys(spec, allowed, "volumeAttachment")
    tag = spec.get("tag")
    if tag is not None and not (isinstance(tag, str) and 1 <= len(tag) <= 60 and "/" not in tag):
        raise errors.BadRequest("Invalid input for field/attribute tag: 1 to 60 characters, no /.")
    delete = spec.get("delete_on_termination", False)
    if not isinstance(delete, bool):
        raise errors.BadRequest(
            "Invalid input for field/attribute delete_on_termination: a boolean is required."
        )
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        call.state._require(server, "attach_volume", ATTACH_STATES)
        attachment = call.state.attach_volume(
            call.token, server, spec["volumeId"], spec.get("device"), delete_on_termination=delete
        )
        attachment["tag"] = tag
        instance_actions.record(call, server, "attach_volume")
        if call.at_least("2.101"):  # accepted, fully async: the volume's status tells the rest
            return None, 202
        return {"volumeAttachment": _view(call, attachment)}


def detach(call: Call, server_id: str, volume_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        call.state._require(server, "detach_volume", ATTACH_STATES)
        call.state.detach_volume(call.token, server, volume_id)
        instance_actions.record(call, server, "detach_volume")
    return None, 202


def relative_rules() -> list:
    base = "/servers/<server_id>/os-volume_attachments"
    return [
        route(base, list_attachments, ["GET"]),
        route(base, attach, ["POST"]),
        route(f"{base}/<volume_id>", show_attachment, ["GET"]),
        route(f"{base}/<volume_id>", detach, ["DELETE"]),
    ]
