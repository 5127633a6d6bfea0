"""Nova's image proxy (gone from microversion 2.36): list, detail, show, delete, metadata."""

from __future__ import annotations

from novamagic.localcloud import errors, model
from novamagic.localcloud.compute.common import BY_ID, paginate, root_url, time_param
from novamagic.localcloud.compute.metadata import (
    NOVA_WORDING,
    MetadataStore,
    metadata_controller,
)
from novamagic.localcloud.compute.views.images import GLANCE_TO_NOVA, image_view
from novamagic.localcloud.http import Call, route


def _images_version(call: Call) -> None:
    if call.at_least("2.36"):
        raise errors.NotFound(
            "The image proxy API was removed in microversion 2.36; use the Image service."
        )


def _sorted_images(images: list) -> list:
    return sorted(images, key=lambda i: (i.created, i.number), reverse=True)


def _list_images(call: Call, detail: bool):
    _images_version(call)
    args = call.request.args
    with call.state.lock:
        images = _sorted_images(call.state.list_images(call.token))
        if "name" in args:
            images = [i for i in images if i.name == args["name"]]
        if "status" in args:
            wanted = args["status"].upper()
            images = [i for i in images if GLANCE_TO_NOVA.get(i.status) == wanted]
        if "server" in args:
            server_id = model.ref_to_id(args["server"])
            images = [i for i in images if i.server_id == server_id]
        if "type" in args:
            # Nova's type filter: SNAPSHOT or BASE (an image that is not a snapshot).
            kind = args["type"].upper()
            if kind not in ("SNAPSHOT", "BASE"):
                raise errors.BadRequest(
                    f"Invalid type filter {args['type']!r}; allowed: SNAPSHOT, BASE."
                )
            images = [
                i
                for i in images
                if (i.properties.get("image_type") == "snapshot") == (kind == "SNAPSHOT")
            ]
        if "changes-since" in args:
            since = time_param(args["changes-since"], "changes-since")
            images = [i for i in images if i.updated >= since]
        for key, attr in (("minRam", "min_ram"), ("minDisk", "min_disk")):
            if key in args:
                try:
                    minimum = int(args[key])
                except ValueError:
                    raise errors.BadRequest(
                        f"Invalid {key} filter {args[key]!r}: an integer is required."
                    ) from None
                images = [i for i in images if getattr(i, attr) >= minimum]
        page, links = paginate(call, images, BY_ID)
        root = root_url(call)
        body = {"images": [image_view(call, root, i, detail) for i in page]}
    if links:
        body["images_links"] = links
    return body


def list_images(call: Call):
    return _list_images(call, False)


def list_images_detail(call: Call):
    return _list_images(call, True)


def show_image(call: Call, image_id: str):
    _images_version(call)
    with call.state.lock:
        return {
            "image": image_view(call, root_url(call), call.state.get_image(call.token, image_id))
        }


def delete_image(call: Call, image_id: str):
    _images_version(call)
    call.state.delete_image(call.token, image_id)
    return None, 204


def _write_image_item(call: Call, image_id: str, key: str, value):
    call.state.set_image_metadata_item(call.token, image_id, key, value)
    return value


IMAGE_METADATA = metadata_controller(
    MetadataStore(
        noun="image",
        id_arg="image_id",
        read=lambda call, image_id: call.state.get_image(call.token, image_id).properties,
        write=lambda call, image_id, items, replace: call.state.set_image_metadata(
            call.token, image_id, items, replace=replace
        ),
        write_item=_write_image_item,
        delete_item=lambda call, image_id, key: call.state.delete_image_metadata_item(
            call.token, image_id, key
        ),
        missing=lambda key: f"Image metadata item {key} was not found.",
        guard=_images_version,
    ),
    NOVA_WORDING,
)


def delete_blank_image_id(call: Call):
    """``DELETE /images/`` (a blank id) names no image: 404, as Nova's router answers."""
    raise errors.NotFound("Image not found.")


def relative_rules() -> list:
    return [
        route("/images", list_images, ["GET"]),
        route("/images/detail", list_images_detail, ["GET"]),
        route("/images/<image_id>", show_image, ["GET"]),
        route("/images/<image_id>", delete_image, ["DELETE"]),
        route("/images", delete_blank_image_id, ["DELETE"]),
        *IMAGE_METADATA.rules("/images/<image_id>"),
    ]
