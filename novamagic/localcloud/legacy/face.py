"""The book's face as one request sees it: the tenant check, lookups by number, the v1.1 views,
and the lenient reading of the book's request bodies."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import itertools

from novamagic.localcloud import errors, model
from novamagic.localcloud.clock import iso_seconds
from novamagic.localcloud.compute.metadata import MetadataWording
from novamagic.localcloud.http import Call, route

__all__ = ["Face", "legacy", "book_call", "book_rule", "repair_ipv6", "v11"]

NOT_FOUND = "The resource could not be found."
NAME_EMPTY = "Server name is an empty string"
BAD_FLAVOR = "Invalid flavorRef provided."
#: Glance's states as the v1.1 images API named them, with the progress it showed.
IMAGE_STATUS = {"queued": ("SAVING", 0), "saving": ("SAVING", 50), "active": ("ACTIVE", 100)}
NETWORK_ORDER = ("public", "private")
#: The personality entry of the book's boot request: no file at all.
BOOK_PLACEHOLDER_FILE = {"path": "", "contents": ""}


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
        return find_server(self.call, ident)

    def image(self, ident: str) -> model.Image:
        return find_image(self.call, ident)

    def flavor(self, ident: str) -> model.Flavor:
        try:
            return self.cloud.get_flavor(ident)
        except errors.NotFound:
            raise errors.NotFound(NOT_FOUND) from None

    def image_for_ref(self, ref) -> model.Image:
        """An imageRef (number, uuid or URL); a missing one reads as image 0, as the book shows."""
        href = "" if ref is None else str(ref)
        key = last_segment(href) or "0"
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
            return self.flavor(last_segment(str(ref)))
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


def find_server(call: Call, ident: str) -> model.Server:
    """A server by its number in the tenant (as the book counts) or its uuid."""
    try:
        if ident.isdecimal():
            return call.state.find_server_by_number(call.token, int(ident))
        return call.state.get_server(call.token, ident)
    except errors.NotFound:
        raise errors.NotFound(NOT_FOUND) from None


def find_image(call: Call, ident: str) -> model.Image:
    """An image by its cloud-wide number or its uuid."""
    try:
        if ident.isdecimal():
            return call.state.find_image_by_number(call.token, int(ident))
        return call.state.get_image(call.token, ident)
    except errors.NotFound:
        raise errors.NotFound(NOT_FOUND) from None


def book_call(handler, with_face: bool = False, locked: bool = True):
    """Check the path's tenant, hold the lock (unless ``locked`` is False: the handler takes it
    itself) and answer quota errors as v1.1 did (413 overLimit). The handler gets the request's
    :class:`Face` (``with_face``) or the call."""

    @functools.wraps(handler)
    def wrapper(call: Call, tenant: str, **args):
        try:
            face = Face(call, tenant)
            if not locked:
                return handler(face if with_face else call, **args)
            with call.state.lock:
                return handler(face if with_face else call, **args)
        except errors.OverQuota as exc:
            return errors.nova_fault(413, exc.message)

    return wrapper


def legacy(handler):
    """:func:`book_call` for a handler that takes the request's :class:`Face`."""
    return book_call(handler, with_face=True)


def legacy_unlocked(handler):
    """:func:`legacy` for a handler that holds the lock itself (a listing whose regex filter
    must match outside it)."""
    return book_call(handler, with_face=True, locked=False)


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


def without_placeholder_files(value):
    """Drop the book's placeholder entry ``{"path": "", "contents": ""}``; keep the rest."""
    if not isinstance(value, list):
        return value
    return [item for item in value if item != BOOK_PLACEHOLDER_FILE]


def entity_body(call: Call, key: str) -> dict:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise errors.BadRequest(
            f'Malformed request body: expected a JSON object {{"{key}": {{...}}}}.'
        )
    return body[key]


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


def last_segment(ref: str) -> str:
    """``http://host/v1.1/openstack/images/1`` -> ``1``; a bare id stays itself."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


def check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise errors.BadRequest(NAME_EMPTY)
    return name


def v11(path: str, handler, methods):
    """A rule below ``/v1.1/<tenant>`` on the book's face."""
    return route(f"/v1.1/<tenant>{path}", handler, methods, face="legacy")


#: How the book words metadata bodies: item PUTs as ``{"metadata": {k: v}}`` (or ``"meta"``),
#: every answer under ``"metadata"``.
BOOK_WORDING = MetadataWording(
    body=lambda call: entity_body(call, "metadata"),
    item=lambda call, key: _metadata_item(call, key)[key],
    item_key="metadata",
)


def book_rule(path: str, handler, methods):
    """A rule on the book's face for a handler that takes the call (the metadata factory's)."""
    return v11(path, book_call(handler), methods)
