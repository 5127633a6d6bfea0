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

:func:`wait_for_servers` waits for many servers at once with the same rules, each poll one look
at all of them (``fetch_many``: one listing, say, instead of a request per server).
"""

from __future__ import annotations

from novamagic.client.errors import NotFound, NovaError, WaitCancelled, WaitError, WaitTimeout

__all__ = ["CANCEL_SLICE", "TASK_STATE", "wait_for_server", "wait_for_servers"]

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
    targets = _targets(status)
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
        if _reached(server, targets, wanted, what):
            return server
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise _timed_out(server, timeout, wanted, what)
        _pause(min(delay, remaining), sleep, cancel)
        delay = min(max_interval, delay * 1.5 if delay else interval)


def wait_for_servers(
    fetch_many,
    ids: list[str],
    *,
    status: str | tuple[str, ...] = "ACTIVE",
    timeout: float = 600.0,
    callback=None,
    on_done=None,
    interval: float = 1.0,
    max_interval: float = 10.0,
    sleep,
    monotonic,
    cancel=None,
    what: str = "server",
) -> dict:
    """:func:`wait_for_server` for many servers at once: each poll is one ``fetch_many(ids)``
    of the servers still waited for, which returns ``{id: server dict, or the NovaError raised
    looking it up}`` (an id left out counts as NotFound; another error ends that server's wait,
    as a failed poll ends wait_for_server). Every server follows the same rules and the same
    pauses (counted from this call), each with its own outcome.

    ``callback(id, server)`` is called for each server after every poll (``None`` once a deleted
    server is gone); ``on_done(id, server or None, error or None)`` once per server as it ends.
    Returns ``{id: (server or None, error or None)}``, the errors being WaitError, WaitTimeout,
    WaitCancelled or the NotFound of a server that is gone while waiting for another status.
    An exception of ``fetch_many`` or of a callback propagates (nothing is left running).
    """
    targets = _targets(status)
    wanted = " or ".join(sorted(targets))
    deadline = monotonic() + timeout
    delay = max(0.0, interval)
    last: dict[str, dict | None] = dict.fromkeys(ids)
    pending = list(dict.fromkeys(ids))
    outcomes: dict = {}

    def end(server_id, server, error) -> None:
        outcomes[server_id] = (server, error)
        if on_done is not None:
            on_done(server_id, server, error)

    while pending:
        if cancel is not None and cancel.is_set():
            for server_id in pending:
                end(server_id, None, _cancelled(last[server_id], wanted, what))
            break
        found = fetch_many(list(pending))
        waiting = []
        for server_id in pending:
            server = found.get(server_id)
            if server is None or isinstance(server, NotFound):
                if "DELETED" in targets:
                    if callback is not None:
                        callback(server_id, None)
                    end(server_id, None, None)
                else:
                    end(server_id, None, server or NotFound(f"{what} {server_id} is gone"))
                continue
            if isinstance(server, NovaError):
                end(server_id, None, server)
                continue
            last[server_id] = server
            if callback is not None:
                callback(server_id, server)
            try:
                reached = _reached(server, targets, wanted, what)
            except WaitError as error:
                end(server_id, None, error)
                continue
            if reached:
                end(server_id, server, None)
            else:
                waiting.append(server_id)
        pending = waiting
        if not pending:
            break
        remaining = deadline - monotonic()
        if remaining <= 0:
            for server_id in pending:
                end(server_id, None, _timed_out(last[server_id], timeout, wanted, what))
            break
        _pause(min(delay, remaining), sleep, cancel)
        delay = min(max_interval, delay * 1.5 if delay else interval)
    return outcomes


def _targets(status) -> set[str]:
    return {status.upper()} if isinstance(status, str) else {s.upper() for s in status}


def _reached(server: dict, targets: set[str], wanted: str, what: str) -> bool:
    """Whether the wait is over (the status reached, no task left); WaitError on an ERROR
    that is not waited for."""
    current = str(server.get("status", "")).upper()
    task = server.get(TASK_STATE)
    if current in targets and not task:
        return True
    if current == "ERROR" and "ERROR" not in targets:
        fault = server.get("fault") or {}
        reason = fault.get("message") or "no fault message"
        raise WaitError(
            f"{what} {server.get('name')!r} ({server.get('id')}) went to ERROR while waiting for "
            f"{wanted}: {reason}",
            server=server,
            hint="look at the server's fault, delete it and try again",
        )
    return False


def _timed_out(server: dict, timeout: float, wanted: str, what: str) -> WaitTimeout:
    return WaitTimeout(
        f"{what} {server.get('name')!r} ({server.get('id')}) is still {_state(server)} "
        f"after {timeout:g} s waiting for {wanted}",
        server=server,
        hint="wait longer (timeout=...) or check the server",
    )


def _pause(pause: float, sleep, cancel) -> None:
    """Sleep ``pause`` seconds, in slices of CANCEL_SLICE when ``cancel`` may end it early."""
    if cancel is None:
        sleep(pause)
    else:
        while pause > 0 and not cancel.is_set():
            step = min(CANCEL_SLICE, pause)
            sleep(step)
            pause -= step


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
