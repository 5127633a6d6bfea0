"""Answers rendered once and kept across requests: the server views of ``GET /servers/detail``.

A listing of 10,000 servers renders every one of them again on every page asked for, yet between
two listings almost none has changed. :class:`RenderedViews` keeps each server's rendered text
per *variant* (what shapes it beside the server: the URL root the client used, the microversion
and whether the caller is an admin), as the UTF-8 bytes a page is sent from. The view
(:mod:`novamagic.localcloud.compute.views.servers`) keeps a rendering beside a key of everything
it was made from that lives in the server and in the catalogue (the server object and its
``revision``, which every assignment to one of its fields bumps; copies of its metadata, tags,
hints and fault, which may change in place; the flavor's and image's fragments; its volume
attachments), and reuses it only when that key is equal now, so changes there need nothing
done here.

What a server's view shows from *networking* (its ports' addresses, their floating IPs, the
network names and security group names) is not in the key: reading it costs as much as rendering
it. Every change to ports, floating IPs, networks or security groups therefore calls
:meth:`RenderedViews.clear` (through ``CloudState.forget_views``), and a reset or a restored state
starts empty. :attr:`RenderedViews.check` (the ``NOVAMAGIC_CHECK_RENDERED`` environment variable
set to 1; the test suite sets it) renders again on every reuse and fails loudly on a difference:
a missed change is a bug the tests catch, never a stale answer served quietly.
"""

from __future__ import annotations

import os

__all__ = ["RenderedViews", "MAX_VARIANTS"]

#: Variants kept at once (an admin's and a member's listing, through one or two host names); a
#: further one drops the oldest. Each holds about 2 KB per server.
MAX_VARIANTS = 4
#: Distinct catalogue fragments kept for identity (images x flavors x projects in use).
MAX_CANONICAL = 10_000


class RenderedViews:
    """Rendered server views by variant, then by server id: ``{variant: {id: (key, text)}}``.

    Not persisted and not shared between clouds; guarded by the cloud's lock like the model.
    """

    #: Render again on every reuse and raise AssertionError when the kept text differs.
    check = os.environ.get("NOVAMAGIC_CHECK_RENDERED") == "1"

    __slots__ = ("_variants", "_canonical")

    def __init__(self):
        self._variants: dict[tuple, dict[str, tuple]] = {}
        self._canonical: dict = {}

    def canonical(self, value):
        """The kept value equal to ``value`` (``value`` itself the first time): fragments every
        request makes afresh, kept once so that keys holding them compare by identity."""
        kept = self._canonical.get(value)
        if kept is None:
            if len(self._canonical) >= MAX_CANONICAL:  # a catalogue that keeps changing
                self._canonical.clear()
            kept = self._canonical[value] = value
        return kept

    def variant(self, key: tuple, live: int) -> dict[str, tuple]:
        """The kept views of one variant (made empty if new). ``live``: how many servers the
        cloud holds, deleted ones remembered included; a variant holding far more entries than
        that forgets them all (servers come and go in a long-running classroom cloud)."""
        views = self._variants.get(key)
        if views is None:
            if len(self._variants) >= MAX_VARIANTS:
                del self._variants[next(iter(self._variants))]
            views = self._variants[key] = {}
        elif len(views) > 2 * live + 1000:
            views.clear()
        return views

    def forget(self, server_id: str) -> None:
        """Drop one server's views (it is gone)."""
        for views in self._variants.values():
            views.pop(server_id, None)

    def clear(self) -> None:
        """Drop every view: something every server may show has changed."""
        self._variants = {}
        self._canonical = {}

    def __len__(self) -> int:
        return sum(len(views) for views in self._variants.values())
