"""Re-execute notebooks top to bottom and save their outputs, as they are committed.

    .venv/bin/python tools/refresh.py                 # every notebook of notebooks/
    .venv/bin/python tools/refresh.py 03_servers      # some of them

Run it after a change that alters what a notebook prints (then check with pytest, which runs
nbval). Outputs are saved without per-cell timings or widget state: both change on every run,
and the widgets' static HTML is what a saved notebook shows.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def refresh(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return time.monotonic() - started


def main(names: list[str]) -> None:
    paths = [NOTEBOOKS / f"{n.removesuffix('.ipynb')}.ipynb" for n in names] or sorted(
        NOTEBOOKS.glob("*.ipynb")
    )
    for path in paths:
        print(f"{path.name}: {refresh(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
