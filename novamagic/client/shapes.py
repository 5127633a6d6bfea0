"""The client's normalised shapes, made from what each API answers (no HTTP here).

Servers always have ``id`` (a string, also for the book's numeric v1.1 ids), ``flavor``
``{"id", "name", "vcpus", "ram", "disk"}`` (None where unknowable) and ``image`` ``{"id",
"name"}`` (``{"id": None, "name": None}`` for a server booted from a volume), and never an
adminPass. Images are in the compute API's image shape whichever service answered: id, name,
status (ACTIVE, SAVING, ERROR, DELETED, UNKNOWN), progress, minDisk, minRam,
OS-EXT-IMG-SIZE:size, created, updated, metadata, server (``{"id"}`` for snapshots) and
visibility. The client applies these to every answer, and :mod:`novamagic.frames` to raw JSON
it is given, so raw keys are read here and nowhere else. Floating IPs keep Neutron's fields and
gain ``server_id`` (the server their port belongs to, from ``port_details``; None when free or
when the cloud lacks the fip-port-details extension).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "NO_FLAVOR",
    "image_from_compute",
    "image_from_glance",
    "floating_addresses",
    "normalise_floating_ip",
    "normalise_image",
    "normalise_servers",
]

#: The (name, vcpus, ram, disk) of a flavor no lookup knows.
NO_FLAVOR = (None, None, None, None)
#: The keys of a normalised server's ``flavor`` and ``image``.
FLAVOR_KEYS = frozenset({"id", "name", "vcpus", "ram", "disk"})
IMAGE_KEYS = frozenset({"id", "name"})


def is_normalised(server: Mapping) -> bool:
    """Whether ``server`` already has the client's shape (its flavor and image dicts)."""
    flavor, image = server.get("flavor"), server.get("image")
    return (
        flavor.__class__ is dict
        and flavor.keys() == FLAVOR_KEYS
        and image.__class__ is dict
        and image.keys() == IMAGE_KEYS
    )


_GLANCE_CORE = frozenset(
    {
        "id",
        "name",
        "status",
        "visibility",
        "protected",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "owner",
        "size",
        "virtual_size",
        "min_ram",
        "min_disk",
        "disk_format",
        "container_format",
        "created_at",
        "updated_at",
        "tags",
        "self",
        "file",
        "schema",
        "direct_url",
        "locations",
        "os_hidden",
        "stores",
    }
)
_GLANCE_STATUS = {
    "active": ("ACTIVE", 100),
    "queued": ("SAVING", 25),
    "saving": ("SAVING", 50),
    "importing": ("SAVING", 50),
    "uploading": ("SAVING", 50),
    "killed": ("ERROR", 0),
    "deleted": ("DELETED", 0),
    "pending_delete": ("DELETED", 0),
    "deactivated": ("ERROR", 0),
}


