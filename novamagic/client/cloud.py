"""``Cloud``: one connection to one cloud, composed of a room per resource.

Each part is a mixin in its own module (openstacksdk's cloud layer is built the same way):
:mod:`.connection` (endpoints, microversions, requests, pages), :mod:`.regions` (the
catalog's regions, a session on another), :mod:`.catalogue` (flavors and
images with one name cache), :mod:`.servers`, :mod:`.boot`, :mod:`.actions`, :mod:`.keypairs`,
:mod:`.limits`, :mod:`.network` (Neutron's networks, ports, floating IPs), :mod:`.secgroups`
(security groups and rules), :mod:`.expose` (reaching a server in one call), :mod:`.diagnosis`
(console output, instance actions), :mod:`.volumes` (Cinder's volumes and snapshots, attachments,
boots from volume), :mod:`.usage` (usage over a period), :mod:`.hypervisors` (capacity:
hypervisors, availability zones), :mod:`.drift` (a server against its boot spec),
:mod:`.cleanup` (this session's resources); :mod:`.metadata` and
:mod:`.control` are objects of their own (``cloud.server_metadata``, ``cloud.control``).
``docs/architecture.md`` lists the public API; every method documents itself.
"""

from __future__ import annotations

import secrets
import threading
import time

from novamagic.client.actions import ActionsMixin
from novamagic.client.boot import (
    BOOT_STAGES,
    BOOT_TAG_PREFIX,
    MARKER_KEY,
    SESSION_TAG_PREFIX,
    BootMixin,
    boot_event,
    boot_names,
)
from novamagic.client.bulk import DEFAULT_WORKERS
from novamagic.client.catalogue import CatalogueMixin
from novamagic.client.cleanup import CleanupMixin
from novamagic.client.config import CloudConfig
from novamagic.client.connection import MAX_MICROVERSION, ConnectionMixin
from novamagic.client.control import LocalControl
from novamagic.client.diagnosis import DiagnosisMixin
from novamagic.client.drift import DriftMixin
from novamagic.client.expose import ExposeMixin
from novamagic.client.hypervisors import HypervisorsMixin
from novamagic.client.keypairs import KeyPairsMixin, PrivateKey
from novamagic.client.limits import LimitsMixin
from novamagic.client.metadata import MetadataAPI
from novamagic.client.network import NetworkMixin
from novamagic.client.regions import RegionsMixin
from novamagic.client.secgroups import SecurityGroupsMixin
from novamagic.client.servers import ServersMixin
from novamagic.client.session import HttpSession
from novamagic.client.usage import UsageMixin
from novamagic.client.volumes import VolumesMixin

__all__ = [
    "BOOT_STAGES",
    "BOOT_TAG_PREFIX",
    "MARKER_KEY",
    "MAX_MICROVERSION",
    "Cloud",
    "LocalControl",
    "MetadataAPI",
    "PrivateKey",
    "boot_event",
    "boot_names",
]


class Cloud(
    ConnectionMixin,
    RegionsMixin,
    CatalogueMixin,
    ServersMixin,
    BootMixin,
    ActionsMixin,
    KeyPairsMixin,
    LimitsMixin,
    NetworkMixin,
    SecurityGroupsMixin,
    ExposeMixin,
    DiagnosisMixin,
    VolumesMixin,
    UsageMixin,
    HypervisorsMixin,
    DriftMixin,
    CleanupMixin,
):
    """A connection to one cloud: every operation of the book, as plain JSON.

    Made by :func:`novamagic.client.connect`, which authenticates and negotiates the
    microversion at once, so bad credentials fail there. Every ``ref`` argument takes a name,
    an id (uuid, or the book's numeric v1.1 id), a URL, or a dict from a listing.
    """

    def __init__(
        self,
        config: CloudConfig,
        *,
        retries: int = 3,
        workers: int = DEFAULT_WORKERS,
        sleep=time.sleep,
        monotonic=time.monotonic,
        retry_deadline: float | None = None,
    ):
        self.config = config
        self._sleep = sleep
        self._monotonic = monotonic
        self.workers = workers
        self._http = HttpSession(
            config.auth,
            verify=config.verify,
            cert=config.cert,
            timeout=config.timeout,
            retries=retries,
            sleep=sleep,
            monotonic=monotonic,
            retry_deadline=retry_deadline,
        )
        self.history = self._http.history
        self.session_tag = SESSION_TAG_PREFIX + secrets.token_hex(4)
        self._lock = threading.RLock()
        self._admin_passwords: dict[str, str] = {}
        self._session_image_ids: set[str] = set()
        # (kind, id) -> {"name"}: floating IPs, groups and rules made here, in creation order
        self._session_network: dict[tuple[str, str], dict] = {}
        self._network_url: str | None = None
        self._volume_url: str | None = None
        # id -> name: volumes and snapshots made here (cleanup removes them)
        self._session_volumes: dict[str, str | None] = {}
        self._session_snapshots: dict[str, str | None] = {}
        self._flavors: dict[str, dict] | None = None
        self._flavor_rows: dict[str, tuple] = {}
        self._flavor_ids_by_name: dict[str, str] = {}
        self._image_names: dict[str, str] | None = None
        self._abs_limits: dict | None = None
        self._caches_at = 0.0
        self._lookups_failed: set[str] = set()
        self._control = None
        self.api = "v2.1"
        self.microversion: str | None = None
        self.microversion_pinned = False  # compute_api_version named one: every call keeps it
        self.min_microversion: str | None = None
        self.max_microversion: str | None = None
        self.server_metadata = MetadataAPI(self, "server")
        self.image_metadata = MetadataAPI(self, "image")
        try:
            self._connect()
        except BaseException:
            self.close()
            raise
