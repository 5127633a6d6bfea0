"""Faults: 503s, latency spikes and dropped connections end in exactly the intended state.

The local cloud injects, on every compute request, with a seeded RNG: 10% 503s, 2% connections
dropped before processing, 2% dropped after processing (the answer is lost), 3% latency spikes.
The client's pauses advance the cloud's ManualClock, so backoff costs no real time; the latency
spikes are real (short) sleeps in the cloud.

Why ``retries=6`` in these tests: about 14% of requests fail here, so with the default 3 retries
a request exhausts them with probability 0.14**4 = 4e-4 — across the ~500 requests of a run,
one in six runs would see a genuine (and correctly reported) give-up. Six retries bring that to
0.14**7 = 1e-6 per request, i.e. a stable test of what must never happen: a lost or doubled
server.
"""

from __future__ import annotations

import socket
import time
from collections import Counter

import pytest

from novamagic.client import ConnectionFailed, NovaError, Timeout
from tests.reliability.conftest import FLAVOR, IMAGE, client_for

FLEET = 50
RESIZED = 10
QUOTAS = {"instances": 200, "cores": 400, "ram": 1_000_000}
COMPUTE = r"^/compute/"


def inject_weather(cloud) -> None:
    """The bad weather of this module (rules are tried in order; each draws its own rate)."""
    cloud.inject_fault(COMPUTE, status=503, rate=0.10)
    cloud.inject_fault(COMPUTE, drop="before", rate=0.02)
    cloud.inject_fault(COMPUTE, drop="after", rate=0.02)
    cloud.inject_fault(COMPUTE, latency=0.05, rate=0.03)


def weather_report(cloud) -> dict[str, int]:
    fired = {}
    for rule in cloud.faults:
        kind = (
            f"drop {rule['drop']}"
            if rule["drop"]
            else (f"{rule['status']}" if rule["status"] else "latency")
        )
        fired[kind] = fired.get(kind, 0) + rule["fired"]
    return fired  # rules with a count leave the list once spent: these are the rate rules


def history_summary(client) -> dict[str, int]:
    entries = list(client.history)
    return {
        "requests": len(entries),
        "503 answers": sum(1 for h in entries if h["status"] == 503),
        "connection errors": sum(1 for h in entries if h["error"] == "ConnectionFailed"),
        "retried attempts": sum(1 for h in entries if h["attempt"] > 1),
        "boot-marker lookups": sum(1 for h in entries if "tags=novamagic-boot-" in h["path"]),
    }


def live_servers(cloud) -> list[dict]:
    """The servers the cloud holds, settled to its clock (its state dump, not the API)."""
    return [s for s in cloud.dump()["servers"] if s["status"] != "DELETED"]


def test_bulk_boot_and_bulk_delete_under_faults(make_cloud, figures):
    cloud = make_cloud(quotas=QUOTAS)
    with client_for(cloud, retries=6) as client:
        client.flavors(), client.images(), client.limits()  # names resolved before the weather
        # every run loses at least two boot answers after processing and one before
        cloud.inject_fault(r"/servers$", method="POST", drop="after", count=2)
        cloud.inject_fault(r"/servers$", method="POST", drop="before", count=1)
        inject_weather(cloud)
        started = time.perf_counter()
        booted = client.create_servers("fleet", IMAGE, FLAVOR, count=FLEET)
        boot_seconds = time.perf_counter() - started

        assert booted.ok, [str(e["error"]) for e in booted.failed]
        names = Counter(s["name"] for s in live_servers(cloud))
        expected = {f"fleet-{i}" for i in range(1, FLEET + 1)}
        assert set(names) == expected, "no server missing, none extra"
        assert max(names.values()) == 1, f"duplicated: {[n for n, c in names.items() if c > 1]}"
        assert sorted(s["name"] for s in booted.succeeded) == sorted(expected)
        assert {s["id"] for s in booted.succeeded} == {s["id"] for s in live_servers(cloud)}

        boot_history = history_summary(client)
        assert weather_report(cloud)["503"] > 0
        # the history shows the retries the weather forced, and the lookups of lost boots
        assert boot_history["503 answers"] >= 1 and boot_history["retried attempts"] >= 1
        assert boot_history["connection errors"] >= 3
        assert boot_history["boot-marker lookups"] >= 3

        started = time.perf_counter()
        deleted = client.delete_servers([s["id"] for s in booted.succeeded])
        delete_seconds = time.perf_counter() - started
        assert deleted.ok, [str(e["error"]) for e in deleted.failed]
        cloud.tick(60)  # deletions take 5 cloud seconds
        assert live_servers(cloud) == []
        weather = weather_report(cloud)
        cloud.clear_faults()
        assert client.servers() == []

        total = history_summary(client)
    figures.add("faults", f"bulk boot of {FLEET} under faults", boot_seconds, "s")
    figures.add("faults", f"bulk delete of {FLEET} under faults", delete_seconds, "s")
    figures.add("faults", "injected at random (plus 3 lost boot answers)", _plain(weather))
    for kind, count in total.items():
        figures.add("faults", f"client history: {kind}", count)
    figures.add("faults", "servers lost / duplicated", "0 / 0")


