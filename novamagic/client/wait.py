"""Waiting for a server: poll with backoff until the status is reached and no task is running.

Done means ``status`` equals the target **and** ``OS-EXT-STS:task_state`` is empty: today's Nova
keeps a server ACTIVE while a snapshot uploads and refuses other actions (409) until it ends.
``status="DELETED"`` waits until the server is gone (404). A server going to ERROR (unless ERROR is
the target) raises :class:`WaitError` with the cloud's fault message; the deadline raises
:class:`WaitTimeout`. ``sleep`` is interruptible: KeyboardInterrupt propagates at once and leaves
the server as it is.
"""

from __future__ import annotations

from novamagic.client.errors import NotFound, WaitError, WaitTimeout

__all__ = ["TASK_STATE", "wait_for_server"]

TASK_STATE = "OS-EXT-STS:task_state"


def wait_for_server(
    fetch,
    *,
    status: str = "ACTIVE",
    timeout: float = 600.0,
    callback=None,
    interval: float = 1.0,
    max_interval: float = 10.0,
    sleep,
    monotonic,
    what: str = "server",
):
    """Poll ``fetch()`` (returns the server dict, raises NotFound when gone) until done.

    ``callback(server)`` is called after every poll (``None`` once a deleted server is gone).
    Returns the final server dict (``None`` for DELETED).
    """
    target = status.upper()
    deadline = monotonic() + timeout
    delay = max(0.0, interval)
    server = None
    while True:
        try:
            server = fetch()
        except NotFound:
            if target == "DELETED":
                if callback is not None:
                    callback(None)
                return None
            raise
        if callback is not None:
            callback(server)
        current = str(server.get("status", "")).upper()
        task = server.get(TASK_STATE)
        if current == target and not task:
            return server
        if current == "ERROR" and target != "ERROR":
            fault = server.get("fault") or {}
            reason = fault.get("message") or "no fault message"
            raise WaitError(
                f"{what} {server.get('name')!r} ({server.get('id')}) went to ERROR while waiting for "
                f"{target}: {reason}",
                server=server,
                hint="look at the server's fault, delete it and try again",
            )
        remaining = deadline - monotonic()
        if remaining <= 0:
            state = current + (f" (task {task})" if task else "")
            raise WaitTimeout(
                f"{what} {server.get('name')!r} ({server.get('id')}) is still {state} after "
                f"{timeout:g} s waiting for {target}",
                server=server,
                hint="wait longer (timeout=...) or check the server",
            )
        sleep(min(delay, remaining))
        delay = min(max_interval, delay * 1.5 if delay else interval)
