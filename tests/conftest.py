"""Shared fixtures: a running local cloud per test, and a factory for custom ones."""

from __future__ import annotations

import os

import pytest

# Every server view the local cloud reuses from an earlier request is rendered again and
# compared (model/rendered.py): a change that fails to show in the next listing fails its test.
# Set before novamagic is imported, and inherited by the standalone clouds tests start.
os.environ.setdefault("NOVAMAGIC_CHECK_RENDERED", "1")

from novamagic.localcloud import LocalCloud, ManualClock  # noqa: E402
from novamagic.localcloud.model.rendered import RenderedViews  # noqa: E402

# Also if something imported novamagic before this file (NOVAMAGIC_CHECK_RENDERED=0 turns it off).
RenderedViews.check = os.environ["NOVAMAGIC_CHECK_RENDERED"] == "1"


def pytest_addoption(parser):
    parser.addoption(
        "--os-cloud",
        action="store",
        default=None,
        help="run the client's integration tests against this clouds.yaml cloud instead of the local cloud",
    )


@pytest.fixture
def localcloud_factory():
    """Call with LocalCloud keyword arguments; returns a started cloud. All stop at teardown."""
    started: list[LocalCloud] = []

    def factory(**kwargs) -> LocalCloud:
        kwargs.setdefault("seed", 42)
        kwargs.setdefault("clock", ManualClock())
        cloud = LocalCloud(**kwargs).start()
        started.append(cloud)
        return cloud

    yield factory
    for cloud in started:
        cloud.stop()


@pytest.fixture
def localcloud():
    """A started ``LocalCloud(seed=42, clock=ManualClock())`` on 127.0.0.1, stopped afterwards."""
    with LocalCloud(seed=42, clock=ManualClock()) as cloud:
        yield cloud


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No clouds.yaml, OS_* variable or pyproject.toml of the machine leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "no-clouds.yaml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
