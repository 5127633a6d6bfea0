"""The ipywidgets face of the ``ClassModel``: :class:`ClassView` and ``class_view()``."""

from __future__ import annotations

import threading

from novamagic.widgets._base import RefreshControls, StaticRepr, errors_html, esc
from novamagic.widgets.classroom.model import ClassModel

__all__ = ["ClassView", "class_view"]


class ClassView(RefreshControls, StaticRepr):
    """The live class table (``view.model``; ``view.widget``): Refresh, and a timer that
    refreshes it by itself (on from the start with ``class_view(every=...)``)."""

    def __init__(self, model: ClassModel):
        import ipywidgets as w

        self.model = model
        self._syncing = False
        self._refresh_controls("nm-class")
        self.info = w.HTML()
        self.passes = w.HTML()
        self.error = w.HTML()
        self.table = w.HTML()
        for widget, css in (
            (self.info, "nm-class-info"),
            (self.passes, "nm-class-passes"),
            (self.table, "nm-class-table"),
        ):
            widget.add_class(css)
        self.widget = w.VBox(
            [
                w.HBox([self.refresh_button, self.auto_refresh, self.interval]),
                self.info,
                self.passes,
                self.error,
                self.table,
            ]
        )
        self.widget.add_class("novamagic-class")
        self._render_lock = threading.RLock()  # the timer and clicks both redraw
        model.observe(lambda _m: self.render())
        self.render()

    def close(self) -> None:
        """Stop the refresh timer and close the widgets."""
        self.model.stop_auto_refresh()
        self.widget.close()

    def render(self) -> None:
        model = self.model
        with self._render_lock:
            self.info.value = esc(model.info())
            self.passes.value = f"<b>{esc(model.passes_text())}</b>" if model.exercises else ""
            self.error.value = errors_html(model.error)
            self.table.value = model.table_html()
            self._syncing = True
            try:
                self.auto_refresh.value = bool(model.refresh_interval)
            finally:
                self._syncing = False


def class_view(
    cloud=None, exercises=(), *, every: float | None = 10.0, error_window: float = 600.0
) -> ClassView:
    """The class of ``cloud`` (default: the ``%nova login`` cloud; an admin's) with
    ``exercises`` checked for every learner, refreshing every ``every`` seconds (None: only on
    Refresh). Stop the timer with ``view.close()`` or the toggle."""
    model = ClassModel(cloud, exercises, error_window=error_window)
    if every:
        model.start_auto_refresh(every)
    return ClassView(model)
