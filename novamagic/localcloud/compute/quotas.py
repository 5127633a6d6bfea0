"""Nova's os-quota-sets (show, with usage in ``/detail``; defaults, update, delete) and
os-quota-class-sets (the "default" class is what a project without its own quota gets)."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute import schemas
from novamagic.localcloud.compute.common import check_body_keys
from novamagic.localcloud.http import Call, route


def _quota_keys(call: Call) -> list[str]:
    return sorted(schemas.QUOTA_SET.at(call))


def _quota_project(call: Call, project_ref: str) -> str:
    project = call.state.find_project(project_ref)
    project_id = project.id if project is not None else project_ref
    if project_id != call.token.project.id and not call.token.is_admin:
        raise errors.Forbidden(
            "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed."
        )
    return project_id


def show_quotas(call: Call, project_ref: str):
    project_id = _quota_project(call, project_ref)
    quota = call.state.quota_limits(project_id)
    return {"quota_set": {"id": project_ref, **{k: quota[k] for k in _quota_keys(call)}}}


def show_quotas_detail(call: Call, project_ref: str):
    project_id = _quota_project(call, project_ref)
    quota, used = call.state.quota_limits(project_id), call.state.usage(project_id)
    return {
        "quota_set": {
            "id": project_ref,
            **{
                k: {"in_use": used.get(k, 0), "limit": quota[k], "reserved": 0}
                for k in _quota_keys(call)
            },
        }
    }


def default_quotas(call: Call, project_ref: str):
    defaults = call.state.default_quotas
    return {"quota_set": {"id": project_ref, **{k: defaults[k] for k in _quota_keys(call)}}}


def update_quotas(call: Call, project_ref: str):
    values = call.body_dict("quota_set")
    project = call.state.find_project(project_ref)
    project_id = project.id if project is not None else project_ref
    allowed = set(_quota_keys(call)) | {"force"}
    check_body_keys(values, allowed, "quota_set")
    quota = call.state.set_quotas(call.token, project_id, values)
    return {"quota_set": {k: quota[k] for k in _quota_keys(call)}}


def delete_quotas(call: Call, project_ref: str):
    project = call.state.find_project(project_ref)
    call.state.delete_quotas(call.token, project.id if project is not None else project_ref)
    return None, 202


def _class_keys(call: Call) -> list[str]:
    return sorted(schemas.QUOTA_CLASS_SET.at(call))


def show_quota_class(call: Call, class_name: str):
    quota = call.state.quota_class(call.token, class_name)
    return {"quota_class_set": {"id": class_name, **{k: quota[k] for k in _class_keys(call)}}}


def update_quota_class(call: Call, class_name: str):
    values = call.body_dict("quota_class_set")
    check_body_keys(values, set(_class_keys(call)), "quota_class_set")
    quota = call.state.set_quota_class(call.token, class_name, values)
    # Nova's update answers without the class's id
    return {"quota_class_set": {k: quota[k] for k in _class_keys(call)}}


def relative_rules() -> list:
    return [
        route("/os-quota-sets/<project_ref>", show_quotas, ["GET"]),
        route("/os-quota-sets/<project_ref>", update_quotas, ["PUT"]),
        route("/os-quota-sets/<project_ref>", delete_quotas, ["DELETE"]),
        route("/os-quota-sets/<project_ref>/detail", show_quotas_detail, ["GET"]),
        route("/os-quota-sets/<project_ref>/defaults", default_quotas, ["GET"]),
        route("/os-quota-class-sets/<class_name>", show_quota_class, ["GET"]),
        route("/os-quota-class-sets/<class_name>", update_quota_class, ["PUT"]),
    ]
