"""``LocalCloud``: the local cloud served on 127.0.0.1 from a background thread.

with LocalCloud(seed=42, clock=ManualClock()) as lc:
    lc.auth_url      # http://127.0.0.1:PORT/identity
    lc.tick(20)      # lifecycles move on
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

from novamagic.localcloud.app import LocalCloudApp
from novamagic.localcloud.clock import Clock, ScaledClock
from novamagic.localcloud.connections import IDLE_TIMEOUT, CloudServer
from novamagic.localcloud.model import CloudState
from novamagic.localcloud.persistence import StateFile, StateSaveError, origin_of

log = logging.getLogger("novamagic.localcloud")

__all__ = ["LocalCloud", "load_users"]


def load_users(users) -> list[dict] | None:
    """``users=``: None (the defaults), a list of dicts, or a YAML file path (a list, or {users: [...]})."""
    if users is None or isinstance(users, list):
        return users
    if isinstance(users, (str, os.PathLike)):
        import yaml

        path = Path(users)
        try:
            data = yaml.safe_load(path.read_text())
        except OSError as exc:
            raise ValueError(f"cannot read users file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ValueError(f"users file {path} is not valid YAML: {exc}") from None
        if isinstance(data, dict) and "users" in data:
            data = data["users"]
        if not isinstance(data, list) or not all(isinstance(u, dict) for u in data):
            raise ValueError(
                f"users file {path} must hold a list of users, each like "
                "{name: alice, password: ..., project: class-1, roles: [member]}"
            )
        return data
    raise TypeError(
        f"users must be a list of dicts or a YAML file path, not {type(users).__name__}"
    )


class LocalCloud:
    """Keystone + Nova + Glance on one port of 127.0.0.1.

    Arguments: ``seed`` (same ids every run), ``clock`` (default ``ScaledClock(speed=10)``),
    ``users`` (list of dicts or YAML path; default joe/shhh in ``openstack`` and admin/admin in
    ``admin``), ``host``/``port`` (127.0.0.1, a free port), ``token_ttl`` seconds, ``quotas``
    (default quota overrides, e.g. ``{"instances": 100}``), ``durations`` (lifecycle seconds),
    ``flavors`` (flavors added to the seeded five, e.g. ``[model.flavors.VOLUME_FLAVOR]``, a 0 GB
    disk that boots only from a volume),
    ``hypervisor`` (the compute host's size: ``{"vcpus": 64, "memory_mb": 262144, "local_gb":
    4000}`` by default, what os-hypervisors reports), ``regions`` (the catalogue's region, or a
    list of regions, each listing every endpoint: one state behind them),
    ``open_control`` (any valid token may use /_localcloud; False: admin only), ``tls`` and
    ``client_cert_required`` (HTTPS with generated certificates), ``max_connections`` (open at
    once; default 256 or fewer under a low descriptor limit) and ``idle_timeout`` (seconds a
    connection may leave a read or write waiting; default 60), see
    :mod:`novamagic.localcloud.connections`.

    ``state_file`` (a path; default None, purely in memory): keep the whole cloud in that SQLite
    file, committed before every change is answered (see :mod:`novamagic.localcloud.persistence`).
    An existing file is restored (its clock carried on) and wins over the options that made the
    cloud (seed, users, clock, quotas ...): ``state_notes`` says when they differ. A file that
    is not a state file raises :class:`~novamagic.localcloud.persistence.StateFileError` and is
    left as it is. ``stop()`` closes the file; ``start()`` takes it again.
    """

    def __init__(
        self,
        seed: int | None = None,
        clock: Clock | None = None,
        users=None,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 3600.0,
        quotas: dict | None = None,
        durations: dict | None = None,
        flavors: list[dict] | None = None,
        hypervisor: dict | None = None,
        regions="RegionOne",
        open_control: bool = True,
        tls: bool = False,
        client_cert_required: bool = False,
        max_connections: int | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        state_file=None,
    ):
        self.clock = clock if clock is not None else ScaledClock(speed=10.0)
        options = {
            "seed": seed,
            "users": load_users(users),
            "token_ttl": token_ttl,
            "quotas": quotas,
            "durations": durations,
            "flavors": flavors,
            "hypervisor": hypervisor,
            "regions": regions,
        }
        self.state_notes: list[str] = []
        self.state_file = None if state_file is None else StateFile.open(state_file)
        if self.state_file is not None:
            self.state = self._restore(options)
            self.clock = self.state.clock
        else:
            self.state = CloudState(clock=self.clock, **options)
            if state_file is not None:
                self.state_file = StateFile.create(state_file, self.state, self._origin(options))
        self.app = LocalCloudApp(self.state, open_control=open_control)
        self.app.durable = self.state_file
        self.host = host
        self._requested_port = port
        self.tls_enabled = bool(tls)
        self.client_cert_required = bool(client_cert_required)
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.tls = None
        self._tls_dir: tempfile.TemporaryDirectory | None = None
        self._server = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the state file
    def _origin(self, options: dict) -> dict:
        clock = type(self.clock).__name__
        clock_options = getattr(self.clock, "speed", getattr(self.clock, "step_per_request", None))
        return origin_of({**options, "clock": [clock, clock_options]})

    def _restore(self, options: dict) -> CloudState:
        try:
            state = self.state_file.restore()
        except BaseException:
            self.state_file.close()
            raise
        differ = self.state_file.differences(self._origin(options))
        if differ:
            self.state_notes.append(
                f"note: {self.state_file.path} holds a cloud made with another "
                f"{', '.join(differ)}; the state file wins (a new path starts a new cloud)"
            )
        return state

    def _save(self) -> None:
        """After a change made here rather than through the API (reset, tick, populate)."""
        if self.state_file is not None and self.state_file.is_open:
            self.state_file.save(self.state)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalCloud:
        if self._server is not None:
            return self
        if self.state_file is not None:
            self.state_file.reopen(self.state)
        ssl_context = None
        if self.tls_enabled:
            from novamagic.localcloud.tls import make_tls_material, server_ssl_context

            self._tls_dir = tempfile.TemporaryDirectory(prefix="novamagic-tls-")
            self.tls = make_tls_material(self._tls_dir.name)
            ssl_context = server_ssl_context(self.tls, self.client_cert_required)
        self._server = CloudServer(
            self.host,
            self._requested_port,
            self.app,
            ssl_context=ssl_context,
            max_connections=self.max_connections,
            idle_timeout=self.idle_timeout,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"localcloud-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("local cloud serving on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()  # held sockets must not outlive the stop
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.state_file is not None and self.state_file.is_open:
            try:
                self._save()  # what moved without a request (a tick, settled lifecycles)
            except StateSaveError as exc:
                log.error("%s", exc)
            self.state_file.close()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # ------------------------------------------------------------------ addresses
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local cloud is not running; call start() first")
        return self._server.server_port

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_enabled else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity"

    @property
    def compute_url(self) -> str:
        return f"{self.url}/compute/v2.1"

    @property
    def ca_file(self) -> str | None:
        return None if self.tls is None else str(self.tls.ca_file)

    # ------------------------------------------------------------------ control
    def reset(self) -> None:
        """Back to the seeded catalogue, no servers, no faults (users and tokens stay)."""
        self.state.reset()
        self.app.faults.clear()
        self._save()

    def tick(self, seconds: float) -> float:
        """Advance the clock by ``seconds`` cloud seconds; return the new time (POSIX seconds)."""
        now = self.clock.advance(seconds)
        self._save()
        return now

    def inject_fault(
        self,
        path: str = ".*",
        method=None,
        status=None,
        rate: float = 1.0,
        latency: float = 0.0,
        drop=False,
        retry_after=None,
        count=None,
        message=None,
    ) -> dict:
        """Misbehave on requests whose path matches ``path`` (a regex); see docs/architecture.md."""
        return self.app.faults.add(
            path, method, status, rate, latency, drop, retry_after, count, message
        )

    def clear_faults(self) -> None:
        self.app.faults.clear()

    @property
    def faults(self) -> list[dict]:
        return self.app.faults.describe()

    def dump(self) -> dict:
        return {**self.state.dump(), "faults": self.app.faults.describe()}

    def populate_servers(self, count: int, project: str = "openstack", **kwargs) -> list[str]:
        """Seed ``count`` ACTIVE servers fast, bypassing quota (name="server-{n}", image, flavor, metadata, tags)."""
        ids = self.state.populate_servers(count, project, **kwargs)
        self._save()
        return ids

    def add_user(
        self, name: str, password: str, project: str = "openstack", roles=("member",)
    ) -> None:
        self.state.add_user(name, password, project, roles)
        self._save()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<LocalCloud {where} seed={self.state.seed} clock={self.clock!r}>"
