"""The README's first session runs as printed: every code block of "A first session", in order,
through a real IPython shell against the local cloud that `%nova login --local` starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

README = Path(__file__).resolve().parents[1] / "README.md"


def first_session_cells() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first session", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```(?:python|yaml)\n(.*?)```", section, re.S)]


@pytest.fixture
def shell(clean_env):
    shell = InteractiveShell.instance()
    yield shell
    for cloud in (shell.user_ns.get("cloud"),):
        if cloud is not None:
            cloud.close()
    shell.run_cell("%nova logout")
    shell.extension_manager.unload_extension("novamagic")
    shell.user_ns.pop("df", None)
    shell.user_ns.pop("cloud", None)


def test_the_readme_first_session_runs_as_printed(shell):
    cells = first_session_cells()
    assert len(cells) == 4 and cells[1].startswith("%%nova_boot")
    for cell in cells:
        result = shell.run_cell(cell)
        assert result.success, f"README cell failed:\n{cell}\n{result.error_in_exec!r}"
    # The Python block booted its own three servers on a second local cloud and resized one.
    cloud = shell.user_ns["cloud"]
    assert cloud.server("web-1")["flavor"]["name"] == "m1.medium"
    assert sorted(s["name"] for s in cloud.servers()) == ["web-1", "web-2", "web-3"]
    # `%nova cleanup --yes` deleted what the magics' session booted (deletion takes 5 cloud
    # seconds, long over by the end of the Python block).
    nova = shell.magics_manager.registry["NovaMagics"]
    assert nova.cloud.servers() == []
