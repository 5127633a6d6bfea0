"""Block storage through the cloud's Cinder v3 endpoint (service type ``block-storage``, or
its older names ``volumev3`` and ``volume``): volumes, snapshots, their limits, attaching them
to servers (Nova's ``os-volume_attachments``) and booting from them.

The endpoint comes from the service catalog; a cloud without one fails with a one-line
ConfigurationError naming what is missing (``has_block_storage()`` asks first). Requests are
plain JSON at the base microversion 3.0, every page followed. Sizes are checked before anything
is sent (whole GB, 1 or more; an extension must grow the volume). Volumes and snapshots this
session creates are recorded, and ``cleanup()`` removes them once the servers are gone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from novamagic.client.errors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    NotFound,
    QuotaExceeded,
    ValidationError,
)
from novamagic.client.resolve import is_uuid, pick, ref_to_string
from novamagic.client.wait import wait_for_server

__all__ = ["VolumesMixin", "check_size"]

#: Catalog names of Cinder v3, newest first (os-service-types' aliases of block-storage).
SERVICE_TYPES = ("block-storage", "volumev3", "volume")
MAX_SIZE = 16384  # GB: a typo guard; the cloud's quotas say the rest


def check_size(size, what: str = "size") -> int:
    """A volume size in GB: a whole number of 1 or more (ValidationError otherwise)."""
    if isinstance(size, str) and size.strip().isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise ValidationError(
            f"{what} must be a whole number of GB from 1 to {MAX_SIZE}, got {size!r}"
        )
    return size


def _hint(message: str) -> str | None:
    text = message.lower()
    if "quota" in text:
        return "the project's block-storage quota is used up: delete volumes or snapshots you no longer need, or ask for more"
    if "in-use" in text or "attached" in text:
        return "the volume is attached: detach it first (cloud.detach_volume(server, volume))"
    if "not attached" in text or "volume_id not found" in text:
        return "cloud.server_volumes(server) lists what the server has attached"
    if "snapshots" in text:
        return "delete its snapshots first (cloud.snapshots(volume=...))"
    return None


class VolumesMixin:
    """Cinder's volumes and snapshots, and Nova's attachments of them."""

    _volume_url: str | None = None

    # -- the endpoint and requests ----------------------------------------------------------

    @property
    def volume_url(self) -> str:
        """The Cinder v3 root (``.../v3`` or ``.../v3/{project_id}``), from the catalog."""
        if self._volume_url is None:
            config = self.config
            url = None
            for kind in SERVICE_TYPES:
                url = self._http.endpoint(
                    kind, interface=config.interface, region_name=config.region_name
                )
                if url:
                    break
            if not url:
                raise ConfigurationError(
                    f"this cloud has no block storage: the service catalog of {config.auth_url} "
                    f"lists no {' / '.join(repr(k) for k in SERVICE_TYPES)} endpoint (Cinder; "
                    f"interface {config.interface!r}, region {config.region_name!r}), which "
                    "volumes, snapshots and boots from volume need",
                    hint="ask the cloud's operator, or check region_name/interface",
                )
            url = url.rstrip("/")
            self._volume_url = url if re.search(r"/v3(/|$)", url) else url + "/v3"
        return self._volume_url

    def has_block_storage(self) -> bool:
        """Whether the catalog has a block-storage (Cinder v3) endpoint."""
        try:
            _ = self.volume_url
        except ConfigurationError:
            return False
        return True

    def _cinder(self, method: str, path: str, *, json=None, params=None, **kwargs) -> Any:
        try:
            return self._http.json(
                method,
                self.volume_url + path,
                json=json,
                params=params,
                headers={"Accept": "application/json"},
                **kwargs,
            )
        except BadRequest as exc:
            exc.hint = exc.hint or _hint(exc.message)
            raise

    def _cinder_list(self, collection: str, params: Mapping | None = None) -> list[dict]:
        key = collection.split("/")[0]
        params = {k: v for k, v in (params or {}).items() if v is not None}
        result: list[dict] = []
        seen: set[str] = set()
        while True:
            data = self._cinder("GET", f"/{collection}", params=params) or {}
            page = data.get(key) or []
            result.extend(page)
            href = next(
                (x.get("href") for x in data.get(f"{key}_links", ()) if x.get("rel") == "next"),
                None,
            )
            params = dict(parse_qsl(urlsplit(href).query)) if href else {}
            marker = params.get("marker")
            if not page or marker is None or marker in seen:
                return result
            seen.add(marker)

    def _find(self, collection: str, kind: str, ref) -> dict:
        text = ref_to_string(ref, kind)
        if is_uuid(text) or isinstance(ref, Mapping):
            try:
                return self._cinder("GET", f"/{collection}/{quote(text, safe='')}")[kind]
            except NotFound:
                pass
        items = self._cinder_list(f"{collection}/detail")
        return dict(pick(text, items, kind, f"the {len(items)} {kind}s of the project"))

    def _wait_for(self, collection: str, kind: str, item_id: str, status, **options):
        return wait_for_server(
            lambda: self._cinder("GET", f"/{collection}/{quote(item_id, safe='')}")[kind],
            status=status,
            sleep=self._sleep,
            monotonic=self._monotonic,
            what=kind,
            **options,
        )

    # -- volumes ----------------------------------------------------------------------------

    def volumes(self, **filters) -> list[dict]:
        """The project's volumes with details (id, name, size, status, bootable, attachments,
        volume_type, created_at, ...); ``filters`` are Cinder's (name, status, bootable)."""
        return self._cinder_list("volumes/detail", filters)

    def volume(self, ref) -> dict:
        """One volume by id, name or dict."""
        return self._find("volumes", "volume", ref)

    def create_volume(
        self,
        name: str | None,
        size: int,
        *,
        image=None,
        snapshot=None,
        description: str | None = None,
        metadata: Mapping | None = None,
        volume_type: str | None = None,
        wait: bool = False,
        timeout: float = 600.0,
        interval: float = 1.0,
        cancel=None,
    ) -> dict:
        """A new volume of ``size`` GB: empty, from an ``image`` (bootable) or a ``snapshot``.
        ``wait=True`` waits until it is ``available``."""
        size = check_size(size)
        if name is not None and (not isinstance(name, str) or len(name) > 255):
            raise ValidationError(
                f"a volume name is a string of at most 255 characters, got {name!r}"
            )
        body: dict[str, Any] = {"size": size, "name": name}
        if description is not None:
            body["description"] = description
        if metadata:
            body["metadata"] = {str(k): str(v) for k, v in metadata.items()}
        if volume_type is not None:
            body["volume_type"] = volume_type
        if image is not None:
            body["imageRef"] = self._image_id(image)
        if snapshot is not None:
            body["snapshot_id"] = self.snapshot(snapshot)["id"]
        volume = self._cinder("POST", "/volumes", json={"volume": body}, idempotent=False)["volume"]
        with self._lock:
            self._session_volumes[volume["id"]] = volume.get("name")
        if wait:
            return self.wait_volume(volume["id"], timeout=timeout, interval=interval, cancel=cancel)
        return volume

    def wait_volume(self, ref, status="available", *, timeout: float = 600.0,
                    interval: float = 1.0, cancel=None, callback=None) -> dict | None:  # fmt: skip
        """Poll until the volume has ``status`` (several: any; ``"DELETED"``: gone). A volume
        going to ``error`` raises WaitError."""
        volume_id = ref_to_string(ref, "volume") if is_uuid(str(ref)) else self.volume(ref)["id"]
        return self._wait_for("volumes", "volume", volume_id, status, timeout=timeout,
                              interval=interval, cancel=cancel, callback=callback)  # fmt: skip

    def extend_volume(self, ref, size: int, *, wait: bool = False, timeout: float = 600.0,
                      interval: float = 1.0, cancel=None) -> dict:  # fmt: skip
        """Grow a volume to ``size`` GB (volumes only grow: a smaller or equal size is refused
        before anything is sent); it must be ``available`` (detached)."""
        size = check_size(size)
        volume = self.volume(ref)
        if size <= int(volume.get("size") or 0):
            raise ValidationError(
                f"volume {volume.get('name') or volume['id']!r} is {volume['size']} GB: volumes "
                f"only grow, so the new size must be more than {volume['size']}, got {size}"
            )
        self._cinder("POST", f"/volumes/{volume['id']}/action",
                     json={"os-extend": {"new_size": size}}, idempotent=False)  # fmt: skip
        if wait:
            return self.wait_volume(volume["id"], timeout=timeout, interval=interval, cancel=cancel)
        return self.volume(volume["id"])

    def delete_volume(self, ref, *, wait: bool = False, timeout: float = 600.0,
                      interval: float = 1.0, cancel=None) -> None:  # fmt: skip
        """Delete a volume (it must be detached and have no snapshots: an attached one is
        refused before anything is sent)."""
        volume = self.volume(ref)
        where = ", ".join(a.get("server_id", "?") for a in volume.get("attachments") or ())
        if where:
            raise ValidationError(
                f"volume {volume.get('name') or volume['id']!r} is attached to server {where}: "
                "detach it first (cloud.detach_volume(server, volume)), then delete it"
            )
        self._http.request("DELETE", f"{self.volume_url}/volumes/{volume['id']}",
                           headers={"Accept": "application/json"}, gone_ok=True)  # fmt: skip
        with self._lock:
            self._session_volumes.pop(volume["id"], None)
        if wait:
            self.wait_volume(volume["id"], "DELETED", timeout=timeout, interval=interval,
                             cancel=cancel)  # fmt: skip

    # -- snapshots --------------------------------------------------------------------------

    def snapshots(self, volume=None, **filters) -> list[dict]:
        """The project's snapshots (of one volume when given)."""
        if volume is not None:
            filters["volume_id"] = self.volume(volume)["id"]
        return self._cinder_list("snapshots/detail", filters)

    def snapshot(self, ref) -> dict:
        return self._find("snapshots", "snapshot", ref)

    def create_snapshot(self, volume, name: str | None = None, *, force: bool = False,
                        description: str | None = None, wait: bool = False,
                        timeout: float = 600.0, interval: float = 1.0, cancel=None) -> dict:  # fmt: skip
        """A snapshot of ``volume`` (``force=True`` for an attached, in-use one)."""
        body = {"volume_id": self.volume(volume)["id"], "name": name, "force": bool(force)}
        if description is not None:
            body["description"] = description
        snap = self._cinder("POST", "/snapshots", json={"snapshot": body}, idempotent=False)
        snap = snap["snapshot"]
        with self._lock:
            self._session_snapshots[snap["id"]] = snap.get("name")
        if wait:
            return self._wait_for("snapshots", "snapshot", snap["id"], "available",
                                  timeout=timeout, interval=interval, cancel=cancel)  # fmt: skip
        return snap

    def delete_snapshot(self, ref, *, wait: bool = False, timeout: float = 600.0,
                        interval: float = 1.0, cancel=None) -> None:  # fmt: skip
        snap = self.snapshot(ref)
        self._http.request("DELETE", f"{self.volume_url}/snapshots/{snap['id']}",
                           headers={"Accept": "application/json"}, gone_ok=True)  # fmt: skip
        with self._lock:
            self._session_snapshots.pop(snap["id"], None)
        if wait:
            self._wait_for("snapshots", "snapshot", snap["id"], "DELETED", timeout=timeout,
                           interval=interval, cancel=cancel)  # fmt: skip

    def volume_limits(self) -> dict:
        """Cinder's absolute limits with usage (maxTotalVolumes, totalGigabytesUsed, ...)."""
        return self._cinder("GET", "/limits")["limits"]["absolute"]

    # -- attachments (Nova) -----------------------------------------------------------------

    def server_volumes(self, server) -> list[dict]:
        """The server's attachments: ``{"volumeId", "serverId", "device", ...}``."""
        server_id = quote(self._server_id(server), safe="")
        return self._compute("GET", f"/servers/{server_id}/os-volume_attachments")[
            "volumeAttachments"
        ]

    def attach_volume(self, server, volume, *, device: str | None = None, wait: bool = False,
                      timeout: float = 600.0, interval: float = 1.0, cancel=None) -> dict:  # fmt: skip
        """Attach an ``available`` volume to a server (``wait``: until the volume is in-use).
        One already attached is refused before anything is sent, naming its server."""
        found = self.volume(volume)
        if found.get("status") != "available":
            where = ", ".join(a.get("server_id", "?") for a in found.get("attachments") or ())
            raise ValidationError(
                f"volume {found.get('name') or found['id']!r} is {found.get('status')}"
                + (f" (attached to {where})" if where else "")
                + ": only an available volume can be attached",
                hint="detach it first" if where else "wait until it is available",
            )
        body: dict[str, Any] = {"volumeId": found["id"]}
        if device is not None:
            body["device"] = device
        server_id = quote(self._server_id(server), safe="")
        attachment = self._compute("POST", f"/servers/{server_id}/os-volume_attachments",
                                   json={"volumeAttachment": body}, idempotent=False)  # fmt: skip
        if wait:
            self.wait_volume(found["id"], "in-use", timeout=timeout, interval=interval,
                             cancel=cancel)  # fmt: skip
        return attachment["volumeAttachment"]

    def detach_volume(self, server, volume, *, wait: bool = False, timeout: float = 600.0,
                      interval: float = 1.0, cancel=None) -> None:  # fmt: skip
        """Detach a volume from a server (``wait``: until it is available)."""
        server_id = self._server_id(server)
        found = self.volume(volume)
        if not any(a.get("server_id") == server_id for a in found.get("attachments") or ()):
            raise ValidationError(
                f"volume {found.get('name') or found['id']!r} is not attached to server "
                f"{server!r} (it is {found.get('status')}): nothing to detach"
            )
        self._compute("DELETE", f"/servers/{quote(server_id, safe='')}/os-volume_attachments/"
                      f"{quote(found['id'], safe='')}")  # fmt: skip
        if wait:
            self.wait_volume(found["id"], "available", timeout=timeout, interval=interval,
                             cancel=cancel)  # fmt: skip

    # -- booting from volumes ----------------------------------------------------------------

    def _block_devices(self, body: dict, *, boot_volume_size=None, boot_volume=None,
                       volumes=None, delete_on_termination: bool = True) -> None:  # fmt: skip
        """Fill a boot body's ``block_device_mapping_v2``: the image into a new root volume of
        ``boot_volume_size`` GB, or an existing ``boot_volume``; ``volumes`` adds data volumes
        (a name or id: an existing one; a number: a new empty one of that many GB)."""
        devices = []
        if boot_volume_size is not None and boot_volume is not None:
            raise ValidationError("give boot_volume_size (a new volume from the image) or "
                                  "boot_volume (an existing one), not both")  # fmt: skip
        if boot_volume_size is not None:
            if not body.get("imageRef"):
                raise ValidationError("boot_volume_size needs an image to copy into the volume")
            devices.append({"uuid": body.pop("imageRef"), "source_type": "image",
                            "destination_type": "volume", "boot_index": 0,
                            "volume_size": check_size(boot_volume_size, "boot_volume_size"),
                            "delete_on_termination": bool(delete_on_termination)})  # fmt: skip
        elif boot_volume is not None:
            body.pop("imageRef", None)
            devices.append({"uuid": self.volume(boot_volume)["id"], "source_type": "volume",
                            "destination_type": "volume", "boot_index": 0,
                            "delete_on_termination": False})  # fmt: skip
        for item in volumes or ():
            if isinstance(item, int) and not isinstance(item, bool):
                devices.append({"source_type": "blank", "destination_type": "volume",
                                "volume_size": check_size(item, "a new volume's size"),
                                "boot_index": -1,
                                "delete_on_termination": bool(delete_on_termination)})  # fmt: skip
            else:
                devices.append({"uuid": self.volume(item)["id"], "source_type": "volume",
                                "destination_type": "volume", "boot_index": -1,
                                "delete_on_termination": False})  # fmt: skip
        if devices:
            body["block_device_mapping_v2"] = devices
        boots_from_volume = boot_volume_size is not None or boot_volume is not None
        known = (self._flavors or {}).get(str(body.get("flavorRef")))  # cached: no request
        if not boots_from_volume and known is not None and known.get("disk") == 0:
            raise ValidationError(
                f"flavor {known.get('name')!r} has a 0 GB root disk: its servers boot from a "
                "volume; give boot_volume_size=GB (the image copied into a new volume) or "
                "boot_volume=VOLUME",
                hint="%%nova_boot specs say boot_from_volume: GB",
            )

    def _volume_quota_plan(self, body: dict, count: int) -> list[dict]:
        """check_boot's rows for the volumes ``count`` boots of ``body`` would make (none: no
        rows, no request); QuotaExceeded for the first resource that does not fit."""
        new = [d for d in body.get("block_device_mapping_v2") or ()
               if d.get("source_type") in ("image", "blank")]  # fmt: skip
        if not new or not count:
            return []
        limits = self.volume_limits()
        rows = []
        for resource, needed, limit_key, used_key in (
            ("volumes", count * len(new), "maxTotalVolumes", "totalVolumesUsed"),
            ("volume_gb", count * sum(d["volume_size"] for d in new), "maxTotalVolumeGigabytes",
             "totalGigabytesUsed"),
        ):  # fmt: skip
            limit, used = limits.get(limit_key), limits.get(used_key) or 0
            limit = limit if isinstance(limit, int) and limit >= 0 else None
            free = None if limit is None else max(0, limit - used)
            rows.append({"resource": resource, "needed": needed, "used": used, "limit": limit,
                         "free": free})  # fmt: skip
            if free is not None and needed > free:
                raise QuotaExceeded(
                    f"booting {count} server(s) needs {needed} {resource} of new volumes; the "
                    f"project has {free} free ({used} of {limit} used)",
                    hint="boot fewer servers, smaller volumes, or delete volumes you no longer need",
                )
        return rows

    # -- this session's --------------------------------------------------------------------

    def session_volumes(self) -> list[dict]:
        """The volumes this session created (create_volume) that still exist."""
        with self._lock:
            ids = set(self._session_volumes)
        if not ids or not self.has_block_storage():
            return []
        return [v for v in self.volumes() if v["id"] in ids]

    def session_snapshots(self) -> list[dict]:
        with self._lock:
            ids = set(self._session_snapshots)
        if not ids or not self.has_block_storage():
            return []
        return [s for s in self.snapshots() if s["id"] in ids]

    def _delete_session_volume(self, kind: str, item: dict, timeout: float = 300.0) -> None:
        """cleanup's step for one snapshot or volume: snapshots first (a volume with
        snapshots cannot go), a volume once its servers let it go (detached when the server
        stays)."""
        if kind == "snapshot":
            self.delete_snapshot(item["id"], wait=True, timeout=timeout)
            return
        volume = self.volume(item["id"])
        for attachment in volume.get("attachments") or ():
            try:
                self.detach_volume(attachment["server_id"], volume["id"])
            except (NotFound, Conflict):
                pass  # its server is going: the volume is let go with it
        if volume.get("status") != "available":
            self.wait_volume(volume["id"], ("available", "error"), timeout=timeout)
        self.delete_volume(volume["id"])
