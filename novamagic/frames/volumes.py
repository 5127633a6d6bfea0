"""Block storage as frames: volumes (with the server each is attached to), snapshots, and a
server's attachments, in the shapes Cinder and Nova answer."""

from __future__ import annotations

from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    ATTACHMENT_COLUMNS,
    SNAPSHOT_COLUMNS,
    VOLUME_COLUMNS,
    _as_list,
    _build,
)


def _flag(value) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return str(value).strip().lower() == "true"  # Cinder says "true" / "false"


def volumes_frame(volumes: Any) -> pd.DataFrame:
    """One row per volume; columns ``VOLUME_COLUMNS`` (``attached_to``/``device``: the
    servers and devices of its attachments, comma-separated)."""
    rows = _as_list(volumes, "volumes", "volume")

    def joined(volume, key):
        return ", ".join(str(a.get(key)) for a in volume.get("attachments") or ()) or None

    data = {
        "id": [v.get("id") for v in rows],
        "name": [v.get("name") for v in rows],
        "status": [v.get("status") for v in rows],
        "size_gb": [v.get("size") for v in rows],
        "bootable": [_flag(v.get("bootable")) for v in rows],
        "volume_type": [v.get("volume_type") for v in rows],
        "attached_to": [joined(v, "server_id") for v in rows],
        "device": [joined(v, "device") for v in rows],
        "image_id": [(v.get("volume_image_metadata") or {}).get("image_id") for v in rows],
        "snapshot_id": [v.get("snapshot_id") for v in rows],
        "project_id": [v.get("os-vol-tenant-attr:tenant_id") for v in rows],
        "created": [v.get("created_at") for v in rows],
    }
    return _build(VOLUME_COLUMNS, data)


def snapshots_frame(snapshots: Any) -> pd.DataFrame:
    """One row per snapshot; columns ``SNAPSHOT_COLUMNS``."""
    rows = _as_list(snapshots, "snapshots", "snapshot")
    data = {
        "id": [s.get("id") for s in rows],
        "name": [s.get("name") for s in rows],
        "status": [s.get("status") for s in rows],
        "size_gb": [s.get("size") for s in rows],
        "volume_id": [s.get("volume_id") for s in rows],
        "project_id": [s.get("os-extended-snapshot-attributes:project_id") for s in rows],
        "created": [s.get("created_at") for s in rows],
    }
    return _build(SNAPSHOT_COLUMNS, data)


def attachments_frame(attachments: Any) -> pd.DataFrame:
    """One row per attachment of ``os-volume_attachments``; columns ``ATTACHMENT_COLUMNS``."""
    rows = _as_list(attachments, "volumeAttachments", "volumeAttachment")
    data = {
        "server_id": [a.get("serverId") for a in rows],
        "volume_id": [a.get("volumeId") for a in rows],
        "device": [a.get("device") for a in rows],
        "delete_on_termination": [a.get("delete_on_termination") for a in rows],
    }
    return _build(ATTACHMENT_COLUMNS, data)
