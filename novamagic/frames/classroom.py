"""The instructor's class view as a frame: one row per learner (``%nova class``)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from novamagic.frames.columns import CLASS_COLUMNS, _build
from novamagic.frames.report import natural_key


def states_text(states: dict) -> str:
    """``{"ACTIVE": 2, "BUILD": 1}`` -> ``"ACTIVE 2, BUILD 1"`` (busiest first, then by name)."""
    ordered = sorted(states.items(), key=lambda item: (-item[1], str(item[0])))
    return ", ".join(f"{status} {count}" for status, count in ordered)


def class_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Rows of :func:`novamagic.client.classroom.class_status` -> columns ``CLASS_COLUMNS``,
    learners in natural order (learner-2 before learner-10); limits of -1 (unlimited) missing."""
    rows = sorted(rows, key=lambda row: natural_key(row["learner"]))

    def limit(row, name):
        value = row.get(f"{name}_limit")
        return None if value is None or value < 0 else value

    data = {
        "learner": [r["learner"] for r in rows],
        "project": [r["project"] for r in rows],
        "servers": [r["servers"] for r in rows],
        "states": [states_text(r["states"]) for r in rows],
        "instances_used": [r.get("instances_used") for r in rows],
        "instances_limit": [limit(r, "instances") for r in rows],
        "cores_used": [r.get("cores_used") for r in rows],
        "cores_limit": [limit(r, "cores") for r in rows],
        "ram_mb_used": [r.get("ram_used") for r in rows],
        "ram_mb_limit": [limit(r, "ram") for r in rows],
        "requests": [r["requests"] for r in rows],
        "idle_s": [r["idle_seconds"] for r in rows],
        "last_request": [r["last_request"] for r in rows],
        "errors": [r["errors"] for r in rows],
        "last_error": [r["last_error"] for r in rows],
        "passed": [", ".join(r["passed"]) for r in rows],
        "passed_count": [len(r["passed"]) for r in rows],
        "project_id": [r["project_id"] for r in rows],
    }
    return _build(CLASS_COLUMNS, data)
