"""Fixtures for the book's tests: the standalone local cloud as a learner starts it, and a session
that runs the book's curl commands against it and prepares state between them."""

from __future__ import annotations

import json
import queue
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from bookcurl import BookCommand, CurlResult, book_commands, curl_environment, run_curl

#: How long the standalone cloud may take to print its URL (a cold Python import on a busy box).
STARTUP_TIMEOUT = 60
URL_IN_OUTPUT = re.compile(r"http://127\.0\.0\.1:\d+")

#: The book's account. Its training VM ran that account as an admin (its server JSON shows
#: "user_id": "admin", its token snippet says admin "works for test installs"), and chapters 5
#: and 6 need it: they change the metadata of the public image 1 and delete the public image 3,
#: which only an admin may do on a faithful cloud (see test_v11_api for a member's 403).
BOOK_USERS = [
    {"name": "joe", "password": "shhh", "project": "openstack", "roles": ["admin", "member"]}
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Standalone:
    """``python -m novamagic.localcloud`` running in a subprocess."""

    process: subprocess.Popen
    base_url: str
    output: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_standalone(*args: str) -> Standalone:
    """Start the standalone cloud with ``args`` and wait until it prints the URL it serves."""
    command = [sys.executable, "-m", "novamagic.localcloud", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:  # keeps reading, so a chatty server never blocks on a full pipe
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            process.kill()
            raise RuntimeError(
                f"{command} printed no URL in {STARTUP_TIMEOUT} s: {''.join(output)}"
            ) from None
        if line is None:
            raise RuntimeError(f"{command} exited with {process.wait()}: {''.join(output)}")
        found = URL_IN_OUTPUT.search(line)
        if found:
            return Standalone(process, found.group(), output)


@pytest.fixture(scope="session")
def book_cloud_process(tmp_path_factory):
    """One standalone cloud for the book's tests, on a manual clock, with the book's account."""
    users = tmp_path_factory.mktemp("book") / "users.json"
    users.write_text(json.dumps(BOOK_USERS))
    cloud = start_standalone(
        "--port", str(free_port()), "--manual-clock", "--users", str(users), "--seed", "2012"
    )
    yield cloud
    cloud.stop()


class BookSession:
    """Runs the book's commands in order, and talks to the cloud's API to prepare state."""

    def __init__(self, base_url: str, curl_home: Path):
        self.base_url = base_url
        self.nova = f"{base_url}/v1.1/openstack"
        self.env = curl_environment(curl_home)
        self.commands = {c.number: c for c in book_commands()}
        self.token: str | None = None
        self.last = 0
        self.http = requests.Session()

    def book_url(self, path: str) -> str:
        """A URL the book prints (``http://localhost:8774/...``) as this cloud spells it."""
        return self.base_url + path

    def run(self, number: int, method: str, path: str) -> CurlResult:
        """Run command ``number``, after checking it is the next one and says what we expect."""
        command: BookCommand = self.commands[number]
        assert number == self.last + 1, (
            f"the book's commands run in order; {number} follows {self.last}"
        )
        assert (command.method, command.path) == (method, path), command.text
        self.last = number
        return run_curl(command.adjusted(self.base_url, self.token), self.env)

    # ---- preparing state between commands: the API and the control API, never the commands
    def api(self, method: str, path: str, body=None, expect: int = 200):
        response = self.http.request(
            method, self.nova + path, json=body, headers={"X-Auth-Token": self.token}, timeout=30
        )
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def tick(self, seconds: float) -> None:
        response = self.http.post(
            f"{self.base_url}/_localcloud/tick",
            json={"seconds": seconds},
            headers={"X-Auth-Token": self.token},
            timeout=30,
        )
        assert response.status_code == 200, response.text

    def login(self) -> str:
        response = self.http.post(
            f"{self.base_url}/v2.0/tokens",
            json={"passwordCredentials": {"username": "joe", "password": "shhh"}},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["auth"]["token"]["id"]

    def reset(self) -> None:
        response = self.http.post(
            f"{self.base_url}/_localcloud/reset", headers={"X-Auth-Token": self.login()}, timeout=30
        )
        assert response.status_code == 204, response.text


@pytest.fixture()
def book(book_cloud_process, tmp_path):
    """A fresh session on the standalone cloud, reset to its seeded catalogue."""
    session = BookSession(book_cloud_process.base_url, tmp_path)
    session.reset()
    return session
