"""The book's compute API: Nova v1.1 at ``/v1.1/{tenant}/...``, as "Programming OpenStack Compute
API" (2012) prints it.

It is a second face on the same model as ``/v2.1``: a server booted on one root is visible on the
other. What differs is the shape:

* servers, images and flavors carry integer ``id``s (servers numbered 1, 2, 3 ... within the
  tenant; images by their cloud-wide number; flavors "1".."5"), servers also their ``uuid``;
* ``links`` are ``self`` (``<base>/v1.1/<tenant>/servers/N``) and ``bookmark``
  (``<base>/<tenant>/servers/N``); a server's ``image`` and ``flavor`` are refs with string ids
  and a bookmark link;
* addresses are ``{"public": [...], "private": [...]}`` of ``{"version", "addr"}``, also under
  ``/ips/{network}`` (``{"addresses": {network: [...]}}``, as the book prints it);
* every metadata reply, whole or one item, is ``{"metadata": {...}}``;
* faults use the book's words: "Server name is an empty string", "Cannot find requested image
  <ref>: Image <n> could not be found.", "Invalid flavorRef provided.", and itemNotFound "The
  resource could not be found."; going over a quota is 413 ``overLimit``, as Nova answered then.

It accepts what the book shows working, and only on this root (``/v2.1`` stays strict): JSON
whatever the Content-Type says (13 of the book's curl commands send it labelled as a form), a
personality entry with an empty path and empty contents (ignored), full URLs as imageRef and
flavorRef (also in resize), ``{"confirmResize": null}``, item PUTs as ``{"metadata": {k: v}}``
(or ``{"meta": ...}``), and the book's seven-group ``accessIPv6`` ``fe80:0:0:0:0:c0a8:6402``,
read as the address with its run of zero groups one group longer (``fe80::c0a8:6402``, the
address the book's ``/ips`` shows).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import itertools

from novamagic.localcloud import errors, model
from novamagic.localcloud.app import Call, regex_filter, route
from novamagic.localcloud.clock import iso_seconds, parse_time

__all__ = ["rules", "repair_ipv6"]

NOT_FOUND = "The resource could not be found."
NAME_EMPTY = "Server name is an empty string"
BAD_FLAVOR = "Invalid flavorRef provided."
#: Glance's states as the v1.1 images API named them, with the progress it showed.
IMAGE_STATUS = {"queued": ("SAVING", 0), "saving": ("SAVING", 50), "active": ("ACTIVE", 100)}
NETWORK_ORDER = ("public", "private")
#: The personality entry of the book's boot request: no file at all.
BOOK_PLACEHOLDER_FILE = {"path": "", "contents": ""}


# --------------------------------------------------------------------------- request context


class Face:
    """URLs and lookups for one request on ``/v1.1/<tenant>``."""

    def __init__(self, call: Call, tenant: str):
        token = call.token
        if tenant not in (token.project.name, token.project.id):
            raise errors.BadRequest(
                f"Malformed request URL: tenant '{tenant}' in the URL is not the token's project "
                f"'{token.project.name}'."
            )
        self.call = call
        self.cloud: model.CloudState = call.state
        self.token = token
        self.tenant = tenant
        self.prefix = f"{call.base_url}/v1.1/{tenant}"
        self.bookmark = f"{call.base_url}/{tenant}"

    # ---- lookups: numbers as the book uses them, uuids as /v2.1 shows them
    def server(self, ident: str) -> model.Server:
        try:
            if ident.isdecimal():
                return self.cloud.find_server_by_number(self.token, int(ident))
            return self.cloud.get_server(self.token, ident)
        except errors.NotFound:
            raise errors.NotFound(NOT_FOUND) from None

    def image(self, ident: str) -> model.Image:
        try:
            if ident.isdecimal():
                return self.cloud.find_image_by_number(self.token, int(ident))
            return self.cloud.get_image(self.token, ident)
        except errors.NotFound:
            raise errors.NotFound(NOT_FOUND) from None

    def flavor(self, ident: str) -> model.Flavor:
        try:
            return self.cloud.get_flavor(ident)
        except errors.NotFound:
            raise errors.NotFound(NOT_FOUND) from None

    def image_for_ref(self, ref) -> model.Image:
        """An imageRef (number, uuid or URL); a missing one reads as image 0, as the book shows."""
        href = "" if ref is None else str(ref)
        key = _last_segment(href) or "0"
        try:
            image = self.image(key)
        except errors.NotFound:
            raise errors.BadRequest(
                f"Cannot find requested image {href}: Image {key} could not be found."
            ) from None
        if image.status != "active":
            raise errors.BadRequest(
                f"Cannot find requested image {href}: Image {key} is not active."
            )
        return image

    def flavor_for_ref(self, ref) -> model.Flavor:
        if not isinstance(ref, (str, int)) or isinstance(ref, bool) or not str(ref).strip():
            raise errors.BadRequest(BAD_FLAVOR)
        try:
            return self.flavor(_last_segment(str(ref)))
        except errors.NotFound:
            raise errors.BadRequest(BAD_FLAVOR) from None

    # ---- views
    def links(self, kind: str, ident) -> list[dict]:
        return [
            {"href": f"{self.prefix}/{kind}/{ident}", "rel": "self"},
            {"href": f"{self.bookmark}/{kind}/{ident}", "rel": "bookmark"},
        ]

    def ref(self, kind: str, ident) -> dict:
        return {
            "id": str(ident),
            "links": [{"href": f"{self.bookmark}/{kind}/{ident}", "rel": "bookmark"}],
        }

    def server_brief(self, server: model.Server) -> dict:
        return {
            "id": server.number,
            "uuid": server.id,
            "links": self.links("servers", server.number),
            "name": server.name,
        }

    def server_full(self, server: model.Server, admin_pass: str | None = None) -> dict:
        image = self.cloud.images.get(server.image_id)
        user = self.cloud.users.get(server.user_id)
        body = {
            "status": server.status,
            "updated": iso_seconds(server.updated),
            "hostId": "" if server.launched_at is None else _host_id(server),
            "user_id": user.name if user is not None else server.user_id,
            "name": server.name,
            "links": self.links("servers", server.number),
            "created": iso_seconds(server.created),
            "tenant_id": self.tenant,
            "image": self.ref("images", image.number if image is not None else server.image_id),
        }
        if admin_pass is not None:
            body["adminPass"] = admin_pass
        body.update(
            {
                "uuid": server.id,
                "accessIPv4": server.access_ipv4,
                "metadata": dict(server.metadata),
                "accessIPv6": server.access_ipv6,
                "key_name": server.key_name,
                "progress": server.progress,
                "flavor": self.ref("flavors", server.flavor_id),
                "config_drive": server.config_drive,
                "id": server.number,
                "addresses": addresses(server),
            }
        )
        return body

    def image_brief(self, image: model.Image) -> dict:
        return {"id": image.number, "links": self.links("images", image.number), "name": image.name}

    def image_full(self, image: model.Image) -> dict:
        status, progress = IMAGE_STATUS.get(image.status, ("UNKNOWN", 0))
        body = {
            "id": image.number,
            "name": image.name,
            "links": self.links("images", image.number),
            "status": status,
            "progress": progress,
            "created": iso_seconds(image.created),
            "updated": iso_seconds(image.updated),
            "minDisk": image.min_disk,
            "minRam": image.min_ram,
            "metadata": dict(image.properties),
        }
        source = self.cloud.servers.get(image.server_id or "")
        if source is not None and source.project_id == self.token.project.id:
            body["server"] = {"id": source.number, "links": self.links("servers", source.number)}
        return body

    def flavor_brief(self, flavor: model.Flavor) -> dict:
        return {
            "id": _number(flavor.id),
            "links": self.links("flavors", flavor.id),
            "name": flavor.name,
        }

    def flavor_full(self, flavor: model.Flavor) -> dict:
        return {
            "id": _number(flavor.id),
            "name": flavor.name,
            "ram": flavor.ram,
            "disk": flavor.disk,
            "vcpus": flavor.vcpus,
            "links": self.links("flavors", flavor.id),
        }


def _number(ident: str):
    return int(ident) if ident.isdecimal() else ident


def _host_id(server: model.Server) -> str:
    # Nova's hostId (the same on /v2.1): a hash of the project and the host.
    return hashlib.sha224(f"{server.project_id}{model.HOST}".encode()).hexdigest()


def addresses(server: model.Server) -> dict[str, list[dict]]:
    """Public, then private; none before the server first launched (the book's new server shows
    ``{}``, a failed build has none), once deleted, or when /v2.1 booted it without networks."""
    if server.launched_at is None or server.deleted or not server.networked:
        return {}
    pools = model.AddressPools.addresses(server.slot)
    return {
        network: [{"version": version, "addr": addr} for version, addr, _mac in pools[network]]
        for network in NETWORK_ORDER
    }


def legacy(handler):
    """Give a handler its :class:`Face` and answer quota errors as v1.1 did (413 overLimit)."""

    @functools.wraps(handler)
    def wrapper(call: Call, tenant: str, **args):
        try:
            with call.state.lock:
                return handler(Face(call, tenant), **args)
        except errors.OverQuota as exc:
            return errors.nova_fault(413, exc.message)

    return wrapper


# --------------------------------------------------------------------------- lenient input


def repair_ipv6(value):
    """The book's ``fe80:0:0:0:0:c0a8:6402`` has seven groups: read its longest run of zero
    groups as one group longer (what ``::`` would have meant). Anything else is returned as is,
    for the model to judge."""
    if not isinstance(value, str) or "::" in value:
        return value
    groups = value.split(":")
    if len(groups) != 7:
        return value
    runs, position = [], 0  # (length, start) of each run of zero groups
    for is_zero, run in itertools.groupby(groups, key=lambda g: g != "" and not g.strip("0")):
        length = len(list(run))
        if is_zero:
            runs.append((length, -position))
        position += length
    if not runs:
        return value
    _length, start = max(runs)
    groups.insert(-start, "0")
    try:
        return str(ipaddress.IPv6Address(":".join(groups)))
    except ValueError:
        return value


def _personality(value):
    """Drop the book's placeholder entry ``{"path": "", "contents": ""}``; keep the rest."""
    if not isinstance(value, list):
        return value
    return [item for item in value if item != BOOK_PLACEHOLDER_FILE]


