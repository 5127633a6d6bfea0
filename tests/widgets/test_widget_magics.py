"""``%nova boot-form``, ``%nova resize-panel`` and ``%nova fleet`` through a real InteractiveShell,
and the promise that loading stays cheap (no ipywidgets until a widget is built)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from widget_helpers import IMAGE, finished

import novamagic.magics.commands  # noqa: F401 - registers the subcommands, as %load_ext does
from novamagic.magics.registry import SUBCOMMANDS


@pytest.fixture
def shell(cloud, monkeypatch, tmp_path):
    for name in [n for n in __import__("os").environ if n.startswith("OS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "no-clouds.yaml"))
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    nova = shell.magics_manager.registry["NovaMagics"]
    nova.set_cloud(cloud)
    yield shell
    nova._cloud = None  # the cloud fixture closes it
    shell.extension_manager.unload_extension("novamagic")
    shell.user_ns.pop("form", None)


def run(shell, code: str):
    result = shell.run_cell(code)
    assert result.error_in_exec is None and result.error_before_exec is None, result
    return result.result


def test_the_three_subcommands_are_registered_with_help():
    for name in ("boot-form", "resize-panel", "fleet"):
        assert name in SUBCOMMANDS and not SUBCOMMANDS[name].hidden
        assert SUBCOMMANDS[name].parser().format_help().startswith(f"usage: %nova {name}")


def test_boot_form_magic_returns_a_prefilled_form_that_boots(shell, cloud):
    form = run(shell, f"%nova boot-form --name demo --image {IMAGE} --flavor m1.tiny -o form")
    assert shell.user_ns["form"] is form
    assert form.name.value == "demo" and form.flavor.label.startswith("m1.tiny")
    assert not form.boot_button.disabled
    form.boot_button.click()
    finished(form.model)
    assert cloud.server("demo")["status"] == "ACTIVE"
    bundle = shell.display_formatter.format(form)[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle


def test_resize_panel_magic_takes_a_server_and_flavor(shell, cloud):
    cloud.create_server("web", IMAGE, "m1.small", wait=True)
    panel = run(shell, "%nova resize-panel web --flavor m1.medium")
    assert panel.model.server["name"] == "web" and panel.model.target_flavor["name"] == "m1.medium"
    assert not panel.resize_button.disabled
    empty = run(shell, "%nova resize-panel")
    assert empty.model.server is None and empty.resize_button.disabled


def test_fleet_magic_filters_and_refuses_bad_intervals(shell, cloud, capsys):
    cloud.create_servers("web", IMAGE, "m1.tiny", count=2).raise_first()
    cloud.create_server("db", IMAGE, "m1.tiny")
    view = run(shell, "%nova fleet --filter web --rows 1")
    assert len(view.model.frame) == 3 and len(view.rows_box.children) == 1
    assert "2 match the filter (first 1 shown)" in view.info.value
    result = shell.run_cell("%nova fleet --refresh 0")
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert "positive number of seconds" in str(result.error_in_exec)
    timed = run(shell, "%nova fleet --refresh 30")
    assert timed.model.refresh_interval == 30 and timed.auto_refresh.value
    timed.close()
    assert timed.model.refresh_interval is None


def test_importing_the_widgets_and_building_models_imports_no_ipywidgets():
    code = (
        "import sys, json\n"
        "import novamagic.widgets, novamagic.magics.commands\n"
        "light = 'ipywidgets' not in sys.modules and 'pandas' not in sys.modules\n"
        "from novamagic.localcloud import LocalCloud, ManualClock\n"
        "from novamagic.client import connect\n"
        "from novamagic.widgets import BootFormModel, ResizePanelModel, FleetModel\n"
        "with LocalCloud(clock=ManualClock()) as lc:\n"
        "    cloud = connect(auth_url=lc.auth_url, username='joe', password='shhh',\n"
        "                    project_name='openstack', user_domain_name='Default',\n"
        "                    project_domain_name='Default')\n"
        "    BootFormModel(cloud); ResizePanelModel(cloud); FleetModel(cloud)\n"
        "    cloud.close()\n"
        "print(json.dumps([light, 'ipywidgets' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False]
