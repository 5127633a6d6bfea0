"""Nova's server actions: ``POST /servers/{id}/action`` with one action named in the body.

:class:`ActionDispatcher` reads that body and picks the handler from a table; the book's v1.1
face dispatches its own table through it too.
"""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute import instance_actions, schemas
from novamagic.localcloud.compute.common import check_body_keys, root_url
from novamagic.localcloud.compute.console import console_output
from novamagic.localcloud.compute.views.servers import ServerView
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.model.validation import check_disk_config


class ActionDispatcher:
    """Reads a ``{"<action>": <argument>}`` body and picks the action's handler from a table.

    ``malformed(names)`` and ``unknown(name, names)`` word the 400s (each face has its own).
    The table is read at each request, so a test may patch one entry.
    """

    def __init__(self, actions: dict, malformed, unknown):
        self.actions = actions
        self.malformed = malformed
        self.unknown = unknown

    def pick(self, call: Call):
        """(handler, argument) for the action the body names; BadRequest otherwise."""
        body = call.json()
        if not isinstance(body, dict) or len(body) != 1:
            raise errors.BadRequest(self.malformed(self.actions))
        ((name, arg),) = body.items()
        action = self.actions.get(name)
        if action is None:
            raise errors.BadRequest(self.unknown(name, self.actions))
        return action, arg


def _action_reboot(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "type" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute reboot. 'type' is a required property: SOFT or HARD."
        )
    kind = arg["type"]
    if (
        not isinstance(kind, str)
        or kind.upper() not in ("SOFT", "HARD")
        or kind not in (kind.upper(), kind.lower(), kind.capitalize())
    ):
        raise errors.BadRequest(f"Invalid reboot type {kind!r}: use SOFT or HARD.")
    call.state.reboot(call.token, server_id, hard=kind.upper() == "HARD")
    return None, 202


def _action_change_password(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "adminPass" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute changePassword. 'adminPass' is a required property."
        )
    check_body_keys(arg, {"adminPass"}, "changePassword")
    call.state.change_password(call.token, server_id, arg["adminPass"])
    return None, 202


def _action_rebuild(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "imageRef" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute rebuild. 'imageRef' is a required property."
        )
    allowed = schemas.SERVER_REBUILD.at(call)
    check_body_keys(arg, allowed, "rebuild")
    with call.state.lock:
        server = call.state.rebuild(
            call.token,
            server_id,
            arg["imageRef"],
            name=arg.get("name"),
            admin_pass=arg.get("adminPass"),
            metadata=arg.get("metadata"),
            personality=arg.get("personality"),
            access_ipv4=arg.get("accessIPv4"),
            access_ipv6=arg.get("accessIPv6"),
            description=arg.get("description"),
            key_name=arg.get("key_name"),
            user_data=arg.get("user_data"),
            hostname=arg.get("hostname"),
            disk_config=arg.get("OS-DCF:diskConfig"),
            fields=arg.keys(),
        )
        body = ServerView(call).detail(server, show=True, basic=True, rebuild=True)
        body["adminPass"] = server.admin_pass
        if call.at_least("2.57"):
            body["user_data"] = server.user_data
        # Nova's rebuild adds the server's own link as Location (its _add_location).
        return {"server": body}, 202, {"Location": body["links"][0]["href"]}


def _action_resize(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "flavorRef" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute resize. 'flavorRef' is a required property."
        )
    check_body_keys(arg, {"flavorRef", "OS-DCF:diskConfig"}, "resize")
    disk_config = None
    if "OS-DCF:diskConfig" in arg:
        disk_config = check_disk_config(arg["OS-DCF:diskConfig"])
    call.state.resize(call.token, server_id, arg["flavorRef"], disk_config)
    return None, 202


def _action_confirm_resize(call: Call, server_id: str, arg):
    call.state.confirm_resize(call.token, server_id)
    return None, 204


def _action_revert_resize(call: Call, server_id: str, arg):
    call.state.revert_resize(call.token, server_id)
    return None, 202


def _action_create_image(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "name" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute createImage. 'name' is a required property."
        )
    check_body_keys(arg, {"name", "metadata"}, "createImage")
    image = call.state.create_image(call.token, server_id, arg["name"], arg.get("metadata"))
    if call.at_least("2.45"):
        return {"image_id": image.id}, 202
    location = f"{root_url(call)}/v2.1/{call.token.project.id}/images/{image.id}"
    return None, 202, {"Location": location}


