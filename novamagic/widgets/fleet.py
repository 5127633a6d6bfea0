"""The fleet view: every server at a glance, with bulk reboot and delete behind a confirm step.

``FleetModel`` refreshes through ``cloud.servers()`` and ``cloud.limits()`` into the same frames
``%nova servers`` and ``%nova report`` show (``servers_frame``, ``limits_frame``,
``fleet_summary``); it filters, keeps a selection, and runs ``cloud.reboot_servers`` /
``cloud.delete_servers`` only after ``confirm_pending()``. ``FleetView`` is the ipywidgets view
(status colours, a filter box, a usage chart by flavor against the limits);
``fleet_view(cloud=None, refresh=None, ...)`` builds one (``%nova fleet``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from novamagic.widgets._base import (
    BackgroundModel,
    Busy,
    StaticRepr,
    errors_html,
    esc,
    one_line,
    present,
    resolve_cloud,
    status_badge,
    validation_error,
)

__all__ = ["FleetModel", "FleetView", "PendingAction", "fleet_view"]

SEARCHED = ("name", "id", "status", "flavor", "image", "private_ipv4", "public_ipv4")
# (header, frame column, width) of the table; the status cell is a coloured badge.
TABLE = (
    ("name", "name", "12em"),
    ("status", "status", "10em"),
    ("flavor", "flavor", "6.5em"),
    ("vCPUs", "vcpus", "4em"),
    ("RAM MB", "ram_mb", "5.5em"),
    ("IPv4", "private_ipv4", "7em"),
    ("image", "image", "13em"),
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


class FleetModel(BackgroundModel):
    """The fleet view's state: the servers frame, filter, selection and pending bulk action."""

    def __init__(self, cloud=None, *, filter: str = "", max_rows: int = 200, refresh: bool = True):
        super().__init__()
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
        self.refresh_interval: float | None = None
        self._refresh_lock = threading.Lock()
        self._auto_stop: threading.Event | None = None
        if refresh:
            self.refresh()

    # --- data ----------------------------------------------------------------------------------

    def refresh(self):
        """Read the servers and limits again; returns the servers frame."""
        from novamagic import frames

        with self._refresh_lock:
            frame = frames.servers_frame(self.cloud.servers())
            limits = frames.limits_frame(self.cloud.limits())
            summary = frames.fleet_summary(frame, limits)
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
        if action.kind == "delete":
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
        verb = {"delete": "deleting", "reboot": "rebooting", "hard reboot": "hard rebooting"}
        self.last_action = f"{verb[action.kind]} {len(done)} of {len(ids)} server(s)"
        if action.kind == "delete":
            self.selected -= set(done)
        self.refresh()
        if failed:
            first = failed[0]
            self.error = (
                f"{len(failed)} of {len(ids)} failed; {names[first['item']]}: "
                f"{one_line(first['error'])}"
            )

    # --- refreshing on a timer -----------------------------------------------------------------

    def start_auto_refresh(self, interval: float) -> None:
        """Refresh every ``interval`` seconds in a daemon thread until ``stop_auto_refresh()``."""
        if not interval or interval <= 0:
            raise validation_error(
                f"the refresh interval must be a positive number of seconds, got {interval!r}"
            )
        self.stop_auto_refresh()
        stop = threading.Event()
        self._auto_stop, self.refresh_interval = stop, float(interval)

        def loop():
            from novamagic.client.errors import NovaError

            while not stop.wait(interval):
                try:
                    self.refresh()
                except NovaError as exc:  # shown in the view; the timer keeps going
                    self.error = one_line(exc)
                    self.changed()

        threading.Thread(target=loop, name="novamagic-fleet-refresh", daemon=True).start()
        self.changed()

    def stop_auto_refresh(self) -> None:
        if self._auto_stop is not None:
            self._auto_stop.set()
        self._auto_stop, self.refresh_interval = None, None
        self.changed()

    # --- representations -----------------------------------------------------------------------

    def info(self) -> str:
        if self.frame is None:
            return "not refreshed yet"
        visible = self.visible()
        shown = len(visible)
        text = f"{len(self.frame)} servers"
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

    def to_html(self) -> str:
        parts = [
            f"<div><b>Fleet</b> — {esc(self.info())}</div>",
            self.table_html(),
            self.chart_html(),
        ]
        if self.last_action:
            parts.append(f"<div>{esc(self.last_action)}</div>")
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


