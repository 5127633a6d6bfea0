"""The state of the fleet widget, with no ipywidgets: :class:`FleetModel`.

It checks, calls the client in a background thread and tells its observers; the view
(:mod:`novamagic.widgets.fleet.view`) only draws it, so tests and scripts drive it directly.

A bulk action finishes on its own: after sending, the same background run waits (through the
client's waits, which advance a local cloud's manual clock as they do everywhere) until every
server is ACTIVE again or gone, updating each row and the progress count as the polls answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from novamagic.widgets._base import (
    AutoRefresh,
    BackgroundModel,
    Busy,
    errors_html,
    esc,
    html_table,
    one_line,
    present,
    resolve_cloud,
    status_badge,
    validation_error,
)

__all__ = ["FleetModel", "PendingAction"]

SEARCHED = (
    "name", "id", "status", "flavor", "image", "private_ipv4", "public_ipv4", "floating_ipv4",
)  # fmt: skip
# (header, frame column, width) of the table; the status cell is a coloured badge. About 62em
# in all: JupyterLab's output area at a 1280 px window with its file browser open.
TABLE = (
    ("name", "name", "10em"),
    ("status", "status", "9em"),
    ("flavor", "flavor", "6.5em"),
    ("vCPUs", "vcpus", "4em"),
    ("RAM MB", "ram_mb", "5em"),
    ("IPv4", "private_ipv4", "7em"),
    ("floating IP", "floating_ipv4", "7em"),  # how to reach it (issue 16)
    ("image", "image", "12em"),
)
CHART = (("cores", "vcpus", "vCPUs"), ("ram_mb", "ram_mb", "RAM (MB)"))
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


@dataclass(frozen=True)
class PendingAction:
    """A bulk action waiting for the user's explicit confirmation."""

    kind: str  # "reboot", "hard reboot" or "delete"
    ids: tuple[str, ...]
    names: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.names[:5]) + (
            f" and {len(self.names) - 5} more" if len(self.names) > 5 else ""
        )
        plural = "s" if len(self.ids) != 1 else ""
        return f"{self.kind.capitalize()} {len(self.ids)} server{plural}: {shown}?"


