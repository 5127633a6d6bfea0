"""Settings of the magics: traitlets, so ``%config NovaMagics.timeout = 120`` works, plus an
optional ``[tool.novamagic]`` table in the nearest pyproject.toml (read once at ``%load_ext``).

Precedence: ``%config`` and IPython profile configuration > pyproject.toml > the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path

from IPython.core.error import UsageError
from traitlets import Bool, Float, Int, TraitError, Unicode
from traitlets.config import Configurable

__all__ = ["NovaSettings", "apply_pyproject", "find_pyproject", "pyproject_settings"]


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


def pyproject_settings(path: Path | None) -> dict:
    """The ``[tool.novamagic]`` table of ``path`` (empty when there is none); unknown keys fail."""
    if path is None:
        return {}
    try:
        if "novamagic" not in path.read_text(encoding="utf-8", errors="replace"):
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
