"""Cinder's snapshots: list (summary and detail), show, create, update, delete.

Per microversion, as Cinder: 3.14 ``group_snapshot_id`` · 3.41 ``user_id`` · 3.65
``consumes_quota``.
"""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.model.volumes import check_text
from novamagic.localcloud.volume.common import all_projects, body_of, filtered, paged, when

CREATE_KEYS = {"volume_id", "name", "description", "force", "metadata", "display_name",
               "display_description"}  # fmt: skip
SORT_KEYS = {
    "created_at": lambda s: (s.created, s.id),
    "name": lambda s: (s.name or "", s.id),
    "size": lambda s: (s.size, s.id),
    "status": lambda s: (s.status, s.id),
    "id": lambda s: s.id,
}
FILTERS = {
    "name": lambda s: s.name,
    "status": lambda s: s.status,
    "volume_id": lambda s: s.volume_id,
}


def snapshot_view(call: Call, s, detail: bool = True) -> dict:
    """A snapshot as Cinder shows it; ``detail`` (show and detail, not create, update or the
    summary list) adds the extended snapshot attributes, as Cinder's extension does there."""
    body = {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "status": s.status,
        "size": s.size,
        "volume_id": s.volume_id,
        "created_at": when(s.created),
        "updated_at": when(s.updated),
        "metadata": dict(s.metadata),
    }
    if detail:
        body["os-extended-snapshot-attributes:progress"] = (
            "100%" if s.status == "available" else "0%"
        )
        body["os-extended-snapshot-attributes:project_id"] = s.project_id
    if call.at_least("3.14"):
        body["group_snapshot_id"] = None
    if call.at_least("3.41"):
        body["user_id"] = s.user_id
    if call.at_least("3.65"):
        body["consumes_quota"] = True
    return body


def _list(call: Call, detail: bool):
    with call.state.lock:
        items = filtered(call, call.state.list_snapshots(call.token, all_projects(call)), FILTERS)
        page, next_links = paged(call, items, "snapshots", SORT_KEYS)
        body = {"snapshots": [snapshot_view(call, s, detail) for s in page]}
    if next_links:
        body["snapshots_links"] = next_links
    return body


def list_snapshots(call: Call):
    return _list(call, detail=False)


def list_snapshots_detail(call: Call):
    return _list(call, detail=True)


def show_snapshot(call: Call, snapshot_id: str):
    with call.state.lock:
        return {"snapshot": snapshot_view(call, call.state.get_snapshot(call.token, snapshot_id))}


def create_snapshot(call: Call):
    spec = body_of(call, "snapshot", CREATE_KEYS)
    if "volume_id" not in spec:
        raise errors.BadRequest(
            "Invalid input for field/attribute snapshot. 'volume_id' is a required property."
        )
    with call.state.lock:  # a null volume_id is, as in Cinder, a volume that is not found
        snapshot = call.state.create_snapshot(
            call.token,
            spec["volume_id"],
            name=spec.get("name", spec.get("display_name")),
            description=spec.get("description", spec.get("display_description")),
            force=spec.get("force") or False,
            metadata=spec.get("metadata"),
        )
        return {"snapshot": snapshot_view(call, snapshot, detail=False)}, 202


def update_snapshot(call: Call, snapshot_id: str):
    spec = body_of(call, "snapshot", {"name", "description", "display_name",
                                      "display_description"})  # fmt: skip
    with call.state.lock:
        snapshot = call.state.get_snapshot(call.token, snapshot_id)
        for key, value in spec.items():
            setattr(snapshot, key.replace("display_", ""), check_text(value, key))
        snapshot.updated = call.state.now()
        return {"snapshot": snapshot_view(call, snapshot, detail=False)}


def delete_snapshot(call: Call, snapshot_id: str):
    call.state.delete_snapshot(call.token, snapshot_id)
    return None, 202


def relative_rules() -> list:
    return [
        route("/snapshots", list_snapshots, ["GET"], face="volume"),
        route("/snapshots", create_snapshot, ["POST"], face="volume"),
        route("/snapshots/detail", list_snapshots_detail, ["GET"], face="volume"),
        route("/snapshots/<snapshot_id>", show_snapshot, ["GET"], face="volume"),
        route("/snapshots/<snapshot_id>", update_snapshot, ["PUT"], face="volume"),
        route("/snapshots/<snapshot_id>", delete_snapshot, ["DELETE"], face="volume"),
    ]
