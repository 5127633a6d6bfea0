"""Flavors and images, with the one name cache that resolves their names to ids.

A listing refreshes the cache; a name the cache does not know refreshes it once before it is
refused. Images are in the compute API's image shape whichever service answered (Glance v2 when
the catalog has one, else the compute proxy pinned to 2.1, where the proxy still exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from novamagic.client.resolve import is_uuid, pick, ref_to_string
from novamagic.client.shapes import image_from_compute, image_from_glance


class CatalogueMixin:
    """Flavors and images, and the caches that turn their names into ids."""

    _flavors: dict[str, dict] | None
    _flavor_rows: dict[str, tuple]
    _flavor_ids_by_name: dict[str, str]
    _image_names: dict[str, str] | None
    _caches_at: float

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
            images = [image_from_glance(i) for i in raw]
        else:
            raw = self._paginate(
                self._url("/images/detail"), "images", filters, microversion=self._at_most("2.1")
            )
            images = [image_from_compute(i) for i in raw]
        names = {i["id"]: i["name"] for i in images}
        with self._lock:
            if not filters:
                self._image_names = names
            elif self._image_names is not None:  # a filtered listing is a part: it forgets none
                self._image_names.update(names)
        return images

    def image(self, ref) -> dict:
        image_id = self._image_id(ref)
        if self.image_url:
            return image_from_glance(
                self._http.json(
                    "GET",
                    f"{self.image_url}/v2/images/{quote(image_id, safe='')}",
                    headers={"Accept": "application/json"},
                )
            )
        data = self._compute(
            "GET", f"/images/{quote(image_id, safe='')}", microversion=self._at_most("2.1")
        )
        return image_from_compute(data["image"])

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
