"""The control API under ``/_localcloud``: status, reset, tick, state dump, faults, speed, seeding,
and the instructor's class view and per-project reset (admins only, always).

Needs a valid token; in a multi-user standalone cloud (``open_control=False``) an admin token.
Fault injection never applies to these routes, so a test can always clear what it injected.
"""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.clock import ScaledClock, iso_micro_z
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.injection import FaultInjector


def _body(call: Call) -> dict:
    body = call.json(required=False)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.BadRequest("The control API takes a JSON object.")
    return body


def status(call: Call):
    cloud = call.state
    with cloud.lock:
        return {
            "status": "ok",
            "now": iso_micro_z(cloud.now()),
            "clock": cloud.clock.describe(),
            "seed": cloud.seed,
            "servers": len(cloud.servers),
            "images": len(cloud.images),
            "faults": call.app.faults.describe(),
            "open_control": call.app.open_control,
        }


def reset(call: Call):
    call.state.reset()
    call.app.faults.clear()
    return None, 204


def tick(call: Call):
    body = _body(call)
    seconds = body.get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not 0 <= seconds <= 10**9
    ):
        raise errors.BadRequest('tick needs {"seconds": N} with N a number >= 0.')
    advance = getattr(call.state.clock, "advance", None)
    if advance is None:
        raise errors.Conflict(f"The clock {type(call.state.clock).__name__} cannot be advanced.")
    advance(seconds)
    return {"now": iso_micro_z(call.state.now())}


def dump(call: Call):
    return {**call.state.dump(), "faults": call.app.faults.describe()}


def add_fault(call: Call):
    body = _body(call)
    unknown = set(body) - FaultInjector.FIELDS
    if unknown:
        raise errors.BadRequest(
            f"Unknown fault fields {sorted(unknown)}; allowed: {', '.join(sorted(FaultInjector.FIELDS))}."
        )
    return {"fault": call.app.faults.add(**body)}, 201


def list_faults(call: Call):
    return {"faults": call.app.faults.describe()}


def clear_faults(call: Call):
    call.app.faults.clear()
    return None, 204


def set_speed(call: Call):
    clock = call.state.clock
    if not isinstance(clock, ScaledClock):
        raise errors.Conflict(
            f"Only a ScaledClock has a speed; this cloud runs a {type(clock).__name__}."
        )
    speed = _body(call).get("speed")
    try:
        clock.speed = speed
    except (TypeError, ValueError):
        raise errors.BadRequest(f"speed must be a positive number; got {speed!r}.") from None
    return {"speed": clock.speed}


def populate(call: Call):
    body = _body(call)
    allowed = {"count", "project", "name", "image", "flavor", "metadata", "tags"}
    unknown = set(body) - allowed
    if unknown:
        raise errors.BadRequest(
            f"Unknown fields {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}."
        )
    if "count" not in body:
        raise errors.BadRequest('populate needs {"count": N}.')
    ids = call.state.populate_servers(**body)
    return {"count": len(ids), "ids": ids}, 201


def _instructor(call: Call) -> None:
    # Always an admin's, even where any token may drive the clock: it shows other users' work.
    if not call.token.is_admin:
        raise errors.Forbidden(
            "The class view is the instructor's: it needs an admin token, and this token is "
            f"{call.token.user.name}'s, a member of {call.token.project.name}."
        )


def classroom(call: Call):
    """Every user with their project and activity: requests, the last one, recent errors."""
    _instructor(call)
    state = call.state
    with state.lock:
        people = [(user, state.projects[user.project_id]) for user in state.users.values()]
    return {
        "users": [
            {
                "id": user.id,
                "name": user.name,
                "project_id": project.id,
                "project": project.name,
                "roles": list(user.roles),
                **call.app.activity.describe(user.id),
            }
            for user, project in people
        ]
    }


def reset_project(call: Call, project: str):
    """A learner's fresh project: everything it owns removed, its seeded network and default
    group made again; the learner's tokens still work."""
    _instructor(call)
    removed = call.state.reset_project(call.token, project)
    with call.state.lock:
        target = call.state.find_project(project)
        members = [u.id for u in call.state.users.values() if u.project_id == target.id]
    call.app.activity.forget(members)
    return {"project_id": target.id, "removed": removed}


def rules():
    face = "control"
    return [
        route("/_localcloud/status", status, ["GET"], face=face),
        route("/_localcloud/reset", reset, ["POST"], face=face),
        route("/_localcloud/tick", tick, ["POST"], face=face),
        route("/_localcloud/state", dump, ["GET"], face=face),
        route("/_localcloud/faults", add_fault, ["POST"], face=face),
        route("/_localcloud/faults", list_faults, ["GET"], face=face),
        route("/_localcloud/faults", clear_faults, ["DELETE"], face=face),
        route("/_localcloud/speed", set_speed, ["POST"], face=face),
        route("/_localcloud/servers", populate, ["POST"], face=face),
        route("/_localcloud/class", classroom, ["GET"], face=face),
        route("/_localcloud/class/<project>/reset", reset_project, ["POST"], face=face),
    ]
