"""The ipywidgets face of the ``ResizePanelModel``: :class:`ResizePanel`
and ``resize_panel()``. ipywidgets is imported when a view is built, not before.
"""

from __future__ import annotations

import threading

from novamagic.widgets._base import (
    StaticRepr,
    errors_html,
    esc,
    flavor_label,
)
from novamagic.widgets.resize.model import (
    FOLLOW_THREAD,
    WAITING_FOR_USER,
    ResizePanelModel,
)

__all__ = ["ResizePanel", "resize_panel"]


class ResizePanel(StaticRepr):
    """The ipywidgets face of a :class:`ResizePanelModel` (``panel.model``; ``panel.widget``)."""

    def __init__(self, model: ResizePanelModel):
        import ipywidgets as w

        self.model = model
        self._sync_thread: int | None = None  # the thread setting widget values from the model
        self._render_lock = threading.RLock()  # clicks and the model's follower both redraw
        wide = w.Layout(width="32em")
        style = {"description_width": "7em"}
        self.server = w.Dropdown(description="Server", layout=wide, style=style)
        self.reload_button = w.Button(
            icon="refresh", tooltip="reload the servers", layout=w.Layout(width="3em")
        )
        self.current = w.HTML()
        self.target = w.Dropdown(
            description="New flavor",
            options=[("— pick a flavor —", None)]
            + [(flavor_label(f), str(f["id"])) for f in model.flavors],
            layout=wide,
            style=style,
        )
        self.change = w.HTML()
        self.refusal = w.HTML()
        self.resize_button = w.Button(
            description="Resize", button_style="primary", icon="arrows-alt"
        )
        self.cancel_button = w.Button(description="Cancel", icon="stop", disabled=True)
        self.progress = w.IntProgress(min=0, max=100, description="Progress")
        self.phase = w.HTML()
        self.confirm_button = w.Button(description="Confirm", button_style="success", icon="check")
        self.revert_button = w.Button(description="Revert", button_style="warning", icon="undo")
        self.final = w.HTML()
        self.error = w.HTML()
        for widget, css in (
            (self.server, "nm-resize-server"),
            (self.target, "nm-resize-target"),
            (self.resize_button, "nm-resize-button"),
            (self.reload_button, "nm-resize-reload"),
            (self.current, "nm-resize-current"),
            (self.change, "nm-resize-change"),
            (self.refusal, "nm-resize-note"),
            (self.phase, "nm-resize-phase"),
            (self.confirm_button, "nm-resize-confirm"),
            (self.revert_button, "nm-resize-revert"),
            (self.final, "nm-resize-final"),
            (self.error, "nm-resize-error"),
        ):
            widget.add_class(css)
        self.widget = w.VBox(
            [
                w.HTML("<b>Resize a server</b>"),
                w.HBox([self.server, self.reload_button]),
                self.current,
                self.target,
                self.change,
                self.refusal,
                w.HBox([self.resize_button, self.cancel_button, self.progress, self.phase]),
                w.HBox([self.confirm_button, self.revert_button]),
                self.final,
                self.error,
            ]
        )
        self.widget.add_class("novamagic-resize-panel")
        self._fill_servers()
        self.server.observe(self._server_changed, names="value")
        self.target.observe(self._target_changed, names="value")
        self.reload_button.on_click(lambda _b: self._reload())
        self.resize_button.on_click(lambda _b: self._act(model.resize))
        self.confirm_button.on_click(lambda _b: self._act(model.confirm))
        self.revert_button.on_click(lambda _b: self._act(model.revert))
        self.cancel_button.on_click(lambda _b: model.cancel())
        model.observe(lambda _m: self.render())
        self.render()

    def _fill_servers(self) -> None:
        """The picker's options and value from the model (servers appear, change, vanish)."""
        model = self.model
        options = [("— pick a server —", None)] + model.server_options()
        chosen = str(model.server["id"]) if model.server else None
        # The follower never writes the choices a user may be changing at that very moment (their
        # new value is already in the widget, its handler waiting for the lock): only the
        # options, and the value when the chosen server has left them.
        following = threading.current_thread().name == FOLLOW_THREAD
        self._sync_thread = threading.get_ident()
        try:
            if list(self.server.options) != options:
                self.server.options = options
            values = [value for _label, value in options]
            if self.server.value != chosen and (not following or self.server.value not in values):
                self.server.value = chosen
            if self.target.value != model.target and not following:
                self.target.value = model.target
        finally:
            self._sync_thread = None

    @property
    def _syncing(self) -> bool:
        """Whether this thread is copying the model into the widgets (its echoes are ignored; a
        user's change arriving meanwhile on another thread is not)."""
        return self._sync_thread == threading.get_ident()

    def _server_changed(self, change) -> None:
        with self._render_lock:  # the follower's redraw waits until the choice is made
            self._choose_server(change)

    def _choose_server(self, change) -> None:
        if self._syncing or change["new"] is None or self.model.busy:
            return
        self._guard(self.model.select, change["new"])
        self._sync_thread = threading.get_ident()
        try:
            self.target.value = None
        finally:
            self._sync_thread = None
        self.render()

    def _target_changed(self, change) -> None:
        with self._render_lock:
            if not self._syncing:
                self._choose_target(change)

    def _choose_target(self, change) -> None:
        self._guard(self.model.choose_target, change["new"])
        self.render()

    def _reload(self) -> None:
        if self.model.busy:
            return
        self._guard(self.model.load)  # the chosen server follows, or leaves with a note
        self.render()

    def _act(self, action) -> None:
        self._guard(action)
        self.render()

    def _guard(self, call, *args) -> None:
        """Run a model call from a click; a refusal shows in the panel instead of raising."""
        from novamagic.client.errors import NovaError
        from novamagic.widgets._base import one_line

        try:
            call(*args)
        except NovaError as exc:
            self.model.error = one_line(exc)
            self.render()

    def close(self) -> None:
        """Stop following the servers and close the widgets."""
        self.model.close()
        self.widget.close()

    def render(self) -> None:
        with self._render_lock:
            self._render()

    def _render(self) -> None:
        model = self.model
        self._fill_servers()  # the model's servers, and its choices when code made them
        self.current.value = model.server_html()
        self.change.value = model.change_html()
        refusal = model.refusal if model.phase == "idle" and model.server is not None else None
        if refusal is None and model.phase == "idle" and model.server is not None:
            refusal = model.target_error() if model.target is not None else None
        self.refusal.value = (
            errors_html(refusal) if refusal else f"<i>{esc(model.note)}</i>" if model.note else ""
        )
        busy = model.busy
        self.server.disabled = busy
        self.reload_button.disabled = busy
        self.target.disabled = busy or model.phase == WAITING_FOR_USER
        self.resize_button.disabled = not model.can_resize
        self.confirm_button.disabled = not model.can_decide
        self.revert_button.disabled = not model.can_decide
        self.cancel_button.disabled = not busy or model.cancelled
        self.progress.value = model.progress
        phase = "stopping…" if busy and model.cancelled else model.phase
        hint = " — confirm or revert" if phase == WAITING_FOR_USER else ""
        self.phase.value = f"<i>{esc(phase)}{esc(hint)}</i>" if phase != "idle" else ""
        self.final.value = model.final_html()
        self.error.value = errors_html(model.error)


def resize_panel(cloud=None, server=None, *, flavor=None, timeout: float = 600.0) -> ResizePanel:
    """A resize panel over ``cloud`` (default: the ``%nova login`` cloud, else ``connect()``),
    with ``server`` (name or id) and the target ``flavor`` chosen when given."""
    return ResizePanel(ResizePanelModel(cloud, server, flavor=flavor, timeout=timeout))
