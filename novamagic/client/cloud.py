"""The compute API client: every operation of the book, on any OpenStack cloud, as plain JSON.

Connecting
----------
``connect(cloud=None, **options) -> Cloud`` (also ``novamagic.connect``). Credentials: explicit
options > a clouds.yaml/secure.yaml cloud (``cloud=`` or ``OS_CLOUD``) > ``OS_*`` variables > a
local cloud started on the spot (announced in one line). Options (clouds.yaml names): auth_url,
username, user_id, password, project_name, project_id, user_domain_name, user_domain_id,
project_domain_name, project_domain_id, domain_name, domain_id, token,
application_credential_id, application_credential_name, application_credential_secret,
system_scope, auth_type, region_name, interface, cacert, cert, key, insecure, verify,
identity_api_version, compute_api_version (pin, e.g. "2.1"), compute_endpoint_override (e.g. the
book's ``http://host:8774/v1.1/openstack``), image_endpoint_override, api_timeout; and the
client's own: ``local=True`` (start a local cloud whatever is configured) or ``local=lc`` (a
running LocalCloud: its demo account, CA and learner certificate; waits advance its ManualClock),
``retries=3``, ``workers=8`` (bulk pool size), ``sleep``/``monotonic`` (an injected clock).
``connect`` authenticates and negotiates the microversion at once, so bad credentials fail there.

Every ``ref`` argument takes a name, an id (uuid, or the book's numeric v1.1 id), a URL, or a dict
from a listing. A name matching several resources raises AmbiguousName; nothing matching raises
NotFound with near names. All methods return plain JSON (dicts and lists of dicts).

``Cloud`` — attributes
    config (CloudConfig, no secrets in its repr), history (recent requests: time, method, path,
    status, ms, request_id, attempt, error), compute_url, image_url (Glance root or None),
    api ("v2.1", "v2.0" or "v1.1"), microversion (negotiated or pinned, e.g. "2.96"; None on
    v1.1/v2.0), min_microversion/max_microversion (what the cloud offers), session_tag,
    server_metadata, image_metadata (MetadataAPI), control (LocalControl; local cloud only).

``Cloud`` — methods
    whoami() -> dict: user_id, username, project_id, project_name, auth_url, compute_url,
        image_url, api, microversion, region, expires, source, session_tag (never the token)
    raw(method, path, json=None, *, params=None, microversion=None) -> JSON; path relative to
        compute_url (or an absolute URL)
    flavors() -> list;  flavor(ref) -> dict
    images(**filters) -> list;  image(ref) -> dict;  delete_image(ref) -> None
    servers(details=True, *, name=None, status=None, image=None, flavor=None, changes_since=None,
        tags=None, all_projects=False, limit=None, page_size=1000, **filters) -> list
        (all pages followed; ``name`` is Nova's regular expression)
    server(ref) -> dict
    create_server(name, image, flavor, *, metadata=None, files=None, access_ipv4=None,
        access_ipv6=None, key_name=None, count=1, networks=None, admin_password=None,
        availability_zone=None, user_data=None, tags=None, wait=False, timeout=600,
        callback=None, cancel=None) -> dict (a list of dicts when count > 1)
    create_servers(names, image, flavor, *, count=None, skip_existing=False, wait=False,
        timeout=600, progress=None, cancel=None, **create_server_options) -> BulkResult (names:
        a list, or one name with count=N named by boot_names; skip_existing boots
        only names no server has yet, the others' entries have "skipped": True and the existing
        server as result; progress(event) follows each server: see boot_event; cancel stops
        what is not sent and every wait: those entries fail with WaitCancelled)
    check_boot(names, image, flavor, *, count=None, skip_existing=False,
        **create_server_options) -> dict (a dry run of create_servers: names, image, flavor,
        image minDisk/minRam, metadata, files, access IPs against the limits, and the quota for
        instances/cores/RAM with usage; GETs only; the plan, or ValidationError/OverLimit/...)
    rename_server(ref, name) -> dict;  set_access_ips(ref, ipv4=None, ipv6=None) -> dict
    delete_server(ref, *, wait=False, timeout=600, cancel=None) -> None
    delete_servers(refs, *, wait=False, timeout=600, cancel=None) -> BulkResult (waits once
        all are sent)
    addresses(ref, network=None) -> {network: [{"version", "addr", ...}]}
    change_password(ref, password) -> None;  admin_password(ref) -> str | None (explicit ask only)
    reboot(ref, hard=False, *, reboot_type=None) -> None;  reboot_servers(refs, hard=False)
    rebuild(ref, image, *, name=None, admin_password=None, metadata=None, files=None,
        access_ipv4=None, access_ipv6=None) -> dict
    resize(ref, flavor, *, wait=False, finish=None, timeout=600, cancel=None, callback=None)
        -> dict | None (the whole dance in one call: wait=True waits for VERIFY_RESIZE;
        finish="confirm"|"revert" waits for it, decides, waits until the server rests (ACTIVE,
        or SHUTOFF if it was stopped); the server once waited for, else None)
    resize_servers(refs, flavor) -> BulkResult
    confirm_resize(ref, *, wait=False, timeout=600, cancel=None, callback=None) -> dict | None
    revert_resize(ref, *, wait=False, timeout=600, cancel=None, callback=None) -> dict | None
    create_image(ref, name, metadata=None) -> dict (the new image, normalised; marked as this
        session's: metadata "novamagic" = session tag when a maxImageMeta slot is free)
    start_server(ref) -> None;  stop_server(ref) -> None
    limits() -> {"absolute": {...with usage: totalCoresUsed...}, "rate": [...]}
    keypairs() -> list (name, public_key, fingerprint, type);  keypair(name) -> dict
    create_keypair(name, public_key=None) -> dict (imports the public key, or has the cloud
        generate a pair: the dict then has "private_key" once, a PrivateKey masked in its repr;
        it is never logged nor kept);  delete_keypair(name) -> None
    wait(ref, status="ACTIVE", *, timeout=600, callback=None, interval=1.0, cancel=None)
        -> dict | None (status: one or several, any will do; "DELETED": until gone; cancel: a
        threading.Event or anything with is_set() that stops the waiting within one short poll
        slice, raising WaitCancelled, a WaitError; nothing is undone)
    session_servers() -> list (the servers this session booted: session tag or marker)
    session_images() -> list (the images this session's create_image made)
    cleanup(*, dry_run=False) -> BulkResult (deletes session_servers() and session_images();
        entries carry "kind" and "name"; dry_run lists them, deleting nothing)
    close(); also a context manager
    boot_names(name, count=1) -> list: the naming rule of every multi-server boot ("{n}" in
        the name counts 1..N; else one server keeps the name, several get "name-1".."name-N")
    boot_event(name, stage, server=None, *, done=None, error=None) -> dict: the progress
        events of create_servers: {"name", "stage" (skipped, requested, polled, ready, failed,
        cancelled),
        "done", "id", "status", "task", "progress", "server", "error"}
    BulkResult (a list, one dict per item in the order given: {"item", "ok", "result",
        "error"}); .ok, .succeeded (results), .failed (entries), .raise_first()
    MetadataAPI (cloud.server_metadata, cloud.image_metadata):
        get(ref) -> dict;  get_item(ref, key) -> str;  set(ref, metadata) -> dict (replaces all);
        set_item(ref, key, value) -> dict;  update(ref, metadata) -> dict (merges);
        delete_item(ref, key) -> None
    LocalControl (cloud.control): status(), reset(), tick(seconds), state(),
        inject_fault(path=".*", *, status=None (503), method=None, rate=1.0, latency=0.0,
        drop=False|"before"|"after", retry_after=None, count=None, message=None) -> dict,
        faults(), clear_faults(), set_speed(speed), populate(count, **options)

Normalised shapes
-----------------
Servers keep every key of the answering API (today's v2.1 keys) and always have::

    "id":     str (the book's numeric v1.1 ids become "1", "2", ...; "uuid" is kept)
    "flavor": {"id", "name", "vcpus", "ram", "disk"}   (None where unknowable, e.g. a deleted
              flavor; from 2.47 the embedded flavor has no id: it is found by name)
    "image":  {"id", "name"}                            ({"id": None, "name": None} when the
              server boots from a volume)

Flavors, addresses, metadata and limits are the compute API's own shapes. Images are in the
compute API's image shape whichever service answered: id, name, status (ACTIVE, SAVING, QUEUED,
ERROR, DELETED, UNKNOWN), progress, minDisk, minRam, OS-EXT-IMG-SIZE:size, created, updated,
metadata (the user properties), server ({"id"} for snapshots, when known) and visibility (Glance).
adminPass is removed from every returned dict (ask ``admin_password(ref)``).

Images are listed, shown and deleted through Glance v2 when the catalog has an image service,
else through the compute proxy (pinned to microversion 2.1, the proxy is gone from 2.36). Image
metadata — the book's six operations — always goes through the compute proxy
``/images/{id}/metadata`` pinned to 2.1 (gone from 2.39): it keeps the book's semantics exactly
(set replaces, update merges, maxImageMeta applies) on every cloud that still has the proxy.
``limits()`` is read at 2.1 too, where every limit the book names is reported.

Microversions: negotiated against the compute version document up to MAX_MICROVERSION (the
highest whose shapes this module normalises), or pinned with ``compute_api_version``. Single
calls step down where an API was removed: files (personality) are sent at 2.56 at most, tags at
create need 2.52.

Safety: a create is never retried blindly. Each boot carries tags ``novamagic-boot-<token>`` and
``novamagic-session-<id>`` (microversion >= 2.52), or, without tags and with a metadata slot free,
the metadata key ``novamagic`` = ``<session>/<token>``; when the answer is lost (connection error,
timeout, 502/503/504) the server is looked up by that marker before anything is re-sent.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from novamagic.client import validate
from novamagic.client.bulk import DEFAULT_WORKERS, BulkResult, run_bulk
from novamagic.client.config import CloudConfig
from novamagic.client.errors import (
    ConfigurationError,
    ConnectionFailed,
    NotFound,
    ServerError,
    Timeout,
    ValidationError,
    WaitCancelled,
)
from novamagic.client.resolve import ambiguous, is_uuid, not_found, pick, ref_to_string
from novamagic.client.session import HttpSession
from novamagic.client.wait import wait_for_server

__all__ = [
    "BOOT_STAGES",
    "MAX_MICROVERSION",
    "Cloud",
    "LocalControl",
    "MetadataAPI",
    "PrivateKey",
    "boot_event",
    "boot_names",
]

MAX_MICROVERSION = "2.96"
CACHE_REFRESH_SECONDS = 60.0
BOOT_TAG_PREFIX = "novamagic-boot-"
SESSION_TAG_PREFIX = "novamagic-session-"
MARKER_KEY = "novamagic"

_NO_FLAVOR = (None, None, None, None)
_NORMAL_FLAVOR_KEYS = frozenset({"id", "name", "vcpus", "ram", "disk"})
_GLANCE_CORE = frozenset(
    {
        "id",
        "name",
        "status",
        "visibility",
        "protected",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "owner",
        "size",
        "virtual_size",
        "min_ram",
        "min_disk",
        "disk_format",
        "container_format",
        "created_at",
        "updated_at",
        "tags",
        "self",
        "file",
        "schema",
        "direct_url",
        "locations",
        "os_hidden",
        "stores",
    }
)
_GLANCE_STATUS = {
    "active": ("ACTIVE", 100),
    "queued": ("SAVING", 25),
    "saving": ("SAVING", 50),
    "importing": ("SAVING", 50),
    "uploading": ("SAVING", 50),
    "killed": ("ERROR", 0),
    "deleted": ("DELETED", 0),
    "pending_delete": ("DELETED", 0),
    "deactivated": ("ERROR", 0),
}


def _v(text: str | None) -> tuple[int, int]:
    major, _, minor = str(text).partition(".")
    return int(major), int(minor or 0)


def _vs(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


class Cloud:
    """A connection to one cloud; see the module docstring for everything it offers."""

    def __init__(
        self,
        config: CloudConfig,
        *,
        retries: int = 3,
        workers: int = DEFAULT_WORKERS,
        sleep=time.sleep,
        monotonic=time.monotonic,
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
        )
        self.history = self._http.history
        self.session_tag = SESSION_TAG_PREFIX + secrets.token_hex(4)
        self._lock = threading.RLock()
        self._admin_passwords: dict[str, str] = {}
        self._session_image_ids: set[str] = set()
        self._flavors: dict[str, dict] | None = None
        self._flavor_rows: dict[str, tuple] = {}
        self._flavor_ids_by_name: dict[str, str] = {}
        self._image_names: dict[str, str] | None = None
        self._abs_limits: dict | None = None
        self._caches_at = 0.0
        self._control = None
        self.api = "v2.1"
        self.microversion: str | None = None
        self.min_microversion: str | None = None
        self.max_microversion: str | None = None
        self.server_metadata = MetadataAPI(self, "server")
        self.image_metadata = MetadataAPI(self, "image")
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ connection & plumbing

    def _connect(self) -> None:
        config = self.config
        self._http.access()  # authenticate now, so bad credentials fail in connect()
        compute = config.compute_endpoint_override or self._http.endpoint(
            "compute", interface=config.interface, region_name=config.region_name
        )
        if not compute:
            raise ConfigurationError(
                f"the service catalog of {config.auth_url} has no compute endpoint "
                f"(interface {config.interface!r}, region {config.region_name!r})",
                hint="check region_name/interface, or pass compute_endpoint_override=",
            )
        self.compute_url = compute.rstrip("/")
        self._negotiate()
        self.image_url = self._glance_root()

    def _negotiate(self) -> None:
        """Read the compute version document; choose (or check the pinned) microversion."""
        document = None
        try:
            document = self._http.json(
                "GET", self.compute_url + "/", headers={"Accept": "application/json"}
            )
        except NotFound:
            document = None
        version = None
        if isinstance(document, Mapping):
            version = document.get("version")
            if version is None and isinstance(document.get("versions"), list):
                # an unversioned endpoint: take v2.1 and its URL
                for entry in document["versions"]:
                    if entry.get("id") == "v2.1":
                        version = entry
                        for link in entry.get("links", []):
                            if link.get("rel") == "self":
                                self.compute_url = link["href"].rstrip("/")
        path = urlsplit(self.compute_url).path
        version_id = (version or {}).get("id") or ("v1.1" if "/v1.1" in path else "v2.1")
        pinned = self.config.compute_api_version
        if pinned in ("", "2", "2.latest", "latest", "2.0", "1.1"):
            pinned = None
        if version_id in ("v1.1", "v2.0") or (version and not version.get("version")):
            self.api = version_id if version_id in ("v1.1", "v2.0") else "v2.0"
            if pinned:
                raise ConfigurationError(
                    f"compute_api_version {pinned} asks for a microversion, but this cloud's "
                    f"compute endpoint ({self.compute_url}) is {self.api}, which has none"
                )
            return
        self.api = "v2.1"
        lowest = _v(version.get("min_version") or "2.1") if version else (2, 1)
        highest = _v(version.get("version")) if version else (2, 1)
        self.min_microversion, self.max_microversion = _vs(lowest), _vs(highest)
        if pinned:
            try:
                wanted = _v(pinned)
            except ValueError:
                raise ConfigurationError(
                    f"compute_api_version {pinned!r} is not a version like '2.1' or '2.latest'"
                ) from None
            if not lowest <= wanted <= highest:
                raise ConfigurationError(
                    f"compute_api_version {pinned} is outside what this cloud offers "
                    f"({_vs(lowest)} to {_vs(highest)})"
                )
            self.microversion = _vs(wanted)
        else:
            self.microversion = _vs(max(lowest, min(highest, _v(MAX_MICROVERSION))))

    def _glance_root(self) -> str | None:
        url = self.config.image_endpoint_override or self._http.endpoint(
            "image", interface=self.config.interface, region_name=self.config.region_name
        )
        if not url:
            return None
        url = url.rstrip("/")
        if url.endswith("/v2"):
            url = url[:-3]
        elif re.search(r"/v1(\.\d+)?$", url):  # Glance v1 (the book's): use the compute proxy
            return None
        return url

    def _headers(self, microversion: str | None) -> dict:
        if microversion is None:
            return {"Accept": "application/json"}
        return {
            "Accept": "application/json",
            "OpenStack-API-Version": f"compute {microversion}",
            "X-OpenStack-Nova-API-Version": microversion,
        }

    def _at_most(self, version: str) -> str | None:
        """The session's microversion, stepped down to ``version`` for an API removed later."""
        if self.microversion is None:
            return None
        return _vs(min(_v(self.microversion), _v(version)))

    def _supports(self, version: str, at: str | None = None) -> bool:
        at = at or self.microversion
        return at is not None and _v(at) >= _v(version)

    def _url(self, path: str) -> str:
        return path if "://" in path else self.compute_url + path

    def _compute(
        self,
        method: str,
        path: str,
        *,
        json=None,
        params=None,
        microversion=None,
        **kwargs,
    ) -> Any:
        """A compute request at ``microversion`` (default: the session's; None on v1.1/v2.0)."""
        mv = microversion or self.microversion
        return self._http.json(
            method, self._url(path), json=json, params=params, headers=self._headers(mv), **kwargs
        )

    def _action(self, server_ref, body: dict, *, microversion=None) -> Any:
        server_id = self._server_id(server_ref)
        return self._compute(
            "POST",
            f"/servers/{quote(server_id, safe='')}/action",
            json=body,
            microversion=microversion,
        )

    def close(self) -> None:
        """Close the HTTP session (and stop the local cloud if connect() started one)."""
        http = getattr(self, "_http", None)
        if http is not None:
            http.close()
        local = self.config.local_cloud
        if local is not None:
            local.stop()

    def __enter__(self) -> Cloud:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f"{self.config.username or '?'}@{self.config.project or '?'}"
        version = self.microversion or self.api
        return f"<Cloud {who} {self.config.auth_url} compute {version}>"

    def whoami(self) -> dict:
        access = self._http.access()
        expires = getattr(access, "expires", None)
        return {
            "user_id": access.user_id,
            "username": access.username,
            "project_id": access.project_id,
            "project_name": access.project_name,
            "auth_url": self.config.auth_url,
            "compute_url": self.compute_url,
            "image_url": self.image_url,
            "api": self.api,
            "microversion": self.microversion,
            "region": self.config.region_name,
            "expires": expires.isoformat() if expires else None,
            "source": self.config.source,
            "session_tag": self.session_tag,
        }

    def raw(self, method: str, path: str, json=None, *, params=None, microversion=None) -> Any:
        """One request to the compute API (or any absolute URL) through this session."""
        return self._compute(
            method.upper(), path, json=json, params=params, microversion=microversion
        )

    @property
    def control(self) -> LocalControl:
        if self._control is None:
            parts = urlsplit(self.config.auth_url or self.compute_url)
            control = LocalControl(self._http, f"{parts.scheme}://{parts.netloc}")
            control.status()  # fails with a clear error on a cloud that is not local
            self._control = control
        return self._control

    # ----------------------------------------------------------------------------- pagination

    def _paginate(
        self,
        url: str,
        key: str,
        params: dict,
        *,
        limit=None,
        page_size=1000,
        microversion=None,
        links_key=None,
        glance=False,
    ) -> list:
        params = {k: v for k, v in params.items() if v is not None}
        params["limit"] = min(page_size, limit) if limit else page_size
        headers = self._headers(self.microversion if microversion is None else microversion)
        if glance:
            headers = {"Accept": "application/json"}
        result: list = []
        seen_markers = set()
        while True:
            data = self._http.json("GET", url, params=params, headers=headers) or {}
            page = data.get(key) or []
            result.extend(page)
            if limit and len(result) >= limit:
                del result[limit:]
                break
            if glance:
                href = data.get("next")
            else:
                href = next(
                    (
                        link.get("href")
                        for link in data.get(links_key or f"{key}_links", ())
                        if link.get("rel") == "next"
                    ),
                    None,
                )
            if not href or not page:
                break
            # Follow the marker on *our* URL: next links name whatever host the cloud thinks it is.
            params = dict(parse_qsl(urlsplit(href).query))
            marker = params.get("marker")
            if marker is None or marker in seen_markers:
                break
            seen_markers.add(marker)
            if limit:
                params["limit"] = min(page_size, limit - len(result))
        return result

    # -------------------------------------------------------------------------------- flavors

    def flavors(self) -> list[dict]:
        """All flavors with details (id, name, ram, vcpus, disk, ...)."""
        flavors = self._paginate(self._url("/flavors/detail"), "flavors", {})
        if self.api == "v1.1":
            for flavor in flavors:
                flavor["id"] = str(flavor["id"])
        self._remember_flavors(flavors)
        return flavors

    def flavor(self, ref) -> dict:
        flavor_id = self._flavor_id(ref)
        data = self._compute("GET", f"/flavors/{quote(flavor_id, safe='')}")
        flavor = data["flavor"]
        flavor["id"] = str(flavor["id"])
        return flavor

    def _remember_flavors(self, flavors: list[dict]) -> None:
        with self._lock:
            self._flavors = {str(f["id"]): f for f in flavors}
            self._flavor_rows = {
                str(f["id"]): (f.get("name"), f.get("vcpus"), f.get("ram"), f.get("disk"))
                for f in flavors
            }
            self._flavor_ids_by_name = {f.get("name"): str(f["id"]) for f in flavors}

    def _flavor_index(self, refresh=False) -> dict[str, dict]:
        if self._flavors is None or refresh:
            self.flavors()
            self._caches_at = self._monotonic()
        return self._flavors

    def _flavor_id(self, ref) -> str:
        text = ref_to_string(ref, "flavor")
        if isinstance(ref, Mapping) or "://" in str(ref):
            return text
        index = self._flavor_index()
        if text in index:
            return text
        named = [f for f in index.values() if f.get("name") == text]
        if not named:
            index = self._flavor_index(refresh=True)
        return str(pick(text, index.values(), "flavor", f"{len(index)} flavors")["id"])

    # --------------------------------------------------------------------------------- images

    def images(self, **filters) -> list[dict]:
        """All images with details, in the compute image shape (see the module docstring)."""
        if self.image_url:
            raw = self._paginate(
                self.image_url + "/v2/images", "images", filters, page_size=200, glance=True
            )
            images = [_image_from_glance(i) for i in raw]
        else:
            raw = self._paginate(
                self._url("/images/detail"), "images", filters, microversion=self._at_most("2.1")
            )
            images = [_image_from_compute(i) for i in raw]
        with self._lock:
            self._image_names = {i["id"]: i["name"] for i in images}
        return images

    def image(self, ref) -> dict:
        image_id = self._image_id(ref)
        if self.image_url:
            return _image_from_glance(
                self._http.json(
                    "GET",
                    f"{self.image_url}/v2/images/{quote(image_id, safe='')}",
                    headers={"Accept": "application/json"},
                )
            )
        data = self._compute(
            "GET", f"/images/{quote(image_id, safe='')}", microversion=self._at_most("2.1")
        )
        return _image_from_compute(data["image"])

    def delete_image(self, ref) -> None:
        image_id = self._image_id(ref)
        if self.image_url:
            self._http.request(
                "DELETE",
                f"{self.image_url}/v2/images/{quote(image_id, safe='')}",
                headers={"Accept": "application/json"},
                gone_ok=True,
            )
        else:
            self._http.request(
                "DELETE",
                self._url(f"/images/{quote(image_id, safe='')}"),
                headers=self._headers(self._at_most("2.1")),
                gone_ok=True,
            )
        with self._lock:
            if self._image_names is not None:
                self._image_names.pop(image_id, None)

    def _image_index(self, refresh=False) -> dict[str, str]:
        if self._image_names is None or refresh:
            self.images()
            self._caches_at = self._monotonic()
        return self._image_names

    def _image_id(self, ref) -> str:
        text = ref_to_string(ref, "image")
        if isinstance(ref, Mapping) or "://" in str(ref) or is_uuid(text):
            return text
        if self.api == "v1.1" and text.isdigit():
            return text
        names = self._image_index()
        if text in names:
            return text
        if text not in names.values():
            names = self._image_index(refresh=True)
        candidates = [{"id": i, "name": n} for i, n in names.items()]
        return str(pick(text, candidates, "image", f"{len(candidates)} images")["id"])

    # -------------------------------------------------------------------------------- servers

    def servers(
        self,
        details: bool = True,
        *,
        name: str | None = None,
        status: str | None = None,
        image=None,
        flavor=None,
        changes_since=None,
        tags=None,
        all_projects: bool = False,
        limit: int | None = None,
        page_size: int = 1000,
        **filters,
    ) -> list[dict]:
        """Servers (with details by default), every page followed; filters as Nova's."""
        params: dict[str, Any] = dict(filters)
        if name is not None:
            params["name"] = name
        if status is not None:
            params["status"] = str(status).upper()
        if image is not None:
            params["image"] = self._image_id(image)
        if flavor is not None:
            params["flavor"] = self._flavor_id(flavor)
        if changes_since is not None:
            params["changes-since"] = _iso(changes_since)
        if tags is not None:
            params["tags"] = tags if isinstance(tags, str) else ",".join(tags)
        if all_projects:
            params["all_tenants"] = 1
        path = "/servers/detail" if details else "/servers"
        servers = self._paginate(
            self._url(path), "servers", params, limit=limit, page_size=page_size
        )
        if details:
            self._normalise_servers(servers)
        elif self.api == "v1.1":
            for server in servers:
                server["id"] = str(server["id"])
        return servers

    def server(self, ref) -> dict:
        return self._get_server(self._server_id(ref))

    def _get_server(self, server_id: str) -> dict:
        data = self._compute("GET", f"/servers/{quote(server_id, safe='')}")
        server = data["server"]
        self._normalise_servers([server])
        return server

    def _server_id(self, ref) -> str:
        text = ref_to_string(ref, "server")
        if isinstance(ref, Mapping) or "://" in str(ref) or is_uuid(text):
            return text
        if self.api == "v1.1" and text.isdigit():
            return text
        return str(self._find_server(text)["id"])

    def _find_server(self, name: str) -> dict:
        candidates = self._paginate(
            self._url("/servers"), "servers", {"name": "^" + re.escape(name) + "$"}
        )
        exact = [s for s in candidates if s.get("name") == name]
        if len(exact) == 1:
            return exact[0]
        if exact:
            raise ambiguous(name, exact, "server")
        everyone = self._paginate(self._url("/servers"), "servers", {})
        raise not_found(
            name,
            "server",
            f"the {len(everyone)} servers of project {self.config.project!r} by name",
            (s.get("name") for s in everyone),
        )

    def _normalise_servers(self, servers: list[dict]) -> None:
        """Give every server the documented ``id``, ``flavor`` and ``image`` shapes (in place).

        Flavors and images come from small caches; one unknown to them (created since) refreshes
        each cache once per call, never once per server. Hot path: 10,000 servers per listing,
        so plain dict operations only (JSON objects are always dicts).
        """
        if not servers:
            return
        fresh = self._flavors is None or self._image_names is None
        self._flavor_index()
        self._image_index()
        stale = self._normalise_batch(servers)
        if stale and not fresh and self._monotonic() - self._caches_at >= CACHE_REFRESH_SECONDS:
            # (a server of a deleted image stays unknown: refresh at most once a minute)
            self._flavor_index(refresh=True)
            self._image_index(refresh=True)
            for server in stale:  # the normalised dicts keep what is needed to look them up again
                flavor, image = server["flavor"], server["image"]
                server["flavor"] = (
                    {
                        "id": flavor["id"],
                        "original_name": flavor["name"],
                        "vcpus": flavor["vcpus"],
                        "ram": flavor["ram"],
                        "disk": flavor["disk"],
                    }
                    if flavor["id"] is None
                    else {"id": flavor["id"]}
                )
                server["image"] = {"id": image["id"]} if image["id"] else ""
            self._normalise_batch(stale)

    def _normalise_batch(self, servers: list[dict]) -> list[dict]:
        rows = self._flavor_rows
        by_name = self._flavor_ids_by_name
        images = self._image_names
        passwords = self._admin_passwords
        v11 = self.api == "v1.1"
        stale = []
        for server in servers:
            known = True
            flavor = server.get("flavor")
            if flavor.__class__ is dict:
                flavor_id = flavor.get("id")
                if flavor_id is not None:
                    flavor_id = str(flavor_id)
                    row = rows.get(flavor_id)
                    if row is None:
                        known, row = False, _NO_FLAVOR
                    server["flavor"] = {
                        "id": flavor_id,
                        "name": row[0],
                        "vcpus": row[1],
                        "ram": row[2],
                        "disk": row[3],
                    }
                else:  # 2.47+: the flavor is embedded, without its id
                    name = flavor.get("original_name")
                    flavor_id = by_name.get(name)
                    if flavor_id is None:
                        known = False
                    server["flavor"] = {
                        "id": flavor_id,
                        "name": name,
                        "vcpus": flavor.get("vcpus"),
                        "ram": flavor.get("ram"),
                        "disk": flavor.get("disk"),
                    }
            else:
                server["flavor"] = {
                    "id": None,
                    "name": None,
                    "vcpus": None,
                    "ram": None,
                    "disk": None,
                }
            image = server.get("image")
            if image.__class__ is dict and image.get("id"):
                image_id = str(image["id"])
                image_name = images.get(image_id)
                if image_name is None:
                    known = False
                server["image"] = {"id": image_id, "name": image_name}
            else:  # "" for a server booted from a volume
                server["image"] = {"id": None, "name": None}
            if v11:
                server["id"] = str(server["id"])
            if "adminPass" in server:
                passwords[server["id"]] = server.pop("adminPass")
            if not known:
                stale.append(server)
        return stale

    # ------------------------------------------------------------------------ create & delete

    def create_server(
        self,
        name: str,
        image,
        flavor,
        *,
        metadata: Mapping | None = None,
        files=None,
        access_ipv4: str | None = None,
        access_ipv6: str | None = None,
        key_name: str | None = None,
        count: int = 1,
        networks=None,
        admin_password: str | None = None,
        availability_zone: str | None = None,
        user_data=None,
        tags=None,
        wait: bool = False,
        timeout: float = 600.0,
        callback=None,
        cancel=None,
    ):
        """Boot a server (``count`` > 1 boots several in one request and returns a list).

        Validated first against the cloud's limits; never sent twice (see the module docstring).
        ``wait``, ``timeout``, ``callback`` and ``cancel`` are :meth:`wait`'s.
        """
        body, microversion = self._server_request(
            name,
            image,
            flavor,
            metadata=metadata,
            files=files,
            access_ipv4=access_ipv4,
            access_ipv6=access_ipv6,
            key_name=key_name,
            count=count,
            networks=networks,
            admin_password=admin_password,
            availability_zone=availability_zone,
            user_data=user_data,
            tags=tags,
        )
        token = secrets.token_hex(6)
        marker = None
        if self._supports("2.52", microversion):
            boot_tag = BOOT_TAG_PREFIX + token
            body["tags"] = [boot_tag, self.session_tag, *body.get("tags", ())]
            marker = ("tag", boot_tag)
        else:
            metadata = body.get("metadata") or {}
            slots = (self._validation_limits() or {}).get("maxServerMeta", -1)
            if slots is None or slots < 0 or len(metadata) < slots:
                value = f"{self.session_tag[len(SESSION_TAG_PREFIX) :]}/{token}"
                body["metadata"] = {**metadata, MARKER_KEY: value}
                marker = ("metadata", value)

        stub = self._boot(body, microversion, marker)
        if count > 1:
            servers = self._find_marked(marker, name) if marker else [stub]
            if wait:
                servers = [
                    self.wait(s["id"], timeout=timeout, callback=callback, cancel=cancel)
                    for s in servers
                ]
            return servers
        if isinstance(stub.get("flavor"), Mapping) and set(stub["flavor"]) == _NORMAL_FLAVOR_KEYS:
            server = stub  # found by its marker: already a full, normalised server
        else:
            server = self._get_server(str(stub["id"]))
        if wait:
            server = self.wait(server["id"], timeout=timeout, callback=callback, cancel=cancel)
        return server

    def _server_request(
        self,
        name: str,
        image,
        flavor,
        *,
        metadata: Mapping | None = None,
        files=None,
        access_ipv4: str | None = None,
        access_ipv6: str | None = None,
        key_name: str | None = None,
        count: int = 1,
        networks=None,
        admin_password: str | None = None,
        availability_zone: str | None = None,
        user_data=None,
        tags=None,
    ) -> tuple[dict, str | None]:
        """A boot's checked body (without this session's markers) and the microversion to send it
        at; nothing is sent. Shared by create_server and check_boot, so a dry run checks exactly
        what a boot would send."""
        validate.check_name(name)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValidationError(f"count must be a positive integer, got {count!r}")
        limits = self._validation_limits()
        metadata = validate.check_metadata(metadata, limits)
        personality = validate.encode_personality(files, limits)
        body: dict[str, Any] = {
            "name": name,
            "imageRef": self._image_id(image),
            "flavorRef": self._flavor_id(flavor),
        }
        body.update(validate.check_access_ips(access_ipv4, access_ipv6))
        if key_name is not None:
            body["key_name"] = key_name
        if admin_password is not None:
            body["adminPass"] = admin_password
        if availability_zone is not None:
            body["availability_zone"] = availability_zone
        if user_data is not None:
            if isinstance(user_data, str):
                user_data = user_data.encode("utf-8")
            body["user_data"] = base64.b64encode(user_data).decode("ascii")
        if count > 1:
            body["min_count"] = body["max_count"] = count

        microversion = self.microversion
        if personality:
            if microversion is not None and _v(microversion) >= (2, 57):
                if _v(self.min_microversion) > (2, 56):
                    raise ValidationError(
                        "this cloud's compute API no longer accepts files (personality was removed "
                        f"in microversion 2.57; it offers {self.min_microversion} and up): use "
                        "user_data instead"
                    )
                microversion = "2.56"
            body["personality"] = personality
        if networks is None and self._supports("2.37", microversion):
            networks = "auto"  # required from 2.37; "auto" is what the openstack CLI sends too
        if networks is not None:
            body["networks"] = networks
        user_tags = list(tags or [])
        if user_tags:
            if not self._supports("2.52", microversion):
                raise ValidationError(
                    "tags at create need microversion 2.52 or later; this session uses "
                    f"{microversion or self.api}"
                )
            body["tags"] = user_tags
        if metadata:
            body["metadata"] = metadata
        return body, microversion

    def _boot(self, body: dict, microversion, marker) -> dict:
        """POST /servers once; after a lost answer, look the server up by its marker first."""
        attempts = 0
        while True:
            attempts += 1
            try:
                data = self._compute(
                    "POST",
                    "/servers",
                    json={"server": body},
                    microversion=microversion,
                    idempotent=False,
                )
                stub = data["server"]
                if self.api == "v1.1":
                    stub["id"] = str(stub["id"])
                if "adminPass" in stub:
                    self._admin_passwords[str(stub["id"])] = stub.pop("adminPass")
                return stub
            except (ConnectionFailed, Timeout, ServerError) as exc:
                if isinstance(exc, ServerError) and exc.status not in (502, 503, 504):
                    raise
                if marker is None:
                    exc.hint = (
                        f"the boot may have reached the cloud: look for a server named "
                        f"{body['name']!r} before trying again (no marker could be attached: "
                        "all metadata slots are in use and the cloud has no tags)"
                    )
                    raise
                found = self._find_marked(marker, body["name"])
                if found:
                    return found[0]
                if isinstance(exc, Timeout) or exc.status == 504:
                    # No answer in time: the cloud may still be creating it, after this lookup.
                    # Sending the boot again could then make a second server; say so instead.
                    exc.hint = (
                        f"the boot may still reach the cloud: look for a server named "
                        f"{body['name']!r} (tag or metadata {marker[1]!r}) before trying again"
                    )
                    raise
                if attempts > self._http.retries:
                    raise
                self._sleep(self._http._backoff_delay(attempts))

    def _find_marked(self, marker, name: str) -> list[dict]:
        kind, value = marker
        if kind == "tag":
            return self.servers(tags=value)
        candidates = self.servers(name="^" + re.escape(name))
        return [s for s in candidates if (s.get("metadata") or {}).get(MARKER_KEY) == value]

    def create_servers(
        self,
        names,
        image,
        flavor,
        *,
        count: int | None = None,
        skip_existing: bool = False,
        wait: bool = False,
        timeout: float = 600.0,
        progress=None,
        cancel=None,
        **options,
    ) -> BulkResult:
        """Boot several servers concurrently (one request each); every outcome is reported.

        ``names`` is a list of names, or one name with ``count=N`` (see :func:`boot_names`).
        ``skip_existing=True`` boots only the names no server has yet (one listing first), so
        re-running a notebook cell does not boot duplicates; the entries of the servers found
        have ``"skipped": True`` and the existing server as their result. ``wait=True`` waits
        for every server once all boots are sent. ``progress(event)`` follows each server (see
        :func:`boot_event`); it runs on the pool's threads, so it must be quick and thread-safe.
        ``cancel`` (a threading.Event or anything with ``is_set()``) stops promptly: boots not
        yet sent are not sent and every wait ends within one poll slice; those entries fail with
        :class:`WaitCancelled` (stage "cancelled") and nothing sent is undone. An exception the
        progress hook raises (or KeyboardInterrupt) stops the same way, and propagates. Other
        ``options`` are create_server's.
        """
        if "callback" in options:
            raise TypeError("create_servers reports each server through progress=, not callback=")
        names = self._boot_names(names, count)
        image_id, flavor_id = self._image_id(image), self._flavor_id(flavor)
        self._validation_limits()  # once, before the pool
        existing = self._existing_servers(names) if skip_existing else {}
        report = progress or (lambda event: None)
        for name in names:
            if name in existing:
                report(boot_event(name, "skipped", existing[name]))

        def boot_one(name):
            if cancel is not None and cancel.is_set():
                raise WaitCancelled(
                    f"{name!r} was not booted: cancelled before its request was sent"
                )
            server = self.create_server(name, image_id, flavor_id, **options)
            report(boot_event(name, "requested", server, done=not wait))
            return server

        def booted(entry):
            if not entry["ok"]:
                report(boot_event(entry["item"], _failure_stage(entry), error=entry["error"]))

        result = run_bulk(
            boot_one, [n for n in names if n not in existing], workers=self.workers, on_done=booted
        )
        if wait:
            self._wait_booted([entry for entry in result if entry["ok"]], timeout, report, cancel)
        booted_entries = iter(result)
        merged = BulkResult()
        for name in names:
            if name in existing:
                entry = {"item": name, "ok": True, "result": existing[name], "error": None}
                merged.append({**entry, "skipped": True})
            else:
                merged.append({**next(booted_entries), "skipped": False})
        return merged

    def _wait_booted(self, sent: list[dict], timeout: float, report, cancel) -> None:
        """Wait for the booted entries (in place). Waiting starts once every boot is sent: a
        worker waiting out one server's build would hold back the boots queued behind it (100
        servers on 8 workers took 13 build times)."""
        stop = _Stop(cancel)

        def wait_one(entry):
            name = entry["item"]
            return self.wait(
                entry["result"]["id"],
                timeout=timeout,
                callback=lambda server: report(boot_event(name, "polled", server)),
                cancel=stop,
            )

        def waited(entry):
            name = entry["item"]["item"]
            if entry["ok"]:
                report(boot_event(name, "ready", entry["result"]))
            else:
                error = entry["error"]
                stage = _failure_stage(entry)
                report(boot_event(name, stage, getattr(error, "server", None), error=error))

        try:
            waits = run_bulk(wait_one, sent, workers=self.workers, on_done=waited)
        except BaseException:
            stop.set()  # interrupted: the waits still running end within a poll slice
            raise
        for entry, outcome in zip(sent, waits, strict=True):
            entry.update(ok=outcome["ok"], result=outcome["result"], error=outcome["error"])

    def check_boot(
        self,
        names,
        image,
        flavor,
        *,
        count: int | None = None,
        skip_existing: bool = False,
        **options,
    ) -> dict:
        """What ``create_servers`` with the same arguments would boot, checked against the cloud
        without sending anything that changes it (a dry run: GET requests only).

        Checks every name, the image and flavor (NotFound with near names), the image's minDisk
        and minRam against the flavor, metadata, files and access IPs against the cloud's limits
        (ValidationError), and the project's quota for instances, cores and RAM with its current
        usage (OverLimit). ``wait``, ``timeout`` and ``progress`` are accepted and ignored. Returns
        the plan: ``{"boot": [names], "skip": [names a server already has, with skip_existing],
        "image": {"id", "name", "minDisk", "minRam"}, "flavor": {"id", "name", "vcpus", "ram",
        "disk"}, "quota": [{"resource", "needed", "used", "limit", "free"}], "microversion"}``.
        """
        for ignored in ("wait", "timeout", "progress"):
            options.pop(ignored, None)
        names = self._boot_names(names, count)
        image_doc, flavor_doc = self.image(image), self.flavor(flavor)
        absolute = dict(self.limits().get("absolute") or {})  # fresh usage for the quota
        _, microversion = self._server_request(
            names[0] if names else "dry-run", image_doc["id"], flavor_doc["id"], **options
        )
        validate.check_image_fits_flavor(image_doc, flavor_doc)
        existing = self._existing_servers(names) if skip_existing else {}
        to_boot = [n for n in names if n not in existing]
        quota = validate.check_quota(absolute, len(to_boot), flavor_doc)
        return {
            "boot": to_boot,
            "skip": [n for n in names if n in existing],
            "image": {k: image_doc.get(k) for k in ("id", "name", "minDisk", "minRam")},
            "flavor": {k: flavor_doc.get(k) for k in ("id", "name", "vcpus", "ram", "disk")},
            "quota": quota,
            "microversion": microversion,
        }

    def _boot_names(self, names, count: int | None) -> list[str]:
        if isinstance(names, str):
            if count is None:
                raise ValidationError(
                    "create_servers(name, ...) needs count=N, or pass a list of names"
                )
            return boot_names(names, count)
        names = list(names)
        for name in names:
            validate.check_name(name)
        return names

    def _existing_servers(self, names: list[str]) -> dict[str, dict]:
        """The servers (not deleted) named exactly one of ``names``: one listing, by regex."""
        if not names:
            return {}
        pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
        wanted = set(names)
        existing: dict[str, dict] = {}
        for server in self.servers(name=pattern):
            if server.get("name") in wanted and server.get("status") != "DELETED":
                existing.setdefault(server["name"], server)
        return existing

    def rename_server(self, ref, name: str) -> dict:
        validate.check_name(name)
        return self._update_server(ref, {"name": name})

    def set_access_ips(self, ref, ipv4: str | None = None, ipv6: str | None = None) -> dict:
        body = validate.check_access_ips(ipv4, ipv6)
        if not body:
            raise ValidationError("set_access_ips needs ipv4=, ipv6= or both")
        return self._update_server(ref, body)

    def _update_server(self, ref, body: dict) -> dict:
        server_id = self._server_id(ref)
        data = self._compute("PUT", f"/servers/{quote(server_id, safe='')}", json={"server": body})
        server = data["server"]
        if "flavor" not in server or "status" not in server:
            return self._get_server(server_id)
        self._normalise_servers([server])
        return server

    def delete_server(
        self, ref, *, wait: bool = False, timeout: float = 600.0, cancel=None
    ) -> None:
        """Delete a server; ``wait=True`` waits until it is gone (``cancel`` as :meth:`wait`'s)."""
        server_id = self._server_id(ref)
        self._http.request(
            "DELETE",
            self._url(f"/servers/{quote(server_id, safe='')}"),
            headers=self._headers(self.microversion),
            gone_ok=True,
        )
        self._admin_passwords.pop(server_id, None)
        if wait:
            self.wait(server_id, status="DELETED", timeout=timeout, cancel=cancel)

    def delete_servers(
        self, refs, *, wait: bool = False, timeout: float = 600.0, cancel=None
    ) -> BulkResult:
        """Delete several servers concurrently; ``wait=True`` then waits (concurrently) until
        each one is gone. ``cancel`` (or KeyboardInterrupt) stops promptly: deletions not yet
        sent are not sent and the waits end within one poll slice (those entries fail with
        WaitCancelled); the deletions sent go on."""
        ids: dict[int, str] = {}

        def delete(index_ref):
            index, ref = index_ref
            if cancel is not None and cancel.is_set():
                raise WaitCancelled(
                    f"{ref!r} was not deleted: cancelled before its request was sent"
                )
            ids[index] = self._server_id(ref)
            self.delete_server(ids[index])

        result = run_bulk(delete, list(enumerate(refs)), workers=self.workers)
        for entry in result:
            entry["item"] = entry["item"][1]
        if wait:
            stop = _Stop(cancel)
            sent = [(i, entry) for i, entry in enumerate(result) if entry["ok"]]
            try:
                waits = run_bulk(
                    lambda pair: self.wait(ids[pair[0]], "DELETED", timeout=timeout, cancel=stop),
                    sent,
                    workers=self.workers,
                )
            except BaseException:
                stop.set()
                raise
            for (_, entry), waited in zip(sent, waits, strict=True):
                entry.update(ok=waited["ok"], error=waited["error"])
        return result

    def session_servers(self) -> list[dict]:
        """The servers this session booted: by its session tag from 2.52 (every boot is tagged),
        else by the metadata marker its boots carry (one full listing)."""
        if self._supports("2.52"):
            return self.servers(tags=self.session_tag)
        prefix = self.session_tag[len(SESSION_TAG_PREFIX) :] + "/"
        return [
            server
            for server in self.servers()
            if str((server.get("metadata") or {}).get(MARKER_KEY, "")).startswith(prefix)
        ]

    def session_images(self) -> list[dict]:
        """The images (snapshots) this session created with :meth:`create_image` and that still
        exist: by id, and by the metadata marker where one fitted (one listing)."""
        with self._lock:
            ids = set(self._session_image_ids)
        return [
            image
            for image in self.images()
            if image["id"] in ids
            or (image.get("metadata") or {}).get(MARKER_KEY) == self.session_tag
        ]

    def cleanup(self, *, dry_run: bool = False) -> BulkResult:
        """Delete every server and image this session created (:meth:`session_servers`, then
        :meth:`session_images`), concurrently. Each entry also says ``"kind"`` ("server" or
        "image") and ``"name"``; ``"item"`` is the id. ``dry_run=True`` deletes nothing and lists
        what would go (every entry with ``"ok": False`` and no error)."""
        targets = [("server", s) for s in self.session_servers()]
        targets += [("image", i) for i in self.session_images()]

        def delete(target):
            kind, resource = target
            if kind == "server":
                self.delete_server(resource["id"])
            else:
                self.delete_image(resource["id"])
                with self._lock:
                    self._session_image_ids.discard(resource["id"])

        if dry_run:
            outcomes = BulkResult(
                {"item": t, "ok": False, "result": None, "error": None} for t in targets
            )
        else:
            outcomes = run_bulk(delete, targets, workers=self.workers)
        result = BulkResult()
        for entry in outcomes:
            kind, resource = entry["item"]
            result.append(
                {**entry, "item": resource["id"], "kind": kind, "name": resource.get("name")}
            )
        return result

    # ------------------------------------------------------------------------------ addresses

    def addresses(self, ref, network: str | None = None) -> dict[str, list]:
        server_id = quote(self._server_id(ref), safe="")
        if network is None:
            return self._compute("GET", f"/servers/{server_id}/ips")["addresses"]
        data = self._compute("GET", f"/servers/{server_id}/ips/{quote(network, safe='')}")
        return data.get("addresses", data) if self.api == "v1.1" else data

    # -------------------------------------------------------------------------------- actions

    def change_password(self, ref, password: str) -> None:
        if not isinstance(password, str) or not password:
            raise ValidationError("the new password must be a non-empty string")
        self._action(ref, {"changePassword": {"adminPass": password}})

    def admin_password(self, ref) -> str | None:
        """The adminPass the cloud gave when this session booted or rebuilt the server."""
        return self._admin_passwords.get(self._server_id(ref))

    def reboot(self, ref, hard: bool = False, *, reboot_type: str | None = None) -> None:
        kind = validate.check_reboot_type(
            reboot_type if reboot_type is not None else ("HARD" if hard else "SOFT")
        )
        self._action(ref, {"reboot": {"type": kind}})

    def reboot_servers(self, refs, hard: bool = False) -> BulkResult:
        return run_bulk(lambda r: self.reboot(r, hard=hard), list(refs), workers=self.workers)

    def rebuild(
        self,
        ref,
        image,
        *,
        name: str | None = None,
        admin_password: str | None = None,
        metadata: Mapping | None = None,
        files=None,
        access_ipv4: str | None = None,
        access_ipv6: str | None = None,
    ) -> dict:
        limits = self._validation_limits()
        body: dict[str, Any] = {"imageRef": self._image_id(image)}
        if name is not None:
            body["name"] = validate.check_name(name)
        if admin_password is not None:
            body["adminPass"] = admin_password
        if metadata is not None:
            body["metadata"] = validate.check_metadata(metadata, limits)
        body.update(validate.check_access_ips(access_ipv4, access_ipv6))
        microversion = None
        if files:
            body["personality"] = validate.encode_personality(files, limits)
            if self.microversion and _v(self.microversion) >= (2, 57):
                microversion = "2.56"
        server_id = self._server_id(ref)
        data = self._action(server_id, {"rebuild": body}, microversion=microversion)
        server = (data or {}).get("server")
        if not server or "status" not in server:
            if server and "adminPass" in server:
                self._admin_passwords[server_id] = server.pop("adminPass")
            return self._get_server(server_id)
        self._normalise_servers([server])
        return server

    def resize(
        self,
        ref,
        flavor,
        *,
        wait: bool = False,
        finish: str | None = None,
        timeout: float = 600.0,
        cancel=None,
        callback=None,
    ) -> dict | None:
        """Resize a server to ``flavor``: Nova's three steps, in one call when asked.

        Alone, it sends the resize and returns None; the server goes through RESIZE to
        VERIFY_RESIZE, where it awaits :meth:`confirm_resize` or :meth:`revert_resize`.
        ``wait=True`` waits until VERIFY_RESIZE and returns the server. ``finish="confirm"``
        (keep the new flavor) or ``"revert"`` (go back) does the whole dance: wait until
        VERIFY_RESIZE, confirm or revert, wait until the server rests again (ACTIVE, or SHUTOFF
        for a server that was stopped) and return it. ``timeout`` bounds all the waiting;
        ``callback(server)`` sees every poll; ``cancel`` stops the waiting (WaitCancelled): what
        was sent goes on and nothing is undone (a resize awaiting its decision stays there).
        """
        if finish not in (None, "confirm", "revert"):
            raise ValidationError(f"finish must be None, 'confirm' or 'revert'; got {finish!r}")
        server_id = self._server_id(ref)
        deadline = self._monotonic() + timeout
        self._action(server_id, {"resize": {"flavorRef": self._flavor_id(flavor)}})
        if not wait and finish is None:
            return None
        server = self.wait(
            server_id, "VERIFY_RESIZE", timeout=timeout, callback=callback, cancel=cancel
        )
        if finish is None:
            return server
        decide = self.confirm_resize if finish == "confirm" else self.revert_resize
        remaining = max(0.0, deadline - self._monotonic())
        return decide(server_id, wait=True, timeout=remaining, cancel=cancel, callback=callback)

    def resize_servers(self, refs, flavor) -> BulkResult:
        flavor_id = self._flavor_id(flavor)
        return run_bulk(lambda r: self.resize(r, flavor_id), list(refs), workers=self.workers)

    def confirm_resize(
        self, ref, *, wait: bool = False, timeout: float = 600.0, cancel=None, callback=None
    ) -> dict | None:
        """Keep a resized server's new flavor; ``wait=True`` waits until it rests (ACTIVE, or
        SHUTOFF if it was stopped) and returns it (``cancel``/``callback`` as :meth:`wait`'s)."""
        return self._decide_resize(ref, "confirmResize", wait, timeout, cancel, callback)

    def revert_resize(
        self, ref, *, wait: bool = False, timeout: float = 600.0, cancel=None, callback=None
    ) -> dict | None:
        """Go back to a resized server's old flavor; ``wait`` as :meth:`confirm_resize`'s."""
        return self._decide_resize(ref, "revertResize", wait, timeout, cancel, callback)

    def _decide_resize(self, ref, action, wait, timeout, cancel, callback) -> dict | None:
        server_id = self._server_id(ref)
        self._action(server_id, {action: None})
        if not wait:
            return None
        # Where a server rests after the decision: ACTIVE, or SHUTOFF when it was resized stopped.
        return self.wait(
            server_id, ("ACTIVE", "SHUTOFF"), timeout=timeout, callback=callback, cancel=cancel
        )

    def start_server(self, ref) -> None:
        self._action(ref, {"os-start": None})

    def stop_server(self, ref) -> None:
        self._action(ref, {"os-stop": None})

    def create_image(self, ref, name: str, metadata: Mapping | None = None) -> dict:
        """Snapshot a server; returns the new image (SAVING until the upload ends).

        The image is this session's (:meth:`session_images`, :meth:`cleanup`): remembered by id,
        and marked with the metadata key ``novamagic`` = the session tag when a maxImageMeta slot
        is left after the user's keys (a user's full set of keys is never refused for it).
        """
        validate.check_name(name, "image name")
        limits = self._validation_limits()
        metadata = validate.check_metadata(metadata, limits, limit_key="maxImageMeta", what="image")
        slots = (limits or {}).get("maxImageMeta", -1)
        if MARKER_KEY not in metadata and (slots is None or slots < 0 or len(metadata) < slots):
            metadata = {**metadata, MARKER_KEY: self.session_tag}
        body = {"createImage": {"name": name, **({"metadata": metadata} if metadata else {})}}
        server_id = self._server_id(ref)
        response = self._http.request(
            "POST",
            self._url(f"/servers/{quote(server_id, safe='')}/action"),
            json=body,
            headers=self._headers(self.microversion),
        )
        image_id = None
        if response.content:
            try:
                image_id = response.json().get("image_id")  # 2.45 and later
            except ValueError:
                image_id = None
        if not image_id:
            location = response.headers.get("Location", "")
            image_id = location.rstrip("/").rsplit("/", 1)[-1] or None
        if not image_id:
            raise ServerError(
                "the cloud accepted the snapshot but did not say the image's id",
                status=response.status_code,
                method="POST",
                url=response.url,
            )
        with self._lock:
            self._session_image_ids.add(image_id)
            if self._image_names is not None:
                self._image_names[image_id] = name
        return self.image(image_id)

    # ------------------------------------------------------------------------------ key pairs

    def keypairs(self) -> list[dict]:
        """The user's key pairs: name, public_key, fingerprint (and type from 2.2)."""
        if self._supports("2.35"):  # pages from 2.35
            entries = self._paginate(self._url("/os-keypairs"), "keypairs", {})
        else:
            entries = self._compute("GET", "/os-keypairs").get("keypairs") or []
        return [entry.get("keypair", entry) for entry in entries]

    def keypair(self, name: str) -> dict:
        """One key pair with details (user_id, created_at, ...)."""
        validate.check_name(name, "key pair name")
        return self._compute("GET", f"/os-keypairs/{quote(name, safe='')}")["keypair"]

    def create_keypair(self, name: str, public_key: str | None = None) -> dict:
        """Import ``public_key`` (an OpenSSH public key) under ``name``, or, without one, have
        the cloud generate a pair (it does below microversion 2.92; this call steps down to
        2.91 for it). A generated pair's ``private_key`` is in the returned dict once: masked in
        its repr (``str()`` gives the PEM to save), never logged, kept in no history or cache.
        """
        validate.check_name(name, "key pair name")
        body: dict[str, Any] = {"name": name}
        microversion = self.microversion
        if public_key is not None:
            if not isinstance(public_key, str) or not public_key.strip():
                raise ValidationError(
                    "public_key must be the text of a public key, e.g. id_rsa.pub"
                )
            body["public_key"] = public_key.strip()
        elif self._supports("2.92"):
            if _v(self.min_microversion) > (2, 91):
                raise ValidationError(
                    "this cloud no longer generates key pairs (microversion 2.92 removed it): "
                    "pass public_key= (e.g. the text of ~/.ssh/id_ed25519.pub)"
                )
            microversion = "2.91"
        data = self._compute(
            "POST", "/os-keypairs", json={"keypair": body}, microversion=microversion
        )
        keypair = data["keypair"]
        if keypair.get("private_key"):
            keypair["private_key"] = PrivateKey(keypair["private_key"])
        return keypair

    def delete_keypair(self, name: str) -> None:
        validate.check_name(name, "key pair name")
        self._http.request(
            "DELETE",
            self._url(f"/os-keypairs/{quote(name, safe='')}"),
            headers=self._headers(self.microversion),
            gone_ok=True,
        )

    # --------------------------------------------------------------------------------- limits

    def limits(self) -> dict:
        """Absolute limits with usage (and rate limits where the cloud has any), read at 2.1."""
        data = self._compute("GET", "/limits", microversion=self._at_most("2.1"))["limits"]
        with self._lock:
            self._abs_limits = dict(data.get("absolute") or {})
        return data

    def _validation_limits(self) -> dict:
        if self._abs_limits is None:
            try:
                self.limits()
            except NotFound:  # a cloud without /limits: nothing to check against
                self._abs_limits = {}
        return self._abs_limits

    # ----------------------------------------------------------------------------------- wait

    def wait(
        self,
        ref,
        status: str = "ACTIVE",
        *,
        timeout: float = 600.0,
        callback=None,
        interval: float = 1.0,
        cancel=None,
    ) -> dict | None:
        """Poll until the server has ``status`` and no task in progress (see novamagic.client.wait).

        ``status`` may be several statuses (any will do); ``"DELETED"`` waits until it is gone.
        ``callback(server)`` sees every poll. ``cancel`` (a threading.Event, or anything with
        ``is_set()``) stops the waiting within one short poll slice, raising WaitCancelled;
        nothing is undone.
        """
        server_id = self._server_id(ref)
        return wait_for_server(
            lambda: self._get_server(server_id),
            status=status,
            timeout=timeout,
            callback=callback,
            interval=interval,
            sleep=self._sleep,
            monotonic=self._monotonic,
            cancel=cancel,
        )


