"""Servers: list (every page), show, find by name, rename, access IPs, addresses, delete, wait.

Every server returned is normalised in place (:meth:`ServersMixin._normalise_servers`): ``id`` a
string, ``flavor`` ``{"id", "name", "vcpus", "ram", "disk"}`` and ``image`` ``{"id", "name"}``
whatever the microversion, and adminPass taken out (kept for :meth:`admin_password`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from novamagic.client import validate
from novamagic.client.bulk import BulkResult, StopFlag, run_bulk
from novamagic.client.errors import (
    ConnectionFailed,
    NotFound,
    NovaError,
    NovaWarning,
    ServerError,
    Timeout,
    ValidationError,
    WaitCancelled,
)
from novamagic.client.resolve import ambiguous, is_uuid, not_found, ref_to_string
from novamagic.client.shapes import normalise_servers
from novamagic.client.wait import wait_for_server, wait_for_servers

CACHE_REFRESH_SECONDS = 60.0
#: A poll of more servers than this lists them (one request a page); fewer are read one by one.
LIST_TO_POLL = 8


class ServersMixin:
    """Servers and their addresses."""

    _admin_passwords: dict[str, str]
    _lookups_failed: set[str]  # name lookups that failed (each warned about once)

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
        return list(
            self.iter_servers(
                details,
                name=name,
                status=status,
                image=image,
                flavor=flavor,
                changes_since=changes_since,
                tags=tags,
                all_projects=all_projects,
                limit=limit,
                page_size=page_size,
                **filters,
            )
        )

    def iter_servers(
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
    ) -> Iterator[dict]:
        """:meth:`servers` one at a time, a page fetched when the one before is used up: a
        fleet too big to hold twice (the JSON and what is made of it) streams through."""
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
        for page in self._pages(
            self._url(path), "servers", params, limit=limit, page_size=page_size
        ):
            if details:
                self._normalise_servers(page)
            elif self.api == "v1.1":
                for server in page:
                    server["id"] = str(server["id"])
            yield from page

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
        self._load_names()
        stale = self._normalise_batch(servers)
        if stale and not fresh and self._monotonic() - self._caches_at >= CACHE_REFRESH_SECONDS:
            # (a server of a deleted image stays unknown: refresh at most once a minute)
            self._load_names(refresh=True)
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

    def _load_names(self, refresh: bool = False) -> None:
        """Fill the flavor and image name caches for a listing. A lookup that fails (a cloud with
        no image service nor proxy, a flaky flavors call) must not sink the listing: its cache
        stays empty until the next refresh (at most once a minute), so the servers show ids
        with None for the names, and a NovaWarning says so once per cloud."""
        for kind, load in (("flavor", self._flavor_index), ("image", self._image_index)):
            try:
                load(refresh=refresh)
            except NovaError as exc:
                with self._lock:
                    if kind == "flavor":
                        self._flavors, self._flavor_rows, self._flavor_ids_by_name = {}, {}, {}
                    else:
                        self._image_names = {}
                    self._caches_at = self._monotonic()
                    first = kind not in self._lookups_failed
                    self._lookups_failed.add(kind)
                if first:
                    warnings.warn(
                        f"{kind} names are unavailable ({exc}); servers show {kind} ids only",
                        NovaWarning,
                        stacklevel=4,
                    )

    def _normalise_batch(self, servers: list[dict]) -> list[dict]:
        return normalise_servers(
            servers,
            self._flavor_rows,
            self._flavor_ids_by_name,
            self._image_names,
            v11=self.api == "v1.1",
            passwords=self._admin_passwords,
        )

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
        self,
        ref,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        cancel=None,
        interval: float = 1.0,
    ) -> None:
        """Delete a server; ``wait=True`` waits until it is gone (``cancel``, ``interval`` as
        :meth:`wait`'s)."""
        server_id = self._server_id(ref)
        try:
            self._http.request(
                "DELETE",
                self._url(f"/servers/{quote(server_id, safe='')}"),
                headers=self._headers(self.microversion),
                gone_ok=True,
            )
        except (ServerError, ConnectionFailed, Timeout) as exc:
            # An attempt whose answer was lost may have done it: look before reporting a failure.
            if not self._deletion_happened(server_id):
                raise exc from None
        self._admin_passwords.pop(server_id, None)
        if wait:
            self.wait(
                server_id, status="DELETED", timeout=timeout, cancel=cancel, interval=interval
            )

    def _deletion_happened(self, server_id: str) -> bool:
        """Whether the server is gone or being deleted (False when even looking fails)."""
        try:
            server = self._get_server(server_id)
        except NotFound:
            return True
        except NovaError:
            return False
        return (
            server.get("status") == "DELETED" or server.get("OS-EXT-STS:task_state") == "deleting"
        )

    def delete_servers(
        self,
        refs,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        cancel=None,
        interval: float = 1.0,
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
            stop = StopFlag(cancel)
            sent = [(i, entry) for i, entry in enumerate(result) if entry["ok"]]
            try:
                waits = run_bulk(
                    lambda pair: self.wait(
                        ids[pair[0]], "DELETED", timeout=timeout, cancel=stop, interval=interval
                    ),
                    sent,
                    workers=self.workers,
                )
            except BaseException:
                stop.set()
                raise
            for (_, entry), waited in zip(sent, waits, strict=True):
                entry.update(ok=waited["ok"], error=waited["error"])
        return result

    def addresses(self, ref, network: str | None = None) -> dict[str, list]:
        server_id = quote(self._server_id(ref), safe="")
        if network is None:
            return self._compute("GET", f"/servers/{server_id}/ips")["addresses"]
        data = self._compute("GET", f"/servers/{server_id}/ips/{quote(network, safe='')}")
        return data.get("addresses", data) if self.api == "v1.1" else data

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

    def _wait_many(
        self,
        ids: list[str],
        status: str = "ACTIVE",
        *,
        tag: str | None = None,
        timeout: float = 600.0,
        callback=None,
        on_done=None,
        interval: float = 1.0,
        cancel=None,
    ) -> dict:
        """:meth:`wait` for many servers at once (see novamagic.client.wait.wait_for_servers):
        a poll of more than LIST_TO_POLL servers is one listing (of the servers tagged ``tag``
        when given: a boot's session tag), not a request per server, so a thousand servers cost
        a few requests a poll. A server the listing leaves out is read by its own GET (404: it
        is gone). The servers it returns are as the listing shows them, which leaves out only
        ``server_groups`` (2.71+), shown by GET /servers/{id} alone."""
        return wait_for_servers(
            lambda pending: self._fetch_many(pending, tag),
            ids,
            status=status,
            timeout=timeout,
            callback=callback,
            on_done=on_done,
            interval=interval,
            sleep=self._sleep,
            monotonic=self._monotonic,
            cancel=cancel,
        )

    def _fetch_many(self, ids: list[str], tag: str | None) -> dict:
        """``{id: server, or the NovaError reading it}`` for one poll of :meth:`_wait_many`."""
        found: dict = {}
        if len(ids) > LIST_TO_POLL:
            wanted = set(ids)
            try:
                listing = self.servers(tags=tag) if tag else self.servers()
            except NovaError:
                listing = []  # each is read by its own GET below, as a lone wait would
            for server in listing:
                if server.get("id") in wanted:
                    found[server["id"]] = server
        for server_id in ids:
            if server_id not in found:
                try:
                    found[server_id] = self._get_server(server_id)
                except NovaError as exc:
                    found[server_id] = exc
        return found


def _iso(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)
