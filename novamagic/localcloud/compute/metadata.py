"""Metadata controllers: one factory for every face's ``.../metadata`` and ``.../metadata/{key}``.

Server metadata on ``/v2.1``, image metadata on the image proxy and both on the book's ``/v1.1``
are the same six handlers; :class:`MetadataStore` says how one face reaches one resource's
metadata, :class:`MetadataWording` how that face words bodies, and :func:`metadata_controller`
builds the handlers. The ``/v2.1`` server metadata controller and its rules live here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, route


@dataclass(frozen=True)
class MetadataStore:
    """One resource's metadata as one face reaches it (``ident`` is the path's identifier)."""

    noun: str  # "server" or "image": names the handlers (get_server_metadata, ...)
    id_arg: str  # the path variable holding the resource
    read: Callable[[Call, str], Mapping]
    write: Callable[[Call, str, dict, bool], Mapping]  # (call, ident, items, replace)
    #: Stores one item and gives the value to echo back.
    write_item: Callable[[Call, str, str, Any], Any]
    delete_item: Callable[[Call, str, str], None]
    missing: Callable[[str], str]  # the 404 message for an absent key
    #: The path's identifier as the model's id, before the body is read (the book's face
    #: finds the resource first; ``/v2.1`` reads the body first and lets the model 404).
    resolve: Callable[[Call, str], str] = lambda call, ident: ident
    #: Checked before anything else (the image proxy's microversion gate).
    guard: Callable[[Call], None] = lambda call: None


@dataclass(frozen=True)
class MetadataWording:
    """How one face reads metadata bodies and names the item in its answers."""

    body: Callable[[Call], dict]  # the ``{"metadata": {...}}`` of PUT/POST
    item: Callable[[Call, str], Any]  # the value an item PUT sets for ``key``
    item_key: str  # "meta" on /v2.1, "metadata" in the book


@dataclass(frozen=True)
class MetadataController:
    get: Callable
    replace: Callable
    update: Callable
    get_item: Callable
    set_item: Callable
    delete_item: Callable

    def rules(self, prefix: str, key: str = "<path:key>", make_route=route) -> list:
        """The six rules under ``prefix`` (``.../<server_id>``); ``key`` the item's variable."""
        return [
            make_route(f"{prefix}/metadata", self.get, ["GET"]),
            make_route(f"{prefix}/metadata", self.replace, ["PUT"]),
            make_route(f"{prefix}/metadata", self.update, ["POST"]),
            make_route(f"{prefix}/metadata/{key}", self.get_item, ["GET"]),
            make_route(f"{prefix}/metadata/{key}", self.set_item, ["PUT"]),
            make_route(f"{prefix}/metadata/{key}", self.delete_item, ["DELETE"]),
        ]


def metadata_controller(store: MetadataStore, wording: MetadataWording) -> MetadataController:
    def located(call: Call, path: dict) -> str:
        store.guard(call)
        return store.resolve(call, path[store.id_arg])

    def get(call: Call, **path):
        with call.state.lock:
            return {"metadata": dict(store.read(call, located(call, path)))}

    def write(call: Call, path: dict, replace: bool):
        with call.state.lock:
            ident = located(call, path)
            return {"metadata": dict(store.write(call, ident, wording.body(call), replace))}

    def replace(call: Call, **path):
        return write(call, path, replace=True)

    def update(call: Call, **path):
        return write(call, path, replace=False)

    def get_item(call: Call, key: str, **path):
        with call.state.lock:
            metadata = store.read(call, located(call, path))
            if key not in metadata:
                raise errors.NotFound(store.missing(key))
            return {wording.item_key: {key: metadata[key]}}

    def set_item(call: Call, key: str, **path):
        with call.state.lock:
            ident = located(call, path)
            value = store.write_item(call, ident, key, wording.item(call, key))
            return {wording.item_key: {key: value}}

    def delete_item(call: Call, key: str, **path):
        with call.state.lock:
            store.delete_item(call, located(call, path), key)
        return None, 204

    handlers = {
        "get": (get, f"get_{store.noun}_metadata"),
        "replace": (replace, f"replace_{store.noun}_metadata"),
        "update": (update, f"update_{store.noun}_metadata"),
        "get_item": (get_item, f"get_{store.noun}_metadata_item"),
        "set_item": (set_item, f"set_{store.noun}_metadata_item"),
        "delete_item": (delete_item, f"delete_{store.noun}_metadata_item"),
    }
    for handler, name in handlers.values():
        handler.__name__ = handler.__qualname__ = name  # route tables and logs name them
    return MetadataController(**{slot: handler for slot, (handler, _) in handlers.items()})


# ---------------------------------------------------------------------------- /v2.1 bodies


def _metadata_body(call: Call) -> dict:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
        raise errors.BadRequest(
            'Malformed request body: expected {"metadata": {"key": "value", ...}}.'
        )
    return body["metadata"]


def _meta_item(call: Call, key: str):
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict):
        raise errors.BadRequest('Malformed request body: expected {"meta": {"key": "value"}}.')
    meta = body["meta"]
    if len(meta) > 1:
        raise errors.BadRequest("Request body contains too many items: give exactly one key.")
    if key not in meta:
        raise errors.BadRequest(
            "Request body and URI mismatch: the key in the body must be the key in the URL."
        )
    return meta[key]


#: How ``/v2.1`` words metadata bodies (server and image metadata alike).
NOVA_WORDING = MetadataWording(body=_metadata_body, item=_meta_item, item_key="meta")


def _write_server_item(call: Call, server_id: str, key: str, value):
    call.state.set_server_metadata(call.token, server_id, {key: value}, replace=False)
    return value


SERVER_METADATA = metadata_controller(
    MetadataStore(
        noun="server",
        id_arg="server_id",
        read=lambda call, server_id: call.state.get_server(call.token, server_id).metadata,
        write=lambda call, server_id, items, replace: call.state.set_server_metadata(
            call.token, server_id, items, replace=replace
        ),
        write_item=_write_server_item,
        delete_item=lambda call, server_id, key: call.state.delete_server_metadata_item(
            call.token, server_id, key
        ),
        missing=lambda key: "Metadata item was not found",
    ),
    NOVA_WORDING,
)


def relative_rules() -> list:
    return SERVER_METADATA.rules("/servers/<server_id>")
