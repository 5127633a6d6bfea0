"""The class view's state: the learners' rows, refreshed on demand or on a timer (no ipywidgets)."""

from __future__ import annotations

import threading
from datetime import datetime

from novamagic.widgets._base import (
    AutoRefresh,
    BackgroundModel,
    errors_html,
    esc,
    html_table,
    resolve_cloud,
    status_badge,
)

__all__ = ["ClassModel", "ago"]

HEADERS = ("Learner", "Project", "Servers", "Instances", "vCPUs", "RAM (MB)", "Last seen",
           "Errors", "Exercises")  # fmt: skip
_RED, _GREY = "#c62828", "#616161"


def ago(seconds) -> str:
    """How long ago, as a person says it: "just now", "45 s ago", "12 min ago", "never"."""
    if seconds is None:
        return "never"
    if seconds < 5:
        return "just now"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def _use(used, limit) -> str:
    return f"{used}/{'∞' if limit is None or limit < 0 else limit}"


class ClassModel(AutoRefresh, BackgroundModel):
    """The learners of a classroom cloud as the instructor sees them (``rows``, ``frame``).

    ``cloud`` must be logged in as an admin of a novamagic classroom cloud; ``exercises`` are
    :class:`~novamagic.client.exercises.Exercise` objects checked against every learner."""

    def __init__(self, cloud=None, exercises=(), *, error_window: float = 600.0, refresh=True):
        super().__init__()
        self.cloud = resolve_cloud(cloud)
        self.exercises = list(exercises)
        self.error_window = float(error_window)
        self.rows: list[dict] = []
        self.frame = None
        self.refreshed_at: datetime | None = None
        self._refresh_lock = threading.Lock()
        if refresh:
            self.refresh()

    def refresh(self):
        """Read the class again; returns the frame."""
        from novamagic.client.classroom import class_status
        from novamagic.frames.classroom import class_frame

        with self._refresh_lock:
            rows = class_status(self.cloud, self.exercises, error_window=self.error_window)
            self.rows, self.frame = rows, class_frame(rows)
            self.refreshed_at = datetime.now()
            self.error = None
        self.changed()
        return self.frame

    def passes(self) -> dict[str, int]:
        from novamagic.client.classroom import exercise_passes

        return exercise_passes(self.rows, self.exercises)

    # --- representations -----------------------------------------------------------------------

    def info(self) -> str:
        if self.refreshed_at is None:
            return "not refreshed yet"
        servers = sum(row["servers"] for row in self.rows)
        errors = sum(row["errors"] for row in self.rows)
        minutes = f"{self.error_window / 60:g} min"
        text = (f"{len(self.rows)} learners · {servers} servers · {errors} errors in the last "
                f"{minutes} · refreshed {self.refreshed_at:%H:%M:%S}")  # fmt: skip
        if self.refresh_interval:
            text += f" (every {self.refresh_interval:g} s)"
        return text

    def passes_text(self) -> str:
        if not self.exercises:
            return ""
        learners = len(self.rows)
        counts = " · ".join(f"{name} {n}/{learners}" for name, n in self.passes().items())
        return f"Exercises passed: {counts}"

    def row_cells(self, row: dict) -> list[str]:
        """One learner's escaped HTML cells."""
        states = " ".join(
            f"{status_badge(status)} {count}" for status, count in sorted(row["states"].items())
        )
        errors = esc(row["errors"])
        if row["errors"]:
            errors = (f'<span style="color:{_RED}" title="{esc(row["last_error"])}"><b>'
                      f'{row["errors"]}</b>: {esc(_cut(row["last_error"], 60))}</span>')  # fmt: skip
        passed = ", ".join(f"✔ {esc(name)}" for name in row["passed"])
        if self.exercises:
            passed = passed or f'<span style="color:{_GREY}">none yet</span>'
            passed += f" ({len(row['passed'])}/{len(self.exercises)})"
        return [
            f"<b>{esc(row['learner'])}</b>",
            esc(row["project"]),
            f"{row['servers']} {states}" if row["servers"] else "0",
            esc(_use(row["instances_used"], row["instances_limit"])),
            esc(_use(row["cores_used"], row["cores_limit"])),
            esc(_use(row["ram_used"], row["ram_limit"])),
            f'<span title="{esc(row["last_request"] or "")}">{esc(ago(row["idle_seconds"]))}</span>',
            errors,
            passed,
        ]

    def table_html(self) -> str:
        return html_table(HEADERS, [self.row_cells(row) for row in self.rows], escape=False)

    def to_html(self) -> str:
        parts = [f"<div><b>Class</b> · {esc(self.info())}</div>"]
        if self.passes_text():
            parts.append(f"<div>{esc(self.passes_text())}</div>")
        parts.append(errors_html(self.error))
        parts.append(self.table_html())
        return f'<div class="novamagic-class">{"".join(parts)}</div>'

    def __repr__(self) -> str:
        lines = [f"<ClassModel: {self.info()}>"]
        if self.passes_text():
            lines.append(self.passes_text())
        for row in self.rows:
            lines.append(
                f"  {row['learner']}: {row['servers']} servers, last seen "
                f"{ago(row['idle_seconds'])}, {row['errors']} errors, passed "
                f"{', '.join(row['passed']) or 'none'}"
            )
        return "\n".join(lines)


def _cut(text, width: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= width else text[: width - 1] + "…"
