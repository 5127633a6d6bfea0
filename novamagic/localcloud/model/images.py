"""Images: the seeded public catalogue and the snapshots servers make (what Glance keeps).

A snapshot's upload is an :class:`Operation` shared with its server: queued, saving, then active
when the server's snapshot finishes (or killed when it fails).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Forbidden, NotFound
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.lifecycle import Operation
from novamagic.localcloud.model.validation import check_metadata, ref_to_id

#: Images (snapshots) one project may own (Glance's image_count_total limit): snapshots
#: otherwise pile up without end, one per createImage.
MAX_IMAGES_PER_PROJECT = 100

IMAGES = [
    # number, name, disk_format, container_format, size bytes, min_disk, min_ram, properties
    (1, "ubuntu-11.04-kernel", "aki", "aki", 4_594_688, 0, 0, {}),
    (2, "ubuntu-11.04-initrd", "ari", "ari", 2_099_031, 0, 0, {}),
    (
        3,
        "ubuntu-11.04-server",
        "ami",
        "ami",
        1_476_395_008,
        0,
        0,
        {"kernel_id": "@1", "ramdisk_id": "@2", "architecture": "x86_64"},
    ),
    (4, "cirros-0.6.2-x86_64-disk", "qcow2", "bare", 21_430_272, 0, 0, {"os_distro": "cirros"}),
    (
        5,
        "ubuntu-22.04-server-cloudimg-amd64",
        "qcow2",
        "bare",
        683_016_192,
        3,
        512,
        {"os_distro": "ubuntu", "os_version": "22.04"},
    ),
]


@dataclass(slots=True)
class Image:
    id: str
    number: int
    name: str
    owner: str | None  # project id; None for the seeded public catalogue
    created: float
    updated: float
    status: str  # glance: queued | saving | active | deleted
    size: int | None
    disk_format: str
    container_format: str
    min_disk: int = 0
    min_ram: int = 0
    properties: dict = field(default_factory=dict)
    visibility: str = "public"
    server_id: str | None = None  # snapshots: the server they came from
    operation: Operation | None = None
    checksum: str | None = None


class ImageBackend:
    """The images of :class:`CloudState`."""

    images: dict[str, Image]
    _image_number: int

    def _reset_images(self) -> None:
        self.images = {}
        now = self.now()
        by_number: dict[int, str] = {}
        self._image_number = 0
        for number, name, disk_format, container_format, size, min_disk, min_ram, props in IMAGES:
            image_id = self._uuid(self._rng)
            by_number[number] = image_id
            properties = {
                k: (by_number[int(v[1:])] if v.startswith("@") else v) for k, v in props.items()
            }
            self.images[image_id] = Image(
                id=image_id,
                number=number,
                name=name,
                owner=None,
                created=now,
                updated=now,
                status="active",
                size=size,
                disk_format=disk_format,
                container_format=container_format,
                min_disk=min_disk,
                min_ram=min_ram,
                properties=properties,
                checksum=hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
            )
            self._image_number = max(self._image_number, number)

    def _settle_image(self, image: Image, now: float) -> None:
        op = image.operation
        if op is None:
            return
        fraction = op.fraction(now)
        if fraction >= 1.0:
            server = self.servers.get(image.server_id or "")
            if server is not None and server.operation is op:
                self._settle(server, now)  # settles (or fails) this image too
                if image.operation is None:
                    return
            image.status = "active"
            image.updated = op.end
            image.operation = None
        elif fraction >= 0.25 and image.status == "queued":
            image.status = "saving"
            image.updated = op.start + (op.end - op.start) * 0.25

    def _image_visible(self, caller: Token, image: Image) -> bool:
        return image.visibility == "public" or caller.owns(image.owner)

    def list_images(self, caller: Token) -> list[Image]:
        with self.lock:
            now = self.now()
            result = []
            for image in self.images.values():
                if image.status == "deleted" or not self._image_visible(caller, image):
                    continue
                self._settle_image(image, now)
                result.append(image)
            return result

    def get_image(self, caller: Token, image_id: str) -> Image:
        with self.lock:
            image = self.images.get(image_id)
            if image is None or image.status == "deleted" or not self._image_visible(caller, image):
                raise NotFound(f"Image {image_id} could not be found.")
            self._settle_image(image, self.now())
            return image

    def find_image_by_number(self, caller: Token, number: int) -> Image:
        with self.lock:
            for image in self.images.values():
                if (
                    image.number == number
                    and image.status != "deleted"
                    and self._image_visible(caller, image)
                ):
                    self._settle_image(image, self.now())
                    return image
        raise NotFound(f"Image {number} could not be found.")

    def find_image(self, caller: Token, ref) -> Image:
        """For imageRef: an id or URL, or a book-style number; 400 when missing or not active."""
        key = ref_to_id(ref)
        try:
            if key.isdigit():
                image = self.find_image_by_number(caller, int(key))
            else:
                image = self.get_image(caller, key)
        except NotFound:
            raise BadRequest(f"Can not find requested image {ref}.") from None
        if image.status != "active":
            raise BadRequest(f"Image {image.id} is not active.")
        return image

    def delete_image(self, caller: Token, image_id: str) -> None:
        with self.lock:
            image = self.get_image(caller, image_id)
            if not caller.owns(image.owner):
                raise Forbidden("You are not permitted to delete this image.")
            image.status = "deleted"
            image.updated = self.now()
            image.operation = None
            del self.images[image.id]

    def set_image_metadata(self, caller: Token, image_id: str, metadata, replace: bool) -> dict:
        with self.lock:
            image = self._own_image(caller, image_id)
            metadata = check_metadata(metadata, -1)
            merged = dict(metadata) if replace else {**image.properties, **metadata}
            self._check_meta_quota(caller.project.id, len(merged))
            image.properties = merged
            image.updated = self.now()
            return image.properties

    def set_image_metadata_item(self, caller: Token, image_id: str, key: str, value) -> dict:
        return self.set_image_metadata(caller, image_id, {key: value}, replace=False)

    def delete_image_metadata_item(self, caller: Token, image_id: str, key: str) -> None:
        with self.lock:
            image = self._own_image(caller, image_id)
            if key not in image.properties:
                raise NotFound(f"Metadata item {key} was not found.")
            del image.properties[key]
            image.updated = self.now()

    def _own_image(self, caller: Token, image_id: str) -> Image:
        image = self.get_image(caller, image_id)
        if not caller.owns(image.owner):
            raise Forbidden("You are not permitted to modify this image's metadata.")
        return image
