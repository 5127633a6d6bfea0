"""An answer's body is read at once (transport.py's read_whole_body), and one cut off or stalled
half-way is a typed error, retried for idempotent requests like any dropped connection.

The server here is a plain socket on 127.0.0.1 that answers each connection with what the test
scripts: a body cut short, a body that stalls, or a whole one.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
from keystoneauth1 import noauth

from novamagic.client import ConnectionFailed, Timeout
from novamagic.client.session import HttpSession

BODY = json.dumps({"servers": [{"id": str(n), "name": "x" * 300} for n in range(2000)]}).encode()


class ScriptedServer:
    """Answers the n-th connection with ``script[n]``: "cut" (the head and half the body, then
    closed), "stall" (the head and half the body, then silence until the test ends) or "whole"."""

    def __init__(self, script: list[str]):
        self.script = list(script)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/servers/detail"
        self.done = threading.Event()
        self.served: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        held = []
        while self.script:
            conn, _ = self.listener.accept()
            how = self.script.pop(0)
            self.served.append(how)
            conn.recv(65536)  # the request (small, in one piece)
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(BODY)}\r\n\r\n"
            ).encode()
            if how == "whole":
                conn.sendall(head + BODY)
                conn.close()
            elif how == "cut":
                conn.sendall(head + BODY[: len(BODY) // 2])
                conn.close()
            else:  # stall
                conn.sendall(head + BODY[: len(BODY) // 2])
                held.append(conn)
        self.done.wait(30)
        for conn in held:
            conn.close()

    def close(self):
        self.done.set()
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.fixture
def scripted():
    servers = []

    def make(script):
        server = ScriptedServer(script)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def _session(**options) -> HttpSession:
    return HttpSession(noauth.NoAuth(), sleep=lambda s: None, **options)


def test_a_whole_body_is_read_and_kept_as_the_content(scripted):
    server = scripted(["whole"])
    session = _session()
    response = session.request("GET", server.url)
    assert response.content == BODY and response.json()["servers"][1999]["id"] == "1999"
    assert response.text.startswith('{"servers"')  # text, json() and content all agree


def test_a_body_cut_off_is_retried_for_a_get(scripted):
    server = scripted(["cut", "whole"])
    session = _session()
    assert session.json("GET", server.url)["servers"][0]["id"] == "0"
    attempts = [(h["attempt"], h["status"], h["error"]) for h in session.history]
    assert attempts == [(1, None, "ConnectionFailed"), (2, 200, None)]


def test_a_body_cut_off_every_time_says_so(scripted):
    server = scripted(["cut", "cut"])
    session = _session(retries=1)
    with pytest.raises(ConnectionFailed, match="cut off"):
        session.json("GET", server.url)
    assert server.served == ["cut", "cut"]


def test_a_post_whose_answer_is_cut_off_is_not_sent_again(scripted):
    server = scripted(["cut"])
    session = _session()
    with pytest.raises(ConnectionFailed, match="cut off"):
        session.json("POST", server.url, json={"server": {}})
    assert server.served == ["cut"]


def test_a_body_that_stalls_half_way_times_out(scripted):
    server = scripted(["stall"])
    session = _session(timeout=0.5, retries=0)
    with pytest.raises(Timeout):
        session.json("GET", server.url)
