"""Operations the magics need that ``novamagic.client`` does not offer (yet).

Each function is built only from the client's public API and is meant to move into the client
(asked for in helper M's report); the magics call them as one-liners, so moving them changes
one line per call site. Nothing here does HTTP itself or imports pandas.

* ``boot_servers(...)``      — ``create_servers(..., skip_existing=True)``: idempotent re-runs.
* ``check_boot(...)``        — ``create_servers(..., dry_run=True)``: validate, send nothing.
* ``session_servers()``      — ``cleanup(dry_run=True)``: what this session booted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["boot_servers", "check_boot", "session_servers"]


def _existing_by_name(cloud, names: list[str]) -> dict[str, dict]:
    """Servers whose name is exactly one of ``names`` (one listing, Nova's regex name filter)."""
    if not names:
        return {}
    pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    wanted = set(names)
    found: dict[str, dict] = {}
    for server in cloud.servers(name=pattern):
        if server.get("name") in wanted and server.get("status") != "DELETED":
            found.setdefault(server["name"], server)
    return found


def boot_servers(
    cloud,
    names: list[str],
    image,
    flavor,
    *,
    force_new: bool = False,
    callback: Callable | None = None,
    **options,
):
    """Boot the servers of ``names`` that do not exist yet (all of them with ``force_new``).

    Returns ``(existing, results)``: the servers that already had those names (not booted again)
    and the client's BulkResult for the ones booted.
    """
    existing = {} if force_new else _existing_by_name(cloud, names)
    missing = [n for n in names if n not in existing]
    if callback is not None:
        options["callback"] = callback
    results = cloud.create_servers(missing, image, flavor, **options) if missing else []
    return [existing[n] for n in names if n in existing], results


def check_boot(
    cloud,
    names: list[str],
    image,
    flavor,
    *,
    metadata: Mapping | None = None,
    files: Mapping | None = None,
    access_ipv4: str | None = None,
    access_ipv6: str | None = None,
    key_name: str | None = None,
    force_new: bool = False,
) -> dict:
    """Everything ``boot_servers`` would check, without sending anything that changes the cloud.

    Raises the client's errors (NotFound with near names, ValidationError, OverLimit) on the first
    problem; returns the plan: names to boot, names skipped, the image, the flavor and the quota.
    """
    from novamagic.client import OverLimit, ValidationError, validate

    for name in names:
        validate.check_name(name)
    image_doc = cloud.image(image)
    flavor_doc = cloud.flavor(flavor)
    absolute = dict(cloud.limits().get("absolute") or {})
    validate.check_metadata(metadata or {}, absolute)
    validate.encode_personality(files or {}, absolute)
    validate.check_access_ips(access_ipv4, access_ipv6)

    min_disk, min_ram = image_doc.get("minDisk") or 0, image_doc.get("minRam") or 0
    if flavor_doc.get("disk") and min_disk > flavor_doc["disk"]:
        raise ValidationError(
            f"image {image_doc.get('name')!r} needs {min_disk} GB of disk; flavor "
            f"{flavor_doc.get('name')!r} has {flavor_doc['disk']} GB",
            hint="pick a larger flavor",
        )
    if min_ram > (flavor_doc.get("ram") or 0):
        raise ValidationError(
            f"image {image_doc.get('name')!r} needs {min_ram} MB of RAM; flavor "
            f"{flavor_doc.get('name')!r} has {flavor_doc.get('ram')} MB",
            hint="pick a larger flavor",
        )

    existing = {} if force_new else _existing_by_name(cloud, names)
    skipped = [n for n in names if n in existing]
    to_boot = [n for n in names if n not in skipped]
    count = len(to_boot)
    quota = []
    for resource, per_server, max_key, used_key in (
        ("instances", 1, "maxTotalInstances", "totalInstancesUsed"),
        ("cores", flavor_doc.get("vcpus") or 0, "maxTotalCores", "totalCoresUsed"),
        ("ram_mb", flavor_doc.get("ram") or 0, "maxTotalRAMSize", "totalRAMUsed"),
    ):
        limit, used = absolute.get(max_key), absolute.get(used_key) or 0
        needed = per_server * count
        free = None if limit is None or limit < 0 else limit - used
        quota.append({"resource": resource, "needed": needed, "free": free})
        if free is not None and needed > free:
            raise OverLimit(
                f"booting {count} server(s) of flavor {flavor_doc.get('name')!r} needs {needed} "
                f"{resource}; the project has {free} free ({used} of {limit} used)",
                hint="boot fewer servers, pick a smaller flavor, or delete servers you no longer need",
            )
    return {
        "boot": to_boot,
        "skip": skipped,
        "image": {"id": image_doc.get("id"), "name": image_doc.get("name")},
        "flavor": {k: flavor_doc.get(k) for k in ("id", "name", "vcpus", "ram", "disk")},
        "quota": quota,
        "key_name": key_name,
    }


def session_servers(cloud) -> list[dict]:
    """The servers this session booted: tagged with ``cloud.session_tag`` (or its metadata marker
    on clouds without tags), as ``cloud.cleanup()`` finds them."""
    tag = cloud.session_tag
    servers = cloud.servers()
    prefix = tag.rsplit("-", 1)[-1] + "/"
    return [
        s
        for s in servers
        if tag in (s.get("tags") or ())
        or str((s.get("metadata") or {}).get("novamagic", "")).startswith(prefix)
    ]
