"""The image view of the compute API's image proxy (below microversion 2.36)."""

from __future__ import annotations

from novamagic.localcloud import model
from novamagic.localcloud.clock import iso_seconds
from novamagic.localcloud.compute.common import item_links
from novamagic.localcloud.http import Call

GLANCE_TO_NOVA = {
    "queued": "SAVING",
    "saving": "SAVING",
    "active": "ACTIVE",
    "killed": "ERROR",
    "deleted": "DELETED",
}
GLANCE_PROGRESS = {"queued": 25, "saving": 50, "active": 100}


def image_view(call: Call, root: str, image: model.Image, detail: bool = True) -> dict:
    project = call.token.project.id
    links = item_links(root, project, "images", image.id) + [
        {
            "rel": "alternate",
            "type": "application/vnd.openstack.image",
            "href": f"{call.base_url}/image/v2/images/{image.id}",
        }
    ]
    body = {"id": image.id, "name": image.name, "links": links}
    if not detail:
        return body
    body.update(
        {
            "minRam": image.min_ram,
            "minDisk": image.min_disk,
            "metadata": dict(image.properties),
            "created": iso_seconds(image.created),
            "updated": iso_seconds(image.updated),
            "status": GLANCE_TO_NOVA.get(image.status, "UNKNOWN"),
            "progress": GLANCE_PROGRESS.get(image.status, 0),
            "OS-EXT-IMG-SIZE:size": image.size if image.status == "active" else None,
        }
    )
    if image.server_id:
        body["server"] = {
            "id": image.server_id,
            "links": item_links(root, project, "servers", image.server_id),
        }
    return body
