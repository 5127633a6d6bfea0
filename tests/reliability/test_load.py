"""Load: the standalone local cloud under 30 concurrent clients, one per project, for 60 s.

The cloud runs as a workshop runs it, ``python -m novamagic.localcloud`` in its own process on
127.0.0.1 (a free port), with a users file of 30 students in 30 projects plus an admin. Thirty
client threads, each a separate novamagic ``Cloud`` (its own session and token), boot, list,
resize and confirm, and delete servers until the time is up. Every listing is checked against
what that client knows it owns: no phantom server (nor another project's), none lost. The
answers are checked for 5xx. Figures: requests per second, p50/p99 client-side latency, and the
server process's memory across the run.
"""

from __future__ import annotations

import os
import statistics
import threading
import time

import pytest
import yaml

from novamagic.client import NovaError, connect
from tests.reliability.conftest import ARTIFACTS, FLAVOR, IMAGE, STANDALONE_LOG, random_password
from tests.reliability.standalone import Standalone

#: How long the clients hammer the cloud. CI runs the full minute; NOVAMAGIC_LOAD_SECONDS
#: shortens it for a quick local look.
LOAD_SECONDS = float(os.environ.get("NOVAMAGIC_LOAD_SECONDS", "60"))
CLIENTS = 30
#: Cloud seconds per real second: a build (20 cloud s) takes 0.2 s, a resize 0.3 s.
SPEED = 100.0
#: Servers a client keeps at most (the default quota is 10 instances per project).
KEEP = 3
#: The memory bound. The cloud keeps a tombstone of every deleted server (Nova's soft-deleted
#: rows, for ``changes-since``), so its state grows by design with every deletion: about 1 KB
#: of Python heap each (measured with tracemalloc over 2,000 deletions). The allowance is twice
#: that per deleted server (allocator overhead) plus 8 MiB of slack for arenas and thread stacks.
#: A leak per request (threads, responses or tokens kept forever), at hundreds of requests per
#: second for a minute, would exceed it several times over.
TOMBSTONE_BYTES = 2048
RSS_SLACK = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, secrets_ledger):
    """The standalone cloud with 30 students (student-N in project class-N) and an admin."""
    users = [
        {"name": f"student-{n}", "password": random_password(), "project": f"class-{n}"}
        for n in range(1, CLIENTS + 1)
    ]
    users.append(
        {
            "name": "teacher",
            "password": random_password(),
            "project": "admin",
            "roles": ["admin", "member"],
        }
    )
    for user in users:
        secrets_ledger.add(user["password"], f"password of {user['name']}")
    users_file = tmp_path_factory.mktemp("classroom") / "users.yaml"
    users_file.write_text(yaml.safe_dump({"users": users}))
    ARTIFACTS.mkdir(exist_ok=True)
    cloud = Standalone(users_file, STANDALONE_LOG, "--seed", "9", "--speed", str(SPEED))
    yield cloud, users
    assert cloud.stop() == 0, "the standalone cloud exits cleanly on Ctrl-C"


def _connect(auth_url: str, user: dict, secrets_ledger):
    client = connect(
        auth_url=auth_url,
        username=user["name"],
        password=user["password"],
        project_name=user["project"],
        user_domain_name="Default",
        project_domain_name="Default",
        api_timeout=30,
    )
    secrets_ledger.add(client._http.ks.get_token(), "token")
    return client