# ------------------------------------------------------------------------------------ the view


class FleetView(StaticRepr):
    """The ipywidgets face of a :class:`FleetModel` (``fleet.model``; ``fleet.widget``)."""

    def __init__(self, model: FleetModel):
        import ipywidgets as w

        self._w = w
        self.model = model
        self._syncing = False
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.auto_refresh = w.ToggleButton(
            description="Auto-refresh", value=bool(model.refresh_interval), icon="clock-o"
        )
        self.interval = w.BoundedFloatText(
            value=model.refresh_interval or 10.0,
            min=1.0,
            max=3600.0,
            step=1.0,
            description="every (s)",
            layout=w.Layout(width="11em"),
            style={"description_width": "5em"},
        )
        self.filter = w.Text(
            value=model.filter,
            placeholder="filter: name, status, flavor, IP…",
            layout=w.Layout(width="20em"),
        )
        self.select_shown_button = w.Button(description="Select shown", icon="check-square-o")
        self.clear_button = w.Button(description="Clear selection", icon="square-o")
        self.hard = w.Checkbox(
            description="hard", value=False, indent=False, layout=w.Layout(width="5em")
        )
        self.reboot_button = w.Button(description="Reboot", icon="repeat", button_style="warning")
        self.delete_button = w.Button(description="Delete", icon="trash", button_style="danger")
        self.prompt = w.HTML()
        self.yes_button = w.Button(description="Yes", button_style="danger", icon="check")
        self.no_button = w.Button(description="No", icon="times")
        self.confirm_box = w.HBox([self.prompt, self.yes_button, self.no_button])
        self.info = w.HTML()
        self.error = w.HTML()
        self.last_action = w.HTML()
        self.outcomes = w.HTML()
        self.header = w.HTML(_row_html([esc(h) for h, _c, _w in TABLE], header=True))
        self.rows_box = w.VBox()
        self.chart = w.HTML()
        self._rows: list[tuple] = []  # pooled (checkbox, html, box, [server id])
        self._render_lock = threading.RLock()  # the refresh timer and clicks both redraw
        for widget, css in (
            (self.refresh_button, "nm-fleet-refresh"),
            (self.filter, "nm-fleet-filter"),
            (self.reboot_button, "nm-fleet-reboot"),
            (self.delete_button, "nm-fleet-delete"),
            (self.yes_button, "nm-fleet-yes"),
            (self.no_button, "nm-fleet-no"),
            (self.rows_box, "nm-fleet-rows"),
            (self.info, "nm-fleet-info"),
        ):
            widget.add_class(css)
        self.widget = w.VBox(
            [
                w.HBox([self.refresh_button, self.auto_refresh, self.interval, self.filter]),
                w.HBox(
                    [
                        self.select_shown_button,
                        self.clear_button,
                        self.reboot_button,
                        self.hard,
                        self.delete_button,
                    ]
                ),
                self.confirm_box,
                self.info,
                self.error,
                self.last_action,
                self.header,
                self.rows_box,
                self.outcomes,
                self.chart,
            ]
        )
        self.widget.add_class("novamagic-fleet")
        self.refresh_button.on_click(lambda _b: self._guard(model.refresh))
        self.auto_refresh.observe(self._auto_changed, names="value")
        self.interval.observe(self._interval_changed, names="value")
        self.filter.observe(self._filter_changed, names="value")
        self.select_shown_button.on_click(lambda _b: model.select_visible())
        self.clear_button.on_click(lambda _b: model.clear_selection())
        self.reboot_button.on_click(lambda _b: self._guard(model.bulk_reboot, hard=self.hard.value))
        self.delete_button.on_click(lambda _b: self._guard(model.bulk_delete))
        self.yes_button.on_click(lambda _b: self._guard(model.confirm_pending))
        self.no_button.on_click(lambda _b: model.cancel_pending())
        model.observe(lambda _m: self.render())
        self.render()

    def close(self) -> None:
        """Stop the refresh timer and close the widgets."""
        self.model.stop_auto_refresh()
        self.widget.close()

    def _guard(self, call, **kwargs) -> None:
        from novamagic.client.errors import NovaError

        try:
            call(**kwargs)
        except (NovaError, Busy) as exc:
            self.model.error = one_line(exc)
        self.render()

    def _auto_changed(self, change) -> None:
        if self._syncing:
            return
        if change["new"]:
            self.model.start_auto_refresh(self.interval.value)
        else:
            self.model.stop_auto_refresh()

    def _interval_changed(self, change) -> None:
        if self.model.refresh_interval and not self._syncing:
            self.model.start_auto_refresh(change["new"])

    def _filter_changed(self, change) -> None:
        if self._syncing:
            return
        self.model.filter = change["new"]
        self.render()

    def _toggle(self, holder, change) -> None:
        if self._syncing or not holder:
            return
        if change["new"]:
            self.model.selected.add(holder[0])
        else:
            self.model.selected.discard(holder[0])
        self.render()

    def _row(self, index: int) -> tuple:
        w = self._w
        while len(self._rows) <= index:
            holder: list[str] = []
            checkbox = w.Checkbox(
                value=False, indent=False, layout=w.Layout(width="2em", margin="0 0 0 4px")
            )
            checkbox.observe(lambda change, h=holder: self._toggle(h, change), names="value")
            html = w.HTML(layout=w.Layout(margin="0", width="auto"))
            box = w.HBox([checkbox, html], layout=w.Layout(align_items="center", margin="0"))
            self._rows.append((checkbox, html, box, holder))
        return self._rows[index]

    def render(self) -> None:
        with self._render_lock:
            self._render()

    def _render(self) -> None:
        model = self.model
        with model._refresh_lock:
            visible = model.visible()
        busy = model.busy
        self.info.value = esc(model.info())
        self.error.value = errors_html(model.error)
        self.last_action.value = esc(model.last_action or "")
        outcomes = model.outcomes
        self.outcomes.value = (
            ""
            if outcomes is None or not len(outcomes)
            else outcomes.to_html(index=False, na_rep="-", escape=True, border=0)
        )
        pending = model.pending
        self.confirm_box.layout.display = "" if pending else "none"
        self.prompt.value = f"<b>{esc(pending.describe())}</b>" if pending else ""
        self.yes_button.description = f"Yes, {pending.kind}" if pending else "Yes"
        nothing = not model.selected
        self.reboot_button.disabled = busy or nothing
        self.delete_button.disabled = busy or nothing
        self.yes_button.disabled = busy
        self.refresh_button.disabled = busy
        self._syncing = True
        try:
            if self.filter.value != (model.filter or ""):
                self.filter.value = model.filter or ""
            self.auto_refresh.value = bool(model.refresh_interval)
            boxes = []
            if visible is not None:
                for index, (_i, row) in enumerate(visible.head(model.max_rows).iterrows()):
                    checkbox, html, box, holder = self._row(index)
                    holder[:] = [row["id"]]
                    checkbox.value = row["id"] in model.selected
                    html.value = _row_html(model.row_cells(row))
                    boxes.append(box)
            self.rows_box.children = boxes
        finally:
            self._syncing = False
        self.chart.value = model.chart_html()


def _row_html(cells: list[str], header: bool = False) -> str:
    """One table line as fixed-width cells (cells are escaped HTML already)."""
    pad = '<span style="display:inline-block;width:2em"></span>' if header else ""
    spans = "".join(
        f'<span style="display:inline-block;width:{width};overflow:hidden;text-overflow:ellipsis;'
        f'white-space:nowrap;vertical-align:middle">{"<b>" + c + "</b>" if header else c}</span>'
        for c, (_h, _col, width) in zip(cells, TABLE, strict=True)
    )
    return f'<div style="white-space:nowrap">{pad}{spans}</div>'


def fleet_view(
    cloud=None, *, refresh: float | None = None, filter: str = "", max_rows: int = 200
) -> FleetView:
    """A fleet view over ``cloud`` (default: the ``%nova login`` cloud, else ``connect()``);
    ``refresh=SECONDS`` refreshes it on a timer (stop with ``view.close()`` or the toggle)."""
    model = FleetModel(cloud, filter=filter, max_rows=max_rows)
    if refresh:
        model.start_auto_refresh(refresh)
    return FleetView(model)
