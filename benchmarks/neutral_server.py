"""A neutral, pre-rendered cloud: replays the bytes a cloud answered, as fast as a server can send.

    .venv/bin/python benchmarks/neutral_server.py --upstream http://127.0.0.1:PORT

Every client under measurement gets the same answers, already encoded, from a plain stdlib
``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) that does no work of its own: the serving cost
is as low as Python can make it, so what is left in each figure is the client's own work.

How: the first time a request is seen it is forwarded to the upstream cloud (the local cloud)
and the answer is kept, with the upstream's address in it rewritten to this server's; every
later identical request gets the kept bytes. "Identical" means the same method, path and
query, compute microversion headers, the user the token belongs to (tokens are learnt from
the Keystone answers that issued them) and, for a POST, the same body. Only GETs and Keystone
token requests are kept; anything else (a boot, a delete) goes to the upstream every time.
Timed runs follow a warm-up run that records, so they are all replays.

Prints ``neutral server on URL`` when ready; stops on SIGTERM or when stdin closes.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

#: Answer headers worth replaying (the rest, like Date and Server, are the transport's).
KEPT_HEADERS = (
    "content-type",
    "x-subject-token",
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "vary",
    "location",
    "x-openstack-request-id",
)
#: Request headers that change what a compute answer says.
VARYING_HEADERS = ("openstack-api-version", "x-openstack-nova-api-version")


class Recorder:
    """The upstream's answers, kept by request; and which user each token belongs to."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream = f"{parts.scheme}://{parts.netloc}".encode()
        self.host, self.port = parts.hostname, parts.port
        self.public = b""  # this server's base URL, set once it is bound
        self.answers: dict[tuple, tuple[int, list, bytes]] = {}
        self.users: dict[str, str] = {}  # token -> "user@project"
        self.lock = threading.Lock()
        self.local = threading.local()
        self.recorded = self.replayed = 0

    def connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                self.host, self.port, timeout=600
            )
        return connection

    def forward(self, method: str, path: str, headers: dict, body: bytes):
        """(status, kept headers, body) from the upstream, its address rewritten to ours."""
        for attempt in (1, 2):  # a kept-alive upstream connection may have been closed
            connection = self.connection()
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
        kept = [
            (name, value.replace(self.upstream.decode(), self.public.decode()))
            for name, value in response.getheaders()
            if name.lower() in KEPT_HEADERS
        ]
        return response.status, kept, payload.replace(self.upstream, self.public)

    def who(self, headers) -> str:
        token = headers.get("X-Auth-Token")
        return self.users.get(token, "?") if token else "-"

    def learn_token(self, status: int, kept: list, payload: bytes) -> None:
        token = next((v for k, v in kept if k.lower() == "x-subject-token"), None)
        if status != 201 or not token:
            return
        document = json.loads(payload)["token"]
        user = document.get("user", {}).get("name")
        project = (document.get("project") or {}).get("name")
        with self.lock:
            self.users[token] = f"{user}@{project}"


def handler_class(recorder: Recorder):
    class Replay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per answer and no Nagle: else a small body waits out the client's delayed
        # ACK (40 ms) behind the headers' write.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            method, path = self.command, self.path
            keep = method == "GET" or (method == "POST" and path.endswith("/auth/tokens"))
            key = (
                method,
                path,
                tuple(self.headers.get(name) for name in VARYING_HEADERS),
                recorder.who(self.headers),
                hashlib.sha256(body).digest() if body else b"",
            )
            answer = recorder.answers.get(key) if keep else None
            if answer is None:
                forwarded = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in ("host", "connection", "content-length")
                }
                answer = recorder.forward(method, path, forwarded, body)
                if path.endswith("/auth/tokens") and method == "POST":
                    recorder.learn_token(*answer)
                if keep and answer[0] < 500:
                    with recorder.lock:
                        recorder.answers[key] = answer
                        recorder.recorded += 1
            else:
                recorder.replayed += 1
            status, headers, payload = answer
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            if method != "HEAD":
                self._headers_buffer.append(b"\r\n" + payload)
                self.flush_headers()
            else:
                self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    return Replay


def serve(upstream: str, port: int = 0) -> tuple[ThreadingHTTPServer, Recorder]:
    """A started replay server in front of ``upstream`` (its thread is a daemon)."""
    recorder = Recorder(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_class(recorder))
    server.daemon_threads = True
    recorder.public = f"http://127.0.0.1:{server.server_address[1]}".encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, recorder


@contextmanager
def replaying(upstream: str):
    """This server in its own process, in front of ``upstream``; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--upstream", upstream],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("neutral server on "):
            raise RuntimeError(f"the neutral server did not start: {line!r}")
        yield line.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the cloud's base URL")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server, recorder = serve(args.upstream, args.port)
    print(f"neutral server on {recorder.public.decode()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
