"""JSON bodies into Python, and the cyclic GC paused while a listing's objects are made.

A 10,000-server listing is about a million fresh dicts, lists and strings with no cycles among
them; the collections their allocation triggers would cost more than the parsing itself. So
large bodies decode with the GC paused, and the frames pause it while they turn a streamed
listing into rows (each page is freed by reference counting as soon as its rows are taken).
"""

from __future__ import annotations

import gc
import json as jsonlib
from contextlib import contextmanager
from typing import Any

try:  # orjson (the "fast" extra) decodes a 10,000-server listing several times faster
    from orjson import loads as _fast_loads
except ImportError:
    _fast_loads = jsonlib.loads

__all__ = ["decode", "paused_gc"]

#: Bodies at least this long decode with the GC paused (a page of servers is ~2.5 MB).
LARGE_BODY = 1 << 16


@contextmanager
def paused_gc(pause: bool = True):
    """The cyclic GC off inside the block, if it was on: only the pauser restarts it, so a
    user's own ``gc.disable()`` (or an outer pause) stays as it was."""
    paused = pause and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def decode(content: bytes) -> Any:
    """Decode a JSON body: orjson when installed, the standard parser for what orjson refuses
    (NaN, huge integers, UTF-16); large bodies with the GC paused."""
    with paused_gc(len(content) >= LARGE_BODY):
        try:
            return _fast_loads(content)
        except ValueError:
            if _fast_loads is jsonlib.loads:
                raise
        return jsonlib.loads(content)