class MetadataAPI:
    """The book's six metadata operations, for servers or (through the compute proxy) images."""

    def __init__(self, cloud: Cloud, kind: str):
        self._cloud = cloud
        self._kind = kind
        self._limit_key = "maxServerMeta" if kind == "server" else "maxImageMeta"

    def __repr__(self) -> str:
        return f"<{self._kind} metadata of {self._cloud!r}>"

    def _base(self, ref) -> str:
        if self._kind == "server":
            return f"/servers/{quote(self._cloud._server_id(ref), safe='')}/metadata"
        return f"/images/{quote(self._cloud._image_id(ref), safe='')}/metadata"

    def _call(self, method, path, json=None, **kwargs):
        cloud = self._cloud
        microversion = cloud.microversion if self._kind == "server" else cloud._at_most("2.1")
        return cloud._compute(method, path, json=json, microversion=microversion, **kwargs)

    def _check(self, metadata, existing=None):
        return validate.check_metadata(
            metadata,
            self._cloud._validation_limits(),
            limit_key=self._limit_key,
            existing=existing,
            what=self._kind,
        )

    def get(self, ref) -> dict:
        return self._call("GET", self._base(ref))["metadata"]

    def get_item(self, ref, key: str) -> str:
        data = self._call("GET", f"{self._base(ref)}/{quote(key, safe='')}")
        return (data.get("meta") or data["metadata"])[key]  # the book's v1.1 says "metadata"

    def set(self, ref, metadata: Mapping) -> dict:
        """Replace all metadata with ``metadata``."""
        checked = self._check(metadata)
        return self._call("PUT", self._base(ref), json={"metadata": checked})["metadata"]

    def set_item(self, ref, key: str, value: str) -> dict:
        """Set one key (added if new); returns {key: value}."""
        base = self._base(ref)
        checked = self._check({key: value})
        limits = self._cloud._validation_limits()
        if limits.get(self._limit_key, -1) >= 0:
            existing = self._call("GET", base)["metadata"]
            self._check(checked, existing)
        data = self._call(
            "PUT", f"{base}/{quote(key, safe='')}", json={"meta": checked}, idempotent=True
        )
        return data.get("meta") or data["metadata"]  # the book's v1.1 says "metadata"

    def update(self, ref, metadata: Mapping) -> dict:
        """Merge ``metadata`` into the existing keys; returns all metadata."""
        base = self._base(ref)
        checked = self._check(metadata)
        limits = self._cloud._validation_limits()
        if limits.get(self._limit_key, -1) >= 0:
            existing = self._call("GET", base)["metadata"]
            self._check(checked, existing)
        return self._call("POST", base, json={"metadata": checked})["metadata"]

    def delete_item(self, ref, key: str) -> None:
        self._cloud._http.request(
            "DELETE",
            self._cloud._url(f"{self._base(ref)}/{quote(key, safe='')}"),
            headers=self._cloud._headers(
                self._cloud.microversion if self._kind == "server" else self._cloud._at_most("2.1")
            ),
            gone_ok=True,
        )


