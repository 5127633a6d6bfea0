"""A boot's block devices (Nova's ``block_device_mapping_v2``) over the block-storage model.

Checked in full before a server is made, so a refusal leaves nothing half-made: the kinds the
local cloud carries (image -> local, the image boot; image -> volume, a new root volume;
volume -> volume, an existing one; blank -> volume, a new empty data volume; snapshot ->
volume), one boot device, sizes, each existing volume ``available`` and booted by one server,
and the block-storage quota for every new volume of every server of the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from novamagic.localcloud.errors import BadRequest, Forbidden
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.volumes import check_size

SOURCES = ("image", "volume", "blank", "snapshot")
MAX_BLOCK_DEVICES = 10
ZERO_DISK = "Only volume-backed servers are allowed for flavors with zero disk."


@dataclass(frozen=True, slots=True)
class BlockDevice:
    source: str  # image | volume | blank | snapshot
    destination: str  # local | volume
    uuid: str | None
    size: int | None
    boot: bool
    delete_on_termination: bool
    device: str | None = None


def _index(value):
    if value is None or value == "none":
        return None
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"Invalid input for field/attribute boot_index. Value: {value!r}.")
    return value


def parse_block_devices(entries) -> list[BlockDevice]:
    """The shape of ``block_device_mapping_v2`` (400 naming what is wrong)."""
    if not isinstance(entries, list) or len(entries) > MAX_BLOCK_DEVICES:
        raise BadRequest("Invalid input for field/attribute block_device_mapping_v2. It must be "
                         f"a list of at most {MAX_BLOCK_DEVICES} block devices.")  # fmt: skip
    out = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise BadRequest("Invalid block device mapping: each entry must be an object.")
        source = entry.get("source_type", "blank" if "uuid" not in entry else None)
        destination = entry.get("destination_type", "local" if source == "image" else "volume")
        if source not in SOURCES or destination not in ("local", "volume"):
            raise BadRequest(f"Invalid block device mapping: source_type must be one of "
                             f"{', '.join(SOURCES)} and destination_type local or volume "
                             f"(got {str(source)[:20]} -> {str(destination)[:20]}).")  # fmt: skip
        if destination == "local" and source != "image":
            raise BadRequest("Invalid block device mapping: the local cloud's only local block "
                             "device is the image boot (source_type image).")  # fmt: skip
        uuid = entry.get("uuid")
        if source != "blank" and not (isinstance(uuid, str) and uuid):
            raise BadRequest(f"Invalid block device mapping: source_type {source} needs a uuid.")
        size = entry.get("volume_size")
        if source in ("image", "blank") and destination == "volume":
            if size in (None, 0, "0"):
                raise BadRequest("Images with destination_type 'volume' need to have a non-zero "
                                 "size specified" if source == "image" else
                                 "Blank volumes need a volume_size.")  # fmt: skip
        size = check_size(size, "volume_size") if size not in (None, "") else None
        delete = entry.get("delete_on_termination")
        if delete is None:  # Nova's default: a local disk goes with the server, a volume stays
            delete = destination == "local"
        if isinstance(delete, str) and delete.lower() in ("true", "false"):
            delete = delete.lower() == "true"
        if not isinstance(delete, bool):
            raise BadRequest("Invalid input for field/attribute delete_on_termination: a boolean.")
        device = entry.get("device_name")
        if device is not None and not (isinstance(device, str) and len(device) <= 32):
            raise BadRequest("Invalid input for field/attribute device_name.")
        if device is not None and not device.startswith("/dev/"):
            device = "/dev/" + device
        index = _index(entry.get("boot_index"))
        out.append(BlockDevice(source, destination, uuid, size, index == 0, delete, device))
    if sum(d.boot for d in out) > 1:
        raise BadRequest("Boot sequence for the instance and image/block device mapping "
                         "combination is not valid (one boot_index 0 at most).")  # fmt: skip
    return out


class BlockDeviceBackend:
    """Nova's block devices at boot and delete, for :class:`CloudState`."""

    def plan_boot_devices(self, caller: Token, devices: list[BlockDevice], image_ref, flavor,
                          count: int):  # fmt: skip
        """(image to boot or None, devices kept): checks everything a boot with ``devices``
        needs, raising before anything is made."""
        boot = next((d for d in devices if d.boot), None)
        if boot is not None and boot.destination == "local":
            image_ref = boot.uuid if image_ref in (None, "") else image_ref
            boot = None
        kept = [d for d in devices if d.destination == "volume"]
        if boot is None:
            if image_ref in (None, ""):
                raise BadRequest("Invalid input for field/attribute server: an imageRef or a "
                                 "block device with boot_index 0 is required.")  # fmt: skip
            image = self.find_image(caller, image_ref)
            if flavor.disk == 0:
                raise Forbidden(ZERO_DISK)
        else:
            image = None
        new_gb = new_volumes = 0
        for device in kept:
            if device.source == "volume":
                if count > 1:
                    raise BadRequest("Cannot attach one or more volumes to multiple instances")
                volume = self.get_volume(caller, device.uuid)
                if volume.status != "available":
                    raise BadRequest(f"Invalid volume: volume {volume.id} status must be "
                                     f"'available'; it is '{volume.status}'.")  # fmt: skip
                if device.boot and not volume.bootable:
                    raise BadRequest(f"Block Device {volume.id} is not bootable.")
                continue
            if device.source == "image":
                source = self.find_image(caller, device.uuid)
                if source.min_disk > device.size:
                    raise BadRequest("Volume is smaller than the minimum size specified in image "
                                     f"metadata. Volume size is {device.size} GB. Minimum size "
                                     f"is {source.min_disk} GB.")  # fmt: skip
                if flavor.ram < source.min_ram:
                    raise BadRequest("Flavor's memory is too small for requested image.")
            elif device.source == "snapshot":
                snapshot = self.get_snapshot(caller, device.uuid)
                if device.size is not None and device.size < snapshot.size:
                    raise BadRequest(f"Volume size {device.size} GB is smaller than the "
                                     f"snapshot's {snapshot.size} GB.")  # fmt: skip
            new_volumes += count
            new_gb += count * (device.size or self.get_snapshot(caller, device.uuid).size)
        self.check_volume_quota(caller.project.id, volumes=new_volumes, gigabytes=new_gb)
        return image, kept

    def make_boot_devices(self, caller: Token, server, devices: list[BlockDevice]) -> None:
        """The server's volumes: made or taken, attached from its build's start (``creating``
        or ``attaching`` until the build has run, then ``in-use``)."""
        for device in devices:
            if device.source == "volume":
                volume = self.get_volume(caller, device.uuid)
            else:
                volume = self.create_volume(
                    caller,
                    device.size,
                    name=None,
                    description=None,
                    image_ref=device.uuid if device.source == "image" else None,
                    snapshot_id=device.uuid if device.source == "snapshot" else None,
                )
            if device.boot:
                server.boot_volume_id = volume.id
            self.attach_volume(caller, server, volume.id, device.device or
                               ("/dev/vda" if device.boot else None),
                               delete_on_termination=device.delete_on_termination,
                               boot=device.boot, during_build=True)  # fmt: skip
