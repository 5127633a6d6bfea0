"""The server's connections: idle ones time out, their number is capped (the idle longest make
room, 503 + Retry-After when all are busy), stop() ends held ones at once, TLS handshakes never
stall the accept loop, and http.server's own refusals (414) are clean faults, logged in a line.

Bounds on time here are generous (seconds where milliseconds are expected): they tell a
stalled server from a working one, never a fast machine from a slow one.
"""

from __future__ import annotations

import logging
import socket
import time

import requests

from novamagic.localcloud import LocalCloud, ManualClock


def _silent(cloud, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", cloud.port), timeout=10)
        socks.append(sock)
    return socks


def _half_sent(cloud, count: int) -> list[socket.socket]:
    """Connections whose request head arrived, whose body never does: busy, not idle."""
    socks = _silent(cloud, count)
    for sock in socks:
        sock.sendall(
            b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
    return socks


def _until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (a timeout here fails the test)."""
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _close(socks) -> None:
    for sock in socks:
        sock.close()


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _flavors(cloud, token: str) -> requests.Response:
    return requests.get(cloud.compute_url + "/flavors", headers={"X-Auth-Token": token}, timeout=10)


def _token(cloud) -> str:
    return cloud.state.authenticate_password("shhh", user_name="joe").id


def test_silent_sockets_beyond_the_cap_do_not_starve_a_normal_request(localcloud_factory):
    cloud = localcloud_factory(max_connections=50)
    token = _token(cloud)
    silent = _silent(cloud, 300)
    try:
        started = time.perf_counter()
        response = _flavors(cloud, token)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert elapsed < 5, f"a normal request took {elapsed:.1f} s beside 300 silent sockets"
        opened, _ = cloud._server.connections.counts()
        assert opened <= 50
        # the idle longest made room: the first silent sockets were closed by the server
        assert _until_closed(silent[0]) == b""
    finally:
        _close(silent)


def test_idle_and_half_sent_connections_are_closed_after_the_idle_timeout(localcloud_factory):
    cloud = localcloud_factory(idle_timeout=0.5)
    token = _token(cloud)
    held = _silent(cloud, 20) + _half_sent(cloud, 20)
    with requests.Session() as session:  # a keep-alive connection, then idle
        assert session.get(
            cloud.compute_url + "/flavors", headers={"X-Auth-Token": token}, timeout=10
        ).ok
        try:
            for sock in held:  # closed; a half-sent request may get its 400 first
                answer = _until_closed(sock)
                assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:100]
            assert _wait_for(lambda: cloud._server.connections.counts() == (0, 0))
        finally:
            _close(held)
        # the session's closed connection is reopened without fuss
        assert session.get(
            cloud.compute_url + "/flavors", headers={"X-Auth-Token": token}, timeout=10
        ).ok


def test_when_every_connection_is_busy_a_newcomer_gets_503_with_retry_after(
    localcloud_factory,
):
    cloud = localcloud_factory(max_connections=5)
    token = _token(cloud)
    busy = _half_sent(cloud, 5)
    try:
        assert _wait_for(lambda: cloud._server.connections.counts() == (5, 5))
        started = time.perf_counter()
        response = _flavors(cloud, token)
        assert time.perf_counter() - started < 5
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "1"
        fault = response.json()["serviceUnavailable"]
        assert fault["code"] == 503 and "retry in 1 s" in fault["message"]
        identity = requests.get(cloud.auth_url + "/v3", timeout=10)
        assert identity.status_code == 503 and identity.json()["error"]["code"] == 503
    finally:
        _close(busy)
    assert _wait_for(lambda: _flavors(cloud, token).status_code == 200)


def test_stop_returns_promptly_with_hundreds_of_held_sockets():
    cloud = LocalCloud(seed=1, clock=ManualClock(), max_connections=400).start()
    held = _silent(cloud, 150) + _half_sent(cloud, 150)
    try:
        assert _wait_for(lambda: cloud._server.connections.counts()[0] == 300)
        started = time.perf_counter()
        cloud.stop()
        stopped_in = time.perf_counter() - started
        assert stopped_in < 3, f"stop() took {stopped_in:.1f} s with 300 held sockets"
        for sock in held[::25]:  # the server's side of each is closed
            assert _until_closed(sock) == b""
    finally:
        _close(held)
        cloud.stop()


def test_a_silent_tls_client_does_not_stall_the_accept_loop(localcloud_factory):
    cloud = localcloud_factory(tls=True)
    silent = _silent(cloud, 3)  # TCP connected, no ClientHello ever sent
    try:
        token = cloud.state.authenticate_password("shhh", user_name="joe").id
        response = requests.get(
            cloud.compute_url + "/flavors",
            headers={"X-Auth-Token": token},
            verify=cloud.ca_file,
            timeout=10,
        )
        assert response.status_code == 200
    finally:
        _close(silent)


def test_a_huge_url_gets_a_clean_414_fault_logged_in_one_line(localcloud, caplog, capfd):
    names = "|".join(f"vm-{n}" for n in range(10000))
    token = _token(localcloud)
    with caplog.at_level(logging.DEBUG, logger="novamagic.localcloud"):
        response = requests.get(
            localcloud.compute_url + "/servers",
            params={"name": f"^({names})$"},
            headers={"X-Auth-Token": token},
            timeout=10,
        )
        assert response.status_code == 414
        fault = response.json()["computeFault"]
        assert fault["code"] == 414 and "fewer names" in fault["message"]
        identity = requests.get(localcloud.auth_url + "/v3?x=" + "y" * 70000, timeout=10)
        assert identity.status_code == 414 and identity.json()["error"]["code"] == 414
        assert _flavors(localcloud, token).status_code == 200  # still serving
    records = [r for r in caplog.records if r.name == "novamagic.localcloud"]
    assert any("414" in r.getMessage() for r in records)
    assert not any(r.exc_info for r in records)
    assert all(len(r.getMessage()) < 500 for r in records)
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "AttributeError" not in err


# ---------------------------------------------------------------- kept-alive connections


def _connection(cloud):
    import http.client

    return http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=10)


def _ask(conn, method: str, path: str, body: bytes | None = None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_one_connection_serves_request_after_request(localcloud):
    token = _token(localcloud)
    conn = _connection(localcloud)
    first, _ = _ask(conn, "GET", "/compute/v2.1/flavors", headers={"X-Auth-Token": token})
    sock = conn.sock
    assert first.status == 200 and first.getheader("Connection") is None
    # A body the application never reads (a 404 before it looks) does not spill into the next
    # request line; nor does a JSON body it refuses.
    unread, _ = _ask(conn, "POST", "/compute/v2.1/nowhere", b'{"x": 1}',
                     {"X-Auth-Token": token, "Content-Type": "application/json"})  # fmt: skip
    assert unread.status == 404
    bad, _ = _ask(conn, "POST", "/compute/v2.1/servers", b"{not json",
                  {"X-Auth-Token": token, "Content-Type": "application/json"})  # fmt: skip
    assert bad.status == 400
    big, text = _ask(conn, "POST", "/compute/v2.1/servers", b"x" * 200_000,
                     {"X-Auth-Token": token, "Content-Type": "application/json"})  # fmt: skip
    assert big.status == 413, text
    last, text = _ask(conn, "GET", "/compute/v2.1/flavors", headers={"X-Auth-Token": token})
    assert last.status == 200 and b"m1.tiny" in text
    assert conn.sock is sock  # never reconnected
    conn.close()


def test_connections_close_when_the_client_asks_or_cannot_keep_them(localcloud):
    token = _token(localcloud)
    for headers, body in (
        ({"Connection": "close"}, None),
        ({"Transfer-Encoding": "chunked", "Content-Type": "application/json"}, [b"{}"]),
    ):
        conn = _connection(localcloud)
        response, _ = _ask(conn, "GET", "/compute/v2.1/flavors", body,
                           {"X-Auth-Token": token, **headers})  # fmt: skip
        assert response.status == 200 and response.getheader("Connection") == "close"
        assert conn.sock is None  # http.client closed it, as the answer said
    sock = socket.create_connection(("127.0.0.1", localcloud.port), timeout=10)
    sock.sendall(
        b"GET /compute/v2.1/flavors HTTP/1.0\r\nX-Auth-Token: " + token.encode() + b"\r\n\r\n"
    )
    answer = _until_closed(sock)  # HTTP/1.0: one request, then the server closes
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200")
    sock.close()


def test_a_kept_connection_left_idle_is_closed_after_the_idle_timeout(localcloud_factory):
    cloud = localcloud_factory(idle_timeout=0.5)
    conn = _connection(cloud)
    response, _ = _ask(conn, "GET", "/compute/v2.1/flavors",
                       headers={"X-Auth-Token": _token(cloud)})  # fmt: skip
    assert response.status == 200
    assert _until_closed(conn.sock) == b""  # closed by the server, having sent nothing more
    conn.close()
