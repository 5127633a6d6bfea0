"""The book's servers on ``/v1.1/<tenant>``: list, boot, show, update, delete, addresses,
metadata and actions."""

from __future__ import annotations

from novamagic.localcloud import errors, model
from novamagic.localcloud.clock import parse_time
from novamagic.localcloud.compute.metadata import MetadataStore, metadata_controller
from novamagic.localcloud.compute.server_actions import ActionDispatcher
from novamagic.localcloud.http import Call, regex_filter, regex_matches
from novamagic.localcloud.legacy.face import (
    BOOK_WORDING,
    Face,
    addresses,
    book_rule,
    check_name,
    entity_body,
    find_server,
    last_segment,
    legacy,
    legacy_unlocked,
    repair_ipv6,
    v11,
    without_placeholder_files,
)


def _listed(face: Face, render) -> list[dict]:
    """The tenant's servers, newest first, filtered as v1.1 allowed: ``changes-since`` (deleted
    servers included), ``image``, ``flavor`` (number, id or URL), ``status``, ``name`` (a regular
    expression). Lists are not paginated: ``limit`` and ``marker`` are ignored, every server
    comes back in one page. Each server is rendered with ``render``."""
    args = face.call.request.args
    since = None
    if "changes-since" in args:
        try:
            since = parse_time(args["changes-since"])
        except (ValueError, OverflowError):
            raise errors.BadRequest(
                f"Invalid changes-since value {args['changes-since']!r}: use ISO 8601, e.g. 2012-03-21T00:00:00Z."
            ) from None
    name_filter = regex_filter(args["name"], "name") if "name" in args else None
    with face.cloud.lock:
        servers = face.cloud.list_servers(face.token, include_deleted_since=since)
        if "image" in args:
            try:
                image_id = face.image(last_segment(args["image"])).id
            except errors.NotFound:
                return []
            servers = [s for s in servers if s.image_id == image_id]
        if "flavor" in args:
            servers = [s for s in servers if s.flavor_id == last_segment(args["flavor"])]
        if "status" in args:
            servers = [s for s in servers if s.status == args["status"].upper()]
        names = [((s.name,),) for s in servers]  # per server: per filter, its strings
    if name_filter is not None:
        # Outside the lock, within the project's budget (see http.regex_matches).
        keep = regex_matches(face.call, [name_filter], names)
        servers = [s for s, kept in zip(servers, keep, strict=True) if kept]
    with face.cloud.lock:
        return [render(s) for s in servers if since is not None or not s.deleted]


@legacy_unlocked
def list_servers(face: Face):
    return {"servers": _listed(face, face.server_brief)}


@legacy_unlocked
def list_servers_detail(face: Face):
    return {"servers": _listed(face, face.server_full)}


@legacy
def create_server(face: Face):
    spec = entity_body(face.call, "server")
    name = check_name(spec.get("name"))
    image = face.image_for_ref(spec.get("imageRef"))
    flavor = face.flavor_for_ref(spec.get("flavorRef"))
    (server,) = face.cloud.create_servers(
        face.token,
        name,
        image.id,
        flavor.id,
        metadata=spec.get("metadata"),
        personality=without_placeholder_files(spec.get("personality")),
        access_ipv4=spec.get("accessIPv4"),
        access_ipv6=repair_ipv6(spec.get("accessIPv6")),
        key_name=spec.get("key_name"),
        admin_pass=spec.get("adminPass"),
    )
    return {"server": face.server_full(server, admin_pass=server.admin_pass)}, 202


@legacy
def show_server(face: Face, ident: str):
    return {"server": face.server_full(face.server(ident))}


@legacy
def update_server(face: Face, ident: str):
    spec = entity_body(face.call, "server")
    server = face.server(ident)
    if "name" in spec:
        check_name(spec["name"])
    fields = [key for key in ("name", "accessIPv4", "accessIPv6") if key in spec]
    server = face.cloud.update_server(
        face.token,
        server.id,
        name=spec.get("name"),
        access_ipv4=spec.get("accessIPv4"),
        access_ipv6=repair_ipv6(spec.get("accessIPv6")),
        fields=fields,
    )
    return {"server": face.server_full(server)}


@legacy
def delete_server(face: Face, ident: str):
    face.cloud.delete_server(face.token, face.server(ident).id)
    return None, 204


@legacy
def list_addresses(face: Face, ident: str):
    return {"addresses": addresses(face.server(ident))}


@legacy
def network_addresses(face: Face, ident: str, network: str):
    networks = addresses(face.server(ident))
    if network not in networks:
        raise errors.NotFound("Instance is not a member of specified network")
    return {"addresses": {network: networks[network]}}


def _action_change_password(face: Face, server: model.Server, args):
    if not isinstance(args, dict) or "adminPass" not in args:
        raise errors.BadRequest("No adminPass was specified")
    face.cloud.change_password(face.token, server.id, args["adminPass"])
    return None, 202


