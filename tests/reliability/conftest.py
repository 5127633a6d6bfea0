"""Shared machinery of the reliability suite: figures, a secrets ledger, a debug log, clouds.

* ``figures`` (session): every test records what it measured with
  ``figures.add(section, name, value, unit="")``; at the end of the session the table is written to
  ``test-artifacts/reliability.txt`` and printed (capture disabled), whatever ``-s`` says.
* ``secrets_ledger`` (session): every password, token and adminPass a run of this suite used; the
  secrets scan (``test_secrets.py``, moved to the end of the run) looks for them in README.md,
  the notebooks and the logs this suite wrote.
* A DEBUG log of the whole suite (the client's, keystoneauth's and the local cloud's loggers) is
  written to ``test-artifacts/reliability-debug.log``: the logs the secrets scan reads.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from novamagic.localcloud import LocalCloud, ManualClock

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
FIGURES_FILE = ARTIFACTS / "reliability.txt"
DEBUG_LOG = ARTIFACTS / "reliability-debug.log"
STANDALONE_LOG = ARTIFACTS / "reliability-standalone.log"

#: The loggers whose DEBUG output must never carry a secret.
WATCHED_LOGGERS = ("novamagic", "keystoneauth", "urllib3", "requests")

IMAGE = "cirros-0.6.2-x86_64-disk"
FLAVOR = "m1.tiny"


def now_clock() -> ManualClock:
    """A ManualClock at the real current time (keystoneauth compares ``expires_at`` with it)."""
    return ManualClock(start=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def random_password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


class Figures:
    """What the suite measured, in the order measured: (section, name, value, unit)."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, section: str, name: str, value, unit: str = "") -> None:
        if isinstance(value, float):
            value = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
        self.rows.append((section, name, str(value), unit))

    def render(self) -> str:
        if not self.rows:
            return ""
        width = max(len(f"{s} / {n}") for s, n, _, _ in self.rows)
        lines = [
            f"novamagic reliability figures ({time.strftime('%Y-%m-%d %H:%M:%S')}, "
            f"{_cpu_count()} cores)"
        ]
        for section, name, value, unit in self.rows:
            lines.append(f"  {f'{section} / {name}':<{width}}  {value} {unit}".rstrip())
        return "\n".join(lines) + "\n"


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class SecretsLedger:
    """Every secret a run used (passwords, tokens, adminPass values), to be searched for later."""

    def __init__(self):
        self.values: dict[str, str] = {}  # secret -> what it is

    def add(self, value, kind: str) -> None:
        if isinstance(value, str) and len(value) >= 6:  # shorter ones would match by chance
            self.values.setdefault(value, kind)

    def harvest(self, cloud: LocalCloud) -> None:
        """Every password, token and adminPass an in-process local cloud knows of."""
        state = cloud.state
        with state.lock:
            for user in state.users.values():
                self.add(user.password, f"password of {user.name}")
            for token in state.tokens.values():
                self.add(token.id, "token")
            for server in [*state.servers.values(), *state.deleted_servers.values()]:
                self.add(server.admin_pass, "adminPass")
            for cred in state.app_credentials.values():
                self.add(cred.secret, "application credential secret")


@pytest.fixture(scope="session")
def figures(request):
    collected = Figures()
    yield collected
    text = collected.render()
    if not text:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    FIGURES_FILE.write_text(text)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        if reporter is not None:
            reporter.write_line("")
            for line in text.splitlines():
                reporter.write_line(line)
            reporter.write_line(f"  (also in {FIGURES_FILE.relative_to(ROOT)})")
        else:
            print(text)


@pytest.fixture(scope="session")
def secrets_ledger():
    return SecretsLedger()


@pytest.fixture(scope="session", autouse=True)
def debug_log():
    """Record the suite's DEBUG logs in a file: the 'test logs' the secrets scan reads."""
    ARTIFACTS.mkdir(exist_ok=True)
    STANDALONE_LOG.write_text("")  # the standalone clouds of this session append to it
    handler = logging.FileHandler(DEBUG_LOG, mode="w", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = {}
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    yield DEBUG_LOG
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(saved[name])
    handler.close()


@pytest.fixture
def make_cloud(secrets_ledger):
    """``make_cloud(**LocalCloud kwargs)``: a started in-process cloud with a ManualClock at the
    real time and random passwords; stopped at teardown, its secrets harvested first."""
    started: list[LocalCloud] = []

    def factory(**kwargs) -> LocalCloud:
        kwargs.setdefault("seed", 7)
        kwargs.setdefault("clock", now_clock())
        kwargs.setdefault(
            "users",
            [
                {"name": "joe", "password": random_password(), "project": "openstack"},
                {"name": "ann", "password": random_password(), "project": "other"},
                {
                    "name": "admin",
                    "password": random_password(),
                    "project": "admin",
                    "roles": ["admin", "member"],
                },
            ],
        )
        cloud = LocalCloud(**kwargs).start()
        started.append(cloud)
        return cloud

    yield factory
    for cloud in started:
        secrets_ledger.harvest(cloud)
        cloud.stop()


def password_of(cloud: LocalCloud, name: str) -> str:
    return next(u.password for u in cloud.state.users.values() if u.name == name)


def client_for(cloud: LocalCloud, user: str = "joe", *, project: str | None = None, **options):
    """A novamagic client on ``cloud`` as ``user``; its pauses advance the cloud's clock."""
    from novamagic.client import connect

    state_user = next(u for u in cloud.state.users.values() if u.name == user)
    project = project or cloud.state.projects[state_user.project_id].name
    return connect(
        auth_url=cloud.auth_url,
        username=user,
        password=state_user.password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
        sleep=cloud.clock.advance,
        monotonic=cloud.clock.now,
        **options,
    )


def pytest_collection_modifyitems(config, items):
    """The secrets scan reads what the other tests logged: run it last."""
    last = [
        item
        for item in items
        if item.path.name == "test_secrets.py" and item.path.parent.name == "reliability"
    ]
    if last:
        items[:] = [item for item in items if item not in last] + last
