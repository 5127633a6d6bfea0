"""What the three widgets share: background runs, one-line errors, escaped HTML, static reprs.

Models (``BootFormModel``, ``ResizePanelModel``, ``FleetModel``) derive from
:class:`BackgroundModel`: one background thread at a time, a ``done`` event tests and views wait
on, a cancel event handed to the client's waits (``cancel=``: they stop within one short poll
slice and never delete or undo anything), and observers the views use to redraw. Nothing here imports ipywidgets or pandas; the views import ipywidgets when one is built.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "AutoRefresh",
    "BackgroundModel",
    "Busy",
    "RefreshControls",
    "StaticRepr",
    "esc",
    "html_table",
    "one_line",
    "resolve_cloud",
    "status_badge",
]

log = logging.getLogger("novamagic.widgets")

# Status colours shared by every widget (and its static HTML): green running, amber busy, blue
# waiting for the user, red failed, grey stopped.
_GREEN, _AMBER, _BLUE, _RED, _GREY = "#2e7d32", "#b26a00", "#1565c0", "#c62828", "#616161"
STATUS_COLOURS = {
    "ACTIVE": _GREEN,
    "BUILD": _AMBER,
    "REBUILD": _AMBER,
    "REBOOT": _AMBER,
    "HARD_REBOOT": _AMBER,
    "RESIZE": _AMBER,
    "REVERT_RESIZE": _AMBER,
    "MIGRATING": _AMBER,
    "PASSWORD": _AMBER,
    "VERIFY_RESIZE": _BLUE,
    "ERROR": _RED,
    "SHUTOFF": _GREY,
    "SUSPENDED": _GREY,
    "PAUSED": _GREY,
    "SHELVED": _GREY,
    "SHELVED_OFFLOADED": _GREY,
    "DELETED": _GREY,
}


class Busy(RuntimeError):
    """A model was asked to start a run while another one is still going."""


def esc(value: Any) -> str:
    """HTML-escape anything that reaches markup (server names and metadata are user data)."""
    return html.escape("" if value is None else str(value), quote=True)


def one_line(exc: BaseException) -> str:
    """An error as the widgets show it: one line, with the request id when the cloud gave one."""
    from novamagic.client.errors import NovaError

    if isinstance(exc, NovaError):
        text = str(exc)  # message (METHOD path, HTTP status, request id)
        if exc.hint and exc.hint not in text:
            text += f" — {exc.hint}"
        return f"{type(exc).__name__}: {text}"
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def status_badge(status: Any, task: Any = None) -> str:
    """A coloured status word (escaped), with the running task in grey when there is one."""
    word = "" if status is None else str(status)
    colour = STATUS_COLOURS.get(word.upper(), "#6d4c41")
    badge = f'<b style="color:{colour}">{esc(word)}</b>'
    if task:
        badge += f' <span style="color:{_GREY}">({esc(task)})</span>'
    return badge


def html_table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, escape=True) -> str:
    """A small table; cells are escaped unless ``escape=False`` (callers then pass escaped HTML)."""
    head = "".join(f'<th style="text-align:left;padding:2px 8px">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="padding:2px 8px;white-space:nowrap">{esc(cell) if escape else cell}</td>'
            for cell in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        '<table class="novamagic-table" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def resolve_cloud(cloud=None):
    """The cloud to use: the one given, else the ``%nova login`` one, else ``connect()``."""
    if cloud is not None:
        return cloud
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency
        shell = None
    magics = shell.magics_manager.registry.get("NovaMagics") if shell is not None else None
    if magics is not None and magics.has_cloud:
        return magics.cloud
    from novamagic.client import connect

    return connect()


class BackgroundModel:
    """One background run at a time, observed by views and awaited by tests.

    ``done`` is set whenever nothing runs (after the observers saw the end of a run). ``error``
    is the last run's one-line failure (or None). ``cancel()`` sets ``cancel_event``, which runs
    pass to the client as ``cancel=``: its waits stop within one short poll slice; nothing
    already sent is deleted or undone.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._observers: list[Callable[[BackgroundModel], None]] = []
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._running = False
        # Set once a run has ended *and* the views have caught up: what tests wait on.
        self.done = threading.Event()
        self.done.set()
        self.error: str | None = None
        self.exception: BaseException | None = None

    # --- observers -----------------------------------------------------------------------------

    def observe(self, callback: Callable[[BackgroundModel], None]) -> None:
        """Call ``callback(model)`` after every change (from whichever thread made it)."""
        self._observers.append(callback)

    def unobserve(self, callback) -> None:
        if callback in self._observers:
            self._observers.remove(callback)

    def changed(self) -> None:
        for callback in list(self._observers):
            try:
                callback(self)
            except Exception:  # a broken view must not break the model's run
                log.exception("a novamagic widget view failed to update")

    # --- background runs -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._running

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """The run's Cancel, as the client's ``cancel=`` argument takes it."""
        return self._cancel

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends; True if it did within ``timeout`` seconds."""
        return self.done.wait(timeout)

    def cancel(self) -> None:
        """Stop waiting (promptly); what was sent to the cloud stays as it is."""
        if self.busy:
            self._cancel.set()
            self.changed()

    def start(self, work: Callable[[], None], name: str) -> None:
        """Run ``work()`` in a daemon thread, so the kernel stays responsive."""
        with self._lock:
            if self.busy:
                raise Busy(f"{type(self).__name__} is busy; wait for it or cancel it first")
            self._cancel.clear()
            self._running = True
            self.done.clear()
            self.error = None
            self.exception = None
            self._thread = threading.Thread(
                target=self._run, args=(work,), name=f"novamagic-{name}", daemon=True
            )
        self.changed()
        self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        from novamagic.client.errors import NovaError

        try:
            work()
        except NovaError as exc:
            self.error, self.exception = one_line(exc), exc
        except Exception as exc:  # a bug: show it in the widget and log the traceback
            log.exception("novamagic widget run failed")
            self.error, self.exception = one_line(exc), exc
        finally:
            self._running = False
            self.changed()
            self.done.set()


class AutoRefresh:
    """Mix-in for models with a ``refresh()``: run it every N seconds in a daemon thread.

    A failed refresh shows as the model's ``error`` and the timer keeps going (a cloud that
    blips must not stop a view a class is watching)."""

    refresh_interval: float | None = None
    _auto_stop: threading.Event | None = None

    def start_auto_refresh(self, interval: float) -> None:
        """Refresh every ``interval`` seconds until ``stop_auto_refresh()``."""
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

        name = f"novamagic-{type(self).__name__}-refresh"
        threading.Thread(target=loop, name=name, daemon=True).start()
        self.changed()

    def stop_auto_refresh(self) -> None:
        if self._auto_stop is not None:
            self._auto_stop.set()
        self._auto_stop, self.refresh_interval = None, None
        self.changed()


class RefreshControls:
    """Mix-in for views of an :class:`AutoRefresh` model: a Refresh button, an Auto-refresh
    toggle and its interval (``_refresh_controls()``), and ``_guard`` for clicks (a refusal is
    the model's one-line error, never a traceback under the widget)."""

    model: Any
    _syncing: bool = False

    def _refresh_controls(self, css_prefix: str):
        import ipywidgets as w

        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.auto_refresh = w.ToggleButton(
            description="Auto-refresh", value=bool(self.model.refresh_interval), icon="clock-o"
        )
        self.interval = w.BoundedFloatText(
            value=self.model.refresh_interval or 10.0, min=1.0, max=3600.0, step=1.0,
            description="every (s)", layout=w.Layout(width="11em"),
            style={"description_width": "5em"},
        )  # fmt: skip
        self.refresh_button.add_class(f"{css_prefix}-refresh")
        self.auto_refresh.add_class(f"{css_prefix}-auto")
        self.refresh_button.on_click(lambda _b: self._guard(self.model.refresh))
        self.auto_refresh.observe(self._auto_changed, names="value")
        self.interval.observe(self._interval_changed, names="value")

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

    def render(self) -> None:  # pragma: no cover - every view has its own
        raise NotImplementedError


class StaticRepr:
    """Mix-in for views: the live widget's mimebundle plus text/html and text/plain fallbacks.

    JupyterLab renders the widget; nbviewer, GitHub and a saved notebook without widget state
    show the HTML (escaped) instead. Views set ``self.widget`` (the root box) and ``self.model``
    (which has ``to_html()`` and ``__repr__``).
    """

    widget: Any
    model: Any

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self.model)
        bundle["text/html"] = self.model.to_html()
        return bundle

    def _repr_html_(self) -> str:
        return self.model.to_html()

    def __repr__(self) -> str:
        return repr(self.model)


