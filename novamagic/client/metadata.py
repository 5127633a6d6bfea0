"""The book's six metadata operations, for servers and (through the compute proxy) images."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from novamagic.client import validate

if TYPE_CHECKING:
    from novamagic.client.cloud import Cloud


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