def _action_reboot(face: Face, server: model.Server, args):
    if not isinstance(args, dict) or "type" not in args:
        raise errors.BadRequest("Missing argument 'type' for reboot")
    kind = args["type"].upper() if isinstance(args["type"], str) else args["type"]
    if kind not in ("SOFT", "HARD"):
        raise errors.BadRequest("Argument 'type' for reboot is not HARD or SOFT")
    face.cloud.reboot(face.token, server.id, hard=kind == "HARD")
    return None, 202


def _action_rebuild(face: Face, server: model.Server, args):
    if not isinstance(args, dict):
        raise errors.BadRequest('Malformed request body: expected {"rebuild": {"imageRef": ...}}.')
    if "name" in args:
        check_name(args["name"])
    image = face.image_for_ref(args.get("imageRef"))
    fields = [
        k for k in ("name", "metadata", "personality", "accessIPv4", "accessIPv6") if k in args
    ]
    server = face.cloud.rebuild(
        face.token,
        server.id,
        image.id,
        name=args.get("name"),
        admin_pass=args.get("adminPass"),
        metadata=args.get("metadata"),
        personality=without_placeholder_files(args.get("personality")),
        access_ipv4=args.get("accessIPv4"),
        access_ipv6=repair_ipv6(args.get("accessIPv6")),
        fields=fields,
    )
    return {"server": face.server_full(server, admin_pass=server.admin_pass)}, 202


def _action_resize(face: Face, server: model.Server, args):
    if not isinstance(args, dict) or "flavorRef" not in args:
        raise errors.BadRequest("Resize requests require 'flavorRef' attribute.")
    flavor = face.flavor_for_ref(args["flavorRef"])
    face.cloud.resize(face.token, server.id, flavor.id)
    return None, 202


def _action_confirm_resize(face: Face, server: model.Server, _args):
    face.cloud.confirm_resize(face.token, server.id)
    return None, 204


def _action_revert_resize(face: Face, server: model.Server, _args):
    face.cloud.revert_resize(face.token, server.id)
    return None, 202


def _action_create_image(face: Face, server: model.Server, args):
    if not isinstance(args, dict) or "name" not in args:
        raise errors.BadRequest("createImage entity requires name attribute")
    image = face.cloud.create_image(face.token, server.id, args["name"], args.get("metadata"))
    return None, 202, {"Location": f"{face.prefix}/images/{image.number}"}


ACTIONS = {
    "changePassword": _action_change_password,
    "reboot": _action_reboot,
    "rebuild": _action_rebuild,
    "resize": _action_resize,
    "confirmResize": _action_confirm_resize,
    "revertResize": _action_revert_resize,
    "createImage": _action_create_image,
}


DISPATCH = ActionDispatcher(
    ACTIONS,
    malformed=lambda names: (
        'Malformed request body: expected one action, e.g. {"reboot": {"type": "SOFT"}}; '
        f"actions: {', '.join(names)}."
    ),
    unknown=lambda name, names: f"There is no such action: {name}",
)


@legacy
def server_action(face: Face, ident: str):
    action, args = DISPATCH.pick(face.call)
    return action(face, face.server(ident), args)


def _write_server_item(call: Call, server_id: str, key: str, value):
    return call.state.set_server_metadata(call.token, server_id, {key: value}, replace=False)[key]


SERVER_METADATA = metadata_controller(
    MetadataStore(
        noun="server",
        id_arg="ident",
        resolve=lambda call, ident: find_server(call, ident).id,
        read=lambda call, server_id: call.state.get_server(call.token, server_id).metadata,
        write=lambda call, server_id, items, replace: call.state.set_server_metadata(
            call.token, server_id, items, replace=replace
        ),
        write_item=_write_server_item,
        delete_item=lambda call, server_id, key: call.state.delete_server_metadata_item(
            call.token, server_id, key
        ),
        missing=lambda key: f"Metadata item {key} was not found",
    ),
    BOOK_WORDING,
)


def rules() -> list:
    return [
        v11("/servers", list_servers, ["GET"]),
        v11("/servers", create_server, ["POST"]),
        v11("/servers/detail", list_servers_detail, ["GET"]),
        v11("/servers/<ident>", show_server, ["GET"]),
        v11("/servers/<ident>", update_server, ["PUT"]),
        v11("/servers/<ident>", delete_server, ["DELETE"]),
        v11("/servers/<ident>/ips", list_addresses, ["GET"]),
        v11("/servers/<ident>/ips/<network>", network_addresses, ["GET"]),
        *SERVER_METADATA.rules("/servers/<ident>", key="<key>", make_route=book_rule),
        v11("/servers/<ident>/action", server_action, ["POST"]),
    ]