def _entity(call: Call, key: str) -> dict:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise errors.BadRequest(
            f'Malformed request body: expected a JSON object {{"{key}": {{...}}}}.'
        )
    return body[key]


def _metadata_body(call: Call) -> dict:
    return _entity(call, "metadata")


def _metadata_item(call: Call, key: str) -> dict:
    """An item PUT: ``{"metadata": {key: value}}`` as the book sends it, or ``{"meta": ...}``."""
    body = call.json()
    item = None
    if isinstance(body, dict):
        item = body.get("metadata", body.get("meta"))
    if not isinstance(item, dict):
        raise errors.BadRequest(
            'Malformed request body: expected {"metadata": {"<key>": "<value>"}}.'
        )
    if len(item) > 1:
        raise errors.BadRequest("Request body contains too many items")
    if key not in item:
        raise errors.BadRequest("Request body and URI mismatch")
    return item


# --------------------------------------------------------------------------- servers


def _listed(face: Face) -> list[model.Server]:
    """The tenant's servers, newest first, filtered as v1.1 allowed: ``changes-since`` (deleted
    servers included), ``image``, ``flavor`` (number, id or URL), ``status``, ``name`` (a regular
    expression). Lists are not paginated: ``limit`` and ``marker`` are ignored, every server
    comes back in one page."""
    args = face.call.request.args
    since = None
    if "changes-since" in args:
        try:
            since = parse_time(args["changes-since"])
        except (ValueError, OverflowError):
            raise errors.BadRequest(
                f"Invalid changes-since value {args['changes-since']!r}: use ISO 8601, e.g. 2012-03-21T00:00:00Z."
            ) from None
    servers = face.cloud.list_servers(face.token, include_deleted_since=since)
    if "image" in args:
        try:
            image_id = face.image(_last_segment(args["image"])).id
        except errors.NotFound:
            return []
        servers = [s for s in servers if s.image_id == image_id]
    if "flavor" in args:
        servers = [s for s in servers if s.flavor_id == _last_segment(args["flavor"])]
    if "status" in args:
        servers = [s for s in servers if s.status == args["status"].upper()]
    if "name" in args:
        name_matches = regex_filter(args["name"], "name")
        servers = [s for s in servers if name_matches(s.name)]
    return servers


