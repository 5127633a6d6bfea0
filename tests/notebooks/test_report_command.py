"""Notebook 08 as a scheduled report: run unchanged under papermill with parameters, and
``novamagic report`` (papermill + nbconvert) to one self-contained HTML page, against two
standalone local clouds named in a clouds.yaml, or the notebook's own local cloud."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from novamagic.localcloud import LocalCloud
from tests.client.conftest import now_clock

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "08_fleet_report.ipynb"
ACCOUNT = {"username": "joe", "password": "shhh", "project_name": "openstack",
           "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip


@pytest.fixture
def two_clouds(tmp_path, clean_env, monkeypatch):
    """"east" and "west": standalone local clouds with a few servers each, in a clouds.yaml the
    kernels papermill starts read (they inherit this environment)."""
    with LocalCloud(seed=1, clock=now_clock()) as east, LocalCloud(seed=2, clock=now_clock()) as west:
        east.populate_servers(3, name="web-{n}", flavor="2", metadata={"owner": "web-team"})
        west.populate_servers(2, name="db-{n}", flavor="3")
        east.tick(3600)
        west.tick(3600)
        clouds = {"east": {"auth": {"auth_url": east.auth_url, **ACCOUNT}},
                  "west": {"auth": {"auth_url": west.auth_url, **ACCOUNT}}}  # fmt: skip
        config = tmp_path / "clouds.yaml"
        config.write_text(yaml.safe_dump({"clouds": clouds}))
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(config))
        yield east, west


def report_output(notebook) -> str:
    """The text of the %nova report cell's result in an executed notebook."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("%nova report")]
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_notebook_08_runs_unchanged_under_papermill_with_parameters(two_clouds, tmp_path):
    import papermill

    (cell,) = [c for c in nbformat.read(NOTEBOOK, 4).cells if "parameters" in c.metadata.get("tags", [])]
    assert "clouds = []" in cell.source and "threshold = 80" in cell.source
    # papermill reads every parameter (and its comment, for --help-notebook)
    found = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(found) == ["clouds", "regions", "projects", "start", "end", "threshold"]
    assert all(p["help"] for p in found.values())
    executed = papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
        cwd=str(tmp_path), parameters={"clouds": ["east", "west"], "threshold": 50, "start": "2000-01-01"},
    )  # fmt: skip
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "threshold = 50" in injected[0].source
    shown = report_output(executed)
    assert "Fleet report: 5 servers on 2 clouds" in shown
    assert "usage from 2000-01-01 to now" in shown
    # The by-hand part reports on the first cloud: east's three web servers, all owned.
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "0 of 3 servers have no owner" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clouds.yaml", "out.ipynb"]  # no CSV here


def run_report(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "novamagic", "report", *args], capture_output=True, text=True,
        timeout=600, env=env or dict(os.environ), cwd=cwd,
    )  # fmt: skip


def test_novamagic_report_renders_one_html_page_with_tables_and_plots(two_clouds, tmp_path):
    page = tmp_path / "out" / "report.html"
    done = run_report("--cloud", "east", "--cloud", "west", "--start", "2000-01-01", "-o", str(page))
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.fullmatch(rf"{re.escape(str(page))}: \d+ tables, \d+ plots\n", done.stdout)
    html = page.read_text()
    assert "Fleet report: 5 servers on 2 clouds" in html
    assert html.count("<table") >= 8 and "against quota and hosts" in html
    images = re.findall(r'<img[^>]*src="?\'?data:image/png;base64,', html)
    assert len(images) >= 3  # the report's figure and the notebook's two charts, inline
    assert "<script" not in html  # nothing to fetch: it opens offline
    assert "class=\"highlight" not in html  # no code cells: the report, not its code


def test_novamagic_report_without_a_cloud_reports_on_the_local_cloud(clean_env, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(tmp_path / "none.yaml")
    done = run_report("-o", "fleet.html", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "fleet.html").read_text()
    assert "Fleet report: 303 servers" in html and "data:image/png;base64," in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.html"]  # nothing else left


def test_a_failing_cell_exits_non_zero_with_its_error_in_one_line(two_clouds, tmp_path):
    done = run_report("--cloud", "east", "--cloud", "nowhere", "--start", "someday", "-o", str(tmp_path / "r.html"))
    assert done.returncode == 1 and not (tmp_path / "r.html").exists()
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("novamagic report:")]
    assert re.match(r"novamagic report: cell \d+ failed: \w+: .*is not a time", line), done.stderr
    done = run_report("-o", str(tmp_path / "r.pdf"))
    assert done.returncode == 1 and "name a .html file" in done.stderr
