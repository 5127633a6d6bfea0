"""Cinder's volumes: list (summary and detail), show, create (empty, from an image or a
snapshot), update, delete, and the actions ``os-extend`` and ``os-set_bootable``.

Per microversion, as Cinder: 3.13 ``group_id`` · 3.21 ``provider_id`` · 3.48
``shared_targets`` and ``service_uuid`` · 3.61 ``cluster_name`` (admins) · 3.63
``volume_type_id`` · 3.65 ``consumes_quota``.
"""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.volume.common import (
    all_projects,
    body_of,
    filtered,
    links,
    paged,
    when,
)

CREATE_KEYS = {"size", "name", "description", "imageRef", "image_id", "snapshot_id",
               "source_volid", "volume_type", "availability_zone", "metadata", "multiattach",
               "consistencygroup_id", "backup_id", "group_id", "display_name",
               "display_description", "OS-SCH-HNT:scheduler_hints"}  # fmt: skip
UPDATE_KEYS = {"name", "description", "metadata", "display_name", "display_description"}
SORT_KEYS = {
    "created_at": lambda v: (v.created, v.id),
    "updated_at": lambda v: (v.updated or 0.0, v.id),
    "name": lambda v: (v.name or "", v.id),
    "size": lambda v: (v.size, v.id),
    "status": lambda v: (v.status, v.id),
    "id": lambda v: v.id,
}
FILTERS = {
    "name": lambda v: v.name,
    "status": lambda v: v.status,
    "bootable": lambda v: "true" if v.bootable else "false",
    "size": lambda v: v.size,
    "availability_zone": lambda v: "nova",
    "metadata": lambda v: v.metadata,
}


def _attachment(a: dict) -> dict:
    return {
        "id": a["volume_id"],
        "attachment_id": a["attachment_id"],
        "volume_id": a["volume_id"],
        "server_id": a["server_id"],
        "host_name": a["host_name"],
        "device": a["device"],
        "attached_at": when(a["attached_at"]),
    }


def volume_view(call: Call, v, extended: bool = True) -> dict:
    """A volume as Cinder shows it; ``extended`` (show and detail, not create or update) adds
    what Cinder's controller extensions add there: tenant, image metadata, host, migration."""
    vtype = call.state.volume_types.get(v.volume_type_id)
    body = {
        "id": v.id,
        "name": v.name,
        "description": v.description,
        "status": v.status,
        "size": v.size,
        "availability_zone": "nova",
        "bootable": "true" if v.bootable else "false",
        "encrypted": False,
        "multiattach": False,
        "created_at": when(v.created),
        "updated_at": when(v.updated),
        "attachments": [_attachment(a) for a in v.attachments],
        "links": links(call, v.project_id, "volumes", v.id),
        "metadata": dict(v.metadata),
        "snapshot_id": v.snapshot_id,
        "source_volid": v.source_volid,
        "consistencygroup_id": None,
        "migration_status": None,
        "replication_status": None,
        "user_id": v.user_id,
        "volume_type": vtype.name if vtype else None,
    }
    if extended:
        body["os-vol-tenant-attr:tenant_id"] = v.project_id
    if extended and v.image_id is not None:
        body["volume_image_metadata"] = {"image_id": v.image_id, "image_name": v.image_name}
    if extended and call.token.is_admin:
        body["os-vol-host-attr:host"] = "localcloud-1@lvm#lvm" if v.status != "creating" else None
        body["os-vol-mig-status-attr:migstat"] = None
        body["os-vol-mig-status-attr:name_id"] = None
    if call.at_least("3.13"):
        body["group_id"] = None
    if call.at_least("3.21"):
        body["provider_id"] = None
    if call.at_least("3.48"):
        body["shared_targets"] = False
        body["service_uuid"] = None
    if call.at_least("3.61") and call.token.is_admin:
        body["cluster_name"] = None
    if call.at_least("3.63"):
        body["volume_type_id"] = v.volume_type_id
    if call.at_least("3.65"):
        body["consumes_quota"] = True
    return body


def _list(call: Call, detail: bool):
    with call.state.lock:
        items = call.state.list_volumes(call.token, all_projects(call))
        items = filtered(call, items, FILTERS)
        page, next_links = paged(call, items, "volumes", SORT_KEYS)
        if detail:
            rows = [volume_view(call, v) for v in page]
        else:
            rows = [{"id": v.id, "name": v.name, "links": links(call, v.project_id, "volumes",
                     v.id)} for v in page]  # fmt: skip
    body = {"volumes": rows}
    if next_links:
        body["volumes_links"] = next_links
    if call.at_least("3.45") and "with_count" in call.request.args:
        body["count"] = len(items)
    return body


def list_volumes(call: Call):
    if call.request.path.endswith("/"):  # GET /volumes/ names no volume, as Cinder's router
        raise errors.NotFound("The resource could not be found.")
    return _list(call, detail=False)


def blank_volume_id(call: Call):
    """``PUT`` or ``DELETE /volumes/`` (a blank id) names no volume: 404, as Cinder's router."""
    raise errors.NotFound("The resource could not be found.")