class LocalControl:
    """The local cloud's control API (clock, faults, state); only on a novamagic local cloud."""

    def __init__(self, http: HttpSession, root: str):
        self._http = http
        self._root = root.rstrip("/") + "/_localcloud"

    def __repr__(self) -> str:
        return f"<LocalControl {self._root}>"

    def _call(self, method, path, json=None):
        try:
            return self._http.json(
                method, self._root + path, json=json, headers={"Accept": "application/json"}
            )
        except NotFound:
            if path == "/status":
                raise NotFound(
                    f"{self._root} is not a novamagic local cloud: its control API is missing",
                    hint="the control API (clock, faults) exists only on novamagic.localcloud",
                ) from None
            raise

    def status(self) -> dict:
        return self._call("GET", "/status")

    def reset(self) -> dict:
        return self._call("POST", "/reset")

    def tick(self, seconds: float) -> dict:
        return self._call("POST", "/tick", {"seconds": seconds})

    def state(self) -> dict:
        return self._call("GET", "/state")

    def inject_fault(
        self,
        path: str = ".*",
        *,
        status: int | None = None,
        method: str | None = None,
        rate: float = 1.0,
        latency: float = 0.0,
        drop: bool | str = False,
        retry_after: int | None = None,
        count: int | None = None,
        message: str | None = None,
    ) -> dict:
        """Make requests whose path matches the regex fail: an error ``status`` (503 when
        nothing else is asked), ``latency`` seconds, or ``drop`` the connection ("before" the
        request is processed, or "after": processed, answer lost); ``count`` times or always."""
        body = {
            "path": path,
            "method": method,
            "status": status,
            "rate": rate,
            "latency": latency,
            "drop": drop,
            "retry_after": retry_after,
            "count": count,
        }
        if message is not None:
            body["message"] = message
        return self._call("POST", "/faults", body)["fault"]

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def set_speed(self, speed: float) -> dict:
        return self._call("POST", "/speed", {"speed": speed})

    def populate(self, count: int, **options) -> dict:
        """Seed ``count`` ACTIVE servers at once (options: project, name, image, flavor,
        metadata, tags); returns {"count", "ids"}."""
        return self._call("POST", "/servers", {"count": count, **options})


