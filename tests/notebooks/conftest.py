"""Fixtures for the notebook-facing tests: a real IPython shell with novamagic loaded."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture
def shell(monkeypatch, tmp_path):
    """A real InteractiveShell with novamagic loaded; no clouds.yaml or OS_* of the machine."""
    for name in [n for n in __import__("os").environ if n.startswith("OS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "no-clouds.yaml"))
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    shell.magics_manager.registry["NovaMagics"].progress = False
    before = set(shell.user_ns)
    yield shell
    shell.extension_manager.unload_extension("novamagic")
    for name in set(shell.user_ns) - before:
        shell.user_ns.pop(name, None)
