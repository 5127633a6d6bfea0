"""The book's images, flavors, limits and version documents on ``/v1.1``."""

from __future__ import annotations

from novamagic.localcloud import model
from novamagic.localcloud.compute.metadata import MetadataStore, metadata_controller
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.legacy.face import (
    BOOK_WORDING,
    Face,
    book_rule,
    find_image,
    legacy,
    v11,
)


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


def _write_image_item(call: Call, image_id: str, key: str, value):
    return call.state.set_image_metadata_item(call.token, image_id, key, value)[key]


IMAGE_METADATA = metadata_controller(
    MetadataStore(
        noun="image",
        id_arg="ident",
        resolve=lambda call, ident: find_image(call, ident).id,
        read=lambda call, image_id: call.state.get_image(call.token, image_id).properties,
        write=lambda call, image_id, items, replace: call.state.set_image_metadata(
            call.token, image_id, items, replace=replace
        ),
        write_item=_write_image_item,
        delete_item=lambda call, image_id, key: call.state.delete_image_metadata_item(
            call.token, image_id, key
        ),
        missing=lambda key: f"Metadata item {key} was not found",
    ),
    BOOK_WORDING,
)


def version_rules() -> list:
    return [
        route("/v1.1", version, ["GET"], face="legacy", auth=False),
        route("/v1.1/<tenant>", tenant_version, ["GET"], face="legacy", auth=False),
    ]


def rules() -> list:
    return [
        v11("/images", list_images, ["GET"]),
        v11("/images/detail", list_images_detail, ["GET"]),
        v11("/images/<ident>", show_image, ["GET"]),
        v11("/images/<ident>", delete_image, ["DELETE"]),
        *IMAGE_METADATA.rules("/images/<ident>", key="<key>", make_route=book_rule),
        v11("/flavors", list_flavors, ["GET"]),
        v11("/flavors/detail", list_flavors_detail, ["GET"]),
        v11("/flavors/<ident>", show_flavor, ["GET"]),
        v11("/limits", limits, ["GET"]),
    ]
