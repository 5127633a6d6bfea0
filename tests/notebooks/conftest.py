"""Fixtures for the notebook-facing tests: a real IPython shell with novamagic loaded."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture
def shell(clean_env):
    """A real InteractiveShell with novamagic loaded; no clouds.yaml or OS_* of the machine."""
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    shell.magics_manager.registry["NovaMagics"].progress = False
    before = set(shell.user_ns)
    yield shell
    shell.extension_manager.unload_extension("novamagic")
    for name in set(shell.user_ns) - before:
        shell.user_ns.pop(name, None)
