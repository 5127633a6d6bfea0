"""How the local cloud serves a long listing cheaply, and stays right while doing it.

A page of ``GET /servers/detail`` goes out as the kept views themselves, gathered by sendmsg()
(connections.py), never copied into one buffer; the servers of a project come from an index
kept beside ``servers`` (model/servers.py); a server counts its own changes (``revision``), so a
kept view is checked by one number instead of every field. These tests hold each of those to
what a plain implementation would answer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import types

import pytest
import requests

from novamagic.localcloud import LocalCloud, ManualClock
from novamagic.localcloud.connections import CloudRequestHandler
from novamagic.localcloud.model.rendered import RenderedViews
from tests.localcloud.conftest import Api, issue_token

VERSION = "2.96"


def _pages(api: Api, limit: int, **params) -> list[requests.Response]:
    """Every page of a detailed listing, following the next links."""
    query = "&".join(f"{k}={v}" for k, v in {"limit": limit, **params}.items())
    url = f"{api.cloud.compute_url}/servers/detail?{query}"
    answers = []
    while url:
        response = api.get("", url=url)
        assert response.status_code == 200, response.text
        answers.append(response)
        links = response.json().get("servers_links", [])
        url = next((link["href"] for link in links if link["rel"] == "next"), None)
    return answers


@pytest.fixture(params=[True, False], ids=["checked", "served-as-kept"])
def check(request, monkeypatch):
    monkeypatch.setattr(RenderedViews, "check", request.param)
    return request.param


def test_pages_of_pieces_are_whole_json_with_their_length(localcloud, check):
    ids = localcloud.populate_servers(7)
    api = Api(localcloud, version=VERSION)
    answers = _pages(api, limit=3)
    # 3 + 3 + 1: the last page is partial, so it has no next link
    assert [len(a.json()["servers"]) for a in answers] == [3, 3, 1]
    for answer in answers:
        assert int(answer.headers["Content-Length"]) == len(answer.content)
        assert answer.headers["Content-Type"] == "application/json"
    listed = [s["id"] for a in answers for s in a.json()["servers"]]
    assert sorted(listed) == sorted(ids) and len(set(listed)) == 7
    # A page that ends exactly at the last server links to an empty page, which is valid JSON.
    answers = _pages(api, limit=7)
    assert [len(a.json()["servers"]) for a in answers] == [7, 0]
    assert answers[1].content == b'{"servers":[]}'
    # The server's own view, but what only a show has (2.71's server_groups), as in Nova.
    shown = api.get(f"/servers/{ids[0]}").json()["server"]
    (listed_first,) = [s for a in answers for s in a.json()["servers"] if s["id"] == ids[0]]
    assert shown.pop("server_groups") == [] and listed_first == shown


def test_a_head_request_gets_the_length_and_no_body(localcloud):
    localcloud.populate_servers(3)
    api = Api(localcloud, version=VERSION)
    full = api.get("/servers/detail")
    head = api.request("HEAD", "/servers/detail")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(full.content))
    assert api.get("/servers/detail").json() == full.json()  # the connection is still in step


def test_each_project_lists_its_own_servers_through_boots_deletions_and_a_reset(localcloud):
    localcloud.add_user("ann", "pw", project="other")
    joe, ann = Api(localcloud, version=VERSION), Api(localcloud, "ann", "pw", "other", VERSION)
    admin = Api(localcloud, "admin", "admin", "admin", version=VERSION)
    mine = localcloud.populate_servers(4, project="openstack")
    theirs = localcloud.populate_servers(2, project="other")
    booted = joe.boot("fresh", networks="auto")

    def listed(api, **params):
        return {s["id"] for a in _pages(api, limit=2, **params) for s in a.json()["servers"]}

    assert listed(joe) == {*mine, booted}
    assert listed(ann) == set(theirs)
    assert listed(admin, all_tenants=1) == {*mine, *theirs, booted}
    assert joe.delete(f"/servers/{mine[0]}").status_code == 204
    localcloud.tick(60)
    assert listed(joe) == {*mine[1:], booted}
    assert listed(ann) == set(theirs)  # another project's deletion leaves it as it was
    localcloud.reset()
    fresh = Api(localcloud, version=VERSION)
    assert listed(fresh) == set()
    again = localcloud.populate_servers(2, project="openstack")
    assert listed(fresh) == set(again)


def test_the_project_index_is_rebuilt_for_a_restored_state(tmp_path):
    path = tmp_path / "cloud.sqlite"
    with LocalCloud(seed=42, clock=ManualClock(), state_file=path) as cloud:
        kept = cloud.populate_servers(3)
        api = Api(cloud, version=VERSION)
        gone = api.boot("short-lived", networks="auto")
        cloud.tick(30)
        assert api.delete(f"/servers/{gone}").status_code == 204
        cloud.tick(60)
    with LocalCloud(seed=42, clock=ManualClock(), state_file=path) as cloud:
        api = Api(cloud, version=VERSION)
        listed = {s["id"] for a in _pages(api, limit=2) for s in a.json()["servers"]}
        assert listed == set(kept)
        server = cloud.state.servers[kept[0]]
        assert server.revision < 100  # counted afresh: a count is never stored


def test_a_server_counts_every_assignment_of_its_fields(localcloud):
    (server_id,) = localcloud.populate_servers(1)
    server = localcloud.state.servers[server_id]
    before = server.revision
    server.name = "renamed"
    server.status = server.status  # the same value again still counts: it is cheap to re-render
    assert server.revision == before + 2
    server.metadata["k"] = "v"  # a container changed in place is not an assignment...
    assert server.revision == before + 2
    api = Api(localcloud, version=VERSION)
    (shown,) = api.get("/servers/detail").json()["servers"]
    assert shown["name"] == "renamed" and shown["metadata"] == {"k": "v"}  # ...the key has it


class _SlowReader(threading.Thread):
    """Reads a socket in small bites with pauses, so the sender's buffer fills."""

    def __init__(self, sock: socket.socket, expected: int):
        super().__init__(daemon=True)
        self.sock, self.expected, self.data = sock, expected, bytearray()

    def run(self):
        while len(self.data) < self.expected:
            chunk = self.sock.recv(4096)
            if not chunk:
                return
            self.data += chunk
            if len(self.data) % 65536 < 4096:
                time.sleep(0.001)


