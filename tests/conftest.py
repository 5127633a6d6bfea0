"""Shared fixtures: a running local cloud per test, and a factory for custom ones."""

from __future__ import annotations

import pytest

from novamagic.localcloud import LocalCloud, ManualClock


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