def _last_segment(ref: str) -> str:
    """``http://host/v1.1/openstack/images/1`` -> ``1``; a bare id stays itself."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


@legacy
def list_servers(face: Face):
    servers = _listed(face)
    return {"servers": [face.server_brief(s) for s in servers]}


@legacy
def list_servers_detail(face: Face):
    servers = _listed(face)
    return {"servers": [face.server_full(s) for s in servers]}


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise errors.BadRequest(NAME_EMPTY)
    return name


@legacy
def create_server(face: Face):
    spec = _entity(face.call, "server")
    name = _check_name(spec.get("name"))
    image = face.image_for_ref(spec.get("imageRef"))
    flavor = face.flavor_for_ref(spec.get("flavorRef"))
    (server,) = face.cloud.create_servers(
        face.token,
        name,
        image.id,
        flavor.id,
        metadata=spec.get("metadata"),
        personality=_personality(spec.get("personality")),
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
    spec = _entity(face.call, "server")
    server = face.server(ident)
    if "name" in spec:
        _check_name(spec["name"])
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


# ---- server metadata


@legacy
def server_metadata(face: Face, ident: str):
    return {"metadata": dict(face.server(ident).metadata)}


def _set_server_metadata(face: Face, ident: str, replace: bool):
    server = face.server(ident)
    metadata = face.cloud.set_server_metadata(
        face.token, server.id, _metadata_body(face.call), replace=replace
    )
    return {"metadata": dict(metadata)}


@legacy
def replace_server_metadata(face: Face, ident: str):
    return _set_server_metadata(face, ident, replace=True)


@legacy
def update_server_metadata(face: Face, ident: str):
    return _set_server_metadata(face, ident, replace=False)


@legacy
def server_metadata_item(face: Face, ident: str, key: str):
    metadata = face.server(ident).metadata
    if key not in metadata:
        raise errors.NotFound(f"Metadata item {key} was not found")
    return {"metadata": {key: metadata[key]}}


@legacy
def set_server_metadata_item(face: Face, ident: str, key: str):
    server = face.server(ident)
    item = _metadata_item(face.call, key)
    metadata = face.cloud.set_server_metadata(face.token, server.id, item, replace=False)
    return {"metadata": {key: metadata[key]}}


@legacy
def delete_server_metadata_item(face: Face, ident: str, key: str):
    face.cloud.delete_server_metadata_item(face.token, face.server(ident).id, key)
    return None, 204


# ---- actions


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
        _check_name(args["name"])
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
        personality=_personality(args.get("personality")),
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


@legacy
def server_action(face: Face, ident: str):
    body = face.call.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest(
            'Malformed request body: expected one action, e.g. {"reboot": {"type": "SOFT"}}; '
            f"actions: {', '.join(ACTIONS)}."
        )
    ((name, args),) = body.items()
    action = ACTIONS.get(name)
    if action is None:
        raise errors.BadRequest(f"There is no such action: {name}")
    return action(face, face.server(ident), args)


# --------------------------------------------------------------------------- images


def _newest_first(images: list[model.Image]) -> list[model.Image]:
    return sorted(images, key=lambda image: image.number, reverse=True)


@legacy
def list_images(face: Face):
    return {
        "images": [face.image_brief(i) for i in _newest_first(face.cloud.list_images(face.token))]
    }


@legacy
def list_images_detail(face: Face):
    return {
        "images": [face.image_full(i) for i in _newest_first(face.cloud.list_images(face.token))]
    }


@legacy
def show_image(face: Face, ident: str):
    return {"image": face.image_full(face.image(ident))}


@legacy
def delete_image(face: Face, ident: str):
    face.cloud.delete_image(face.token, face.image(ident).id)
    return None, 204


@legacy
def image_metadata(face: Face, ident: str):
    return {"metadata": dict(face.image(ident).properties)}


def _set_image_metadata(face: Face, ident: str, replace: bool):
    image = face.image(ident)
    metadata = face.cloud.set_image_metadata(
        face.token, image.id, _metadata_body(face.call), replace=replace
    )
    return {"metadata": dict(metadata)}


@legacy
def replace_image_metadata(face: Face, ident: str):
    return _set_image_metadata(face, ident, replace=True)


@legacy
def update_image_metadata(face: Face, ident: str):
    return _set_image_metadata(face, ident, replace=False)


@legacy
def image_metadata_item(face: Face, ident: str, key: str):
    properties = face.image(ident).properties
    if key not in properties:
        raise errors.NotFound(f"Metadata item {key} was not found")
    return {"metadata": {key: properties[key]}}


@legacy
def set_image_metadata_item(face: Face, ident: str, key: str):
    image = face.image(ident)
    item = _metadata_item(face.call, key)
    metadata = face.cloud.set_image_metadata_item(face.token, image.id, key, item[key])
    return {"metadata": {key: metadata[key]}}


@legacy
def delete_image_metadata_item(face: Face, ident: str, key: str):
    face.cloud.delete_image_metadata_item(face.token, face.image(ident).id, key)
    return None, 204


# --------------------------------------------------------------------------- flavors, limits


def _flavors(face: Face) -> list[model.Flavor]:
    """Numbered flavors in numeric order (1 .. 5), then any others by id."""
    return sorted(
        face.cloud.list_flavors(),
        key=lambda f: (0, int(f.id), "") if f.id.isdecimal() else (1, 0, f.id),
    )


@legacy
def list_flavors(face: Face):
    return {"flavors": [face.flavor_brief(f) for f in _flavors(face)]}


@legacy
def list_flavors_detail(face: Face):
    return {"flavors": [face.flavor_full(f) for f in _flavors(face)]}


@legacy
def show_flavor(face: Face, ident: str):
    return {"flavor": face.flavor_full(face.flavor(ident))}


@legacy
def limits(face: Face):
    quota = face.cloud.quota_limits(face.token.project.id)
    used = face.cloud.usage(face.token.project.id)
    return {
        "limits": {
            "rate": [],
            "absolute": {
                "maxTotalRAMSize": quota["ram"],
                "maxServerMeta": quota["metadata_items"],
                "maxImageMeta": quota["metadata_items"],
                "maxPersonality": quota["injected_files"],
                "maxPersonalitySize": quota["injected_file_content_bytes"],
                "maxTotalInstances": quota["instances"],
                "maxTotalCores": quota["cores"],
                "totalRAMUsed": used["ram"],
                "totalInstancesUsed": used["instances"],
                "totalCoresUsed": used["cores"],
            },
        }
    }


def version(call: Call):
    return {
        "version": {
            "id": "v1.1",
            "status": "DEPRECATED",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{call.base_url}/v1.1/"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.compute+json;version=1.1",
                }
            ],
        }
    }


def tenant_version(call: Call, tenant: str):
    """The endpoint the book's catalog gives (``.../v1.1/<tenant>``) describes its version."""
    return version(call)


