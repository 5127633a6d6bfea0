"""Retries, Retry-After, re-authentication and lost boot answers, under injected faults."""

from __future__ import annotations

import logging

import pytest

from novamagic.client import ConnectionFailed, ServerError, Unauthorized
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect, now_clock


def _attempts(cloud, fragment, method="GET"):
    return [
        (h["attempt"], h["status"], h["error"])
        for h in cloud.history
        if h["method"] == method and fragment in h["path"]
    ]


def test_idempotent_requests_retry_503_and_dropped_connections(cloud, local):
    control = cloud.control
    control.inject_fault(r"/servers/detail$", method="GET", status=503, count=2)
    assert cloud.servers() == []
    assert _attempts(cloud, "/servers/detail") == [(1, 503, None), (2, 503, None), (3, 200, None)]

    control.inject_fault(r"/flavors/detail$", method="GET", drop="before", count=1)
    assert cloud.flavors()
    assert _attempts(cloud, "/flavors/detail")[-2:] == [
        (1, None, "ConnectionFailed"),
        (2, 200, None),
    ]


def test_retries_give_up_with_the_last_error(cloud, local):
    cloud.control.inject_fault(r"/limits$", status=503)
    with pytest.raises(ServerError) as info:
        cloud.limits()
    assert info.value.status == 503 and "injected" in info.value.message
    assert [a for a, _, _ in _attempts(cloud, "/limits")] == [1, 2, 3, 4]


def test_retry_after_is_honoured_on_429_and_413(local):
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        local.clock.advance(seconds)

    cloud = local_connect(local, sleep=sleep)
    with cloud:
        cloud.control.inject_fault(r"/flavors/detail$", status=429, retry_after=7, count=1)
        cloud.control.inject_fault(r"/servers/detail$", status=413, retry_after=2, count=1)
        cloud.flavors()
        cloud.servers()
        assert pauses == [7.0, 2.0]
        # a POST refused with Retry-After was not processed, so it may be sent again
        cloud.control.inject_fault(r"/servers$", method="POST", status=429, retry_after=1, count=1)
        server = cloud.create_server("after-429", LOCAL_IMAGE, LOCAL_FLAVOR)
        assert pauses[-1] == 1.0
        assert [s["id"] for s in cloud.servers()] == [server["id"]]


def test_a_post_is_not_retried_blindly_on_503(cloud, local):
    server = cloud.create_server("first", LOCAL_IMAGE, LOCAL_FLAVOR)
    cloud.control.inject_fault(r"/action$", method="POST", status=503)
    with pytest.raises(ServerError):
        cloud.reboot(server["id"])
    assert [a for a, _, _ in _attempts(cloud, "/action", "POST")] == [1]


@pytest.mark.parametrize(
    "fault",
    [
        {"drop": "after"},  # processed, then the answer is lost
        {"drop": "before"},  # never processed
        {"status": 503},  # a gateway refused it
    ],
)
def test_a_lost_boot_answer_never_makes_a_second_server(cloud, local, fault):
    cloud.control.inject_fault(r"/servers$", method="POST", count=1, **fault)
    server = cloud.create_server("once", LOCAL_IMAGE, LOCAL_FLAVOR)
    servers = cloud.servers()
    assert [s["id"] for s in servers] == [server["id"]]
    posts = _attempts(cloud, "/servers", "POST")
    lookups = [h for h in cloud.history if "tags=novamagic-boot-" in h["path"]]
    assert lookups, "the server was looked up by its boot tag before anything was re-sent"
    assert len(posts) == (1 if fault.get("drop") == "after" else 2)


