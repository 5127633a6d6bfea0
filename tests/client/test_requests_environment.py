"""The proxy and CA-bundle variables requests reads are read once per host (transport.py's
EnvironmentOnceSession), yet a variable set, changed or removed mid-session applies from the
very next request, as it does with requests' own reading.

Two plain socket servers on 127.0.0.1: a cloud, and a "proxy" that answers in its place (so a
request that went through the proxy is told apart by its absolute request line).
"""

from __future__ import annotations

import socket
import threading

import pytest
from keystoneauth1 import noauth

from novamagic.client.session import HttpSession

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY", "no_proxy", "NO_PROXY")  # fmt: skip


class Answering:
    """Answers every request with ``{"by": name}`` and keeps the request lines it saw."""

    def __init__(self, name: str):
        self.name, self.lines = name, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            data = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    head, data = data.split(b"\r\n\r\n", 1)
                    self.lines.append(head.split(b"\r\n", 1)[0].decode())
                    body = f'{{"by": "{self.name}"}}'.encode()
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )

    def close(self):
        self.listener.close()


@pytest.fixture
def servers(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    cloud, proxy = Answering("cloud"), Answering("proxy")
    yield cloud, proxy
    cloud.close()
    proxy.close()


def test_a_proxy_set_removed_or_bypassed_mid_session_applies_at_once(servers, monkeypatch):
    cloud, proxy = servers
    session = HttpSession(noauth.NoAuth(), sleep=lambda s: None)
    url = f"{cloud.url}/servers"
    assert session.json("GET", url) == {"by": "cloud"}
    assert session.json("GET", url) == {"by": "cloud"}  # the kept answer: still direct

    monkeypatch.setenv("http_proxy", proxy.url)
    assert session.json("GET", url) == {"by": "proxy"}
    assert proxy.lines[-1] == f"GET {url} HTTP/1.1"  # an absolute URI: a proxied request

    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert session.json("GET", url) == {"by": "cloud"}

    monkeypatch.delenv("no_proxy")
    assert session.json("GET", url) == {"by": "proxy"}
    monkeypatch.setenv("http_proxy", cloud.url)  # changed in place: the cloud is the proxy now
    assert session.json("GET", url) == {"by": "cloud"}
    assert cloud.lines[-1] == f"GET {url} HTTP/1.1"

    monkeypatch.delenv("http_proxy")
    assert session.json("GET", url) == {"by": "cloud"}
    direct = "GET /servers HTTP/1.1"
    assert cloud.lines == [direct, direct, direct, f"GET {url} HTTP/1.1", direct]


def test_an_oddly_cased_proxy_variable_is_seen_too(servers, monkeypatch):
    cloud, proxy = servers
    session = HttpSession(noauth.NoAuth(), sleep=lambda s: None)
    url = f"{cloud.url}/flavors"
    assert session.json("GET", url) == {"by": "cloud"}
    monkeypatch.setenv("Http_Proxy", proxy.url)  # urllib reads any case
    assert session.json("GET", url) == {"by": "proxy"}


def test_the_ca_bundle_variable_is_read_per_change(servers, monkeypatch, tmp_path):
    cloud, _ = servers
    session = HttpSession(noauth.NoAuth(), sleep=lambda s: None)
    requests_session = session.ks.session
    first = requests_session.merge_environment_settings(cloud.url, {}, None, None, None)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used: the URL is plain HTTP")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    second = requests_session.merge_environment_settings(cloud.url, {}, None, None, None)
    assert first["verify"] != str(bundle) and second["verify"] == str(bundle)
    # what is handed out is a copy: a caller changing it does not change the kept answer
    second["proxies"]["http"] = "http://elsewhere"
    third = requests_session.merge_environment_settings(cloud.url, {}, None, None, None)
    assert "http" not in third["proxies"]
