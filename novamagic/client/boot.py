"""Booting: one server or many, a dry run, the naming rule, and progress events.

A boot is never sent twice blindly: each carries a marker (tags ``novamagic-boot-<token>`` and
``novamagic-session-<id>`` from microversion 2.52, else the metadata key ``novamagic`` =
``<session>/<token>`` where a slot is free), and after a lost answer the server is looked up by
that marker before anything is re-sent; a timed-out boot is never re-sent.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from typing import Any

from novamagic.client import validate
from novamagic.client.bulk import BulkResult, StopFlag, run_bulk
from novamagic.client.errors import (
    ConnectionFailed,
    NotFound,
    NovaError,
    OverLimit,
    ServerError,
    Timeout,
    ValidationError,
    WaitCancelled,
)
from novamagic.client.servers import LIST_TO_POLL
from novamagic.client.shapes import FLAVOR_KEYS

BOOT_TAG_PREFIX = "novamagic-boot-"
SESSION_TAG_PREFIX = "novamagic-session-"
MARKER_KEY = "novamagic"
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


def _is_full(server: Mapping) -> bool:
    """A normalised server (a listing's or a show's), not the stub a boot is answered with."""
    return isinstance(server.get("flavor"), Mapping) and server["flavor"].keys() == FLAVOR_KEYS


def _may_exist(error: NovaError, name: str, marker, why: str, *, still=False) -> NovaError:
    """``error`` (a boot whose answer was lost) saying that the server may exist and how to find
    it; ``error.maybe_created`` holds the same for the layers above (name, id None, marker)."""
    if marker is None:
        find = f"cloud.servers(name='^{re.escape(name)}$')"
    elif marker[0] == "tag":
        find = f"tag {marker[1]!r}: cloud.servers(tags={marker[1]!r})"
    else:
        find = f"metadata {MARKER_KEY}={marker[1]!r}"
    error.hint = (
        f"the boot may {'still reach' if still else 'have reached'} the cloud, so a server may "
        f"exist ({why}): look for a server named {name!r} ({find}) before trying again"
    )
    error.maybe_created = {"name": name, "id": None, "marker": marker}
    return error


BOOT_STAGES = ("skipped", "requested", "polled", "ready", "failed", "cancelled")


def _failure_stage(entry: dict) -> str:
    return "cancelled" if isinstance(entry["error"], WaitCancelled) else "failed"


def boot_event(
    name: str, stage: str, server: Mapping | None = None, *, done: bool | None = None, error=None
) -> dict:
    """One progress event of :meth:`Cloud.create_servers` for the server ``name``::

        {"name", "stage", "done", "id", "status", "task", "progress", "server", "error"}

    ``stage``: "skipped" (a server has the name already; skip_existing), "requested" (the cloud
    accepted the boot; with many servers waited for, the server is the boot's answer, a stub
    with no status yet), "polled" (one poll while waiting), "ready" (the wait ended: the status is
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


class BootMixin:
    """create_server, create_servers and check_boot."""

    session_tag: str
    workers: int

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
        security_groups=None,
        boot_volume_size: int | None = None,
        boot_volume=None,
        volumes=None,
        delete_on_termination: bool = True,
        wait: bool = False,
        timeout: float = 600.0,
        callback=None,
        cancel=None,
        interval: float = 1.0,
    ):
        """Boot a server (``count`` > 1 boots several in one request and returns a list).

        Validated first against the cloud's limits; never sent twice (see the module docstring).
        ``boot_volume_size=N`` boots from a new N GB volume made from the image (what a 0 GB
        flavor needs), ``boot_volume`` from an existing volume (``image`` may be None);
        ``volumes`` attaches data volumes (names/ids, or sizes in GB for new empty ones); the
        volumes a boot makes go with the server unless ``delete_on_termination=False``.
        ``wait``, ``timeout``, ``callback``, ``cancel`` and ``interval`` are :meth:`wait`'s.
        """
        stub, marker = self._request_boot(
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
            security_groups=security_groups,
            boot_volume_size=boot_volume_size,
            boot_volume=boot_volume,
            volumes=volumes,
            delete_on_termination=delete_on_termination,
        )
        if count > 1:
            servers = self._find_marked(marker, name) if marker else [stub]
            if wait:
                servers = [
                    self.wait(
                        s["id"],
                        timeout=timeout,
                        callback=callback,
                        cancel=cancel,
                        interval=interval,
                    )
                    for s in servers
                ]
            return servers
        server = self._read_back(stub, name, marker)
        if wait:
            server = self.wait(
                server["id"], timeout=timeout, callback=callback, cancel=cancel, interval=interval
            )
        return server

    def _request_boot(self, name: str, image, flavor, **options) -> tuple[dict, Any]:
        """Send one boot (create_server's arguments but the waiting ones): (the cloud's answer,
        a stub, or the server found by its marker after a lost answer; the marker)."""
        body, microversion = self._server_request(name, image, flavor, **options)
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

        return self._boot(body, microversion, marker), marker

    def _read_back(self, stub: dict, name: str, marker) -> dict:
        """The full server a boot's answer (a stub) stands for."""
        if _is_full(stub):
            return stub  # found by its marker: already a full, normalised server
        try:
            return self._get_server(str(stub["id"]))
        except NovaError as exc:  # the boot went through: it must not read as a failed one
            exc.hint = (
                f"the server {name!r} was created (id {stub['id']}); only reading it back "
                f"failed: cloud.server({str(stub['id'])!r}) shows it"
            )
            exc.maybe_created = {"name": name, "id": str(stub["id"]), "marker": marker}
            raise

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
        security_groups=None,
        boot_volume_size: int | None = None,
        boot_volume=None,
        volumes=None,
        delete_on_termination: bool = True,
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
        body: dict[str, Any] = {"name": name, "flavorRef": self._flavor_id(flavor)}
        if image is not None or boot_volume is None:
            body["imageRef"] = self._image_id(image)
        self._block_devices(body, boot_volume_size=boot_volume_size, boot_volume=boot_volume,
                            volumes=volumes, delete_on_termination=delete_on_termination)  # fmt: skip
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
        if security_groups is not None:
            body["security_groups"] = self._boot_security_groups(security_groups)

        microversion = self.microversion
        if personality:
            microversion = self._microversion_for_files()
            body["personality"] = personality
        if networks is None and self._supports("2.37", microversion):
            networks = "auto"  # required from 2.37; "auto" is what the openstack CLI sends too
        if networks is not None:
            body["networks"] = self._boot_networks(networks)
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
                name = body["name"]
                if marker is None:
                    raise _may_exist(
                        exc,
                        name,
                        None,
                        "no marker could be attached: all metadata slots are in "
                        "use and the cloud has no tags",
                    ) from None
                try:
                    found = self._find_marked(marker, name)
                except NovaError as lookup:
                    # The answer is lost and so is the lookup: the server may well exist, and a
                    # re-run that boots anew (--force-new) would make a second one.
                    raise _may_exist(
                        exc, name, marker, f"looking for it failed: {lookup}"
                    ) from None
                if found:
                    return found[0]
                if isinstance(exc, Timeout) or exc.status == 504:
                    # No answer in time: the cloud may still be creating it, after this lookup.
                    # Sending the boot again could then make a second server; say so instead.
                    raise _may_exist(exc, name, marker, "no answer in time", still=True) from None
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
        interval: float = 1.0,
        **options,
    ) -> BulkResult:
        """Boot several servers concurrently (one request each); every outcome is reported.

        ``names`` is a list of names, or one name with ``count=N`` (see :func:`boot_names`).
        ``skip_existing=True`` boots only the names no server has yet (one listing first), so
        re-running a notebook cell does not boot duplicates; the entries of the servers found
        have ``"skipped": True`` and the existing server as their result. ``wait=True`` waits
        for every server once all boots are sent, all together: a poll of more than
        LIST_TO_POLL servers is one listing of the session's servers (their results are then as
        a listing shows them, without ``server_groups``, and their boots are not read back: their
        "requested" events carry the boot's stub), of fewer a GET each. ``progress(event)``
        follows each server (see :func:`boot_event`); it runs on the pool's threads and the
        calling thread, so it must be quick and thread-safe.
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
        existing = self._existing_servers(names) if skip_existing else {}
        to_boot = [n for n in names if n not in existing]
        if len(to_boot) > 1:
            self._check_bulk_quota(len(to_boot), flavor_id)
        else:
            self._validation_limits()  # once, before the pool
        report = progress or (lambda event: None)
        for name in names:
            if name in existing:
                report(boot_event(name, "skipped", existing[name]))
        # Many waited for: the first poll (a listing) reads every server, so none is read back
        # on its own after its boot (a thousand requests fewer for a thousand servers).
        listed = wait and len(to_boot) > LIST_TO_POLL

        def boot_one(name):
            if cancel is not None and cancel.is_set():
                raise WaitCancelled(
                    f"{name!r} was not booted: cancelled before its request was sent"
                )
            if listed:
                server = self._request_boot(name, image_id, flavor_id, **options)[0]
            else:
                server = self.create_server(name, image_id, flavor_id, **options)
            report(boot_event(name, "requested", server, done=not wait))
            return server

        def booted(entry):
            if not entry["ok"]:
                report(boot_event(entry["item"], _failure_stage(entry), error=entry["error"]))

        result = run_bulk(boot_one, to_boot, workers=self.workers, on_done=booted)
        if wait:
            self._wait_booted(
                [entry for entry in result if entry["ok"]], timeout, report, cancel, interval
            )
        booted_entries = iter(result)
        merged = BulkResult()
        for name in names:
            if name in existing:
                entry = {"item": name, "ok": True, "result": existing[name], "error": None}
                merged.append({**entry, "skipped": True})
            else:
                merged.append({**next(booted_entries), "skipped": False})
        return merged

    def _check_bulk_quota(self, count: int, flavor_id: str) -> None:
        """Refuse a bulk boot the quota cannot hold, before anything is sent: booting one by one
        into a quota of 10 would make 10 servers and fail the 11th, leaving the 10 behind."""
        try:
            absolute = dict(self.limits().get("absolute") or {})  # fresh usage
        except NotFound:  # a cloud without /limits: the cloud's own refusals will say
            self._abs_limits = {}
            return
        flavor = self._flavor_index().get(flavor_id) or self.flavor(flavor_id)
        try:
            validate.check_quota(absolute, count, flavor)
        except OverLimit as exc:
            exc.hint = f"nothing was sent; {exc.hint}"
            raise

    def _wait_booted(
        self, sent: list[dict], timeout: float, report, cancel, interval: float = 1.0
    ) -> None:
        """Wait for the booted entries (in place), all together: each poll one look at every
        server still waited for (:meth:`_wait_many`: a listing of this session's servers for
        many, a GET each for a few). Waiting starts once every boot is sent: a worker waiting
        out one server's build held back the boots queued behind it (100 servers on 8 workers
        took 13 build times), and a thousand servers polled one request each kept the client
        busy for seconds."""
        entries = {str(entry["result"]["id"]): entry for entry in sent}

        def polled(server_id, server):
            report(boot_event(entries[server_id]["item"], "polled", server))

        def done(server_id, server, error):
            entry = entries[server_id]
            name, booted = entry["item"], entry["result"]
            if error is None:
                entry.update(ok=True, result=server, error=None)
                report(boot_event(name, "ready", server))
            else:
                entry.update(ok=False, result=None, error=error)
                stage = "cancelled" if isinstance(error, WaitCancelled) else "failed"
                # A wait cancelled before its first look has no newer server than the boot's own.
                report(boot_event(name, stage, getattr(error, "server", None) or booted,
                                  error=error))  # fmt: skip

        self._wait_many(
            list(entries),
            tag=self.session_tag if self._supports("2.52", self.microversion) else None,
            timeout=timeout,
            callback=polled,
            on_done=done,
            interval=interval,
            cancel=StopFlag(cancel),
        )

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
        usage (QuotaExceeded). ``wait``, ``timeout`` and ``progress`` are accepted and ignored. Returns
        the plan: ``{"boot": [names], "skip": [names a server already has, with skip_existing],
        "image": {"id", "name", "minDisk", "minRam"}, "flavor": {"id", "name", "vcpus", "ram",
        "disk"}, "quota": [{"resource", "needed", "used", "limit", "free"}], "microversion"}``.
        """
        for ignored in ("wait", "timeout", "progress"):
            options.pop(ignored, None)
        names = self._boot_names(names, count)
        image_doc, flavor_doc = self.image(image), self.flavor(flavor)
        absolute = dict(self.limits().get("absolute") or {})  # fresh usage for the quota
        body, microversion = self._server_request(
            names[0] if names else "dry-run", image_doc["id"], flavor_doc["id"], **options
        )
        validate.check_image_fits_flavor(image_doc, flavor_doc)
        existing = self._existing_servers(names) if skip_existing else {}
        to_boot = [n for n in names if n not in existing]
        quota = validate.check_quota(absolute, len(to_boot), flavor_doc)
        quota += self._volume_quota_plan(body, len(to_boot))  # a boot's new volumes, if any
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
        """The servers (not deleted) named exactly one of ``names``. A few names go in name
        regexes of at most MAX_NAME_FILTER characters each; more than MAX_NAME_LOOKUPS such
        lookups list the servers once and filter here: thousands of names in one URL is a 414."""
        if not names:
            return {}
        patterns = _name_patterns(names)
        if len(patterns) > MAX_NAME_LOOKUPS:
            listings = [self.servers()]
        else:
            listings = [self.servers(name=pattern) for pattern in patterns]
        wanted = set(names)
        existing: dict[str, dict] = {}
        for server in (s for listing in listings for s in listing):
            if server.get("name") in wanted and server.get("status") != "DELETED":
                existing.setdefault(server["name"], server)
        return existing


#: Characters of one name regex in a URL (before encoding), and how many such lookups one check
#: makes before it lists every server instead.
MAX_NAME_FILTER = 1024
MAX_NAME_LOOKUPS = 4


def _name_patterns(names: list[str]) -> list[str]:
    """``^(a|b|...)$`` regexes matching exactly ``names``, each within MAX_NAME_FILTER."""
    patterns: list[str] = []
    chunk: list[str] = []
    size = 0
    for escaped in (re.escape(n) for n in dict.fromkeys(names)):
        if chunk and size + len(escaped) + 1 > MAX_NAME_FILTER - 4:
            patterns.append("^(" + "|".join(chunk) + ")$")
            chunk, size = [], 0
        chunk.append(escaped)
        size += len(escaped) + 1
    if chunk:
        patterns.append("^(" + "|".join(chunk) + ")$")
    return patterns