# ------------------------------------------------------------------------------ key pairs


class PrivateKey(str):
    """A generated key pair's private key: the PEM text for ``str()``, writing and formatting,
    masked in ``repr()`` (and so in a printed dict, a notebook output or a log line)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<private key, {len(self)} characters: str() it to save it>"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's display of the dict
        printer.text(repr(self))


# ------------------------------------------------------------------------------ boot names

COUNTER = "{n}"


def boot_names(name: str, count: int = 1) -> list[str]:
    """The names ``count`` servers booted from one ``name`` get: the one rule of create_servers,
    check_boot, ``%%nova_boot`` and the boot form.

    ``{n}`` in the name counts 1..count ("web-{n}" -> "web-1", "web-2"; also when count is 1);
    without it one server keeps the name and several get "-1".."-N" ("web" -> "web-1", "web-2").
    Every name is checked (ValidationError).
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValidationError(f"count must be a positive integer, got {count!r}")
    if not isinstance(name, str):
        raise ValidationError(f"a server name must be a string, got {type(name).__name__}")
    if COUNTER in name:
        names = [name.replace(COUNTER, str(i)) for i in range(1, count + 1)]
    elif count == 1:
        names = [name]
    else:
        names = [f"{name}-{i}" for i in range(1, count + 1)]
    for each in names:
        validate.check_name(each)
    return names


