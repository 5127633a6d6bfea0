"""A real IPython InteractiveShell with novamagic loaded, logged in to a local cloud.

The cloud's client sleeps by advancing the local cloud's manual clock, so waits finish at once
and deterministically (no real sleeping).
"""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from novamagic.client import connect
from novamagic.localcloud import ManualClock


@pytest.fixture
def shell(clean_env):
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    nova = shell.magics_manager.registry["NovaMagics"]
    nova.progress = False
    yield shell
    shell.extension_manager.unload_extension("novamagic")
    shell.config.pop("NovaMagics", None)  # %config in one test must not leak into the next
    for name in [
        n for n in shell.user_ns if not n.startswith("_") and n not in shell.user_ns_hidden
    ]:
        shell.user_ns.pop(name, None)


@pytest.fixture
def nova(shell):
    return shell.magics_manager.registry["NovaMagics"]


class Interrupter:
    """The client's sleep: advances the cloud's clock; can raise KeyboardInterrupt once (Ctrl-C)."""

    def __init__(self, clock):
        self.clock = clock
        self.armed = False

    def __call__(self, seconds):
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        self.clock.advance(seconds)


@pytest.fixture
def lc(localcloud_factory):
    return localcloud_factory(clock=ManualClock())


@pytest.fixture
def sleeper(lc):
    return Interrupter(lc.clock)


@pytest.fixture
def cloud(nova, lc, sleeper):
    """The magics logged in to the local cloud (as joe), with the injected clock."""
    client = connect(local=lc, sleep=sleeper)
    nova.set_cloud(client, owned=False)
    yield client
    client.close()
