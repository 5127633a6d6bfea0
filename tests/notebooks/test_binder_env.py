"""Binder's environment, built from ``binder/`` alone, runs every notebook.

A fresh virtual environment gets ``binder/requirements.txt``; ``binder/postBuild`` then runs from
the repository root with that environment first on PATH (as repo2docker runs it); and nbconvert
from that environment executes a copy of every notebook on the environment's own kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# What the notebooks need beyond the package's own dependencies.
NOTEBOOK_EXTRAS = ("matplotlib", "ipykernel", "nbconvert")


def pins() -> dict[str, str]:
    """{canonical name: version} of binder/requirements.txt; every line must pin with ==."""
    found = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{line}: pin it with =="
        found[canonicalize_name(requirement.name)] = specifiers[0].version
    return found


def run(command, **options) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **options)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed with status {result.returncode}:\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


def test_requirements_pin_every_runtime_dependency_and_what_notebooks_use():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = [Requirement(r) for r in project["dependencies"]]
    needed = [r for r in needed if r.marker is None or r.marker.evaluate()]
    needed += [Requirement(name) for name in NOTEBOOK_EXTRAS]
    pinned = pins()
    missing = [str(r) for r in needed if canonicalize_name(r.name) not in pinned]
    assert not missing, f"binder/requirements.txt does not pin {missing}"
    wrong = [
        f"{r.name}=={pinned[canonicalize_name(r.name)]} (wants {r.specifier})"
        for r in needed
        if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not wrong, f"pins outside pyproject.toml's ranges: {wrong}"


def test_post_build_is_strict_and_installs_the_package_from_the_repository():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script
    assert "pip install --no-deps -e ." in script
    assert os.access(BINDER / "postBuild", os.X_OK)
    start = BINDER / "start"
    if start.exists():  # only if something must run at session start; it hands over at the end
        assert start.read_text().rstrip().splitlines()[-1] == 'exec "$@"'


@pytest.mark.timeout(1500)
def test_a_fresh_binder_environment_runs_every_notebook(tmp_path):
    assert len(NOTEBOOKS) >= 9
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    run([python, "-m", "pip", "install", "-q", "-r", BINDER / "requirements.txt"])

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PYTHON", "JUPYTER"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        # Kernels and settings of this environment only, not the user's or the machine's.
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_PREFER_ENV_PATH="1",
        MPLBACKEND="agg",
    )
    run(["bash", BINDER / "postBuild"], cwd=ROOT, env=env)

    # The package imports from this checkout, and the python3 kernel is the environment's own.
    where = run(
        [python, "-c", "import novamagic; print(novamagic.__file__)"], env=env, cwd=tmp_path
    )
    assert Path(where.stdout.strip()).is_relative_to(ROOT / "novamagic")
    specs = json.loads(run([bin_dir / "jupyter", "kernelspec", "list", "--json"], env=env).stdout)
    kernel = specs["kernelspecs"]["python3"]["spec"]["argv"][0]
    prefix = run([kernel, "-c", "import sys; print(sys.prefix)"], env=env).stdout.strip()
    assert Path(prefix).resolve() == venv.resolve(), f"the python3 kernel runs {kernel}"

    # Execute copies, so the run writes nothing into the repository.
    work = tmp_path / "notebooks"
    work.mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, work / notebook.name)
    # Notebook 09 checks its exercises: their YAML files sit beside it, in exercises/.
    shutil.copytree(ROOT / "notebooks" / "exercises", work / "exercises")
    out = tmp_path / "executed"
    # Two nbconvert processes side by side: kernels spend much of their time starting up.
    batches = [NOTEBOOKS[0::2], NOTEBOOKS[1::2]]
    runs = [
        subprocess.Popen(
            [bin_dir / "jupyter", "nbconvert", "--to", "notebook", "--execute"]
            + ["--output-dir", out, "--ExecutePreprocessor.kernel_name=python3"]
            + ["--ExecutePreprocessor.timeout=120"]
            + [work / n.name for n in batch],
            env=env,
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for batch in batches
    ]
    for process in runs:
        output, _ = process.communicate(timeout=1200)
        assert process.returncode == 0, f"nbconvert failed:\n{output[-6000:]}"
    executed = sorted(p.name for p in out.glob("*.ipynb"))
    assert executed == [n.name for n in NOTEBOOKS]
    for path in out.glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(c.get("execution_count") for c in code), f"{path.name}: a cell did not run"
