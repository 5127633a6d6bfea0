"""A frame to a file, the format read from the extension, through pandas' own writers.

``.csv`` and ``.json`` need nothing more; ``.xlsx`` needs openpyxl and ``.parquet`` pyarrow (the
``export`` extra). Timestamps stay UTC: Excel cannot hold a time zone, so there they are written
as UTC wall times (the column header says so).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

#: extension -> (the package pandas needs for it, or None)
FORMATS = {".csv": None, ".json": None, ".xlsx": "openpyxl", ".parquet": "pyarrow"}


class ExportError(ValueError):
    """Why a frame could not be written, in one line."""


def export_frame(frame: pd.DataFrame, path) -> Path:
    """Write ``frame`` to ``path`` (.csv, .json, .xlsx or .parquet, by extension); return the
    path. Parent folders are made; an existing file is replaced."""
    target = Path(path).expanduser()
    kind = target.suffix.lower()
    if kind not in FORMATS:
        raise ExportError(
            f"cannot export to {target.name!r}: name a file ending in " + ", ".join(FORMATS)
        )
    needs = FORMATS[kind]
    if needs is not None and not _installed(needs):
        raise ExportError(
            f"writing {kind} needs {needs}: pip install {needs} (or novamagic[export])"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == ".csv":
            frame.to_csv(target, index=False)
        elif kind == ".json":
            frame.to_json(target, orient="records", date_format="iso", indent=1)
        elif kind == ".parquet":
            frame.to_parquet(target, index=False)
        else:
            _excel_ready(frame).to_excel(target, index=False)
    except ImportError:  # pandas' own "Missing optional dependency", said as what to install
        target.unlink(missing_ok=True)
        raise ExportError(
            f"writing {kind} needs {needs}: pip install {needs} (or novamagic[export])"
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def _installed(package: str) -> bool:
    if package in sys.modules:  # None there: known missing (or hidden on purpose, in tests)
        return sys.modules[package] is not None
    import importlib.util

    return importlib.util.find_spec(package) is not None


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    renamed = {}
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.tz_convert("UTC").dt.tz_localize(None)
            renamed[name] = f"{name} (UTC)"
    return out.rename(columns=renamed)