# ------------------------------------------------------------------------------ boot progress

BOOT_STAGES = ("skipped", "requested", "polled", "ready", "failed", "cancelled")


class _Stop:
    """A bulk operation's stop flag: set when its caller is interrupted, or when the caller's
    own ``cancel`` is (anything with ``is_set()``)."""

    def __init__(self, cancel=None):
        self._own = threading.Event()
        self._cancel = cancel

    def set(self) -> None:
        self._own.set()

    def is_set(self) -> bool:
        return self._own.is_set() or (self._cancel is not None and bool(self._cancel.is_set()))


def _failure_stage(entry: dict) -> str:
    return "cancelled" if isinstance(entry["error"], WaitCancelled) else "failed"


def boot_event(
    name: str, stage: str, server: Mapping | None = None, *, done: bool | None = None, error=None
) -> dict:
    """One progress event of :meth:`Cloud.create_servers` for the server ``name``::

        {"name", "stage", "done", "id", "status", "task", "progress", "server", "error"}

    ``stage``: "skipped" (a server has the name already; skip_existing), "requested" (the cloud
    accepted the boot), "polled" (one poll while waiting), "ready" (the wait ended: the status is
    reached, no task left), "failed" (``error`` says why: the boot was refused, or the wait
    failed or timed out) or "cancelled" (``cancel`` was set: the boot was not sent, or its wait
    stopped; ``error`` is the WaitCancelled). ``done`` is True on the last event of a name. ``status``, ``task``
    (OS-EXT-STS:task_state) and ``progress`` (0..100; 100 once ready) come from ``server``, the
    latest server dict (None when the cloud has not answered with one).
    """
    server = dict(server) if server else None
    if done is None:
        done = stage in ("skipped", "ready", "failed", "cancelled")
    percent = (server or {}).get("progress")
    return {
        "name": name,
        "stage": stage,
        "done": done,
        "id": (server or {}).get("id"),
        "status": (server or {}).get("status"),
        "task": (server or {}).get("OS-EXT-STS:task_state"),
        "progress": 100 if stage == "ready" else percent if isinstance(percent, int) else 0,
        "server": server,
        "error": error,
    }