# --------------------------------------------------------------------------- routes


def rules():
    def v11(path: str, handler, methods):
        return route(f"/v1.1/<tenant>{path}", handler, methods, face="legacy")

    return [
        route("/v1.1", version, ["GET"], face="legacy", auth=False),
        route("/v1.1/<tenant>", tenant_version, ["GET"], face="legacy", auth=False),
        v11("/servers", list_servers, ["GET"]),
        v11("/servers", create_server, ["POST"]),
        v11("/servers/detail", list_servers_detail, ["GET"]),
        v11("/servers/<ident>", show_server, ["GET"]),
        v11("/servers/<ident>", update_server, ["PUT"]),
        v11("/servers/<ident>", delete_server, ["DELETE"]),
        v11("/servers/<ident>/ips", list_addresses, ["GET"]),
        v11("/servers/<ident>/ips/<network>", network_addresses, ["GET"]),
        v11("/servers/<ident>/metadata", server_metadata, ["GET"]),
        v11("/servers/<ident>/metadata", replace_server_metadata, ["PUT"]),
        v11("/servers/<ident>/metadata", update_server_metadata, ["POST"]),
        v11("/servers/<ident>/metadata/<key>", server_metadata_item, ["GET"]),
        v11("/servers/<ident>/metadata/<key>", set_server_metadata_item, ["PUT"]),
        v11("/servers/<ident>/metadata/<key>", delete_server_metadata_item, ["DELETE"]),
        v11("/servers/<ident>/action", server_action, ["POST"]),
        v11("/images", list_images, ["GET"]),
        v11("/images/detail", list_images_detail, ["GET"]),
        v11("/images/<ident>", show_image, ["GET"]),
        v11("/images/<ident>", delete_image, ["DELETE"]),
        v11("/images/<ident>/metadata", image_metadata, ["GET"]),
        v11("/images/<ident>/metadata", replace_image_metadata, ["PUT"]),
        v11("/images/<ident>/metadata", update_image_metadata, ["POST"]),
        v11("/images/<ident>/metadata/<key>", image_metadata_item, ["GET"]),
        v11("/images/<ident>/metadata/<key>", set_image_metadata_item, ["PUT"]),
        v11("/images/<ident>/metadata/<key>", delete_image_metadata_item, ["DELETE"]),
        v11("/flavors", list_flavors, ["GET"]),
        v11("/flavors/detail", list_flavors_detail, ["GET"]),
        v11("/flavors/<ident>", show_flavor, ["GET"]),
        v11("/limits", limits, ["GET"]),
    ]
