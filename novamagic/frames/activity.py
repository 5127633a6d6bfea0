"""What happened: the session's request history, the outcomes of bulk operations, and what was
asked of a server (its instance actions and their events)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    ACTION_COLUMNS,
    EVENT_COLUMNS,
    HISTORY_COLUMNS,
    OUTCOME_COLUMNS,
    _build,
    _float,
    _int,
    _text,
)

_HISTORY_ALIASES = {
    "time": ("time", "timestamp", "started", "at"),
    "method": ("method",),
    "path": ("path", "url"),
    "status": ("status", "status_code"),
    "ms": ("ms", "milliseconds", "elapsed_ms", "duration_ms"),
    "request_id": ("request_id", "requestid"),
    "attempt": ("attempt",),
    "error": ("error",),
}


def _field(entry: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if isinstance(entry, Mapping):
            if name in entry:
                return entry[name]
        elif hasattr(entry, name):
            return getattr(entry, name)
    return None


def _timestamp(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return pd.Timestamp(value, unit="s", tz="UTC")
    return value


def history_frame(history: Any) -> pd.DataFrame:
    """One row per HTTP request the client made; columns ``HISTORY_COLUMNS``.

    Entries may be dicts or objects with those attributes (``time`` as ISO text, a datetime or
    epoch seconds). Tokens never reach this layer: the client records none.
    """
    rows = list(history or ())
    data = {name: [_field(e, aliases) for e in rows] for name, aliases in _HISTORY_ALIASES.items()}
    data["time"] = [_timestamp(v) for v in data["time"]]
    data["status"] = [_int(v) for v in data["status"]]
    data["attempt"] = [_int(v) for v in data["attempt"]]
    data["error"] = [_text(v) for v in data["error"]]
    data["ms"] = [_float(v) for v in data["ms"]]
    data["method"] = [_text(v) and str(v).upper() for v in data["method"]]
    return _build(HISTORY_COLUMNS, data)


# --- bulk outcomes -------------------------------------------------------------------------------


def _item_label(item: Any) -> Any:
    if isinstance(item, Mapping):
        return item.get("name") or item.get("id")
    return item


def outcomes_frame(results: Any) -> pd.DataFrame:
    """One row per item of a bulk operation; columns ``OUTCOME_COLUMNS``.

    ``error`` is the error's one-line text, ``status``/``request_id`` come from it.
    """
    rows = list(results or ())
    errors = [r.get("error") for r in rows]
    data = {
        "item": [_text(_item_label(r.get("item"))) for r in rows],
        "ok": [bool(r.get("ok")) for r in rows],
        "status": [getattr(e, "status", None) for e in errors],
        "error": [None if e is None else str(e) for e in errors],
        "request_id": [getattr(e, "request_id", None) for e in errors],
    }
    return _build(OUTCOME_COLUMNS, data)


# --- instance actions and their events ---------------------------------------------------------


def actions_frame(actions: Any) -> pd.DataFrame:
    """One row per instance action (``os-instance-actions``); columns ``ACTION_COLUMNS``."""
    rows = list(_actions(actions))
    data = {
        "request_id": [a.get("request_id") for a in rows],
        "action": [a.get("action") for a in rows],
        "start_time": [a.get("start_time") for a in rows],
        "updated_at": [a.get("updated_at") for a in rows],
        "message": [a.get("message") for a in rows],
        "user_id": [a.get("user_id") for a in rows],
        "server_id": [a.get("instance_uuid") for a in rows],
    }
    return _build(ACTION_COLUMNS, data)


def events_frame(actions: Any) -> pd.DataFrame:
    """One row per event of the actions given (each with its ``events``), oldest action
    first; columns ``EVENT_COLUMNS`` (``details`` as Nova gives it admins from 2.84)."""
    rows = [(a, e) for a in reversed(list(_actions(actions))) for e in a.get("events") or ()]
    data = {
        "request_id": [a.get("request_id") for a, _ in rows],
        "action": [a.get("action") for a, _ in rows],
        "event": [e.get("event") for _, e in rows],
        "result": [e.get("result") for _, e in rows],
        "start_time": [e.get("start_time") for _, e in rows],
        "finish_time": [e.get("finish_time") for _, e in rows],
        "host_id": [e.get("hostId") for _, e in rows],
        "details": [e.get("details") for _, e in rows],
    }
    return _build(EVENT_COLUMNS, data)


def _actions(payload: Any) -> list:
    if isinstance(payload, Mapping):
        for key in ("instanceActions", "instanceAction"):
            if key in payload:
                payload = payload[key]
                break
    if isinstance(payload, Mapping):
        return [payload]
    return list(payload or ())
