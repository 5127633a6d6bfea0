"""Fixtures for the book's tests: one standalone cloud per session, reset for every test."""

from __future__ import annotations

import pytest
from bookcloud import BookSession, Standalone, free_port


@pytest.fixture(scope="session")
def book_cloud_process():
    """One standalone cloud for the book's tests, on a manual clock, with its default accounts
    (the book's joe / shhh, a member of project openstack, and no role added)."""
    cloud = Standalone("--port", str(free_port()), "--manual-clock", "--seed", "2012")
    yield cloud
    cloud.stop()


@pytest.fixture()
def book(book_cloud_process, tmp_path):
    """A fresh session on the standalone cloud, reset to its seeded catalogue."""
    session = BookSession(book_cloud_process.base_url, tmp_path)
    session.reset()
    yield session
    session.http.close()