def volume_summary(call: Call):
    """3.12's ``/volumes/summary``: count and size of the volumes listed (3.36: metadata)."""
    if not call.at_least("3.12"):
        return show_volume(call, "summary")
    with call.state.lock:
        items = call.state.list_volumes(call.token, all_projects(call))
        summary = {"total_size": sum(v.size for v in items), "total_count": len(items)}
        if call.at_least("3.36"):
            metadata: dict[str, list] = {}
            for v in items:
                for key, value in v.metadata.items():
                    if value not in metadata.setdefault(key, []):
                        metadata[key].append(value)
            summary["metadata"] = metadata
    return {"volume-summary": summary}


def list_volumes_detail(call: Call):
    return _list(call, detail=True)


def show_volume(call: Call, volume_id: str):
    with call.state.lock:
        return {"volume": volume_view(call, call.state.get_volume(call.token, volume_id))}


def create_volume(call: Call):
    spec = body_of(call, "volume", CREATE_KEYS)
    if spec.get("source_volid") is not None:  # a clone: its source is found (404) or refused
        call.state.get_volume(call.token, spec["source_volid"])
    for unsupported in ("source_volid", "backup_id", "consistencygroup_id", "group_id"):
        if spec.get(unsupported) is not None:
            raise errors.BadRequest(
                f"Invalid input for field/attribute {unsupported}: the local cloud makes "
                "volumes empty, from an image (imageRef) or from a snapshot (snapshot_id)."
            )
    if spec.get("multiattach"):
        raise errors.BadRequest("Invalid input received: multiattach volumes are not offered "
                                "by this cloud (no volume type allows them).")  # fmt: skip
    if spec.get("availability_zone") not in (None, "", "nova"):
        raise errors.BadRequest(
            f"Invalid input received: Availability zone '{str(spec['availability_zone'])[:40]}' "
            "is invalid; the local cloud has one zone, 'nova'."
        )
    image_ref = spec.get("imageRef") or spec.get("image_id")
    if spec.get("size") is None and spec.get("snapshot_id") is None:
        raise errors.BadRequest(
            "Invalid input for field/attribute volume. 'size' is a required property (GB)."
        )
    with call.state.lock:
        volume = call.state.create_volume(
            call.token,
            spec.get("size"),
            name=spec.get("name", spec.get("display_name")),
            description=spec.get("description", spec.get("display_description")),
            image_ref=image_ref,
            snapshot_id=spec.get("snapshot_id"),
            volume_type=spec.get("volume_type"),
            metadata=spec.get("metadata"),
        )
        return {"volume": volume_view(call, volume, extended=False)}, 202


def update_volume(call: Call, volume_id: str):
    spec = body_of(call, "volume", UPDATE_KEYS)
    fields = {k.replace("display_", ""): v for k, v in spec.items()}
    with call.state.lock:
        volume = call.state.update_volume(call.token, volume_id, fields)
        return {"volume": volume_view(call, volume, extended=False)}


def delete_volume(call: Call, volume_id: str):
    if call.request.args.get("cascade", "").lower() in ("true", "1"):
        raise errors.BadRequest("Invalid input received: cascade is not offered here; delete "
                                "the volume's snapshots first.")  # fmt: skip
    call.state.delete_volume(call.token, volume_id)
    return None, 202


def volume_action(call: Call, volume_id: str):
    body = call.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Invalid request body: one action, e.g. {\"os-extend\": "
                                "{\"new_size\": 2}}, is required.")  # fmt: skip
    ((name, args),) = body.items()
    if name == "os-extend":
        if not isinstance(args, dict) or "new_size" not in args:
            raise errors.BadRequest("Invalid input for field/attribute os-extend. 'new_size' is "
                                    "a required property.")  # fmt: skip
        call.state.extend_volume(call.token, volume_id, args["new_size"])
        return None, 202
    if name == "os-set_bootable":
        if not isinstance(args, dict) or "bootable" not in args:
            raise errors.BadRequest("Invalid input for field/attribute os-set_bootable. "
                                    "'bootable' is a required property.")  # fmt: skip
        call.state.set_bootable(call.token, volume_id, args["bootable"])
        return None, 200
    call.state.get_volume(call.token, volume_id)  # a missing volume is its 404 first
    raise errors.BadRequest(f"There is no such action: {name[:40]} (this cloud offers "
                            "os-extend and os-set_bootable).")  # fmt: skip


def relative_rules() -> list:
    return [
        route("/volumes", list_volumes, ["GET"], face="volume"),
        route("/volumes", create_volume, ["POST"], face="volume"),
        route("/volumes", blank_volume_id, ["PUT", "DELETE"], face="volume"),
        route("/volumes/detail", list_volumes_detail, ["GET"], face="volume"),
        route("/volumes/summary", volume_summary, ["GET"], face="volume"),
        route("/volumes/<volume_id>", show_volume, ["GET"], face="volume"),
        route("/volumes/<volume_id>", update_volume, ["PUT"], face="volume"),
        route("/volumes/<volume_id>", delete_volume, ["DELETE"], face="volume"),
        route("/volumes/<volume_id>/action", volume_action, ["POST"], face="volume"),
    ]