def normalise_servers(
    servers: list[dict],
    rows: Mapping[str, tuple],
    by_name: Mapping[str, str],
    images: Mapping[str, str],
    *,
    v11: bool = False,
    passwords: dict | None = None,
) -> list[dict]:
    """Give ``servers`` (in place) the documented ``id``, ``flavor`` and ``image`` shapes.

    ``rows``: flavor id -> (name, vcpus, ram, disk); ``by_name``: flavor name -> id (2.47+
    embeds the flavor without its id); ``images``: image id -> name. adminPass moves into
    ``passwords`` (by server id), or is dropped. Returns the servers whose flavor or image the
    lookups did not know. Hot path (10,000 servers a listing): plain dict operations only.
    """
    stale = []
    for server in servers:
        known = True
        flavor = server.get("flavor")
        if flavor.__class__ is dict:
            flavor_id = flavor.get("id")
            if flavor_id is not None:
                flavor_id = str(flavor_id)
                row = rows.get(flavor_id)
                if row is None:
                    known, row = False, NO_FLAVOR
                server["flavor"] = {
                    "id": flavor_id,
                    "name": row[0],
                    "vcpus": row[1],
                    "ram": row[2],
                    "disk": row[3],
                }
            else:  # 2.47+: the flavor is embedded, without its id
                name = flavor.get("original_name")
                flavor_id = by_name.get(name)
                if flavor_id is None:
                    known = False
                server["flavor"] = {
                    "id": flavor_id,
                    "name": name,
                    "vcpus": flavor.get("vcpus"),
                    "ram": flavor.get("ram"),
                    "disk": flavor.get("disk"),
                }
        else:
            server["flavor"] = {
                "id": None,
                "name": None,
                "vcpus": None,
                "ram": None,
                "disk": None,
            }
        image = server.get("image")
        if image.__class__ is dict and image.get("id"):
            image_id = str(image["id"])
            image_name = images.get(image_id)
            if image_name is None:
                known = False
            server["image"] = {"id": image_id, "name": image_name}
        else:  # "" for a server booted from a volume
            server["image"] = {"id": None, "name": None}
        if v11:
            server["id"] = str(server["id"])
        if "adminPass" in server:
            passwords[server["id"]] = server.pop("adminPass")
        if not known:
            stale.append(server)
    return stale


def image_from_glance(image: Mapping) -> dict:
    status, progress = _GLANCE_STATUS.get(str(image.get("status")), ("UNKNOWN", 0))
    metadata = {k: v for k, v in image.items() if k not in _GLANCE_CORE}
    result = {
        "id": image.get("id"),
        "name": image.get("name"),
        "status": status,
        "progress": progress,
        "minDisk": image.get("min_disk") or 0,
        "minRam": image.get("min_ram") or 0,
        "OS-EXT-IMG-SIZE:size": image.get("size"),
        "created": image.get("created_at"),
        "updated": image.get("updated_at"),
        "metadata": metadata,
        "visibility": image.get("visibility"),
    }
    if metadata.get("instance_uuid"):
        result["server"] = {"id": metadata["instance_uuid"]}
    return result


def image_from_compute(image: Mapping) -> dict:
    result = dict(image)
    result["id"] = str(result.get("id"))
    result.setdefault("metadata", {})
    result.setdefault("minDisk", 0)
    result.setdefault("minRam", 0)
    result.setdefault("OS-EXT-IMG-SIZE:size", None)
    result.setdefault("visibility", None)
    result["status"] = str(result.get("status") or "UNKNOWN").upper()
    snapshot_of = (result["metadata"] or {}).get("instance_uuid") or result.get("instance_uuid")
    if not isinstance(result.get("server"), Mapping) and snapshot_of:
        result["server"] = {"id": snapshot_of}
    return result


def normalise_image(image: Mapping) -> dict:
    """An image in the compute shape, from either API's shape (Glance v2 says ``min_disk``)."""
    if "minDisk" in image or "created" in image:
        return image_from_compute(image)
    if "min_disk" in image or "created_at" in image or "visibility" in image:
        return image_from_glance(image)
    return image_from_compute(image)


def normalise_floating_ip(fip: Mapping) -> dict:
    """A Neutron floating IP with ``server_id`` beside its fields (see the module docstring)."""
    result = dict(fip)
    details = result.get("port_details")
    server_id = details.get("device_id") if isinstance(details, Mapping) else None
    result["server_id"] = server_id or None if result.get("port_id") else None
    return result


def floating_addresses(server: Mapping, version: int = 4) -> list[str]:
    """The floating addresses of a server's ``addresses`` (``OS-EXT-IPS:type: floating``)."""
    found = []
    for entries in (server.get("addresses") or {}).values():
        for entry in entries or ():
            if (
                isinstance(entry, Mapping)
                and entry.get("OS-EXT-IPS:type") == "floating"
                and entry.get("version", version) == version
                and entry.get("addr") not in found
            ):
                found.append(entry.get("addr"))
    return found
