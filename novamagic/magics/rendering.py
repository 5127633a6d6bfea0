"""How results and errors look: short error lines through IPython's ``_render_traceback_``, small
result objects with plain and HTML reprs (user data always HTML-escaped), and the display row
limit for frames that came from ``%nova``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FRAME_MARK",
    "AdminPasswords",
    "ExerciseCheck",
    "Message",
    "NovaMagicError",
    "Record",
    "JSONView",
    "NewKeyPair",
    "Text",
    "make_short",
    "mark_frame",
    "short_lines",
]

FRAME_MARK = "novamagic"  # key in DataFrame.attrs of frames made by the magics
# The client's list (novamagic.client.masking.SECRET_FIELDS), copied: importing the client here
# would load keystoneauth at %load_ext. tests/magics checks that the two stay the same.
_SECRET_KEYS = frozenset(
    {
        "adminpass",
        "admin_pass",
        "password",
        "passwd",
        "private_key",
        "secret",
        "application_credential_secret",
        "token",
        "auth_token",
        "access_token",
        "id_token",
    }
)


def _escape(text: str) -> str:
    import html  # imported on first display, not at %load_ext

    return html.escape(text)


# --- errors --------------------------------------------------------------------------------------


class NovaMagicError(Exception):
    """A failure of the magic layer itself (not of the cloud): one line plus an optional hint."""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def short_lines(exc: BaseException) -> list[str]:
    """The one-line form of an error (class, the cloud's message, HTTP status, request id) + hint."""
    text = str(exc)
    lines = [f"{type(exc).__name__}: {text}"]
    hint = getattr(exc, "hint", None)
    if hint and hint not in text:
        lines.append(f"  hint: {hint}")
    return lines


def make_short(exc: BaseException, enabled: bool = True) -> BaseException:
    """Give ``exc`` IPython's ``_render_traceback_`` so the cell fails with the short lines.

    Set on the instance, so the exception keeps its class (``except NotFound`` still works in
    code that uses the magics) and a full traceback comes back when ``enabled`` is False.
    """
    if enabled:
        exc._render_traceback_ = lambda: short_lines(exc)  # type: ignore[attr-defined]
    elif "_render_traceback_" in getattr(exc, "__dict__", {}):
        del exc._render_traceback_  # type: ignore[attr-defined]
    return exc


# --- frames --------------------------------------------------------------------------------------


def mark_frame(frame, kind: str):
    """Tag a frame so the display hook applies ``NovaMagics.max_rows`` to it."""
    frame.attrs[FRAME_MARK] = kind
    return frame


def install_frame_display(shell, max_rows) -> None:
    """Apply the row limit to frames from %nova when they are displayed, without importing pandas.

    ``max_rows`` is a callable returning the current limit. Frames not made by novamagic keep
    pandas' own display settings untouched.
    """
    formatters = shell.display_formatter.formatters

    def limited(render):
        def show(frame, *args):
            if FRAME_MARK not in getattr(frame, "attrs", {}):
                return render(frame, *args)
            import pandas as pd

            rows = max_rows()
            with pd.option_context("display.max_rows", rows, "display.min_rows", rows):
                return render(frame, *args)

        return show

    formatters["text/html"].for_type_by_name(
        "pandas.core.frame", "DataFrame", limited(lambda frame: frame._repr_html_())
    )
    formatters["text/plain"].for_type_by_name(
        "pandas.core.frame", "DataFrame", limited(lambda frame, p, cycle: p.text(repr(frame)))
    )


def uninstall_frame_display(shell) -> None:
    import sys

    pd = sys.modules.get("pandas")  # not imported: no printer can be registered by type
    for fmt in ("text/html", "text/plain"):
        formatter = shell.display_formatter.formatters[fmt]
        formatter.deferred_printers.pop(("pandas.core.frame", "DataFrame"), None)
        if pd is not None:
            formatter.type_printers.pop(pd.DataFrame, None)


# --- small result objects ------------------------------------------------------------------------


class Message:
    """What an action did, in one line (``str(result)`` gives it); ``data`` holds any payload."""

    def __init__(self, text: str, data: Any = None):
        self.text = text
        self.data = data

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<{self.text}>"

    def _repr_pretty_(self, p, cycle):
        p.text(self.text)

    def _repr_html_(self) -> str:
        return f"<samp>{_escape(self.text)}</samp>"


class ExerciseCheck:
    """``%nova check``'s answer: one line per requirement (\u2714 met, \u2718 not, and why),
    then "passed" or "N of M met". ``results`` are the client's RequirementResults;
    ``to_frame()`` gives them as a table."""

    def __init__(self, title: str, results: list):
        self.title = title
        self.results = list(results)
        self.met = sum(1 for r in self.results if r.met)
        self.passed = self.met == len(self.results)

    def summary(self) -> str:
        return "passed" if self.passed else f"{self.met} of {len(self.results)} met"

    def lines(self) -> list[str]:
        rows = [
            ("\u2714 " if r.met else "\u2718 ")
            + r.requirement
            + (f": {r.detail}" if r.detail else "")
            for r in self.results
        ]
        return [self.title, *rows, self.summary()]

    def to_frame(self):
        import pandas as pd  # on demand: pandas must not load at %load_ext

        return pd.DataFrame(
            {
                "requirement": [r.requirement for r in self.results],
                "met": pd.Series([r.met for r in self.results], dtype="bool"),
                "detail": [r.detail for r in self.results],
            }
        )

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, p, cycle):
        for i, line in enumerate(self.lines()):
            if i:
                p.break_()
            p.text(line)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<li style='list-style:none;color:{'#1a7f37' if r.met else '#cf222e'}'>"
            f"{'&#10004;' if r.met else '&#10008;'} {_escape(r.requirement)}"
            + (
                f": <span style='color:inherit;opacity:.8'>{_escape(r.detail)}</span>"
                if r.detail
                else ""
            )
            + "</li>"
            for r in self.results
        )
        return (
            f"<div><strong>{_escape(self.title)}</strong><ul style='padding-left:0;margin:.3em 0'>"
            f"{rows}</ul><strong>{_escape(self.summary())}</strong></div>"
        )


