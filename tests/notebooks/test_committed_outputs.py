"""The notebooks are committed as a fresh top-to-bottom run left them, on the local cloud by
default and saying how to use a real one."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_as_one_fresh_run_from_top_to_bottom(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: not one run in order: {counts}"
    for cell in code:
        # IPython reports a UsageError on stderr, not as an error output; the cell still fails.
        errors = [
            o
            for o in cell.outputs
            if o.output_type == "error"
            or (o.output_type == "stream" and o.text.startswith("UsageError:"))
        ]
        expected = "raises-exception" in cell.metadata.get("tags", [])
        assert bool(errors) == expected, f"{path.name}: cell {cell.id} " + (
            "failed unexpectedly" if errors else "is tagged raises-exception but did not fail"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_local_by_default_and_says_how_to_use_a_real_cloud(path):
    cells = nbformat.read(path, as_version=4).cells
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    prose = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert re.search(r"LocalCloud\(\s*seed=", code) and "ManualClock(" in code
    assert 'os.environ.get("OS_CLOUD")' in code
    assert "OS_CLOUD=" in prose, f"{path.name}: no cell says how to point it at a real cloud"
