"""The instructor's view of a classroom cloud, and a learner's fresh start.

:func:`class_status` gives one row per learner (a user without the admin role, in the project
of their own): servers and their states, quota use, activity and recent errors, and the exercises
they pass. Servers, quotas and exercises come from the standard APIs an admin may call (Nova's
``all_tenants`` listing and ``os-quota-sets/{project}/detail``); who did what last, and the errors
a learner met, only the cloud knows: the classroom cloud's control API (``/_localcloud/class``,
admins only) says it. So the view needs a novamagic classroom cloud and an admin's login; a
learner asking gets the cloud's 403, in one line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from novamagic.client.errors import NotFound, NovaError
from novamagic.client.exercises import Exercise, check_exercise

__all__ = ["class_status", "exercise_passes", "find_learner", "reset_learner"]

#: Errors older than this many seconds are history, not something to help with now.
ERROR_WINDOW = 600.0
#: The quotas the view shows, as os-quota-sets names them.
QUOTAS = ("instances", "cores", "ram")


def _learners(cloud) -> list[dict]:
    users = cloud.control.classroom()["users"]
    return [user for user in users if "admin" not in user["roles"]]


def find_learner(cloud, ref: str) -> dict:
    """The learner whose user name, project name or project id is ``ref``."""
    learners = _learners(cloud)
    for key in ("name", "project", "project_id"):
        found = [user for user in learners if user[key] == ref]
        if len(found) == 1:
            return found[0]
    names = ", ".join(sorted((user["name"] for user in learners), key=_natural)) or "none"
    raise NotFound(
        f"no learner {ref!r} in this class",
        hint=f"a learner's user name, project name or project id; learners: {names}",
    )


def _natural(text: str) -> list:
    # learner-2 before learner-10; split() alternates text and digits, so the types line up
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def class_status(
    cloud, exercises: Iterable[Exercise] = (), *, error_window: float = ERROR_WINDOW
) -> list[dict]:
    """One row per learner, by name: ``learner``, ``project``, ``project_id``, ``servers``
    (how many), ``states`` ({status: count}), ``<quota>_used`` and ``<quota>_limit`` for
    instances, cores and ram (-1: unlimited), ``requests``, ``idle_seconds`` (None before their
    first request), ``last_request``, ``errors`` (how many in the last ``error_window``
    seconds), ``last_error`` (the newest one's message), and ``passed`` (the names of the
    ``exercises`` whose every requirement their project meets)."""
    exercises = list(exercises)
    learners = sorted(_learners(cloud), key=lambda user: _natural(user["name"]))
    by_project: dict[str, list[dict]] = {}
    for server in cloud.servers(all_projects=True):
        by_project.setdefault(server.get("tenant_id"), []).append(server)

    def row(user: dict) -> dict:
        pid = user["project_id"]
        servers = by_project.get(pid, [])
        quota = cloud.quota_usage(pid)
        recent = [e for e in user["errors"] if e["seconds_ago"] <= error_window]
        entry = {
            "learner": user["name"],
            "project": user["project"],
            "project_id": pid,
            "servers": len(servers),
            "states": dict(Counter(s.get("status") for s in servers)),
            "requests": user["requests"],
            "idle_seconds": user["idle_seconds"],
            "last_request": user["last_request"],
            "errors": len(recent),
            "last_error": recent[-1]["message"] if recent else None,
            "passed": [ex.name for ex in exercises if _passes(cloud, ex, pid)],
        }
        for name in QUOTAS:
            entry[f"{name}_used"] = quota[name]["in_use"]
            entry[f"{name}_limit"] = quota[name]["limit"]
        return entry

    # A learner's row is a few GETs (quota, exercises): a class of thirty at once, not in turn.
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(learners)))) as pool:
        return list(pool.map(row, learners))


def _passes(cloud, exercise: Exercise, project_id: str) -> bool:
    try:
        return all(result.met for result in check_exercise(cloud, exercise, project_id))
    except NovaError:  # a learner's resource vanishing mid-check: not passed, this time
        return False


def exercise_passes(rows: Iterable[dict], exercises: Iterable[Exercise]) -> dict[str, int]:
    """How many learners pass each exercise, in the exercises' order."""
    counts = Counter(name for row in rows for name in row["passed"])
    return {exercise.name: counts.get(exercise.name, 0) for exercise in exercises}


def reset_learner(cloud, ref: str) -> dict:
    """Give a learner a fresh project: everything it holds removed, its private network and
    default security group as at the start, its quotas the defaults; the learner stays logged
    in. Returns ``{"learner", "project", "removed": {kind: count}}``."""
    learner = find_learner(cloud, ref)
    answer = cloud.control.reset_project(learner["project_id"])
    return {"learner": learner["name"], "project": learner["project"], **answer}
