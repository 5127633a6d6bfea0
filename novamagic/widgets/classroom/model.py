"""The class view's state: the learners' rows, refreshed on demand or on a timer (no ipywidgets)."""

from __future__ import annotations

import threading
from datetime import datetime

from novamagic.widgets._base import (
    AutoRefresh,
    BackgroundModel,
    errors_html,
    esc,
    resolve_cloud,
    status_badge,
)

__all__ = ["ClassModel", "ago"]

#: (header, whether the cell may wrap): a long error message wraps rather than widen the table,
#: so thirty learners fit a 1280 px screen with the file browser open.
COLUMNS = (("Learner", False), ("Servers", False), ("Quota used", False), ("Last seen", False),
           ("Errors", True), ("Exercises", True))  # fmt: skip
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


def _use(used, limit, unit: str = "", scale: float = 1) -> str:
    def number(value):
        value = value / scale
        return f"{value:g}" if scale == 1 else f"{value:.1f}".removesuffix(".0")

    cap = "∞" if limit is None or limit < 0 else number(limit)
    return f"{number(used)}/{cap}{unit}"


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
        text = (f"{_count(len(self.rows), 'learner')} · {_count(servers, 'server')} · "
                f"{_count(errors, 'error')} in the last {minutes} · "
                f"refreshed {self.refreshed_at:%H:%M:%S}")  # fmt: skip
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
        """One learner's escaped HTML cells, in ``COLUMNS`` order."""
        states = " ".join(
            f"{status_badge(status)} {count}" for status, count in sorted(row["states"].items())
        )
        errors = "0"
        if row["errors"]:
            errors = (f'<span style="color:{_RED}" title="{esc(row["last_error"])}"><b>'
                      f'{row["errors"]}</b>: {esc(_cut(row["last_error"], 80))}</span>')  # fmt: skip
        passed = ", ".join(f"✔ {esc(name)}" for name in row["passed"])
        if self.exercises:
            passed = passed or f'<span style="color:{_GREY}">none yet</span>'
            passed += f" ({len(row['passed'])}/{len(self.exercises)})"
        quota = " · ".join((
            _use(row["instances_used"], row["instances_limit"], " inst."),
            _use(row["cores_used"], row["cores_limit"], " vCPUs"),
            _use(row["ram_used"], row["ram_limit"], " GB", scale=1024),
        ))  # fmt: skip
        return [
            f'<b>{esc(row["learner"])}</b> <span style="color:{_GREY}">{esc(row["project"])}</span>',
            states or "none",
            esc(quota),
            f'<span title="{esc(row["last_request"] or "")}">{esc(ago(row["idle_seconds"]))}</span>',
            errors,
            passed,
        ]

    def table_html(self) -> str:
        def cell(tag: str, content: str, wrap: bool) -> str:
            style = "white-space:normal;min-width:8em" if wrap else "white-space:nowrap"
            return f'<{tag} style="text-align:left;padding:2px 8px;{style}">{content}</{tag}>'

        head = "".join(cell("th", esc(header), wrap) for header, wrap in COLUMNS)
        body = "".join(
            "<tr>"
            + "".join(
                cell("td", c, wrap)
                for c, (_h, wrap) in zip(self.row_cells(row), COLUMNS, strict=True)
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            '<table class="novamagic-table" style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

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
                f"  {row['learner']}: {_count(row['servers'], 'server')}, last seen "
                f"{ago(row['idle_seconds'])}, {row['errors']} errors, passed "
                f"{', '.join(row['passed']) or 'none'}"
            )
        return "\n".join(lines)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cut(text, width: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= width else text[: width - 1] + "…"