# ------------------------------------------------------------------------------ image shapes


def _image_from_glance(image: Mapping) -> dict:
    status, progress = _GLANCE_STATUS.get(str(image.get("status")), ("UNKNOWN", 0))
    metadata = {k: v for k, v in image.items() if k not in _GLANCE_CORE}
    result = {
        "id": image.get("id"),
        "name": image.get("name"),
        "status": status,
        "progress": progress,
        "minDisk": image.get("min_disk") or 0,
        "minRam": image.get("min_ram") or 0,
        "OS-EXT-IMG-SIZE:size": image.get("size"),
        "created": image.get("created_at"),
        "updated": image.get("updated_at"),
        "metadata": metadata,
        "visibility": image.get("visibility"),
    }
    if metadata.get("instance_uuid"):
        result["server"] = {"id": metadata["instance_uuid"]}
    return result


def _image_from_compute(image: Mapping) -> dict:
    result = dict(image)
    result["id"] = str(result.get("id"))
    result.setdefault("metadata", {})
    result.setdefault("minDisk", 0)
    result.setdefault("minRam", 0)
    result.setdefault("OS-EXT-IMG-SIZE:size", None)
    result.setdefault("visibility", None)
    result["status"] = str(result.get("status") or "UNKNOWN").upper()
    return result


def _iso(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)
