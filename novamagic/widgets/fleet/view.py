"""The ipywidgets face of the ``FleetModel``: :class:`FleetView`
and ``fleet_view()``. ipywidgets is imported when a view is built, not before.
"""

from __future__ import annotations

import threading

from novamagic.widgets._base import (
    RefreshControls,
    StaticRepr,
    errors_html,
    esc,
)
from novamagic.widgets.fleet.model import (
    TABLE,
    FleetModel,
)

__all__ = ["FleetView", "fleet_view"]


class FleetView(RefreshControls, StaticRepr):
    """The ipywidgets face of a :class:`FleetModel` (``fleet.model``; ``fleet.widget``)."""

    def __init__(self, model: FleetModel):
        import ipywidgets as w

        self._w = w
        self.model = model
        self._syncing = False
        self._refresh_controls("nm-fleet")
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
        self.progress = w.IntProgress(
            min=0, max=1, description="Waiting", layout=w.Layout(display="none")
        )
        self.stop_button = w.Button(
            description="Stop waiting", icon="stop", layout=w.Layout(display="none")
        )
        self.outcomes = w.HTML()
        self.header = w.HTML(_row_html([esc(h) for h, _c, _w in TABLE], header=True))
        self.rows_box = w.VBox()
        self.chart = w.HTML()
        self._rows: list[tuple] = []  # pooled (checkbox, html, box, [server id])
        self._render_lock = threading.RLock()  # the refresh timer and clicks both redraw
        for widget, css in (
            (self.select_shown_button, "nm-fleet-select-shown"),
            (self.stop_button, "nm-fleet-stop"),
            (self.filter, "nm-fleet-filter"),
            (self.reboot_button, "nm-fleet-reboot"),
            (self.delete_button, "nm-fleet-delete"),
            (self.yes_button, "nm-fleet-yes"),
            (self.no_button, "nm-fleet-no"),
            (self.rows_box, "nm-fleet-rows"),
            (self.info, "nm-fleet-info"),
            (self.last_action, "nm-fleet-last-action"),
            (self.progress, "nm-fleet-progress"),
            (self.outcomes, "nm-fleet-results"),
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
                w.HBox([self.last_action, self.progress, self.stop_button]),
                self.header,
                self.rows_box,
                self.outcomes,
                self.chart,
            ]
        )
        self.widget.add_class("novamagic-fleet")
        self.filter.observe(self._filter_changed, names="value")
        self.select_shown_button.on_click(lambda _b: model.select_visible())
        self.clear_button.on_click(lambda _b: model.clear_selection())
        self.reboot_button.on_click(lambda _b: self._guard(model.bulk_reboot, hard=self.hard.value))
        self.delete_button.on_click(lambda _b: self._guard(model.bulk_delete))
        self.yes_button.on_click(lambda _b: self._guard(model.confirm_pending))
        self.no_button.on_click(lambda _b: model.cancel_pending())
        self.stop_button.on_click(lambda _b: model.cancel())
        model.observe(lambda _m: self.render())
        self.render()

    def close(self) -> None:
        """Stop the refresh timer and close the widgets."""
        self.model.stop_auto_refresh()
        self.widget.close()

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
        self.outcomes.value = model.results_html()
        progress = model.progress
        waiting = "" if progress is not None and busy else "none"
        self.progress.layout.display = self.stop_button.layout.display = waiting
        if progress is not None:
            self.progress.max = max(1, progress[1])
            self.progress.value = progress[0]
        self.stop_button.disabled = model.cancelled
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
