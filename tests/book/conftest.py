"""Fixtures for the book's tests: one standalone cloud per session, reset for every test."""

from __future__ import annotations

import json

import pytest
from bookcloud import BOOK_USERS, BookSession, Standalone, free_port


@pytest.fixture(scope="session")
def book_cloud_process(tmp_path_factory):
    """One standalone cloud for the book's tests, on a manual clock, with the book's account."""
    users = tmp_path_factory.mktemp("book") / "users.json"
    users.write_text(json.dumps(BOOK_USERS))
    cloud = Standalone(
        "--port", str(free_port()), "--manual-clock", "--users", str(users), "--seed", "2012"
    )
    yield cloud
    cloud.stop()


@pytest.fixture()
def book(book_cloud_process, tmp_path):
    """A fresh session on the standalone cloud, reset to its seeded catalogue."""
    session = BookSession(book_cloud_process.base_url, tmp_path)
    session.reset()
    yield session
    session.http.close()