class FleetModel(AutoRefresh, BackgroundModel):
    """The fleet view's state: the servers frame, filter, selection and pending bulk action."""

    def __init__(
        self,
        cloud=None,
        *,
        filter: str = "",
        max_rows: int = 200,
        refresh: bool = True,
        timeout: float = 600.0,
    ):
        super().__init__()
        self.timeout = timeout
        self.progress: tuple[int, int] | None = None  # (servers finished, servers waited for)
        self.results: list[tuple[str, str, str | None]] = []  # (name, outcome, error) per server
        self.cloud = resolve_cloud(cloud)
        self._filter = filter
        self.max_rows = max_rows
        self.frame = None  # servers_frame of the last refresh
        self.limits_frame = None
        self.summary: dict | None = None
        self.selected: set[str] = set()
        self.pending: PendingAction | None = None
        self.outcomes = None  # outcomes_frame of the last bulk action
        self.last_action: str | None = None
        self.refreshed_at: datetime | None = None
        self.refresh_count = 0
        self._refresh_lock = threading.Lock()
        if refresh:
            self.refresh()

    # --- data ----------------------------------------------------------------------------------

    def refresh(self):
        """Read the servers and limits again; returns the servers frame."""
        from novamagic import frames

        with self._refresh_lock:
            frame = frames.servers_frame(self.cloud.servers())
            limits = frames.limits_frame(self.cloud.limits())
            volumes = volume_limits = None
            if self.cloud.has_block_storage():
                volumes = frames.volumes_frame(self.cloud.volumes())
                volume_limits = self.cloud.volume_limits() if len(volumes) else None
            summary = frames.fleet_summary(
                frame, limits, volumes=volumes, volume_limits=volume_limits
            )
            self.frame, self.limits_frame, self.summary = frame, limits, summary
            self.selected &= set(frame["id"].dropna())
            self.refreshed_at = datetime.now().astimezone()
            self.refresh_count += 1
        self.changed()
        return frame

    @property
    def filter(self) -> str:
        """Text the table is filtered by (setting it redraws the views)."""
        return self._filter

    @filter.setter
    def filter(self, text: str) -> None:
        self._filter = text or ""
        self.changed()

    def visible(self):
        """The servers the filter lets through (case-insensitive, in name, id, status, flavor,
        image and addresses)."""
        frame = self.frame
        if frame is None:
            return None
        frame = frame.sort_values("name", kind="stable", na_position="last")
        text = (self.filter or "").strip().lower()
        if not text:
            return frame
        hit = None
        for column in SEARCHED:
            found = frame[column].str.lower().str.contains(text, regex=False).fillna(False)
            hit = found if hit is None else hit | found
        return frame[hit.astype(bool)]

    def counts(self) -> dict[str, int]:
        """Servers by status (after the last refresh)."""
        if self.frame is None:
            return {}
        return {str(k): int(v) for k, v in self.frame["status"].value_counts().sort_index().items()}

    # --- selection -----------------------------------------------------------------------------

    def select(self, servers, selected: bool = True) -> None:
        """Select (or deselect) servers by id or name."""
        ids = self._ids(servers)
        if selected:
            self.selected |= set(ids)
        else:
            self.selected -= set(ids)
        self.changed()

    def select_visible(self) -> None:
        visible = self.visible()
        if visible is not None:
            self.selected |= set(visible["id"].dropna().head(self.max_rows))
        self.changed()

    def clear_selection(self) -> None:
        self.selected.clear()
        self.changed()

    def _ids(self, servers) -> list[str]:
        if isinstance(servers, str):
            servers = [servers]
        frame = self.frame
        known = {} if frame is None else dict(zip(frame["id"], frame["name"], strict=True))
        by_name: dict[str, list[str]] = {}
        for server_id, name in known.items():
            by_name.setdefault(name, []).append(server_id)
        ids = []
        for ref in servers:
            ref = str(ref)
            if ref in known:
                ids.append(ref)
            elif len(by_name.get(ref, ())) == 1:
                ids.append(by_name[ref][0])
            elif ref in by_name:
                raise validation_error(
                    f"{len(by_name[ref])} servers are named {ref!r}; use their ids"
                )
            else:
                raise validation_error(f"no server {ref!r} in the fleet (refresh first?)")
        return ids

    def _name(self, server_id: str) -> str:
        frame = self.frame
        names = frame.loc[frame["id"] == server_id, "name"] if frame is not None else ()
        return str(names.iloc[0]) if len(names) else server_id

    # --- bulk actions --------------------------------------------------------------------------

    def bulk_reboot(self, servers=None, *, hard: bool = False, confirm: bool = False):
        """Stage a reboot of ``servers`` (default: the selection); ``confirm_pending()`` runs it
        (``confirm=True`` does both). Returns the :class:`PendingAction`."""
        return self._stage("hard reboot" if hard else "reboot", servers, confirm)

    def bulk_delete(self, servers=None, *, confirm: bool = False):
        """Stage deleting ``servers`` (default: the selection); ``confirm_pending()`` runs it."""
        return self._stage("delete", servers, confirm)

    def _stage(self, kind: str, servers, confirm: bool) -> PendingAction:
        if self.busy:
            raise Busy("a bulk action is still running")
        if servers is not None:
            ids = self._ids(servers)
        else:  # in the table's order: by name
            ids = sorted(self.selected, key=lambda i: (self._name(i), i))
        if not ids:
            raise validation_error(f"select the servers to {kind} first")
        action = PendingAction(kind, tuple(ids), tuple(self._name(i) for i in ids))
        self.pending = action
        self.changed()
        if confirm:
            self.confirm_pending()
        return action

    def cancel_pending(self) -> None:
        self.pending = None
        self.changed()

    def confirm_pending(self) -> None:
        """Run the staged action in the background (``wait()`` for it); refreshes afterwards."""
        action = self.pending
        if action is None:
            raise validation_error("nothing to confirm: choose Reboot or Delete first")
        self.pending = None
        self.last_action = f"{action.kind}: {len(action.ids)} server(s)…"
        self.start(lambda: self._run_action(action), action.kind.replace(" ", "-"))

    def _run_action(self, action: PendingAction) -> None:
        from novamagic import frames

        cloud = self.cloud
        ids = list(action.ids)
        deleting = action.kind == "delete"
        self.results = []
        if deleting:
            results = cloud.delete_servers(ids)
        else:
            results = cloud.reboot_servers(ids, hard=action.kind == "hard reboot")
        names = dict(zip(action.ids, action.names, strict=True))
        self.outcomes = frames.outcomes_frame(
            [
                dict(entry, item={"id": entry["item"], "name": names[entry["item"]]})
                for entry in results
            ]
        )
        done = [entry["item"] for entry in results if entry["ok"]]
        failed = [entry for entry in results if not entry["ok"]]
        self.results = [(names[e["item"]], "refused", one_line(e["error"])) for e in failed]
        verb = {"delete": "deleting", "reboot": "rebooting", "hard reboot": "hard rebooting"}
        target = "DELETED" if deleting else "ACTIVE"
        self.refresh()
        waited = self._wait_for(done, names, target, verb[action.kind])
        if deleting:
            self.selected -= set(waited)
        self.last_action = f"{verb[action.kind]}: {len(waited)} of {len(ids)} server(s) " + (
            "deleted" if deleting else "back ACTIVE"
        )
        self.progress = None
        self.refresh()
        problems = [r for r in self.results if r[2]]
        if problems:
            name, _outcome, line = problems[0]
            self.error = f"{len(problems)} of {len(ids)} failed; {name}: {line}"

    def _wait_for(self, ids: list[str], names: dict, target: str, verb: str) -> list[str]:
        """Wait for each server to reach ``target`` (updating its row); return those that did."""
        from novamagic.client.errors import NovaError, WaitCancelled

        reached = []
        self.progress = (0, len(ids))
        for index, server_id in enumerate(ids):
            self.last_action = f"{verb}: waiting for {names[server_id]} ({index + 1} of {len(ids)})"
            self.changed()
            try:
                self.cloud.wait(
                    server_id,
                    target,
                    timeout=self.timeout,
                    cancel=self.cancel_event,
                    callback=lambda server, i=server_id: self._on_poll(i, server),
                )
            except WaitCancelled:
                self.results.append((names[server_id], "stopped waiting", None))
                break
            except NovaError as exc:
                self.results.append((names[server_id], "failed", one_line(exc)))
            else:
                reached.append(server_id)
                self.results.append((names[server_id], target, None))
            self.progress = (index + 1, len(ids))
        self.changed()
        return reached

    def _on_poll(self, server_id: str, server: dict | None) -> None:
        """One poll's answer in the server's row (``None``: it is gone)."""
        with self._refresh_lock:
            frame = self.frame
            if frame is None:
                return
            row = frame["id"] == server_id
            if server is None:
                self.frame = frame[~row].reset_index(drop=True)
            elif row.any():
                frame = frame.copy()
                frame.loc[row, "status"] = server.get("status")
                frame.loc[row, "task_state"] = server.get("OS-EXT-STS:task_state")
                self.frame = frame
        self.changed()

    # --- representations -----------------------------------------------------------------------

    def info(self) -> str:
        if self.frame is None:
            return "not refreshed yet"
        visible = self.visible()
        shown = len(visible)
        text = f"{len(self.frame)} servers"
        by_project = (self.summary or {}).get("volumes_by_project")
        if by_project is not None:  # only when the project has volumes
            text += (f" · {int(by_project['volumes'].sum())} volumes "
                     f"({int(by_project['gigabytes'].sum())} GB)")  # fmt: skip
        if shown != len(self.frame):
            text += f", {shown} match the filter"
        if shown > self.max_rows:
            text += f" (first {self.max_rows} shown)"
        text += f" · {len(self.selected)} selected"
        if self.refreshed_at is not None:
            text += f" · refreshed {self.refreshed_at:%H:%M:%S}"
        if self.refresh_interval:
            text += f" (every {self.refresh_interval:g} s)"
        return text

    def row_cells(self, row) -> list[str]:
        """The escaped HTML cells of one table row (a row of the servers frame)."""
        cells = []
        for _header, column, _width in TABLE:
            value = row[column]
            if column == "status":
                cells.append(
                    status_badge(value, row["task_state"] if present(row["task_state"]) else None)
                )
            else:
                cells.append(esc(value if present(value) else "-"))
        return cells

    def table_html(self) -> str:
        visible = self.visible()
        if visible is None:
            return ""
        head = "".join(
            f'<th style="text-align:left;padding:2px 8px">{esc(h)}</th>' for h, _c, _w in TABLE
        )
        body = []
        for _index, row in visible.head(self.max_rows).iterrows():
            mark = "☑" if row["id"] in self.selected else "☐"
            cells = "".join(f'<td style="padding:2px 8px">{c}</td>' for c in self.row_cells(row))
            body.append(f"<tr><td>{mark}</td>{cells}</tr>")
        return (
            '<table class="novamagic-table" style="border-collapse:collapse">'
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    def chart_html(self) -> str:
        """vCPU and RAM use by flavor as stacked bars against the project's limits."""
        if self.summary is None:
            return ""
        by_flavor = self.summary["by_flavor"]
        totals = {str(r["resource"]): r for _i, r in self.summary["totals"].iterrows()}
        flavors = [str(f) for f in by_flavor["flavor"]]
        colours = {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(flavors)}
        bars = []
        for resource, column, label in CHART:
            total = totals.get(resource)
            used = int(total["used"]) if total is not None and present(total["used"]) else 0
            limit = int(total["max"]) if total is not None and present(total["max"]) else None
            scale = max(limit or 0, used) or 1
            segments = []
            for flavor, value in zip(flavors, by_flavor[column], strict=True):
                value = int(value) if present(value) else 0
                if value:
                    segments.append(
                        f'<div title="{esc(flavor)}: {value}" style="width:{100 * value / scale:.2f}%;'
                        f'background:{colours[flavor]}"></div>'
                    )
            of = f"{used} of {limit} ({100 * used / limit:.0f}%)" if limit else f"{used} (no limit)"
            bars.append(
                f'<div style="margin:4px 0"><div>{esc(label)}: {esc(of)}</div>'
                '<div style="display:flex;height:14px;width:30em;background:#eee;'
                f'border:1px solid #ccc">{"".join(segments)}</div></div>'
            )
        legend = " ".join(
            f'<span style="white-space:nowrap"><span style="display:inline-block;width:10px;'
            f'height:10px;background:{colours[f]}"></span> {esc(f)}</span>'
            for f in flavors
        )
        return (
            '<div class="novamagic-fleet-chart"><b>Use by flavor against the limits</b>'
            f"{''.join(bars)}<div>{legend}</div></div>"
        )

    def results_html(self) -> str:
        """What the last bulk action did to each server: its final status or its error."""
        if not self.results:
            return ""
        rows = [
            (esc(name), status_badge(outcome) if not error else errors_html(f"{outcome}: {error}"))
            for name, outcome, error in self.results
        ]
        return html_table(("server", "result"), rows, escape=False)

    def to_html(self) -> str:
        parts = [
            f"<div><b>Fleet</b> — {esc(self.info())}</div>",
            self.table_html(),
            self.chart_html(),
        ]
        if self.last_action:
            parts.append(f"<div>{esc(self.last_action)}</div>")
        if self.results:
            parts.append(self.results_html())
        if self.error:
            parts.append(f"<div>{errors_html(self.error)}</div>")
        return '<div class="novamagic-fleet">' + "".join(parts) + "</div>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        text = f"<Fleet {self.info()}" + (f": {counts}" if counts else "")
        if self.error:
            text += f"; {self.error}"
        return text + ">"