def errors_html(message: str | None) -> str:
    """An error line in red, escaped; empty when there is none."""
    if not message:
        return ""
    return f'<span style="color:{_RED}">{esc(message)}</span>'


def field_error_html(message: str | None) -> str:
    if not message:
        return ""
    return f'<span style="color:{_RED};font-size:90%">⚠ {esc(message)}</span>'


def find(items: list[dict], ref) -> dict | None:
    """The item of a loaded list with this id, or the only one with this name (else None)."""
    if ref is None or ref == "":
        return None
    ref = str(ref)
    for item in items:
        if str(item.get("id")) == ref:
            return item
    named = [item for item in items if item.get("name") == ref]
    return named[0] if len(named) == 1 else None


def missing(value) -> bool:
    """None, NaN, pd.NA or NaT: the frames' missing values."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except TypeError:  # pd.NA refuses bool(): it is missing
        return True


def present(value) -> bool:
    return not missing(value)


def validation_error(message: str):
    """The client's ValidationError (nothing was sent), for refusals made by a widget's model."""
    from novamagic.client import ValidationError

    return ValidationError(message)


def flavor_label(flavor: Mapping) -> str:
    """``m1.small — 1 vCPU, 2048 MB RAM, 20 GB disk`` (plain text: dropdown labels are text)."""
    vcpus = flavor.get("vcpus")
    return (
        f"{flavor.get('name')} — {vcpus} vCPU{'' if vcpus == 1 else 's'}, "
        f"{flavor.get('ram')} MB RAM, {flavor.get('disk')} GB disk"
    )
