"""Run one operation over many items concurrently with a bounded pool; collect every outcome.

One failure does not stop the others. The result is a :class:`BulkResult`, a list with one plain
dict per item, in the order given::

    {"item": <what was asked for>, "ok": True, "result": <the operation's return>, "error": None}
    {"item": ..., "ok": False, "result": None, "error": <NovaError>}

Only :class:`NovaError` counts as an item's failure; anything else is a bug and propagates.
KeyboardInterrupt cancels the items not yet started and propagates; the ones already sent finish
on their own (their requests are not cut mid-flight).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from novamagic.client.errors import NovaError

__all__ = ["DEFAULT_WORKERS", "BulkResult", "StopFlag", "run_bulk"]

DEFAULT_WORKERS = 8


class StopFlag:
    """A bulk operation's stop flag: set when its caller is interrupted, or when the caller's
    own ``cancel`` is (anything with ``is_set()``)."""

    def __init__(self, cancel=None):
        self._own = threading.Event()
        self._cancel = cancel

    def set(self) -> None:
        self._own.set()

    def is_set(self) -> bool:
        return self._own.is_set() or (self._cancel is not None and bool(self._cancel.is_set()))


class BulkResult(list):
    """Outcomes of a bulk operation, one dict per item (see the module docstring)."""

    @property
    def ok(self) -> bool:
        return all(entry["ok"] for entry in self)

    @property
    def succeeded(self) -> list:
        return [entry["result"] for entry in self if entry["ok"]]

    @property
    def failed(self) -> list[dict]:
        return [entry for entry in self if not entry["ok"]]

    def raise_first(self) -> BulkResult:
        """Raise the first item's error, if any; return self otherwise."""
        for entry in self:
            if not entry["ok"]:
                raise entry["error"]
        return self

    def __repr__(self) -> str:
        return f"<BulkResult {len(self) - len(self.failed)} ok, {len(self.failed)} failed>"


def run_bulk(
    operation: Callable, items: Iterable, *, workers: int = DEFAULT_WORKERS, on_done=None
) -> BulkResult:
    """Call ``operation(item)`` for every item on at most ``workers`` threads.

    ``on_done(entry)`` is called (from the calling thread) as each item finishes, in completion
    order: a progress hook for the layers above.
    """
    items = list(items)
    result = BulkResult(
        {"item": item, "ok": False, "result": None, "error": None} for item in items
    )
    if not items:
        return result
    workers = max(1, min(workers, len(items)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="novamagic-bulk")
    try:
        futures = {pool.submit(operation, item): index for index, item in enumerate(items)}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            entry = result[futures[future]]
            try:
                entry["result"] = future.result()
                entry["ok"] = True
            except NovaError as exc:
                entry["error"] = exc
            if on_done is not None:
                on_done(entry)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return result
