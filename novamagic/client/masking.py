"""Secrets in answers: :class:`Secret`, a str that reads as its value but never shows or pickles
it, and :func:`mask_secrets`, which wraps every secret field of decoded JSON in one.

``cloud.raw(...)`` answers pass through :func:`mask_secrets`: a raw ``POST /os-keypairs`` carries
a generated private key and a raw boot carries adminPass, and a printed dict, a notebook output
or a ``%store``/pickle of the answer must not spill them. ``str(value)`` (or writing it to a
file) is the deliberate way to read one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MASK", "SECRET_FIELDS", "PrivateKey", "Secret", "is_secret_field", "mask_secrets"]

MASK = "********"

#: Field names (compared in lower case) whose string values are secrets in any API answer.
SECRET_FIELDS = frozenset(
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


def is_secret_field(key: Any) -> bool:
    return str(key).lower() in SECRET_FIELDS


class Secret(str):
    """A secret: the value for ``str()``, formatting and writing; masked in ``repr()`` (so in a
    printed dict or a notebook output) and left out of pickles (``%store``, ``to_pickle``), which
    keep the mask instead. Copies are the same object: it is immutable and stays in memory."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's display of the dict
        printer.text(repr(self))

    def __reduce__(self):
        return (str, (MASK,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class PrivateKey(Secret):
    """A generated key pair's private key: the PEM text for ``str()``, writing and formatting,
    masked in ``repr()`` (and so in a printed dict, a notebook output or a log line) and left
    out of pickles (``%store`` of the key pair keeps the mask, not the key)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<private key, {len(self)} characters: str() it to save it>"


def mask_secrets(data: Any) -> Any:
    """``data`` (decoded JSON) with every string under a secret field a :class:`Secret`, at any
    depth, in place (the containers are the same); returns ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and not isinstance(value, Secret) and is_secret_field(key):
                data[key] = PrivateKey(value) if key == "private_key" else Secret(value)
            else:
                mask_secrets(value)
    elif isinstance(data, list):
        for item in data:
            mask_secrets(item)
    return data
