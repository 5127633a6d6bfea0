"""Block storage (Cinder v3): volume types, volumes, snapshots, their quotas, and attachments.

A volume's status moves on the cloud's clock like a server's: an operation (create, attach,
detach, extend, delete) holds a busy status (``creating``, ``attaching``, ``detaching``,
``extending``, ``deleting``) until its end, then the volume rests (``available``, ``in-use``)
or goes. Attachments belong to the volume (Cinder's ``attachments``); Nova reads a server's
volumes from them. Every check runs before anything changes, so a refusal leaves nothing
half-made. Bounds keep one learner from filling the cloud: Cinder's default quotas (10
volumes, 10 snapshots, 1000 GB), :data:`MAX_VOLUME_SIZE` per volume and names of 255 characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, OverQuota
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.lifecycle import FAIL_KEY, Operation
from novamagic.localcloud.model.validation import check_metadata

#: Cinder's default quotas; ``per_volume_gigabytes`` -1 there, bounded here by MAX_VOLUME_SIZE.
VOLUME_QUOTAS = {"volumes": 10, "snapshots": 10, "gigabytes": 1000, "per_volume_gigabytes": -1}
#: Quotas Cinder keeps (and lets an admin set) for what the local cloud has none of: 0 used.
UNUSED_VOLUME_QUOTAS = {"backups": 10, "backup_gigabytes": 1000, "groups": 10}
#: The largest volume the local cloud makes (GB), whatever the quotas say.
MAX_VOLUME_SIZE = 1000
MAX_VOLUME_NAME = 255
#: Attachments one server may have (Nova's max_disk_devices_to_attach would be -1; a bound here).
MAX_ATTACHMENTS = 26

DEFAULT_TYPE_NAME = "__DEFAULT__"
DEFAULT_TYPE_ID = "c0ffee00-0000-4000-8000-00000000000d"

#: (busy status, resting status or None when the resource goes) of each operation.
VOLUME_STEPS = {
    "volume_create": ("creating", "available"),
    "volume_attach": ("attaching", "in-use"),
    "volume_detach": ("detaching", "available"),
    "volume_extend": ("extending", "available"),
    "volume_delete": ("deleting", None),
    "snapshot_create": ("creating", "available"),
    "snapshot_delete": ("deleting", None),
}
VOLUME_STATUSES = frozenset(
    "creating available reserved attaching detaching in-use maintenance deleting "
    "awaiting-transfer error error_deleting backing-up restoring-backup error_backing-up "
    "error_restoring error_extending downloading uploading retyping extending".split()
)


@dataclass(slots=True)
class VolumeType:
    id: str
    name: str
    description: str | None = None
    is_public: bool = True
    extra_specs: dict = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Volume:
    id: str
    project_id: str
    user_id: str
    name: str | None
    description: str | None
    size: int
    created: float
    updated: float | None = None
    status: str = "creating"
    bootable: bool = False
    image_id: str | None = None  # the image it was made from (volume_image_metadata)
    image_name: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    volume_type_id: str = DEFAULT_TYPE_ID
    metadata: dict = field(default_factory=dict)
    #: Cinder's attachments: {"id", "attachment_id", "server_id", "volume_id", "device",
    #: "attached_at", "host_name"} plus Nova's block device keys (delete_on_termination, boot).
    attachments: list = field(default_factory=list)
    operation: Operation | None = None


@dataclass(slots=True, eq=False)
class Snapshot:
    id: str
    project_id: str
    user_id: str
    volume_id: str
    name: str | None
    description: str | None
    size: int
    created: float
    updated: float | None = None
    status: str = "creating"
    metadata: dict = field(default_factory=dict)
    operation: Operation | None = None


def volume_not_found(volume_id) -> NotFound:
    return NotFound(f"Volume {volume_id} could not be found.")


def check_text(value, what: str, limit: int = MAX_VOLUME_NAME) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(f"Invalid input for field/attribute {what}: a string of at most {limit} "
                         "characters (or null) is required.")  # fmt: skip
    return value


def check_size(value, what: str = "size") -> int:
    """A volume size in GB: an integer from 1 to :data:`MAX_VOLUME_SIZE` (400 otherwise)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_VOLUME_SIZE:
        raise BadRequest(
            f"Invalid input for field/attribute {what}. Value: {str(value)[:40]}. It must be an "
            f"integer from 1 to {MAX_VOLUME_SIZE} (GB)."
        )
    return value


