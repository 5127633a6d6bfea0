"""Images: the seeded public catalogue and the snapshots servers make (what Glance keeps).

A snapshot's upload is an :class:`Operation` shared with its server: queued, saving, then active
when the server's snapshot finishes (or killed when it fails).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, OverQuota
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


#: What Glance v2 accepts at create (its defaults); other keys are extra properties.
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("private", "shared", "community", "public")
#: Keys Glance keeps itself: a create may not set them.
READ_ONLY = frozenset(
    "status owner size virtual_size checksum os_hash_algo os_hash_value created_at updated_at "
    "self file schema direct_url locations os_hidden".split()
)


#: The book's own images (numbers 1 to 3): public, and owned by the book's project, so the
#: book's account may change their metadata and delete one as chapters 5 and 6 do; in Glance
#: an image's owner may modify it, any other member may not (an admin may).
BOOK_PROJECT = "openstack"
BOOK_IMAGES = (1, 2, 3)


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
        book = self.find_project(BOOK_PROJECT)
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
                owner=book.id if book is not None and number in BOOK_IMAGES else None,
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

    def create_glance_image(self, caller: Token, spec: dict) -> Image:
        """Glance v2's ``POST /v2/images``: a queued image with no data, owned by the caller's
        project (public only for admins, as Glance's publicize_image policy)."""
        spec = dict(spec)
        name = spec.pop("name", None)
        if name is not None and (not isinstance(name, str) or len(name) > 255):
            raise BadRequest("Invalid name: a string of at most 255 characters.")
        fmt = {}
        for key, allowed in (
            ("disk_format", DISK_FORMATS),
            ("container_format", CONTAINER_FORMATS),
        ):
            value = spec.pop(key, None)
            if value is not None and value not in allowed:
                raise BadRequest(f"Invalid {key} {value!r}: one of {', '.join(allowed)}.")
            fmt[key] = value
        visibility = spec.pop("visibility", "shared")
        if visibility not in VISIBILITIES:
            raise BadRequest(
                f"Invalid visibility {visibility!r}: one of {', '.join(VISIBILITIES)}."
            )
        if visibility == "public" and not caller.is_admin:
            raise Forbidden("You are not authorized to complete publicize_image action.")
        minimums = {}
        for key in ("min_disk", "min_ram"):
            value = spec.pop(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BadRequest(f"Invalid {key} {value!r}: a whole number of 0 or more.")
            minimums[key] = value
        image_id = spec.pop("id", None)
        if image_id is not None:
            try:
                image_id = str(uuid.UUID(str(image_id)))
            except ValueError:
                raise BadRequest(f"Invalid id {image_id!r}: a UUID.") from None
        spec.pop("protected", None)
        spec.pop("tags", None)
        fixed = sorted(READ_ONLY & set(spec))
        if fixed:
            raise Forbidden(f"Attribute '{fixed[0]}' is read-only.")
        properties = check_metadata(spec, -1, "image properties")
        with self.lock:
            project_id = caller.project.id
            owned = sum(1 for i in self.images.values() if i.owner == project_id)
            if owned >= MAX_IMAGES_PER_PROJECT:
                raise OverQuota(
                    f"Quota exceeded for images: the project owns {owned} of at most "
                    f"{MAX_IMAGES_PER_PROJECT}; delete one first."
                )
            if image_id in self.images:
                raise Conflict(f"Image with identifier {image_id} already exists!")
            self._check_meta_quota(project_id, len(properties))
            now = self.now()
            self._image_number += 1
            image = Image(
                id=image_id or self._uuid(self._rng),
                number=self._image_number,
                name=name,
                owner=project_id,
                created=now,
                updated=now,
                status="queued",
                size=None,
                disk_format=fmt["disk_format"],
                container_format=fmt["container_format"],
                properties=properties,
                visibility=visibility,
                **minimums,
            )
            self.images[image.id] = image
            return image

    def upload_image_data(self, caller: Token, image_id: str, data: bytes) -> Image:
        """``PUT /v2/images/{id}/file``: the image becomes active with the data's size and
        checksums (the bytes themselves are not kept: nothing downloads them here)."""
        with self.lock:
            image = self.get_image(caller, image_id)
            if not caller.owns(image.owner):
                raise Forbidden("You are not permitted to upload data for this image.")
            if image.status != "queued":
                raise Conflict(
                    f"Image status transition from {image.status} to saving is not allowed"
                )
            if image.disk_format is None or image.container_format is None:
                raise BadRequest(
                    "Properties disk_format, container_format must be set prior to saving data."
                )
            image.size = len(data)
            image.checksum = hashlib.md5(data, usedforsecurity=False).hexdigest()
            image.status, image.updated = "active", self.now()
            return image

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
