"""The state of the resize widget, with no ipywidgets: :class:`ResizePanelModel`.

It checks, calls the client in a background thread and tells its observers; the view
(:mod:`novamagic.widgets.resize.view`) only draws it, so tests and scripts drive it directly.

It follows the servers: after any request about servers from this kernel (a boot form, the fleet,
a magic, the panel itself) and a short quiet moment, a follower thread reads the server list
again, so servers booted later appear, a status change shows (VERIFY_RESIZE as such) and a server
deleted meanwhile leaves the picker with a note instead of a NotFound. Changes made elsewhere (another
kernel, the dashboard) show on the reload icon.
"""

from __future__ import annotations

import threading
from functools import partial

from novamagic.widgets._base import (
    BackgroundModel,
    Busy,
    errors_html,
    esc,
    find,
    flavor_label,
    html_table,
    resolve_cloud,
    status_badge,
    validation_error,
)

__all__ = ["ResizePanelModel"]

RESOURCES = (("vcpus", "vCPUs", ""), ("ram", "RAM", " MB"), ("disk", "disk", " GB"))
# The phase in which the server awaits the user's decision: Confirm or Revert.
WAITING_FOR_USER = "verify"
# Phases in which the change line compares the flavor before the resize with its target.
RESIZED = ("resizing", "verify", "confirming", "reverting", "confirmed", "reverted", "cancelled")
# Phases after which a new choice starts afresh.
ENDED = ("confirmed", "reverted", "cancelled", "failed")
#: Threads whose requests the followers ignore (a panel's own reloads; else they would echo).
FOLLOW_THREAD = "novamagic-follow"
#: Real seconds without requests about servers before a follower reads the list again.
FOLLOW_QUIET = 0.3


