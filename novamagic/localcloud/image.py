"""A Glance v2 subset: versions, images create / upload / list (paginated) / show / delete, an
image's (empty) tasks, and a minimal schema.

The same images compute shows; snapshots from ``createImage`` appear here, queued -> saving ->
active. Glance answers errors as plain text, so does this.
"""

from __future__ import annotations

from urllib.parse import urlencode

from novamagic.localcloud import errors, model
from novamagic.localcloud.clock import iso_seconds
from novamagic.localcloud.http import Call, UnsupportedMediaType, query_limit, route

DEFAULT_LIMIT = 25  # Glance's limit_param_default
MAX_LIMIT = 1000  # Glance's api_limit_max
CORE_FIELDS = frozenset(
    "id name status visibility protected checksum owner size min_ram min_disk disk_format "
    "container_format created_at updated_at tags self file schema virtual_size os_hidden "
    "os_hash_algo os_hash_value".split()
)


#: Query parameters a Glance v2 listing reads itself (the rest filter extra properties).
LIST_PARAMS = frozenset(
    "name status visibility owner disk_format container_format limit marker sort sort_key "
    "sort_dir member_status tag size_min size_max created_at updated_at protected os_hidden "
    "id".split()
)


def _versions(call: Call) -> dict:
    root = f"{call.base_url}/image"
    return {
        "versions": [
            {
                "id": f"v2.{minor}",
                "status": "CURRENT" if minor == 16 else "SUPPORTED",
                "links": [{"rel": "self", "href": f"{root}/v2/"}],
            }
            for minor in (16, 15, 9, 7, 6, 5, 4, 3, 2, 1, 0)
        ]
    }


def versions(call: Call):
    return _versions(call), 300


def versions_ok(call: Call):
    return _versions(call)


def image_body(image: model.Image) -> dict:
    body = {
        "id": image.id,
        "name": image.name,
        "status": image.status,
        "visibility": image.visibility,
        "protected": False,
        "os_hidden": False,
        "checksum": image.checksum if image.status == "active" else None,
        "os_hash_algo": "sha512" if image.status == "active" else None,
        "os_hash_value": (image.checksum * 4)
        if image.status == "active" and image.checksum
        else None,
        "owner": image.owner,
        "size": image.size if image.status == "active" else None,
        "virtual_size": None,
        "min_ram": image.min_ram,
        "min_disk": image.min_disk,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "created_at": iso_seconds(image.created),
        "updated_at": iso_seconds(image.updated),
        "tags": [],
        "self": f"/v2/images/{image.id}",
        "file": f"/v2/images/{image.id}/file",
        "schema": "/v2/schemas/image",
    }
    for key, value in image.properties.items():
        if key not in CORE_FIELDS:
            body[key] = value
    return body


def list_images(call: Call):
    args = call.request.args
    limit = query_limit(args, DEFAULT_LIMIT, MAX_LIMIT)
    with call.state.lock:
        images = call.state.list_images(call.token)
        for key in ("name", "status", "visibility", "owner", "disk_format", "container_format"):
            if key in args:
                wanted = args[key]
                images = [i for i in images if str(getattr(i, key)) == wanted]
        # Any other parameter filters on an extra property, as Glance v2 flattens them.
        for key in set(args) - LIST_PARAMS:
            wanted = args[key]
            images = [i for i in images if str(i.properties.get(key)) == wanted]
        sort_key, sort_dir = args.get("sort_key", "created_at"), args.get("sort_dir", "desc")
        if "sort" in args:
            sort_key, _, sort_dir = args["sort"].split(",")[0].partition(":")
            sort_dir = sort_dir or "desc"
        keys = {
            "created_at": lambda i: (i.created, i.number),
            "updated_at": lambda i: (i.updated, i.number),
            "name": lambda i: (i.name, i.number),
            "size": lambda i: (i.size or 0, i.number),
            "id": lambda i: i.id,
        }
        if sort_key not in keys or sort_dir not in ("asc", "desc"):
            raise errors.BadRequest(
                f"Invalid sort: sort_key one of {', '.join(sorted(keys))}, sort_dir asc or desc."
            )
        images.sort(key=keys[sort_key], reverse=sort_dir == "desc")
        start = 0
        marker = args.get("marker")
        if marker is not None:
            ids = [i.id for i in images]
            if marker not in ids:
                raise errors.BadRequest(f"Invalid marker. Image {marker} could not be found.")
            start = ids.index(marker) + 1
        page = images[start : start + limit]
        body = {
            "images": [image_body(i) for i in page],
            "first": "/v2/images",
            "schema": "/v2/schemas/images",
        }
    if page and len(page) == limit:
        params = [(k, v) for k, v in args.items(multi=True) if k not in ("marker", "limit")]
        params += [("limit", str(limit)), ("marker", page[-1].id)]
        body["next"] = f"/v2/images?{urlencode(params)}"
    return body


def show_image(call: Call, image_id: str):
    with call.state.lock:
        try:
            return image_body(call.state.get_image(call.token, image_id))
        except errors.NotFound:
            raise errors.NotFound(f"No image found with ID {image_id}") from None


def delete_image(call: Call, image_id: str):
    try:
        call.state.delete_image(call.token, image_id)
    except errors.NotFound:
        raise errors.NotFound(f"No image found with ID {image_id}") from None
    return None, 204


def create_image(call: Call):
    spec = call.json()
    if not isinstance(spec, dict):
        raise errors.BadRequest("Invalid request body: expected a JSON object of image attributes.")
    with call.state.lock:
        image = call.state.create_glance_image(call.token, spec)
        body = image_body(image)
    return body, 201, {"Location": f"{call.base_url}/image/v2/images/{image.id}"}


def upload_image(call: Call, image_id: str):
    if call.request.mimetype != "application/octet-stream":
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {call.request.mimetype or '(none)'}: image data is "
            "application/octet-stream."
        )
    try:
        call.state.upload_image_data(call.token, image_id, call.request.get_data(cache=False))
    except errors.NotFound:
        raise errors.NotFound(f"No image found with ID {image_id}") from None
    return None, 204


def image_tasks(call: Call, image_id: str):
    """Glance 2.12's tasks of an image (imports): none here, as images arrive by upload."""
    show_image(call, image_id)
    return {"tasks": []}


def image_schema(call: Call):
    properties = {name: {"type": ["null", "string"]} for name in sorted(CORE_FIELDS)}
    return {
        "name": "image",
        "properties": properties,
        "additionalProperties": {"type": "string"},
        "links": [],
    }


def images_schema(call: Call):
    return {
        "name": "images",
        "properties": {"images": {"type": "array", "items": image_schema(call)}},
        "links": [],
    }


def rules():
    return [
        route("/image", versions, ["GET"], face="image", auth=False),
        route("/image/versions", versions_ok, ["GET"], face="image", auth=False),
        route("/image/v2", versions_ok, ["GET"], face="image", auth=False),
        route("/image/v2/images", list_images, ["GET"], face="image"),
        route("/image/v2/images", create_image, ["POST"], face="image"),
        route("/image/v2/images/<image_id>/file", upload_image, ["PUT"], face="image"),
        route("/image/v2/images/<image_id>/tasks", image_tasks, ["GET"], face="image"),
        route("/image/v2/images/<image_id>", show_image, ["GET"], face="image"),
        route("/image/v2/images/<image_id>", delete_image, ["DELETE"], face="image"),
        route("/image/v2/schemas/image", image_schema, ["GET"], face="image"),
        route("/image/v2/schemas/images", images_schema, ["GET"], face="image"),
    ]
