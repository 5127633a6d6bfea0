"""Neutron's quotas: ``/v2.0/quotas`` (admin: the projects with overrides), one project's limits,
its defaults and ``details.json`` (used and limit), set and reset by an admin."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.errors import typed
from novamagic.localcloud.http import Call, route


def _may_read(call: Call, project_id: str) -> None:
    if project_id != call.token.project.id and not call.token.is_admin:
        raise typed(errors.Forbidden, "HTTPForbidden",
                    "Non-admin is not authorized to access quotas for another project")  # fmt: skip


def list_quotas(call: Call):
    if not call.token.is_admin:
        raise typed(errors.Forbidden, "AdminRequired", "User does not have admin privileges: "
                    "Only admin can view or configure quota.")  # fmt: skip
    with call.state.lock:
        return {
            "quotas": [
                {**call.state.network_quota_limits(pid), "project_id": pid, "tenant_id": pid}
                for pid in call.state.network_quotas
            ]
        }


def show_quota(call: Call, project_id: str):
    _may_read(call, project_id)
    return {"quota": call.state.network_quota_limits(project_id)}


def default_quota(call: Call, project_id: str):
    _may_read(call, project_id)
    return {"quota": call.state.network_quota_defaults(project_id)}


def quota_details(call: Call, project_id: str):
    _may_read(call, project_id)
    with call.state.lock:
        limits = call.state.network_quota_limits(project_id)
        used = call.state.network_usage(project_id)
        return {
            "quota": {
                name: {"limit": limit, "used": used[name], "reserved": 0}
                for name, limit in limits.items()
            }
        }


def update_quota(call: Call, project_id: str):
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("quota"), dict):
        raise errors.BadRequest('Invalid request body: expected a JSON object {"quota": {...}}.')
    return {"quota": call.state.set_network_quotas(call.token, project_id, body["quota"])}


def delete_quota(call: Call, project_id: str):
    call.state.delete_network_quotas(call.token, project_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/quotas", list_quotas, ["GET"], face="network"),
        route("/quotas/<project_id>", show_quota, ["GET"], face="network"),
        route("/quotas/<project_id>", update_quota, ["PUT"], face="network"),
        route("/quotas/<project_id>", delete_quota, ["DELETE"], face="network"),
        route("/quotas/<project_id>/default", default_quota, ["GET"], face="network"),
        route("/quotas/<project_id>/details.json", quota_details, ["GET"], face="network"),
    ]