def converge_resize(client, ids: list[str], flavor: str, rounds: int = 8) -> dict[str, int]:
    """Drive each server to ACTIVE on ``flavor`` the way a careful script would: look, then act.

    Actions (POST) are never retried blindly by the client, so a 503 or a lost answer on a resize
    or a confirm is reported in the bulk result; looking at the server says whether it happened.
    """
    reported = Counter()
    for _ in range(rounds):
        pending = []
        for server_id in ids:
            try:
                server = client.server(server_id)
                status = server["status"]
                if status == "ACTIVE" and server["flavor"]["name"] == flavor:
                    continue
                pending.append(server_id)
                if status == "ACTIVE":
                    client.resize(server_id, flavor)
                    reported["resize sent"] += 1
                elif status == "VERIFY_RESIZE":
                    client.confirm_resize(server_id)
                    reported["confirm sent"] += 1
                elif status == "ERROR":
                    raise AssertionError(f"server {server_id} went to ERROR")
                else:  # RESIZE: in progress
                    client.wait(server_id, status="VERIFY_RESIZE", timeout=600)
            except NovaError as exc:
                assert isinstance(exc, (ConnectionFailed, Timeout)) or exc.status in (
                    409,
                    503,
                ), f"unexpected error: {exc}"
                reported[f"action failed ({exc.status or type(exc).__name__})"] += 1
        if not pending:
            return dict(reported)
    raise AssertionError(f"resize did not converge in {rounds} rounds: {dict(reported)}")


def _plain(counts: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())


def test_resize_confirm_cycle_under_faults(make_cloud, figures):
    cloud = make_cloud(quotas=QUOTAS)
    with client_for(cloud, retries=6) as client:
        inject_weather(cloud)
        booted = client.create_servers("rz", IMAGE, FLAVOR, count=RESIZED)
        assert booted.ok, [str(e["error"]) for e in booted.failed]
        ids = [s["id"] for s in booted.succeeded]
        for server_id in ids:
            client.wait(server_id, timeout=600)

        # one bulk resize: every item is either done or reported failed, never silently lost
        result = client.resize_servers(ids, "m1.small")
        for entry in result:
            server = client.server(entry["item"])
            if entry["ok"]:
                assert server["status"] in ("RESIZE", "VERIFY_RESIZE"), server["status"]
            else:
                error = entry["error"]
                assert error.status == 503 or isinstance(error, ConnectionFailed), str(error)
                assert "\n" not in str(error)
        reported = converge_resize(client, ids, "m1.small")

        servers = live_servers(cloud)
        assert sorted(s["id"] for s in servers) == sorted(ids), "no server missing, none extra"
        assert all(s["flavor_id"] == "2" and s["status"] == "ACTIVE" for s in servers)
        assert all(s["task_state"] is None for s in servers)
        weather = weather_report(cloud)
    failed_first = len(result.failed)
    figures.add("faults", f"resize/confirm of {RESIZED}: bulk items reported failed", failed_first)
    figures.add("faults", "resize/confirm: after looking", _plain(reported))
    figures.add("faults", "resize/confirm: injected", _plain(weather))
    figures.add("faults", "resize/confirm end state", f"{RESIZED}/{RESIZED} ACTIVE on m1.small")


