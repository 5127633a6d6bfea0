"""Turning what a user typed (name, id, uuid, URL or a dict from a listing) into one resource.

An exact id wins over a name; a name must match exactly one resource. Several matches raise
:class:`AmbiguousName` listing them (name and id); none raises :class:`NotFound` saying what was
searched and suggesting near names (difflib).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

from novamagic.client.errors import AmbiguousName, NotFound, ValidationError

__all__ = ["is_uuid", "not_found", "pick", "ref_to_string"]

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_MAX_LISTED = 5


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text))


def ref_to_string(ref, kind: str) -> str:
    """A dict (with "id"), a URL (its last path segment) or a name/id string -> a string."""
    if isinstance(ref, Mapping):
        if ref.get("id") is None:
            raise ValidationError(f"{kind} dict has no 'id': {sorted(ref)[:8]}")
        return str(ref["id"])
    if isinstance(ref, int) and not isinstance(ref, bool):  # the book's v1.1 numeric ids
        return str(ref)
    if not isinstance(ref, str) or not ref.strip():
        raise ValidationError(f"{kind} must be a name, id, uuid or URL, got {ref!r}")
    if "://" in ref:
        path = urlsplit(ref).path.rstrip("/")
        segment = unquote(path.rsplit("/", 1)[-1])
        if not segment:
            raise ValidationError(f"{kind} URL {ref!r} has no id at its end")
        return segment
    return ref


def pick(ref: str, candidates: Iterable[Mapping], kind: str, searched: str) -> Mapping:
    """The candidate whose id is ``ref``, else the one named ``ref``; errors as documented above."""
    candidates = list(candidates)
    for candidate in candidates:
        if str(candidate.get("id")) == ref:
            return candidate
    named = [c for c in candidates if c.get("name") == ref]
    if len(named) == 1:
        return named[0]
    if named:
        raise ambiguous(ref, named, kind)
    raise not_found(ref, kind, searched, (c.get("name") for c in candidates))


def ambiguous(ref: str, matches: list[Mapping], kind: str) -> AmbiguousName:
    listed = ", ".join(str(m.get("id")) for m in matches[:_MAX_LISTED])
    more = f" and {len(matches) - _MAX_LISTED} more" if len(matches) > _MAX_LISTED else ""
    return AmbiguousName(
        f"{len(matches)} {kind}s are named {ref!r}: {listed}{more}",
        matches=[(m.get("name"), m.get("id")) for m in matches],
    )


def not_found(ref: str, kind: str, searched: str, names: Iterable) -> NotFound:
    names = sorted({n for n in names if isinstance(n, str) and n})
    near = difflib.get_close_matches(ref, names, n=3, cutoff=0.6)
    if not near:  # a case slip or a prefix is worth suggesting too
        low = ref.lower()
        near = [n for n in names if n.lower() == low or n.lower().startswith(low)][:3]
    hint = f"did you mean {', '.join(repr(n) for n in near)}?" if near else None
    message = f"no {kind} with id or name {ref!r} (searched {searched})"
    if hint:
        message += f"; {hint}"
    return NotFound(message, hint=hint)