class Student(threading.Thread):
    """One client of one project: boot, list, resize + confirm, delete, until the deadline."""

    def __init__(self, client, name: str, deadline: float):
        super().__init__(name=name, daemon=True)
        self.client = client
        self.deadline = deadline
        self.mine: set[str] = set()  # every server this student booted
        self.live: list[str] = []  # booted and not deleted, oldest first
        self.problems: list[str] = []
        self.cycles = 0
        self.project_id = client.whoami()["project_id"]

    def check_listing(self) -> None:
        listed = self.client.servers()
        ids = {s["id"] for s in listed}
        phantoms = ids - self.mine
        if phantoms:
            self.problems.append(f"{self.name} sees servers it never booted: {sorted(phantoms)}")
        lost = set(self.live) - ids
        if lost:
            self.problems.append(f"{self.name} lost servers: {sorted(lost)}")
        foreign = [s["id"] for s in listed if s.get("tenant_id") != self.project_id]
        if foreign:
            self.problems.append(f"{self.name} sees another project's servers: {foreign}")

    def cycle(self) -> None:
        client = self.client
        server = client.create_server(f"{self.name}-{self.cycles}", IMAGE, FLAVOR)
        self.mine.add(server["id"])
        self.live.append(server["id"])
        self.check_listing()
        client.wait(server["id"], interval=0.05, timeout=60)
        if self.cycles % 2 == 0:
            client.resize(server["id"], "m1.small")
            client.wait(server["id"], status="VERIFY_RESIZE", interval=0.05, timeout=60)
            client.confirm_resize(server["id"])
        self.check_listing()
        while len(self.live) > KEEP:
            client.delete_server(self.live.pop(0))
        self.cycles += 1

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline and not self.problems:
                self.cycle()
        except NovaError as exc:
            self.problems.append(f"{self.name}: {exc}")
        except Exception as exc:  # a bug: report it instead of dying silently in a thread
            self.problems.append(f"{self.name}: {type(exc).__name__}: {exc}")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def test_thirty_clients_for_a_minute(classroom, figures, secrets_ledger):
    cloud, users = classroom
    students_accounts, teacher_account = users[:CLIENTS], users[CLIENTS]
    clients = [_connect(cloud.auth_url, user, secrets_ledger) for user in students_accounts]
    teacher = _connect(cloud.auth_url, teacher_account, secrets_ledger)

    samples: list[tuple[float, int]] = []
    sampling = threading.Event()

    def sample_memory() -> None:
        while not sampling.wait(0.25):
            samples.append((time.monotonic(), cloud.rss()))

    started = time.monotonic()
    deadline = started + LOAD_SECONDS
    students = [
        Student(client, user["name"], deadline)
        for client, user in zip(clients, students_accounts, strict=True)
    ]
    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    for student in students:
        student.start()
    for student in students:
        student.join(timeout=LOAD_SECONDS + 120)
    elapsed = time.monotonic() - started
    sampling.set()
    sampler.join()

    assert not any(s.is_alive() for s in students), "a client hung"
    problems = [p for s in students for p in s.problems]
    assert not problems, problems[:5]

    # every project sees exactly its own; the admin sees the union, each in its project
    for student in students:  # deletions still in progress end first
        for server_id in student.mine - set(student.live):
            student.client.wait(server_id, status="DELETED", interval=0.05, timeout=60)
    everything = teacher.servers(all_projects=True)
    by_project: dict[str, set[str]] = {}
    for server in everything:
        by_project.setdefault(server["tenant_id"], set()).add(server["id"])
    for student in students:
        own = {s["id"] for s in student.client.servers()}
        assert own == set(student.live), f"{student.name}: {own ^ set(student.live)}"
        assert by_project.get(student.project_id, set()) == own
    assert sum(len(s.live) for s in students) == len(everything)

    history = [h for c in clients for h in c.history]
    server_errors = [h for h in history if h["status"] is not None and h["status"] >= 500]
    failures = [h for h in history if h["status"] is None]
    assert not server_errors, server_errors[:5]
    assert not failures, failures[:5]
    latencies = [h["ms"] for h in history]
    cycles = sum(s.cycles for s in students)
    deleted = sum(len(s.mine) - len(s.live) for s in students)

    # memory: the last third of the run against the first third
    run_samples = [(t, rss) for t, rss in samples if t >= started]
    third = len(run_samples) // 3
    assert third >= 3, "too few memory samples"
    first = statistics.median(rss for _, rss in run_samples[:third])
    last = statistics.median(rss for _, rss in run_samples[-third:])
    bound = first + deleted * TOMBSTONE_BYTES + RSS_SLACK
    mib = 1024 * 1024

    figures.add("load", "clients (threads, one project each)", CLIENTS)
    figures.add("load", "duration", elapsed, "s")
    figures.add("load", "boot/list/resize/confirm/delete cycles", cycles)
    figures.add(
        "load", "servers booted / deleted", f"{sum(len(s.mine) for s in students)} / {deleted}"
    )
    figures.add("load", "requests", len(history))
    figures.add("load", "requests per second", len(history) / elapsed, "req/s")
    figures.add("load", "latency p50", statistics.median(latencies), "ms")
    figures.add("load", "latency p99", _percentile(latencies, 0.99), "ms")
    figures.add("load", "latency max", max(latencies), "ms")
    figures.add(
        "load", "5xx answers / failed connections", f"{len(server_errors)} / {len(failures)}"
    )
    figures.add("load", "lost / phantom / foreign servers", "0 / 0 / 0")
    figures.add("load", "server RSS, median of first third", first / mib, "MiB")
    figures.add("load", "server RSS, median of last third", last / mib, "MiB")
    figures.add(
        "load", "server RSS bound asserted (first + tombstones + 8 MiB)", bound / mib, "MiB"
    )
    assert last <= bound, f"RSS grew from {first / mib:.1f} to {last / mib:.1f} MiB"

    for client in clients:
        client.cleanup()
        client.close()
    teacher.close()