def test_an_expiring_token_is_renewed_once_silently(make_cloud, figures):
    cloud = make_cloud(token_ttl=300)
    with client_for(cloud) as client:
        server = client.create_server("long-run", IMAGE, FLAVOR)
        client.wait(server["id"])
        tokens_before = len(cloud.state.tokens)
        cloud.tick(301)  # the token expires mid-run (keystoneauth still believes it valid)
        # the run goes on, unaware
        client.rename_server(server["id"], "long-run-2")
        assert client.server(server["id"])["name"] == "long-run-2"
        client.servers()
        client.flavors()
        unauthorized = [h for h in client.history if h["status"] == 401]
        assert len(unauthorized) == 1, "one 401, then a new token"
        after = list(client.history)[list(client.history).index(unauthorized[0]) + 1]
        assert after["path"] == unauthorized[0]["path"] and after["status"] == 200
        assert len(cloud.state.tokens) == tokens_before + 1, "renewed exactly once"

        # the same in the middle of a bulk operation: 6 threads meet the expired token together
        fleet = client.create_servers("bulk", IMAGE, FLAVOR, count=6)
        ids = [s["id"] for s in fleet.succeeded]
        for server_id in ids:
            client.wait(server_id)
        cloud.tick(301)
        tokens_before = len(cloud.state.tokens)
        seen_401 = sum(1 for h in client.history if h["status"] == 401)
        # two of the six arrive late, after the others have renewed the token
        cloud.inject_fault(r"/action$", latency=0.3, count=2)
        rebooted = client.reboot_servers(ids)
        assert rebooted.ok, [str(e["error"]) for e in rebooted.failed]
        renewals = len(cloud.state.tokens) - tokens_before
        bulk_401 = sum(1 for h in client.history if h["status"] == 401) - seen_401
        assert renewals == 1, f"{renewals} new tokens: bulk threads each authenticated again"
    figures.add("auth", "token renewals after expiry (sequential run)", 1)
    figures.add("auth", "token renewals after expiry (bulk reboot of 6)", renewals)
    figures.add("auth", "401 answers met by the bulk threads", bulk_401)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connect(auth_url, **options):
    from novamagic.client import connect

    return connect(
        auth_url=auth_url,
        username="joe",
        password="not-a-real-password",
        project_name="openstack",
        user_domain_name="Default",
        project_domain_name="Default",
        **options,
    )


def test_an_unreachable_cloud_fails_fast_with_one_line(figures):
    url = f"http://127.0.0.1:{_free_port()}/identity"  # nothing listens there
    started = time.perf_counter()
    with pytest.raises(ConnectionFailed) as info:
        _connect(url)
    elapsed = time.perf_counter() - started
    text = str(info.value)
    assert "\n" not in text and len(text) < 300, text
    assert "connection" in text.lower() and url.split("/")[2] in text, text  # host:port
    assert "not-a-real-password" not in text
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    figures.add("faults", "closed port: connect() fails after", elapsed * 1000, "ms")


def test_a_cloud_that_never_answers_times_out(figures):
    """A port that accepts connections but never answers: the timeout ends it, with one line."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/identity"
        started = time.perf_counter()
        # keystoneauth's version discovery meets the silence first; it words it "timed out"
        with pytest.raises((Timeout, ConnectionFailed)) as info:
            _connect(url, api_timeout=1)
        elapsed = time.perf_counter() - started
    text = str(info.value)
    assert "\n" not in text and "timed out" in text and url in text, text
    assert elapsed < 3.0, f"took {elapsed:.2f} s"
    figures.add("faults", "silent port, api_timeout=1: connect() fails after", elapsed, "s")


def test_a_boot_whose_answer_times_out_is_never_sent_twice(make_cloud, figures):
    """The cloud answers after the client gave up: the lookup by marker finds nothing *yet*, so
    re-sending would make a second server once the first request completes. The client must
    say so instead, and the cloud must end with exactly one server."""
    cloud = make_cloud()
    with client_for(cloud, api_timeout=0.3) as client:
        client.flavors(), client.images(), client.limits()  # resolve before the slow boot
        cloud.inject_fault(r"/servers$", method="POST", latency=1.0, count=1)
        with pytest.raises(Timeout) as info:
            client.create_server("slow-once", IMAGE, FLAVOR)
        assert "may still reach the cloud" in info.value.hint
        assert "slow-once" in info.value.hint
        # the first request completes on the cloud's side a little later
        deadline = time.monotonic() + 10
        while not live_servers(cloud) and time.monotonic() < deadline:
            time.sleep(0.05)
        names = [s["name"] for s in live_servers(cloud)]
        assert names == ["slow-once"], names
        posts = [h for h in client.history if h["method"] == "POST"]
        assert len(posts) == 1, "the boot was sent once"
    figures.add("faults", "boot answer timed out: servers made / POSTs sent", "1 / 1")