def test_a_lost_boot_answer_without_tags_uses_a_metadata_marker(local):
    with local_connect(local, compute_api_version="2.1") as cloud:
        cloud.control.inject_fault(r"/servers$", method="POST", drop="after", count=1)
        server = cloud.create_server("legacy-once", LOCAL_IMAGE, LOCAL_FLAVOR, metadata={"a": "1"})
        assert [s["id"] for s in cloud.servers()] == [server["id"]]
        session = cloud.session_tag.rsplit("-", 1)[1]
        assert server["metadata"]["novamagic"].startswith(session + "/")
        assert server["metadata"]["a"] == "1"
        assert [e["item"] for e in cloud.cleanup() if e["ok"]] == [server["id"]]


def test_no_marker_no_retry_when_every_metadata_slot_is_taken(local):
    with local_connect(local, compute_api_version="2.1") as cloud:
        full = {f"k{i}": "v" for i in range(5)}  # the book fills all five slots
        cloud.control.inject_fault(r"/servers$", method="POST", drop="after", count=1)
        with pytest.raises(ConnectionFailed) as info:
            cloud.create_server("full", LOCAL_IMAGE, LOCAL_FLAVOR, metadata=full)
        assert "look for a server named 'full'" in info.value.hint
        assert len(_attempts(cloud, "/servers", "POST")) == 1
        assert len(cloud.servers()) == 1  # it did reach the cloud: the user is told to look


def test_reauthenticates_once_on_401(cloud, local):
    cloud.servers()
    token = cloud._http.ks.get_token()
    # revoke the token behind the client's back (as an operator or an expiry would)
    cloud._http.ks.delete(
        local.auth_url + "/v3/auth/tokens", headers={"X-Subject-Token": token}, authenticated=True
    )
    assert cloud.servers() == []
    statuses = [h["status"] for h in cloud.history if "/servers/detail" in h["path"]]
    assert statuses[-2:] == [401, 200]
    assert cloud._http.ks.get_token() != token


def test_an_expired_token_is_renewed(localcloud_factory):
    lc = localcloud_factory(clock=now_clock(), token_ttl=60)
    with local_connect(lc) as cloud:
        first = cloud._http.ks.get_token()
        lc.clock.advance(120)  # the cloud's clock passes the expiry
        assert cloud.flavors()
        assert cloud._http.ks.get_token() != first


def test_bad_credentials_fail_in_connect_with_one_line(local):
    with pytest.raises(Unauthorized) as info:
        local_connect(local, password="wrong")
    text = str(info.value)
    assert "\n" not in text and "authentication failed" in text and "wrong" not in text
    assert info.value.status == 401 and info.value.hint


def test_connection_refused_is_a_clear_error():
    from novamagic.client import connect

    with pytest.raises(ConnectionFailed) as info:
        connect(
            auth_url="http://127.0.0.1:9/identity",
            username="u",
            password="p",
            project_name="p",
            user_domain_name="Default",
            project_domain_name="Default",
            retries=0,
        )
    assert "\n" not in str(info.value)


def test_secrets_never_reach_logs_history_or_reprs(local, caplog):
    caplog.set_level(logging.DEBUG)
    with local_connect(local) as cloud:
        server = cloud.create_server(
            "secret", LOCAL_IMAGE, LOCAL_FLAVOR, admin_password="Pa55-w0rd", wait=True
        )
        cloud.change_password(server["id"], "An0ther-Secret")
        generated = cloud.admin_password(server["id"])
        token = cloud._http.ks.get_token()
        cloud.rebuild(server["id"], LOCAL_IMAGE)
        texts = [
            caplog.text,
            repr(cloud),
            repr(cloud.config),
            repr(cloud.history),
            str(list(cloud.history)),
            repr(server),
            str(cloud.whoami()),
        ]
    everything = "\n".join(texts)
    for secret in ("shhh", "Pa55-w0rd", "An0ther-Secret", token, generated):
        assert secret and secret not in everything
    assert "/servers" in caplog.text  # the client did log its requests, without the secrets
    bodies = [r.getMessage() for r in caplog.records if r.name.startswith("keystoneauth")]
    assert not any('"server"' in text or '"servers"' in text for text in bodies)