class ResizePanelModel(BackgroundModel):
    """The resize panel's state; no widgets.

    ``phase``: idle (pick a target), resizing, verify (Confirm or Revert), confirming,
    reverting, confirmed, reverted, cancelled (stopped waiting) or failed.
    """

    def __init__(
        self,
        cloud=None,
        server=None,
        *,
        flavor=None,
        timeout: float = 600.0,
        load: bool = True,
        follow: bool = True,
    ):
        super().__init__()
        self.cloud = resolve_cloud(cloud)
        self.timeout = timeout
        self.servers: list[dict] = []
        self.flavors: list[dict] = []
        self.server: dict | None = None
        self.target: str | None = None  # a flavor id
        self.phase = "idle"
        self.final_flavor: dict | None = None
        self.from_flavor: dict | None = None  # the flavor before the running/last resize
        self.note: str | None = None  # e.g. the chosen server was deleted meanwhile
        self._polled = False  # whether the running step's request was accepted (it is polled)
        self._follow: threading.Event | None = None
        # Bumped whenever the chosen server is read by a choice or a step: a list read before
        # that is too old to update it.
        self._generation = 0
        self._closed = False
        if follow:
            self._start_following()
        if load:
            self.load()
        if server is not None:
            self.select(server)
        if flavor is not None:
            self.set_target(flavor)

    # --- choices -------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the flavors and the servers (for the picker); the chosen server follows."""
        self.flavors = sorted(
            self.cloud.flavors(),
            key=lambda f: (f.get("ram") or 0, f.get("vcpus") or 0, f.get("disk") or 0),
        )
        self.reload_servers()

    def reload_servers(self) -> None:
        """Read the servers again: new ones appear, the chosen one is updated, or dropped with a
        note when it is gone (never a NotFound)."""
        seen = self._generation
        servers = sorted(
            self.cloud.servers(), key=lambda s: (str(s.get("name") or ""), str(s.get("id")))
        )
        with self._lock:
            self.servers = servers
            if seen == self._generation:  # else a step or a choice read the server after us
                self._follow_chosen()
        self.changed()

    def _follow_chosen(self) -> None:
        server = self.server
        if server is None or self.busy:  # a running step follows its server itself
            return
        fresh = next((s for s in self.servers if str(s.get("id")) == str(server.get("id"))), None)
        if fresh is None:
            self.note = f"{server.get('name')} is gone (deleted); pick another server"
            self.server, self.target, self.phase = None, None, "idle"
            self.from_flavor = self.final_flavor = None
            return
        self.server = fresh
        waiting = fresh.get("status") == "VERIFY_RESIZE" and not fresh.get("OS-EXT-STS:task_state")
        if waiting and self.phase in ("idle", *ENDED):
            self.phase = WAITING_FOR_USER
        elif not waiting and self.phase == WAITING_FOR_USER:  # decided elsewhere
            self.phase = "idle"

    def server_options(self) -> list[tuple[str, str]]:
        """(label, id) for the picker: ``name (STATUS)``, the chosen server as last read."""
        chosen = self.server or {}
        options = []
        for server in self.servers:
            if str(server.get("id")) == str(chosen.get("id")):
                server = chosen
            options.append((f"{server.get('name')} ({server.get('status')})", str(server["id"])))
        if chosen and str(chosen.get("id")) not in [value for _label, value in options]:
            options.append((f"{chosen.get('name')} ({chosen.get('status')})", str(chosen["id"])))
        return options

    # --- following the servers ----------------------------------------------------------------

    def _start_following(self) -> None:
        self._follow = threading.Event()
        self.cloud.observe_requests(self._on_request)
        threading.Thread(target=self._follow_loop, name=FOLLOW_THREAD, daemon=True).start()

    def _on_request(self, request) -> None:
        if "/servers" in request.path and not request.thread.startswith(FOLLOW_THREAD):
            self._follow.set()

    def _follow_loop(self) -> None:
        from novamagic.client.errors import NovaError

        event = self._follow
        while True:
            event.wait()
            event.clear()
            while event.wait(FOLLOW_QUIET):  # read once the requests about servers pause
                event.clear()
            if self._closed:
                return
            try:
                self.reload_servers()
            except NovaError:  # the next request or the reload icon tries again
                pass

    def close(self) -> None:
        """Stop following the servers."""
        self._closed = True
        if self._follow is not None:
            self.cloud.unobserve_requests(self._on_request)
            self._follow.set()

    def select(self, ref) -> dict:
        """Choose the server (name or id); reads it fresh from the cloud."""
        if self.busy:
            raise Busy("the panel is busy: wait for it or press Cancel")
        server = self.cloud.server(ref)
        self._generation += 1
        if self.server is None or str(self.server.get("id")) != str(server.get("id")):
            self.target = None  # a fresh look at the same server keeps the chosen target
            self.from_flavor = None
        self.server = server
        self.final_flavor = None
        self.error = self.note = None
        waiting = server.get("status") == "VERIFY_RESIZE" and not server.get(
            "OS-EXT-STS:task_state"
        )
        self.phase = WAITING_FOR_USER if waiting else "idle"
        self.changed()
        return server

    def set_target(self, ref) -> None:
        """Choose the target flavor (name or id)."""
        flavor = find(self.flavors, ref)
        if flavor is None:
            names = ", ".join(str(f.get("name")) for f in self.flavors)
            raise validation_error(f"no flavor {ref!r} on this cloud; choose one of {names}")
        self.choose_target(str(flavor["id"]))

    def choose_target(self, flavor_id: str | None) -> None:
        """Set the target flavor id (None: none); after a resize ended, a new choice starts over."""
        if flavor_id != self.target and self.phase in ENDED:
            self.phase, self.from_flavor, self.final_flavor = "idle", None, None
        self.target = flavor_id
        self.changed()

    @property
    def current_flavor(self) -> dict | None:
        return (self.server or {}).get("flavor")

    @property
    def target_flavor(self) -> dict | None:
        return find(self.flavors, self.target)

    # --- checks --------------------------------------------------------------------------------

    @property
    def refusal(self) -> str | None:
        """Why the chosen server cannot be resized now (None when it can)."""
        server = self.server
        if server is None:
            return "pick a server"
        name, status = server.get("name"), server.get("status")
        task = server.get("OS-EXT-STS:task_state")
        if status == "VERIFY_RESIZE":
            return f"{name} awaits a decision on its last resize: confirm or revert it first"
        if status != "ACTIVE":
            return f"{name} is {status}; only an ACTIVE server can be resized"
        if task:
            return f"{name} is busy ({task}); wait until it finishes"
        return None

    def target_error(self) -> str | None:
        target, current = self.target_flavor, self.current_flavor or {}
        if target is None:
            return "pick a target flavor"
        if str(target.get("id")) == str(current.get("id")) or (
            current.get("id") is None and target.get("name") == current.get("name")
        ):
            return f"{target.get('name')} is the current flavor; pick another one"
        return None

    @property
    def before_flavor(self) -> dict | None:
        """The flavor the change line starts from: the one before the resize once it began."""
        if self.phase in RESIZED and self.from_flavor:
            return self.from_flavor
        return self.current_flavor

    def change(self) -> list[tuple[str, int | None, int | None, int | None, str]]:
        """(resource, before, target, difference, unit) for vCPUs, RAM and disk."""
        current, target = self.before_flavor or {}, self.target_flavor or {}
        rows = []
        for key, label, unit in RESOURCES:
            old, new = current.get(key), target.get(key)
            delta = new - old if isinstance(old, int) and isinstance(new, int) else None
            rows.append((label, old, new, delta, unit))
        return rows

    @property
    def can_resize(self) -> bool:
        return (
            not self.busy
            and self.phase != WAITING_FOR_USER
            and self.refusal is None
            and self.target_error() is None
        )

    @property
    def can_decide(self) -> bool:
        """Confirm and Revert make sense only now: the server is in VERIFY_RESIZE."""
        return not self.busy and self.phase == WAITING_FOR_USER

    # --- actions -------------------------------------------------------------------------------

    def resize(self, flavor=None, *, server=None) -> ResizePanelModel:
        """Resize (in the background) and wait until the server awaits confirmation."""
        if self.busy:
            raise Busy("the panel is busy: wait for it or press Cancel")
        if server is not None:
            self.select(server)
        if flavor is not None:
            self.set_target(flavor)
        problem = self.refusal or self.target_error()
        if problem:
            raise validation_error(problem)
        self.final_flavor = None
        self.from_flavor = self.current_flavor
        self._step(
            "resizing", "idle", partial(self.cloud.resize, self._id(), self.target, wait=True)
        )
        return self

    def confirm(self) -> ResizePanelModel:
        """Keep the new flavor (in the background); the server goes back to ACTIVE."""
        self._require_decision("confirm")
        self._step(
            "confirming",
            WAITING_FOR_USER,
            partial(self.cloud.confirm_resize, self._id(), wait=True),
        )
        return self

    def revert(self) -> ResizePanelModel:
        """Go back to the old flavor (in the background); the server goes back to ACTIVE."""
        self._require_decision("revert")
        self._step(
            "reverting", WAITING_FOR_USER, partial(self.cloud.revert_resize, self._id(), wait=True)
        )
        return self

    def _require_decision(self, what: str) -> None:
        if self.busy:
            raise Busy("the panel is busy: wait for it or press Cancel")
        if self.phase != WAITING_FOR_USER:
            name = (self.server or {}).get("name", "the server")
            raise validation_error(
                f"nothing to {what}: {name} is not waiting for a resize decision"
            )

    def _id(self) -> str:
        return str(self.server["id"])

    def _step(self, phase: str, phase_if_refused: str, call) -> None:
        """Run ``call``, one client call that sends a request and waits for the state that
        follows it (given the panel's timeout, poll callback and Cancel), in the background."""
        self.phase = phase
        self._generation += 1
        done = {"resizing": WAITING_FOR_USER, "confirming": "confirmed", "reverting": "reverted"}
        self._polled = False

        def work():
            from novamagic.client.errors import NovaError, WaitCancelled

            try:
                server = call(
                    timeout=self.timeout, callback=self._on_poll, cancel=self.cancel_event
                )
            except WaitCancelled:
                self.phase = "cancelled"
                self.error = (
                    f"stopped waiting; {self.server.get('name')} carries on and nothing was "
                    "undone (pick it again to follow it)"
                )
                return
            except NovaError:
                # Before the first poll, the request itself was refused: the server is unchanged.
                self.phase = "failed" if self._polled else phase_if_refused
                raise
            self.server = server
            self._generation += 1
            self.phase = done[phase]
            if phase != "resizing":
                self.final_flavor = server.get("flavor")

        self.start(work, phase)

    def _on_poll(self, server: dict | None) -> None:
        self._polled = True
        if server is not None:
            self.server = server
            self._generation += 1
            self.changed()

    @property
    def progress(self) -> int:
        if self.phase in ("verify", "confirmed", "reverted"):
            return 100
        value = (self.server or {}).get("progress")
        return max(0, min(99, value)) if isinstance(value, int) and self.busy else 0

    # --- representations -----------------------------------------------------------------------

    def change_html(self) -> str:
        if self.target_flavor is None or self.before_flavor is None:
            return ""
        cells = []
        for label, old, new, delta, unit in self.change():
            if delta is None:
                sign = "?"
            else:
                sign = f"+{delta}" if delta > 0 else "±0" if delta == 0 else str(delta)
            colour = "#2e7d32" if (delta or 0) > 0 else "#c62828" if (delta or 0) < 0 else "#616161"
            cells.append(
                f"{esc(label)} {esc(old)}{esc(unit)} → {esc(new)}{esc(unit)} "
                f'<span style="color:{colour}">({esc(sign)})</span>'
            )
        return " · ".join(cells)

    def server_html(self) -> str:
        server = self.server
        if server is None:
            return "<i>no server chosen</i>"
        flavor = self.current_flavor or {}
        return (
            f"<b>{esc(server.get('name'))}</b> ({esc(server.get('id'))}) "
            f"{status_badge(server.get('status'), server.get('OS-EXT-STS:task_state'))} — "
            f"flavor {esc(flavor_label(flavor) if flavor.get('name') else '?')}"
        )

    def final_html(self) -> str:
        if self.final_flavor is None:
            return ""
        word = "kept" if self.phase == "confirmed" else "back to"
        return f"Final flavor ({esc(word)}): <b>{esc(flavor_label(self.final_flavor))}</b>"

    def to_html(self) -> str:
        target = self.target_flavor
        rows = [
            ("server", self.server_html()),
            ("target", esc(flavor_label(target)) if target else "-"),
            ("change", self.change_html() or "-"),
            ("phase", esc(self.phase)),
        ]
        parts = ["<div><b>Resize panel</b></div>", html_table(("", ""), rows, escape=False)]
        if self.refusal and self.phase == "idle":
            parts.append(f"<div>{errors_html(self.refusal)}</div>")
        if self.final_flavor:
            parts.append(f"<div>{self.final_html()}</div>")
        if self.note:
            parts.append(f"<div><i>{esc(self.note)}</i></div>")
        if self.error:
            parts.append(f"<div>{errors_html(self.error)}</div>")
        return '<div class="novamagic-resize-panel">' + "".join(parts) + "</div>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        server = self.server or {}
        current = (self.before_flavor or {}).get("name")
        target = (self.target_flavor or {}).get("name")
        text = (
            f"<ResizePanel {self.phase}: {server.get('name', '-')!r} "
            f"({server.get('status', '-')}) {current} -> {target or '?'}"
        )
        if self.final_flavor:
            text += f"; final flavor {self.final_flavor.get('name')}"
        if self.note:
            text += f"; {self.note}"
        if self.error:
            text += f"; {self.error}"
        return text + ">"
