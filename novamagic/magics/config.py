"""Settings of the magics: traitlets, so ``%config NovaMagics.timeout = 120`` works, plus an
optional ``[tool.novamagic]`` table in the nearest pyproject.toml (read once at ``%load_ext``).

Precedence: ``%config`` and IPython profile configuration > pyproject.toml > the defaults below.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from IPython.core.error import UsageError
from traitlets import Bool, Float, Int, TraitError, Unicode
from traitlets.config import Configurable

__all__ = [
    "NovaSettings",
    "apply_pyproject",
    "find_pyproject",
    "may_configure_novamagic",
    "pyproject_settings",
]


class NovaSettings(Configurable):
    """The knobs of ``%nova`` and ``%%nova_boot`` (inherited by ``NovaMagics``)."""

    timeout = Float(
        600.0, help="Seconds to wait for a server in %nova wait, --wait and %%nova_boot --wait."
    ).tag(config=True)
    default_cloud = Unicode(
        None,
        allow_none=True,
        help="clouds.yaml cloud that `%nova login` uses when no cloud name or --auth-url is given.",
    ).tag(config=True)
    progress = Bool(True, help="Show one progress bar (tqdm) while booting or waiting.").tag(
        config=True
    )
    max_rows = Int(
        60, help="Rows shown when a frame from %nova is displayed (the frame itself keeps all)."
    ).tag(config=True)
    short_errors = Bool(
        True,
        help="Show cloud errors as one line plus a hint; False brings full tracebacks back.",
    ).tag(config=True)
    explain = Bool(
        False,
        help="After each magic, show its HTTP requests as curl (token as $OS_TOKEN), the "
        "openstack CLI command and the openstacksdk call that do the same (%nova --explain ...).",
    ).tag(config=True)
    completion_ttl = Float(
        30.0, help="Seconds that server, flavor and image names are cached for tab completion."
    ).tag(config=True)
    exercises_dir = Unicode(
        None,
        allow_none=True,
        help="Folder where `%nova check NAME` finds NAME.yaml (else ./exercises, beside the "
        "notebook).",
    ).tag(config=True)


SETTING_NAMES = tuple(name for name in NovaSettings.class_traits(config=True))


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` (the working directory by default)."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


# A basic string (with escapes), a literal string or a comment: what a line's brackets are
# counted without.
_STRINGS_AND_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|#.*')


def _bare(text: str) -> str:
    """Without spaces and quotes: ``[ "tool" . novamagic ]`` -> ``[tool.novamagic]``."""
    return "".join(c for c in text if c not in " \t\"'")


def may_configure_novamagic(text: str) -> bool:
    """False only when ``text`` (a pyproject.toml) cannot hold a ``[tool.novamagic]`` table, so
    that %load_ext need not import and run a TOML parser (a few milliseconds): most files never
    say "novamagic", and novamagic's own says it only as its name, a script and a package.

    Conservative: it follows the tables line by line (outside multi-line arrays) and answers
    True for a ``[tool.novamagic...]`` header, a key starting with ``novamagic`` under
    ``[tool]``, a root key starting with ``tool`` on a line that says novamagic (inline tables
    are one line), and for anything it does not follow (multi-line strings, escapes in keys,
    unbalanced brackets): the parser decides those, as before."""
    if "novamagic" not in text:
        return False
    if '"""' in text or "'''" in text:
        return True
    table, depth = "", 0  # "" is the root table
    for line in text.splitlines():
        code = _STRINGS_AND_COMMENT.sub("", line).strip()
        if depth == 0 and code.startswith("["):  # a table header
            if "\\" in line:
                return True
            header = _bare(line).lstrip("[")
            if header.startswith("tool.novamagic"):
                return True
            table = "tool" if header.startswith("tool]") else "other"
        elif depth == 0 and "=" in code and table != "other":  # a key of the root or of [tool]
            key = line.partition("=")[0]
            if "\\" in key:
                return True
            key = _bare(key)
            if table == "tool" and key.startswith("novamagic"):
                return True
            if table == "" and key.startswith("tool") and "novamagic" in line:
                return True
        depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
        if depth < 0:
            return True
    return False


def pyproject_settings(path: Path | None) -> dict:
    """The ``[tool.novamagic]`` table of ``path`` (empty when there is none); unknown keys fail."""
    if path is None:
        return {}
    try:
        if not may_configure_novamagic(path.read_text(encoding="utf-8", errors="replace")):
            return {}  # most projects: no need to import and run a TOML parser at %load_ext
    except OSError:
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("tool", {}).get("novamagic", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read [tool.novamagic]: {exc}") from None
    for key in table:
        if key not in SETTING_NAMES:
            import difflib

            near = difflib.get_close_matches(key, SETTING_NAMES, n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise UsageError(
                f"{path} [tool.novamagic]: unknown setting {key!r}; "
                f"allowed: {', '.join(SETTING_NAMES)}{hint}"
            )
    return dict(table)


def apply_pyproject(settings: NovaSettings, path: Path | None) -> dict:
    """Apply pyproject values the user has not already set through IPython's configuration."""
    values = pyproject_settings(path)
    configured = settings.config.get(type(settings).__name__, {})
    applied = {}
    for key, value in values.items():
        if key in configured:
            continue
        try:
            setattr(settings, key, value)
        except TraitError as exc:
            raise UsageError(f"{path} [tool.novamagic] {key}: {exc}") from None
        applied[key] = value
    return applied