def _action_create_backup(call: Call, server_id: str, arg):
    if not isinstance(arg, dict):
        raise errors.BadRequest("Invalid input for field/attribute createBackup: an object.")
    for required in ("name", "backup_type", "rotation"):
        if required not in arg:
            raise errors.BadRequest(
                f"Invalid input for field/attribute createBackup. '{required}' is a required "
                "property."
            )
    check_body_keys(arg, {"name", "backup_type", "rotation", "metadata"}, "createBackup")
    image = call.state.create_backup(
        call.token, server_id, arg["name"], arg["backup_type"], arg["rotation"], arg.get("metadata")
    )
    if call.at_least("2.45"):
        return {"image_id": image.id}, 202
    if not int(arg["rotation"]):  # Nova gives no Location for a backup rotation 0 removes
        return None, 202
    location = f"{root_url(call)}/v2.1/{call.token.project.id}/images/{image.id}"
    return None, 202, {"Location": location}


def _action_start(call: Call, server_id: str, arg):
    call.state.start(call.token, server_id)
    return None, 202


def _action_stop(call: Call, server_id: str, arg):
    call.state.stop(call.token, server_id)
    return None, 202


def _action_lock(call: Call, server_id: str, arg):
    reason = None
    if isinstance(arg, dict) and arg:
        if not call.at_least("2.73"):
            raise errors.BadRequest("lock takes no arguments before microversion 2.73.")
        check_body_keys(arg, {"locked_reason"}, "lock")
        reason = arg.get("locked_reason")
    call.state.lock_server(call.token, server_id, reason)
    return None, 202


def _action_unlock(call: Call, server_id: str, arg):
    call.state.unlock_server(call.token, server_id)
    return None, 202


def _security_group_action(add: bool):
    name = "addSecurityGroup" if add else "removeSecurityGroup"

    def action(call: Call, server_id: str, arg):
        if not isinstance(arg, dict):
            raise errors.BadRequest("Missing parameter dict")
        if "name" not in arg:
            raise errors.BadRequest("Security group not specified")
        check_body_keys(arg, {"name"}, name)
        call.state.change_server_security_group(call.token, server_id, arg["name"], add)
        return None, 202

    return action


def _soft_deleted_only(name: str):
    """restore and forceDelete act on SOFT_DELETED servers, which exist only when an operator
    sets reclaim_instance_interval; here (as by default) a delete is at once, so they are 409."""

    def action(call: Call, server_id: str, arg):
        server = call.state.get_server(call.token, server_id)
        raise errors.Conflict(
            f"Cannot '{name}' instance {server.id} while it is in vm_state {server.vm_state}"
        )

    return action


ACTIONS = {
    "reboot": _action_reboot,
    "changePassword": _action_change_password,
    "rebuild": _action_rebuild,
    "resize": _action_resize,
    "confirmResize": _action_confirm_resize,
    "revertResize": _action_revert_resize,
    "createImage": _action_create_image,
    "createBackup": _action_create_backup,
    "os-start": _action_start,
    "os-stop": _action_stop,
    "lock": _action_lock,
    "unlock": _action_unlock,
    "os-getConsoleOutput": console_output,
    "addSecurityGroup": _security_group_action(add=True),
    "removeSecurityGroup": _security_group_action(add=False),
    "restore": _soft_deleted_only("restore"),
    "forceDelete": _soft_deleted_only("forceDelete"),
}


DISPATCH = ActionDispatcher(
    ACTIONS,
    malformed=lambda names: (
        'Invalid action body: expected one action, e.g. {"reboot": {"type": "SOFT"}}; '
        f"known actions: {', '.join(sorted(names))}."
    ),
    unknown=lambda name, names: (
        f"There is no such action: {name}. Known actions: {', '.join(sorted(names))}."
    ),
)


#: The instance action each body name records once accepted (Nova's names).
RECORDED = {
    "reboot": "reboot",
    "changePassword": "changePassword",
    "rebuild": "rebuild",
    "resize": "resize",
    "confirmResize": "confirmResize",
    "revertResize": "revertResize",
    "createImage": "createImage",
    "createBackup": "createBackup",
    "os-start": "start",
    "os-stop": "stop",
    "lock": "lock",
    "unlock": "unlock",
    "addSecurityGroup": "addSecurityGroup",
    "removeSecurityGroup": "removeSecurityGroup",
}


def server_action(call: Call, server_id: str):
    body = call.json()
    if isinstance(body, dict) and len(body) == 1 and next(iter(body)) not in ACTIONS:
        # Nova finds the server before it reads the action: an action the local cloud does not
        # have (forceDelete, restore, ...) on a server that is not there is a 404, as there.
        call.state.get_server(call.token, server_id)
    action, arg = DISPATCH.pick(call)
    with call.state.lock:  # the action and its record are one step for other requests
        result = action(call, server_id, arg)
        name = RECORDED.get(next(iter(call.json())))
        server = call.state.servers.get(server_id)
        if name is not None and server is not None:
            instance_actions.record(call, server, name)
    return result


def relative_rules() -> list:
    return [route("/servers/<server_id>/action", server_action, ["POST"])]
