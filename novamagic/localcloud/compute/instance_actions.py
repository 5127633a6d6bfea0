"""Nova's ``os-instance-actions``: the actions asked of a server and their events, and
:func:`record`, which the server and action controllers call once the model accepted a request.

Per microversion, as Nova: 2.21 a deleted server's actions · 2.51 events for non-admins (no
traceback) · 2.58 ``updated_at``, ``limit``/``marker`` (a request id) and ``changes-since`` ·
2.62 events' ``hostId`` (and ``host`` for admins) · 2.66 ``changes-before`` · 2.84 events'
``details`` (admins).
"""

from __future__ import annotations

import hashlib

from novamagic.localcloud import errors, model
from novamagic.localcloud.clock import iso_micro
from novamagic.localcloud.compute.common import time_param
from novamagic.localcloud.http import Call, query_limit, route

MAX_LIMIT = 1000


def record(call: Call, server, action: str) -> None:
    call.state.record_action(call.token, server, action, call.request_id)


def _action_body(call: Call, action, now: float) -> dict:
    body = {
        "action": action.action,
        "instance_uuid": action.instance_uuid,
        "message": action.message(now),
        "project_id": action.project_id,
        "request_id": action.request_id,
        "start_time": iso_micro(action.start_time),
        "user_id": action.user_id,
    }
    if call.at_least("2.58"):
        body["updated_at"] = iso_micro(action.updated_at(now))
    return body


def _event_body(call: Call, action, event, now: float) -> dict:
    finished = event.finish_time <= now
    result = None
    if finished:
        result = "Error" if action.failed() and event.last else "Success"
    body = {
        "event": event.event,
        "start_time": iso_micro(event.start_time),
        "finish_time": iso_micro(event.finish_time) if finished else None,
        "result": result,
    }
    admin = call.token.is_admin
    if admin:
        body["traceback"] = (
            "nova.exception.LocalCloudFailure: the local cloud was asked to fail it"
            if result == "Error"
            else None
        )
    if call.at_least("2.62"):
        body["hostId"] = hashlib.sha224((action.project_id + model.HOST).encode()).hexdigest()
        if admin:
            body["host"] = model.HOST
    if call.at_least("2.84") and admin:
        body["details"] = "the local cloud was asked to fail it" if result == "Error" else None
    return body


def list_actions(call: Call, server_id: str):
    args = call.request.args
    deleted_ok = call.at_least("2.21")
    with call.state.lock:
        now = call.state.now()
        actions = call.state.list_instance_actions(call.token, server_id, deleted_ok)
        if call.at_least("2.58"):
            if "changes-since" in args:
                since = time_param(args["changes-since"], "changes-since")
                actions = [a for a in actions if a.updated_at(now) >= since]
            if "changes-before" in args and call.at_least("2.66"):
                before = time_param(args["changes-before"], "changes-before")
                actions = [a for a in actions if a.updated_at(now) <= before]
            marker = args.get("marker")
            if marker is not None:
                ids = [a.request_id for a in actions]
                if marker not in ids:
                    raise errors.BadRequest(f"Marker {marker} could not be found.")
                actions = actions[ids.index(marker) + 1 :]
            actions = actions[: query_limit(args, MAX_LIMIT, MAX_LIMIT)]
        return {"instanceActions": [_action_body(call, a, now) for a in actions]}


def show_action(call: Call, server_id: str, request_id: str):
    with call.state.lock:
        now = call.state.now()
        action = call.state.get_instance_action(
            call.token, server_id, request_id, call.at_least("2.21")
        )
        body = _action_body(call, action, now)
        if call.token.is_admin or call.at_least("2.51"):
            body["events"] = [_event_body(call, action, e, now) for e in action.events]
        return {"instanceAction": body}


def relative_rules() -> list:
    return [
        route("/servers/<server_id>/os-instance-actions", list_actions, ["GET"]),
        route("/servers/<server_id>/os-instance-actions/<request_id>", show_action, ["GET"]),
    ]