class Text(str):
    """Several lines as they are (a console log): a ``str``, shown preformatted and escaped."""

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def _repr_html_(self) -> str:
        return f"<pre>{_escape(str(self))}</pre>"


class NewKeyPair(Mapping):
    """A key pair the cloud just generated: a mapping of its fields, the private key a masked
    ``PrivateKey`` (``str()`` reads it), shown as one line that never holds it; ``save(path)``
    writes the private key readable by its owner only (mode 0600)."""

    def __init__(self, keypair: Mapping, text: str):
        self._data = dict(keypair)
        self.text = text

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def save(self, path) -> str:
        """Write the private key to ``path`` (mode 0600, never over an existing file)."""
        import os
        from pathlib import Path

        target = Path(path).expanduser()
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(str(self._data["private_key"]))
        return str(target)

    def __repr__(self) -> str:
        return f"<{self.text}>"

    def _repr_pretty_(self, p, cycle):
        p.text(self.text)

    def _repr_html_(self) -> str:
        return f"<samp>{_escape(self.text)}</samp>"


def _redact(mapping: Mapping) -> dict:
    return {k: ("********" if str(k).lower() in _SECRET_KEYS else v) for k, v in mapping.items()}


def _is_secret(key, value) -> bool:
    # a value the client marked (novamagic.client.masking.Secret) is secret under any key
    return str(key).lower() in _SECRET_KEYS or type(value).__name__ in ("Secret", "PrivateKey")


def _redact_deep(data: Any, path: tuple = (), masked: list | None = None) -> Any:
    """``data`` with every secret field masked, at any depth (a raw answer's server.adminPass,
    keypair.private_key); the paths of the masked fields are added to ``masked``."""
    if isinstance(data, Mapping):
        shown = {}
        for k, v in data.items():
            if _is_secret(k, v):
                shown[k] = "********"
                if masked is not None:
                    masked.append((*path, k))
            else:
                shown[k] = _redact_deep(v, (*path, k), masked)
        return shown
    if isinstance(data, list):
        return [_redact_deep(item, (*path, i), masked) for i, item in enumerate(data)]
    return data


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return "" if value is None else str(value)


