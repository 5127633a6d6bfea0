"""Nova's ``/limits``: the project's absolute limits and usage (no rate limits)."""

from __future__ import annotations

from novamagic.localcloud.compute import schemas
from novamagic.localcloud.compute.common import check_query
from novamagic.localcloud.http import Call, route


def limits(call: Call):
    check_query(call, {"tenant_id", "reserved"})
    project_id = call.token.project.id
    if call.token.is_admin and call.request.args.get("tenant_id"):
        project_id = call.request.args["tenant_id"]
    quota = call.state.quota_limits(project_id)
    used = call.state.usage(project_id)
    absolute = {
        "maxServerMeta": quota["metadata_items"],
        "maxImageMeta": quota["metadata_items"],
        "maxPersonality": quota["injected_files"],
        "maxPersonalitySize": quota["injected_file_content_bytes"],
        "maxSecurityGroupRules": quota["security_group_rules"],
        "maxSecurityGroups": quota["security_groups"],
        "maxServerGroupMembers": quota["server_group_members"],
        "maxServerGroups": quota["server_groups"],
        "maxTotalCores": quota["cores"],
        "maxTotalFloatingIps": quota["floating_ips"],
        "maxTotalInstances": quota["instances"],
        "maxTotalKeypairs": quota["key_pairs"],
        "maxTotalRAMSize": quota["ram"],
        "totalCoresUsed": used["cores"],
        "totalFloatingIpsUsed": 0,
        "totalInstancesUsed": used["instances"],
        "totalRAMUsed": used["ram"],
        "totalSecurityGroupsUsed": 1,
        "totalServerGroupsUsed": sum(
            1 for g in call.state.server_groups.values() if g.project_id == project_id
        ),
    }
    allowed = schemas.LIMITS.at(call)
    absolute = {key: value for key, value in absolute.items() if key in allowed}
    return {"limits": {"rate": [], "absolute": absolute}}


def relative_rules() -> list:
    return [route("/limits", limits, ["GET"])]
