"""The book's curl commands, read from the book's text at run time, and a runner for them.

The text is the book as published (``programming-openstack-compute-api.txt``, Apache-2.0, kept
beside this file so a clean clone can run the tests). Each command sits alone in a fenced block
starting with ``$ curl``; the typesetter wrapped the long ones. A line that ends in ``/`` or
``.`` was cut inside a word (a URL, ``application/json``), so the next line joins it directly;
any other break stands for a space.

Running a command changes only what the brief allows: the host and port (the book's
``localhost:5000`` and ``localhost:8774`` both become the one local port) and the token value
after ``X-Auth-Token:``. The harness appends ``--dump-header -`` so it can read the status line
and headers; that option changes what curl prints, not what it sends.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BOOK_PATH = Path(__file__).with_name("programming-openstack-compute-api.txt")
BOOK_HOSTS = ("http://localhost:5000", "http://localhost:8774")
TOKEN_HEADER = re.compile(r"(X-Auth-Token:\s*)(\S+)", re.IGNORECASE)
FENCED_BLOCK = re.compile(r"^```\n(.*?)^```", re.DOTALL | re.MULTILINE)
WORD_CUT_ENDINGS = ("/", ".")
CURL_TIMEOUT = 30


@dataclass(frozen=True)
class BookCommand:
    """One curl command as the book prints it (number in book order, 1-based)."""

    number: int
    text: str
    argv: tuple[str, ...]

    @property
    def method(self) -> str:
        if "-X" in self.argv:
            return self.argv[self.argv.index("-X") + 1]
        return "POST" if "-d" in self.argv else "GET"

    @property
    def url(self) -> str:
        return next(arg for arg in reversed(self.argv) if arg.startswith("http"))

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def body(self) -> str | None:
        return self.argv[self.argv.index("-d") + 1] if "-d" in self.argv else None

    def headers(self) -> list[str]:
        return [self.argv[i + 1] for i, arg in enumerate(self.argv) if arg == "-H"]

    def adjusted(self, base_url: str, token: str | None) -> list[str]:
        """The argv to run against ``base_url``, the book's token replaced by ``token``."""
        out = []
        for arg in self.argv:
            for book_host in BOOK_HOSTS:
                arg = arg.replace(book_host, base_url)
            if token is not None:
                arg = TOKEN_HEADER.sub(lambda m: m.group(1) + token, arg)
            out.append(arg)
        return out


def join_wrapped(lines: list[str]) -> str:
    """Undo the typesetter's line wrapping (see the module docstring)."""
    joined = ""
    for line in (line.rstrip() for line in lines):
        if not line:
            continue
        if joined and not joined.endswith(WORD_CUT_ENDINGS):
            joined += " "
        joined += line
    return joined


def book_commands(text: str | None = None) -> list[BookCommand]:
    """Every ``$ curl`` command of the book, in the book's order."""
    if text is None:
        text = BOOK_PATH.read_text(encoding="utf-8")
    commands = []
    for block in FENCED_BLOCK.findall(text):
        joined = join_wrapped(block.splitlines())
        if joined.startswith("$ curl "):
            argv = tuple(shlex.split(joined[2:]))
            commands.append(BookCommand(number=len(commands) + 1, text=joined, argv=argv))
    return commands


@dataclass
class CurlResult:
    argv: list[str] = field(repr=False)  # carries the token
    status: int
    headers: dict[str, str]
    body: str
    stderr: str = field(repr=False)

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def curl_binary() -> str:
    found = shutil.which("curl")
    if found is None:
        raise RuntimeError(
            "the book's commands need the curl binary on PATH (apt-get install curl)"
        )
    return found


def curl_environment(home: Path) -> dict[str, str]:
    """curl's environment: no proxy and no ~/.curlrc, so the command line alone decides."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["CURL_HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def run_curl(argv: list[str], env: dict[str, str]) -> CurlResult:
    """Run curl with ``argv`` (argv[0] is replaced by the real binary) and split its output."""
    full = [curl_binary(), *argv[1:], "--dump-header", "-"]
    done = subprocess.run(full, capture_output=True, env=env, timeout=CURL_TIMEOUT, check=False)
    if done.returncode != 0:
        raise AssertionError(
            f"curl exited {done.returncode}: {done.stderr.decode(errors='replace')}"
        )
    return parse_dumped_response(full, done.stdout.decode(), done.stderr.decode(errors="replace"))


def parse_dumped_response(argv: list[str], output: str, stderr: str) -> CurlResult:
    """Split ``--dump-header -`` output into the final status, its headers and the body."""
    rest = output
    while True:
        head, _, rest = rest.partition("\r\n\r\n")
        status_line, *header_lines = head.split("\r\n")
        status = int(status_line.split()[1])
        if status >= 200 or not rest.startswith("HTTP/"):  # skip "100 Continue" blocks
            break
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return CurlResult(argv=argv, status=status, headers=headers, body=rest, stderr=stderr)
