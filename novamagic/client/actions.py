"""Server actions: password, reboot, rebuild, the resize dance, start/stop, snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from novamagic.client import validate
from novamagic.client.boot import MARKER_KEY
from novamagic.client.bulk import BulkResult, run_bulk
from novamagic.client.errors import ServerError, ValidationError


class ActionsMixin:
    """What a server can be asked to do."""

    _session_image_ids: set[str]

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
        key_name: str | None = None,
    ) -> dict:
        """Rebuild the server from ``image`` (``key_name`` sets its key pair: microversion 2.54)."""
        limits = self._validation_limits()
        body: dict[str, Any] = {"imageRef": self._image_id(image)}
        if key_name is not None:
            if not self._supports("2.54"):
                raise ValidationError(
                    f"a rebuild sets the key pair from compute microversion 2.54; this session "
                    f"speaks {self.microversion or self.api}"
                )
            body["key_name"] = key_name
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
            microversion = self._microversion_for_files()
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
        interval: float = 1.0,
    ) -> dict | None:
        """Resize a server to ``flavor``: Nova's three steps, in one call when asked.

        Alone, it sends the resize and returns None; the server goes through RESIZE to
        VERIFY_RESIZE, where it awaits :meth:`confirm_resize` or :meth:`revert_resize`.
        ``wait=True`` waits until VERIFY_RESIZE and returns the server. ``finish="confirm"``
        (keep the new flavor) or ``"revert"`` (go back) does the whole dance: wait until
        VERIFY_RESIZE, confirm or revert, wait until the server rests again (ACTIVE, or SHUTOFF
        for a server that was stopped) and return it. ``timeout`` bounds all the waiting;
        ``callback(server)`` sees every poll (the first pause ``interval`` s, then growing);
        ``cancel`` stops the waiting (WaitCancelled): what
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
            server_id,
            "VERIFY_RESIZE",
            timeout=timeout,
            callback=callback,
            cancel=cancel,
            interval=interval,
        )
        if finish is None:
            return server
        decide = self.confirm_resize if finish == "confirm" else self.revert_resize
        remaining = max(0.0, deadline - self._monotonic())
        return decide(
            server_id,
            wait=True,
            timeout=remaining,
            cancel=cancel,
            callback=callback,
            interval=interval,
        )

    def resize_servers(self, refs, flavor) -> BulkResult:
        flavor_id = self._flavor_id(flavor)
        return run_bulk(lambda r: self.resize(r, flavor_id), list(refs), workers=self.workers)

    def confirm_resize(
        self,
        ref,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        cancel=None,
        callback=None,
        interval: float = 1.0,
    ) -> dict | None:
        """Keep a resized server's new flavor; ``wait=True`` waits until it rests (ACTIVE, or
        SHUTOFF if it was stopped) and returns it (``cancel``, ``callback``, ``interval`` as
        :meth:`wait`'s)."""
        return self._decide_resize(ref, "confirmResize", wait, timeout, cancel, callback, interval)

    def revert_resize(
        self,
        ref,
        *,
        wait: bool = False,
        timeout: float = 600.0,
        cancel=None,
        callback=None,
        interval: float = 1.0,
    ) -> dict | None:
        """Go back to a resized server's old flavor; ``wait`` as :meth:`confirm_resize`'s."""
        return self._decide_resize(ref, "revertResize", wait, timeout, cancel, callback, interval)

    def _decide_resize(
        self, ref, action, wait, timeout, cancel, callback, interval=1.0
    ) -> dict | None:
        server_id = self._server_id(ref)
        self._action(server_id, {action: None})
        if not wait:
            return None
        # Where a server rests after the decision: ACTIVE, or SHUTOFF when it was resized stopped.
        return self.wait(
            server_id,
            ("ACTIVE", "SHUTOFF"),
            timeout=timeout,
            callback=callback,
            cancel=cancel,
            interval=interval,
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