class Record(Mapping):
    """One resource (a server, image, flavor, whoami) as a read-only mapping with a key/value
    display. Secret fields (adminPass, tokens) are masked in every view, including ``[key]``."""

    def __init__(self, data: Mapping, title: str = ""):
        self._data = _redact(data)
        self.title = title

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Record({self.title!r}, {len(self)} fields)"

    def _repr_pretty_(self, p, cycle):
        width = max((len(str(k)) for k in self._data), default=0)
        if self.title:
            p.text(self.title)
            p.break_()
        for i, (key, value) in enumerate(self._data.items()):
            if i:
                p.break_()
            p.text(f"{str(key).ljust(width)}  {_cell(value)}")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{_escape(str(k))}</th>"
            f"<td style='text-align:left'>{_escape(_cell(v))}</td></tr>"
            for k, v in self._data.items()
        )
        caption = f"<caption>{_escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}{rows}</table>"

    def to_dict(self) -> dict:
        return dict(self._data)


class JSONView:
    """The answer of ``%nova raw``: ``.data`` is the parsed JSON, displayed pretty-printed with
    secret fields (adminPass, tokens, passwords) masked; ``.data`` itself is left whole."""

    def __init__(self, data: Any, status: int | None = None, request_id: str | None = None):
        self.data = data
        self.status = status
        self.request_id = request_id

    def text(self) -> str:
        masked: list[tuple] = []
        shown = _redact_deep(self.data, (), masked)
        body = json.dumps(shown, indent=2, sort_keys=False, ensure_ascii=False, default=str)
        head = " ".join(
            x for x in (f"HTTP {self.status}" if self.status else "", self.request_id or "") if x
        )
        text = f"{head}\n{body}" if head else body
        return f"{text}\n{_masked_note(masked)}" if masked else text

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle):
        for i, line in enumerate(self.text().splitlines()):
            if i:
                p.break_()
            p.text(line)

    def _repr_html_(self) -> str:
        return f"<pre>{_escape(self.text())}</pre>"


def _masked_note(masked: list[tuple]) -> str:
    """One line under a raw answer: what was masked and how to read it on purpose."""
    names = ", ".join(".".join(str(p) for p in path) for path in masked[:3])
    first = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in masked[0])
    note = (
        f"masked: {names}{' and more' if len(masked) > 3 else ''} (with -o NAME, "
        f"str(NAME.data{first}) reads it"
    )
    if any(path[-1] == "private_key" for path in masked):
        note += "; or cloud.create_keypair(name) returns the key as a PrivateKey to save"
    return note + ")"


class AdminPasswords(Mapping):
    """adminPass of each new server by name. Masked in every repr; ``[name]`` reads one value.

    Only the object ``%%nova_boot`` made holds the values: a copy (pandas deep-copies attrs on
    ``df.head()``, ``df.copy()``, most operations) and a pickle (``%store``, ``to_pickle``) keep
    the names only, so a saved or derived frame never carries a password.
    """

    def __init__(self, passwords: Mapping[str, str] | None = None, *, dropped=()):
        self._passwords = dict(passwords or {})
        self._dropped = tuple(dropped)  # names whose value this copy does not hold

    def __getitem__(self, name: str) -> str:
        if name in self._dropped:
            raise KeyError(
                f"{name!r}: an adminPass is kept only in the frame %%nova_boot returned, not in "
                "copies or pickles of it; cloud.admin_password(server) reads it in this session"
            )
        return self._passwords[name]

    def __iter__(self):
        return iter(self._passwords)

    def __len__(self) -> int:
        return len(self._passwords)

    def __repr__(self) -> str:
        if self._dropped and not self._passwords:
            names = ", ".join(repr(name) for name in self._dropped)
            return f"AdminPasswords(not kept in this copy: {names})"
        names = ", ".join(f"{name!r}: '********'" for name in self._passwords)
        return f"AdminPasswords({{{names}}})"

    __str__ = __repr__

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self))

    def _without_values(self) -> AdminPasswords:
        return AdminPasswords(dropped=(*self._dropped, *self._passwords))

    def __copy__(self) -> AdminPasswords:
        return self._without_values()

    def __deepcopy__(self, memo) -> AdminPasswords:  # pandas deep-copies attrs
        return self._without_values()

    def __reduce__(self):  # pickle, %store, to_pickle: the names, never the values
        return (_dropped_passwords, (tuple(self._dropped) + tuple(self._passwords),))


def _dropped_passwords(names) -> AdminPasswords:
    return AdminPasswords(dropped=names)