class VolumeBackend:
    """The volume types, volumes, snapshots and block-storage quotas of :class:`CloudState`."""

    volume_types: dict[str, VolumeType]
    volumes: dict[str, Volume]
    snapshots: dict[str, Snapshot]
    volume_quotas: dict[str, dict[str, int]]

    def _reset_volumes(self) -> None:
        self.volume_types = {
            DEFAULT_TYPE_ID: VolumeType(DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, "Default Volume Type")
        }
        self.volumes = {}
        self.snapshots = {}
        self.volume_quotas = {}

    # ------------------------------------------------------------------ the clock
    def _begin(self, item, kind: str, **data) -> None:
        now = self.now()
        item.operation = Operation(kind, now, now + self.durations[kind], data)
        item.status = VOLUME_STEPS[kind][0]
        item.updated = now

    def _settle_volume(self, volume: Volume, now: float) -> None:
        op = volume.operation
        if op is None or now < op.end:
            return
        volume.operation, volume.updated = None, op.end
        if op.kind == "volume_delete":
            self.volumes.pop(volume.id, None)
            return
        if op.kind == "volume_create" and volume.metadata.get(FAIL_KEY) == "create":
            volume.status = "error"
            return
        if op.kind == "volume_attach":
            volume.attachments.append(op.data["attachment"])
        elif op.kind == "volume_detach":
            volume.attachments = [
                a for a in volume.attachments if a["server_id"] != op.data["server_id"]
            ]
        elif op.kind == "volume_extend":
            volume.size = op.data["size"]
        volume.status = "in-use" if volume.attachments else "available"

    def _settle_snapshot(self, snapshot: Snapshot, now: float) -> None:
        op = snapshot.operation
        if op is None or now < op.end:
            return
        snapshot.operation, snapshot.updated = None, op.end
        if op.kind == "snapshot_delete":
            self.snapshots.pop(snapshot.id, None)
        else:
            snapshot.status = "available"

    def _settle_volumes(self) -> None:
        if not self.volumes and not self.snapshots:
            return  # nothing to settle, nor for a deletion to let go (every boot reads this)
        now = self.now()
        # A server deletion that has run its time lets its volumes go (release_server_volumes)
        for server in [s for s in self.servers.values() if s.operation is not None
                       and s.operation.kind == "delete" and s.operation.end <= now]:  # fmt: skip
            self._settle(server, now)
        for volume in list(self.volumes.values()):
            self._settle_volume(volume, now)
        for snapshot in list(self.snapshots.values()):
            self._settle_snapshot(snapshot, now)

    # ------------------------------------------------------------------ types
    def list_volume_types(self) -> list[VolumeType]:
        return list(self.volume_types.values())

    def get_volume_type(self, ref) -> VolumeType:
        for vtype in self.volume_types.values():
            if ref in (vtype.id, vtype.name):
                return vtype
        raise NotFound(f"Volume type {ref} could not be found.")

    # ------------------------------------------------------------------ quotas
    def volume_quota_limits(self, project_id: str) -> dict[str, int]:
        return {**VOLUME_QUOTAS, **UNUSED_VOLUME_QUOTAS, **self.volume_quotas.get(project_id, {})}

    def volume_usage(self, project_id: str) -> dict[str, int]:
        with self.lock:
            self._settle_volumes()
            volumes = [v for v in self.volumes.values() if v.project_id == project_id]
            snapshots = [s for s in self.snapshots.values() if s.project_id == project_id]
            return {
                "volumes": len(volumes),
                "snapshots": len(snapshots),
                # Cinder counts snapshots' gigabytes too (no_snapshot_gb_quota is False)
                "gigabytes": sum(v.size for v in volumes) + sum(s.size for s in snapshots),
            }

    def check_volume_quota(self, project_id: str, volumes: int = 0, gigabytes: int = 0,
                           snapshots: int = 0) -> None:  # fmt: skip
        """Raise OverQuota (Cinder's 413 words) when the request would exceed a quota."""
        limits, used = self.volume_quota_limits(project_id), self.volume_usage(project_id)
        for resource, wanted in (("gigabytes", gigabytes), ("volumes", volumes),
                                 ("snapshots", snapshots)):  # fmt: skip
            limit = limits[resource]
            if wanted and 0 <= limit < used[resource] + wanted:
                if resource == "gigabytes":
                    message = (
                        f"Requested volume or snapshot exceeds "
                        f"allowed gigabytes quota. Requested {wanted}G, quota is {limit}G and "
                        f"{used[resource]}G has been consumed."
                    )
                else:
                    message = (
                        f"Maximum number of {resource} allowed ({limit}) exceeded for quota "
                        f"'{resource}'."
                    )
                raise OverQuota(message)
        per_volume = limits["per_volume_gigabytes"]
        if volumes and 0 <= per_volume < gigabytes:
            raise OverQuota(f"Volume size {gigabytes}G exceeds the per-volume limit of "
                            f"{per_volume}G.")  # fmt: skip

    def set_volume_quotas(self, caller: Token, project_id: str, values) -> dict[str, int]:
        if not caller.is_admin:
            raise Forbidden("Policy doesn't allow volume_extension:quotas:update to be performed.")
        if not isinstance(values, dict):
            raise BadRequest("Invalid input for field/attribute quota_set. It must be an object.")
        clean = {}
        for key, value in values.items():
            if key not in VOLUME_QUOTAS and key not in UNUSED_VOLUME_QUOTAS:
                raise BadRequest(f"Bad key(s) in quota set: {key}")
            if not isinstance(value, int) or isinstance(value, bool) or value < -1:
                raise BadRequest(f"Quota limit {str(value)[:40]} for {key} must be an integer of "
                                 "-1 (unlimited) or more.")  # fmt: skip
            clean[key] = value
        with self.lock:
            self.volume_quotas.setdefault(project_id, {}).update(clean)
            return self.volume_quota_limits(project_id)

    # ------------------------------------------------------------------ volumes
    def get_volume(self, caller: Token, volume_id) -> Volume:
        with self.lock:
            self._settle_volumes()
            volume = self.volumes.get(volume_id) if isinstance(volume_id, str) else None
            if volume is None or not caller.owns(volume.project_id):
                raise volume_not_found(volume_id)
            return volume

    def list_volumes(self, caller: Token, all_projects: bool = False) -> list[Volume]:
        """The caller's volumes, newest first (Cinder's default sort: created_at desc)."""
        with self.lock:
            self._settle_volumes()
            mine = [
                v
                for v in self.volumes.values()
                if (all_projects and caller.is_admin) or v.project_id == caller.project.id
            ]
            return mine[::-1]

    def create_volume(
        self,
        caller: Token,
        size,
        name=None,
        description=None,
        image_ref=None,
        snapshot_id=None,
        volume_type=None,
        metadata=None,
        bootable_from_image: bool = True,
    ) -> Volume:
        """A new volume (``creating`` until its create time has passed): empty, from an image
        (bootable) or from a snapshot (at least the snapshot's size)."""
        name = check_text(name, "name")
        description = check_text(description, "description")
        metadata = check_metadata({} if metadata is None else metadata, -1)
        with self.lock:
            snapshot = None
            if snapshot_id is not None:
                snapshot = self.get_snapshot(caller, snapshot_id)
                if snapshot.status != "available":
                    raise BadRequest(f"Invalid snapshot: Originating snapshot status must be "
                                     f"one of 'available' values (it is {snapshot.status}).")  # fmt: skip
                size = snapshot.size if size is None else size
            size = check_size(size)
            if snapshot is not None and size < snapshot.size:
                raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be "
                                 f"smaller than the snapshot size {snapshot.size}GB.")  # fmt: skip
            image = None
            if image_ref is not None:
                try:
                    image = self.find_image(caller, image_ref)
                except BadRequest:
                    raise BadRequest(f"Invalid image identifier or unable to access requested "
                                     f"image: {str(image_ref)[:60]}.") from None  # fmt: skip
                needed = max(image.min_disk, -(-(image.size or 0) // 1024**3))
                if size < needed:
                    raise BadRequest(f"Invalid input received: Image {image.id} needs a volume "
                                     f"of at least {needed} GB; {size} GB was asked.")  # fmt: skip
            vtype = self.get_volume_type(volume_type or DEFAULT_TYPE_NAME)
            self.check_volume_quota(caller.project.id, volumes=1, gigabytes=size)
            volume = Volume(
                id=self._uuid(self._rng),
                project_id=caller.project.id,
                user_id=caller.user.id,
                name=name,
                description=description,
                size=size,
                created=self.now(),
                bootable=image is not None and bootable_from_image,
                image_id=image.id if image else None,
                image_name=image.name if image else None,
                snapshot_id=snapshot.id if snapshot else None,
                volume_type_id=vtype.id,
                metadata=metadata,
            )
            if snapshot is not None:
                source = self.volumes.get(snapshot.volume_id)
                if source is not None:
                    volume.bootable, volume.image_id = source.bootable, source.image_id
                    volume.image_name = source.image_name
            self.volumes[volume.id] = volume
            self._begin(volume, "volume_create")
            volume.updated = None  # Cinder: updated_at is null until something changes
            return volume

    def update_volume(self, caller: Token, volume_id, fields: dict) -> Volume:
        with self.lock:
            volume = self.get_volume(caller, volume_id)
            if "name" in fields:
                volume.name = check_text(fields["name"], "name")
            if "description" in fields:
                volume.description = check_text(fields["description"], "description")
            if "metadata" in fields:
                volume.metadata = check_metadata(fields["metadata"], -1)
            volume.updated = self.now()
            return volume

    def set_bootable(self, caller: Token, volume_id, bootable) -> None:
        if isinstance(bootable, str) and bootable.lower() in ("true", "false"):
            bootable = bootable.lower() == "true"
        if not isinstance(bootable, bool):
            raise BadRequest("Invalid value for bootable: true or false is required.")
        with self.lock:
            volume = self.get_volume(caller, volume_id)
            volume.bootable, volume.updated = bootable, self.now()

    def extend_volume(self, caller: Token, volume_id, new_size) -> Volume:
        with self.lock:
            volume = self.get_volume(caller, volume_id)
            if volume.status != "available":
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                                 f"to extend, but current status is: {volume.status}.")  # fmt: skip
            new_size = check_size(new_size, "new_size")
            if new_size <= volume.size:
                raise BadRequest(f"Invalid input received: New size for extend must be greater "
                                 f"than current size. (current: {volume.size}, extended: "
                                 f"{new_size}).")  # fmt: skip
            self.check_volume_quota(volume.project_id, gigabytes=new_size - volume.size)
            self._begin(volume, "volume_extend", size=new_size)
            return volume

    def delete_volume(self, caller: Token, volume_id) -> None:
        with self.lock:
            volume = self.get_volume(caller, volume_id)
            if volume.status == "deleting":
                return
            if volume.attachments or volume.status in ("in-use", "attaching", "detaching"):
                where = ", ".join(a["server_id"] for a in volume.attachments) or "a server"
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                                 f"or error and must not be attached; it is {volume.status} "
                                 f"(attached to {where}: detach it first).")  # fmt: skip
            if volume.status not in ("available", "error"):
                raise BadRequest(f"Invalid volume: Volume {volume.id} is {volume.status}; wait "
                                 "until it is available or error.")  # fmt: skip
            if any(s.volume_id == volume.id for s in self.snapshots.values()):
                raise BadRequest(f"Invalid volume: Volume {volume.id} still has dependent "
                                 "snapshots (delete them first).")  # fmt: skip
            self._begin(volume, "volume_delete")

    # ------------------------------------------------------------------ snapshots
    def get_snapshot(self, caller: Token, snapshot_id) -> Snapshot:
        with self.lock:
            self._settle_volumes()
            snapshot = self.snapshots.get(snapshot_id) if isinstance(snapshot_id, str) else None
            if snapshot is None or not caller.owns(snapshot.project_id):
                raise NotFound(f"Snapshot {snapshot_id} could not be found.")
            return snapshot

    def list_snapshots(self, caller: Token, all_projects: bool = False) -> list[Snapshot]:
        with self.lock:
            self._settle_volumes()
            return [
                s
                for s in self.snapshots.values()
                if (all_projects and caller.is_admin) or s.project_id == caller.project.id
            ][::-1]

    def create_snapshot(self, caller: Token, volume_id, name=None, description=None,
                        force=False, metadata=None) -> Snapshot:  # fmt: skip
        name = check_text(name, "name")
        description = check_text(description, "description")
        metadata = check_metadata({} if metadata is None else metadata, -1)
        if isinstance(force, str) and force.lower() in ("true", "false"):
            force = force.lower() == "true"
        if not isinstance(force, bool):
            raise BadRequest("Invalid value for force: true or false is required.")
        with self.lock:
            try:
                volume = self.get_volume(caller, volume_id)
            except NotFound:
                raise NotFound(f"Volume {volume_id} could not be found.") from None
            allowed = ("available", "in-use") if force else ("available",)
            if volume.status not in allowed:
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be "
                                 f"{' or '.join(allowed)} to snapshot, but it is "
                                 f"{volume.status}" + (" (give force to snapshot an attached "
                                 "volume)." if volume.status == "in-use" else "."))  # fmt: skip
            self.check_volume_quota(volume.project_id, snapshots=1, gigabytes=volume.size)
            snapshot = Snapshot(self._uuid(self._rng), volume.project_id, caller.user.id,
                                volume.id, name, description, volume.size, self.now(),
                                metadata=metadata)  # fmt: skip
            self.snapshots[snapshot.id] = snapshot
            self._begin(snapshot, "snapshot_create")
            snapshot.updated = None
            return snapshot

    def delete_snapshot(self, caller: Token, snapshot_id) -> None:
        with self.lock:
            snapshot = self.get_snapshot(caller, snapshot_id)
            if snapshot.status == "deleting":
                return
            if snapshot.status not in ("available", "error"):
                raise BadRequest(f"Invalid snapshot: Volume Snapshot status must be available or "
                                 f"error; it is {snapshot.status}.")  # fmt: skip
            if any(v.snapshot_id == snapshot.id and v.status == "creating"
                   for v in self.volumes.values()):  # fmt: skip
                raise BadRequest("Invalid snapshot: a volume is being made from it.")
            self._begin(snapshot, "snapshot_delete")

    # ------------------------------------------------------------------ attachments (Nova)
    def server_volumes(self, server_id: str) -> list[tuple[Volume, dict]]:
        """(volume, its attachment to the server) in attach order, settled."""
        with self.lock:
            self._settle_volumes()
            found = []
            for volume in self.volumes.values():
                pending = volume.operation
                for attachment in volume.attachments:
                    if attachment["server_id"] == server_id:
                        found.append((volume, attachment))
                if pending is not None and pending.kind == "volume_attach":
                    attachment = pending.data["attachment"]
                    if attachment["server_id"] == server_id:
                        found.append((volume, attachment))
            found.sort(key=lambda pair: pair[1]["device"])
            return found

    def _next_device(self, server_id: str) -> str:
        # /dev/vda is the root disk: the image's local disk or the boot volume
        used = {"/dev/vda"} | {a["device"] for _, a in self.server_volumes(server_id)}
        if len(used) >= MAX_ATTACHMENTS:
            raise Forbidden(f"The maximum allowed number of disk devices ({MAX_ATTACHMENTS}) to "
                            "attach to a single instance has been exceeded.")  # fmt: skip
        return next(f"/dev/vd{c}" for c in "bcdefghijklmnopqrstuvwxyz" if f"/dev/vd{c}" not in used)

    def attach_volume(self, caller: Token, server, volume_id, device=None,
                      delete_on_termination=False, boot=False, during_build=False) -> dict:  # fmt: skip
        """Attach (Nova's os-volume_attachments POST): the volume must be ``available``
        (``during_build``: a boot's new volume, still ``creating``, is attached as it is made)."""
        with self.lock:
            try:
                volume = self.get_volume(caller, volume_id)
            except NotFound:
                raise NotFound(f"Volume {volume_id} could not be found.") from None
            if volume.project_id != server.project_id:
                raise NotFound(f"Volume {volume_id} could not be found.")
            fresh = during_build and volume.status == "creating"
            if volume.status != "available" and not fresh:
                others = ", ".join(a["server_id"] for a in volume.attachments)
                raise BadRequest(
                    f"Invalid volume: volume {volume.id} status must be 'available'; it is "
                    f"'{volume.status}'" + (f" (attached to {others}; detach it there first, "
                    "it is not multiattach)." if others else ".")
                )  # fmt: skip
            if device is not None and not (isinstance(device, str) and device.startswith("/dev/")
                                           and len(device) <= 32):  # fmt: skip
                raise BadRequest(f"The supplied device path ({str(device)[:40]}) is invalid.")
            device = device or self._next_device(server.id)
            attachment = {
                "id": volume.id,
                "attachment_id": self._uuid(self._rng),
                "volume_id": volume.id,
                "server_id": server.id,
                "host_name": None,
                "device": device,
                "attached_at": self.now(),
                "delete_on_termination": bool(delete_on_termination),
                "boot": boot,
            }
            if fresh:
                volume.attachments.append(attachment)  # in-use once its creation ends
            else:
                self._begin(volume, "volume_attach", attachment=attachment)
            return attachment

    def detach_volume(self, caller: Token, server, volume_id) -> None:
        with self.lock:
            for volume, attachment in self.server_volumes(server.id):
                if volume.id != volume_id:
                    continue
                if attachment.get("boot"):
                    raise BadRequest("Cannot detach a root device volume")
                if volume.status != "in-use":
                    raise Conflict(f"Cannot 'detach_volume' volume {volume.id} while it is "
                                   f"{volume.status}; wait until it is in-use.")  # fmt: skip
                self._begin(volume, "volume_detach", server_id=server.id)
                return
            raise NotFound(f"volume_id not found: {str(volume_id)[:60]} is not attached to "
                           f"server {server.id}.")  # fmt: skip

    def release_server_volumes(self, server_id: str, when: float) -> None:
        """A deleted server lets its volumes go: detached, and deleted when its block device
        said ``delete_on_termination`` (Nova's way). Attaches to other servers carry on."""
        with self.lock:
            pairs = []
            for volume in list(self.volumes.values()):
                pending = volume.operation
                if (pending is not None and pending.kind == "volume_attach"
                        and pending.data["attachment"]["server_id"] == server_id):  # fmt: skip
                    volume.attachments.append(pending.data["attachment"])
                    volume.operation = None
                pairs += [(volume, a) for a in volume.attachments if a["server_id"] == server_id]
            for volume, attachment in pairs:
                volume.operation = None
                volume.attachments = [a for a in volume.attachments if a is not attachment]
                volume.updated = when
                if attachment.get("delete_on_termination"):
                    self.volumes.pop(volume.id, None)
                else:
                    volume.status = "in-use" if volume.attachments else "available"

    def dump_volumes(self) -> dict:
        with self.lock:
            self._settle_volumes()
            return {
                "volumes": [
                    {"id": v.id, "project_id": v.project_id, "name": v.name, "size": v.size,
                     "status": v.status, "bootable": v.bootable,
                     "attachments": [a["server_id"] for a in v.attachments]}
                    for v in self.volumes.values()
                ],
                "snapshots": [
                    {"id": s.id, "project_id": s.project_id, "volume_id": s.volume_id,
                     "size": s.size, "status": s.status}
                    for s in self.snapshots.values()
                ],
            }  # fmt: skip
