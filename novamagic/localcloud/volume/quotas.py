"""Cinder's volume types (a default ``__DEFAULT__``), quota sets (``os-quota-sets``, with usage)
and ``/limits`` (absolute limits with usage)."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.model.volumes import (
    DEFAULT_TYPE_NAME,
    UNUSED_VOLUME_QUOTAS,
    VOLUME_QUOTAS,
)


def type_view(vtype) -> dict:
    return {
        "id": vtype.id,
        "name": vtype.name,
        "description": vtype.description,
        "is_public": vtype.is_public,
        "os-volume-type-access:is_public": vtype.is_public,
        "qos_specs_id": None,
        "extra_specs": dict(vtype.extra_specs),
    }


def list_types(call: Call):
    return {"volume_types": [type_view(t) for t in call.state.list_volume_types()]}


def show_type(call: Call, type_id: str):
    if type_id == "default":
        type_id = DEFAULT_TYPE_NAME
    return {"volume_type": type_view(call.state.get_volume_type(type_id))}


def _project(call: Call, project_id: str) -> str:
    if project_id != call.token.project.id and not call.token.is_admin:
        raise errors.Forbidden("Policy doesn't allow volume_extension:quotas:show to be performed.")
    return project_id


def _quota_set(call: Call, project_id: str, usage: bool, defaults: bool = False) -> dict:
    if defaults:
        limits = {**VOLUME_QUOTAS, **UNUSED_VOLUME_QUOTAS}
    else:
        limits = call.state.volume_quota_limits(project_id)
    for resource in ("volumes", "gigabytes", "snapshots"):
        limits[f"{resource}_{DEFAULT_TYPE_NAME}"] = -1
    used = call.state.volume_usage(project_id)
    body: dict = {"id": project_id}
    for name, limit in limits.items():
        if usage:
            in_use = used.get(name.split(f"_{DEFAULT_TYPE_NAME}")[0], 0)
            if name == "per_volume_gigabytes":
                in_use = 0
            body[name] = {"limit": limit, "in_use": in_use, "reserved": 0}
        else:
            body[name] = limit
    return {"quota_set": body}


def show_quotas(call: Call, target: str):
    usage = call.request.args.get("usage", "").lower() in ("true", "1")
    return _quota_set(call, _project(call, target), usage)


def show_default_quotas(call: Call, target: str):
    return _quota_set(call, _project(call, target), usage=False, defaults=True)


def update_quotas(call: Call, target: str):
    values = call.body_dict("quota_set")
    call.state.set_volume_quotas(call.token, target, values)
    return _quota_set(call, target, usage=False)


def delete_quotas(call: Call, target: str):
    if not call.token.is_admin:
        raise errors.Forbidden("Policy doesn't allow volume_extension:quotas:delete to be "
                               "performed.")  # fmt: skip
    with call.state.lock:
        call.state.volume_quotas.pop(target, None)
    return None, 200


def limits(call: Call):
    project_id = call.token.project.id
    limit = call.state.volume_quota_limits(project_id)
    used = call.state.volume_usage(project_id)
    return {
        "limits": {
            "rate": [],
            "absolute": {
                "maxTotalVolumes": limit["volumes"],
                "maxTotalSnapshots": limit["snapshots"],
                "maxTotalVolumeGigabytes": limit["gigabytes"],
                "maxTotalBackups": limit["backups"],
                "maxTotalBackupGigabytes": limit["backup_gigabytes"],
                "totalVolumesUsed": used["volumes"],
                "totalSnapshotsUsed": used["snapshots"],
                "totalGigabytesUsed": used["gigabytes"],
                "totalBackupsUsed": 0,
                "totalBackupGigabytesUsed": 0,
            },
        }
    }


def relative_rules() -> list:
    return [
        route("/types", list_types, ["GET"], face="volume"),
        route("/types/<type_id>", show_type, ["GET"], face="volume"),
        route("/os-quota-sets/<target>", show_quotas, ["GET"], face="volume"),
        route("/os-quota-sets/<target>", update_quotas, ["PUT"], face="volume"),
        route("/os-quota-sets/<target>", delete_quotas, ["DELETE"], face="volume"),
        route("/os-quota-sets/<target>/defaults", show_default_quotas, ["GET"], face="volume"),
        route("/limits", limits, ["GET"], face="volume"),
    ]
