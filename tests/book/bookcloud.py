"""The standalone local cloud as a learner starts it, and a session that runs the book's curl
commands against it and prepares state between them (used by the fixtures in conftest.py)."""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import requests
from bookcurl import BookCommand, CurlResult, book_commands, curl_environment, run_curl

#: How long the standalone cloud may take to print its URL (a cold Python import on a busy box).
STARTUP_TIMEOUT = 60
URL_IN_OUTPUT = re.compile(r"https?://127\.0\.0\.1:\d+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Standalone:
    """``python -m novamagic.localcloud`` running in a subprocess, its output read as it comes."""

    def __init__(self, *args: str):
        self.command = [sys.executable, "-m", "novamagic.localcloud", *args]
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.base_url = self.expect(URL_IN_OUTPUT).group()

    def _pump(self) -> None:  # keeps reading, so a chatty server never blocks on a full pipe
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def expect(self, pattern: re.Pattern) -> re.Match:
        """The first match of ``pattern`` in the lines printed from now on."""
        while True:
            try:
                line = self._lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                self.stop()
                raise RuntimeError(
                    f"{self.command} printed no {pattern.pattern!r}: {self.printed}"
                ) from None
            if line is None:
                raise RuntimeError(
                    f"{self.command} exited with {self.process.wait()}: {self.printed}"
                )
            found = pattern.search(line)
            if found:
                return found

    @property
    def printed(self) -> str:
        return "".join(self.output)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
            headers={"X-Auth-Token": self.login("admin", "admin")},
            timeout=30,
        )
        assert response.status_code == 200, response.text

    def login(self, user: str = "joe", password: str = "shhh") -> str:
        """A token of the book's account, or (for the control API, which the harness alone
        uses: tick, reset) of the cloud's default admin."""
        response = self.http.post(
            f"{self.base_url}/v2.0/tokens",
            json={"passwordCredentials": {"username": user, "password": password}},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["auth"]["token"]["id"]

    def reset(self) -> None:
        response = self.http.post(
            f"{self.base_url}/_localcloud/reset",
            headers={"X-Auth-Token": self.login("admin", "admin")},
            timeout=30,
        )
        assert response.status_code == 204, response.text
