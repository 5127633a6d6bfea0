"""Nova's ``os-server-groups``: create, list (``all_projects`` for admins, limit/offset), show,
delete. The shape follows the microversion: ``policies`` and ``metadata`` until 2.63, the
owner's ``project_id``/``user_id`` from 2.13, one ``policy`` with ``rules`` from 2.64."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.compute.common import bool_param, check_body_keys, check_query
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.model.server_groups import POLICIES, ServerGroup


def view(call: Call, group: ServerGroup) -> dict:
    body = {"id": group.id, "name": group.name}
    if call.at_least("2.64"):
        body.update(policy=group.policy, rules=dict(group.rules))
    else:
        body.update(policies=[group.policy], metadata={})
    body["members"] = list(group.members)
    if call.at_least("2.13"):
        body.update(project_id=group.project_id, user_id=group.user_id)
    return body


def create_server_group(call: Call):
    spec = call.body_dict("server_group", ("name",))
    if call.at_least("2.64"):
        check_body_keys(spec, {"name", "policy", "rules"}, "server_group")
        if "policy" not in spec:
            raise errors.BadRequest(
                "Invalid input for field/attribute server_group. 'policy' is a required property."
            )
        policy, rules = spec["policy"], spec.get("rules")
    else:
        check_body_keys(spec, {"name", "policies"}, "server_group")
        policies = spec.get("policies")
        allowed = POLICIES if call.at_least("2.15") else POLICIES[:2]
        if not isinstance(policies, list) or len(policies) != 1 or policies[0] not in allowed:
            raise errors.BadRequest(
                "Invalid input for field/attribute policies: a list of one policy, one of "
                f"{', '.join(allowed)}."
            )
        policy, rules = policies[0], None
    with call.state.lock:
        group = call.state.create_server_group(call.token, spec["name"], policy, rules)
        return {"server_group": view(call, group)}


def list_server_groups(call: Call):
    check_query(call, {"all_projects", "limit", "offset"})
    args = call.request.args
    everyone = bool_param(args["all_projects"], "all_projects") if "all_projects" in args else False
    numbers = {}
    for key in ("limit", "offset"):
        if key in args:
            try:
                numbers[key] = int(args[key])
                if numbers[key] < 0:
                    raise ValueError
            except ValueError:
                raise errors.BadRequest(
                    f"Invalid input for query parameters {key}: a whole number of 0 or more."
                ) from None
    with call.state.lock:
        groups = call.state.list_server_groups(call.token, everyone)
        start = numbers.get("offset", 0)
        end = start + numbers["limit"] if "limit" in numbers else None
        return {"server_groups": [view(call, g) for g in groups[start:end]]}


def show_server_group(call: Call, group_id: str):
    with call.state.lock:
        return {"server_group": view(call, call.state.get_server_group(call.token, group_id))}


def delete_server_group(call: Call, group_id: str):
    call.state.delete_server_group(call.token, group_id)
    return None, 204


def relative_rules() -> list:
    return [
        route("/os-server-groups", list_server_groups, ["GET"]),
        route("/os-server-groups", create_server_group, ["POST"]),
        route("/os-server-groups/<group_id>", show_server_group, ["GET"]),
        route("/os-server-groups/<group_id>", delete_server_group, ["DELETE"]),
    ]