def test_pieces_sent_in_part_go_on_from_where_the_kernel_stopped():
    sender, receiver = socket.socketpair()
    try:
        sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sender.settimeout(10)  # what the server's connections have: sends may be partial
        parts = [bytes([65 + n % 26]) * (1 + (n * 7919) % 5000) for n in range(3000)]
        expected = b"".join(parts)
        reader = _SlowReader(receiver, len(expected))
        reader.start()
        calls = []
        real = sender.sendmsg

        class Counting:
            def sendmsg(self, buffers):
                sent = real(buffers)
                calls.append((len(buffers), sum(map(len, buffers)), sent))
                return sent

        handler = types.SimpleNamespace(connection=Counting(), wfile=None)
        CloudRequestHandler._send_parts(handler, list(parts))
        reader.join(timeout=20)
        assert bytes(reader.data) == expected
        assert max(buffers for buffers, _, _ in calls) <= 1024  # what the kernel takes at once
        # The kernel took less than it was offered, in the middle of a buffer: the resumption
        # from a partly sent piece was exercised.
        assert any(0 < sent < offered for _, offered, sent in calls)
    finally:
        sender.close()
        receiver.close()


def test_a_tls_listing_is_joined_and_whole(localcloud_factory):
    cloud = localcloud_factory(tls=True)
    cloud.populate_servers(30)
    token = issue_token(cloud, verify=cloud.ca_file).headers["X-Subject-Token"]
    answer = requests.get(
        f"{cloud.compute_url}/servers/detail?limit=20",
        headers={"X-Auth-Token": token, "OpenStack-API-Version": f"compute {VERSION}"},
        verify=cloud.ca_file,
        timeout=10,
    )
    assert answer.status_code == 200
    assert len(json.loads(answer.content)["servers"]) == 20
    assert int(answer.headers["Content-Length"]) == len(answer.content)
