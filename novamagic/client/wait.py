"""Waiting for a server: poll with backoff until the status is reached and no task is running.

Done means ``status`` equals the target **and** ``OS-EXT-STS:task_state`` is empty: today's Nova
keeps a server ACTIVE while a snapshot uploads and refuses other actions (409) until it ends.
``status`` may also be several statuses (any of them will do). ``status="DELETED"`` waits until
the server is gone (404). A server going to ERROR (unless ERROR is a target) raises
:class:`WaitError` with the cloud's fault message; the deadline raises :class:`WaitTimeout`.

``cancel`` (a ``threading.Event``, or anything with ``is_set()``) stops the waiting promptly:
the pause between polls is slept in slices of at most :data:`CANCEL_SLICE` seconds and the event
is checked between them, so a cancel ends the wait within one slice, not after a whole backoff
interval. It raises :class:`WaitCancelled`; the server is left as it is. ``sleep`` is
interruptible too: KeyboardInterrupt propagates at once and leaves the server as it is.
"""

from __future__ import annotations

from novamagic.client.errors import NotFound, WaitCancelled, WaitError, WaitTimeout

__all__ = ["CANCEL_SLICE", "TASK_STATE", "wait_for_server"]

TASK_STATE = "OS-EXT-STS:task_state"
#: Longest pause between two looks at a cancel event (seconds of the injected clock).
CANCEL_SLICE = 0.2


def wait_for_server(
    fetch,
    *,
    status: str | tuple[str, ...] = "ACTIVE",
    timeout: float = 600.0,
    callback=None,
    interval: float = 1.0,
    max_interval: float = 10.0,
    sleep,
    monotonic,
    cancel=None,
    what: str = "server",
):
    """Poll ``fetch()`` (returns the server dict, raises NotFound when gone) until done.

    ``callback(server)`` is called after every poll (``None`` once a deleted server is gone).
    Returns the final server dict (``None`` for DELETED).
    """
    targets = {status.upper()} if isinstance(status, str) else {s.upper() for s in status}
    wanted = " or ".join(sorted(targets))
    deadline = monotonic() + timeout
    delay = max(0.0, interval)
    server = None
    while True:
        if cancel is not None and cancel.is_set():
            raise _cancelled(server, wanted, what)
        try:
            server = fetch()
        except NotFound:
            if "DELETED" in targets:
                if callback is not None:
                    callback(None)
                return None
            raise
        if callback is not None:
            callback(server)
        current = str(server.get("status", "")).upper()
        task = server.get(TASK_STATE)
        if current in targets and not task:
            return server
        if current == "ERROR" and "ERROR" not in targets:
            fault = server.get("fault") or {}
            reason = fault.get("message") or "no fault message"
            raise WaitError(
                f"{what} {server.get('name')!r} ({server.get('id')}) went to ERROR while waiting for "
                f"{wanted}: {reason}",
                server=server,
                hint="look at the server's fault, delete it and try again",
            )
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise WaitTimeout(
                f"{what} {server.get('name')!r} ({server.get('id')}) is still {_state(server)} "
                f"after {timeout:g} s waiting for {wanted}",
                server=server,
                hint="wait longer (timeout=...) or check the server",
            )
        pause = min(delay, remaining)
        if cancel is None:
            sleep(pause)
        else:
            while pause > 0 and not cancel.is_set():
                step = min(CANCEL_SLICE, pause)
                sleep(step)
                pause -= step
        delay = min(max_interval, delay * 1.5 if delay else interval)


def _state(server: dict) -> str:
    task = server.get(TASK_STATE)
    return str(server.get("status", "")).upper() + (f" (task {task})" if task else "")


def _cancelled(server, wanted: str, what: str) -> WaitCancelled:
    if server is None:
        return WaitCancelled(
            f"stopped waiting for the {what} to be {wanted}: cancelled before the first look; nothing was undone"
        )
    return WaitCancelled(
        f"stopped waiting for {what} {server.get('name')!r} ({server.get('id')}) to be {wanted}: "
        f"cancelled while it was {_state(server)}; nothing was undone, it carries on",
        server=server,
    )
