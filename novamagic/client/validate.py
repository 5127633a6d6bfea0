"""Client-side checks, made with the limits the cloud reports, before anything is sent.

Each check raises :class:`novamagic.client.errors.ValidationError` with one line saying what was
wrong and what is allowed. Limits come from ``GET /limits`` (``absolute``): maxServerMeta,
maxImageMeta, maxPersonality, maxPersonalitySize. A limit the cloud does not report (or reports
as -1, unlimited) is not checked; key and value lengths are Nova's fixed 255.
:func:`check_quota` is the exception: a boot that would not fit the project's quota raises
:class:`~novamagic.client.errors.QuotaExceeded`, the error the cloud itself would answer with.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping

from novamagic.client.errors import QuotaExceeded, ValidationError

__all__ = [
    "MAX_METADATA_KEY",
    "MAX_METADATA_VALUE",
    "MAX_NAME",
    "check_access_ips",
    "check_image_fits_flavor",
    "check_metadata",
    "check_name",
    "check_personality",
    "check_quota",
    "check_reboot_type",
    "encode_personality",
]

MAX_METADATA_KEY = 255
MAX_METADATA_VALUE = 255
MAX_NAME = 255
MAX_PERSONALITY_PATH = 255
REBOOT_TYPES = ("SOFT", "HARD")


def _limit(limits: Mapping | None, key: str) -> int | None:
    if not limits:
        return None
    value = limits.get(key)
    if isinstance(value, int) and value >= 0:
        return value
    return None


def check_name(name, what: str = "server name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"{what} must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME:
        raise ValidationError(f"{what} is {len(name)} characters long; at most {MAX_NAME} allowed")
    return name


def check_metadata(
    metadata,
    limits: Mapping | None = None,
    *,
    limit_key: str = "maxServerMeta",
    existing: Mapping | None = None,
    what: str = "server",
) -> dict[str, str]:
    """Check a metadata dict; ``existing`` (for a merge) counts toward the limit too."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ValidationError(
            f"{what} metadata must be a dict of strings, got {type(metadata).__name__}"
        )
    checked: dict[str, str] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(f"{what} metadata keys must be non-empty strings, got {key!r}")
        if len(key) > MAX_METADATA_KEY:
            raise ValidationError(
                f"{what} metadata key {key[:20]!r}... is {len(key)} characters; at most "
                f"{MAX_METADATA_KEY} allowed"
            )
        if not isinstance(value, str):
            raise ValidationError(
                f"{what} metadata value for {key!r} must be a string, got {type(value).__name__}"
            )
        if len(value) > MAX_METADATA_VALUE:
            raise ValidationError(
                f"{what} metadata value for {key!r} is {len(value)} characters; at most "
                f"{MAX_METADATA_VALUE} allowed"
            )
        checked[key] = value
    maximum = _limit(limits, limit_key)
    if maximum is not None:
        total = len(set(checked) | set(existing or {}))
        if total > maximum:
            raise ValidationError(
                f"{what} metadata would have {total} items; this cloud allows at most {maximum} "
                f"({limit_key})"
            )
    return checked


def encode_personality(files, limits: Mapping | None = None) -> list[dict]:
    """``{path: str|bytes}`` (or a list of ``{"path", "contents"}``) -> Nova's personality list.

    str contents are encoded as UTF-8; contents already given as a ``{"path", "contents"}`` list
    are taken as base64, as the API expects.
    """
    if not files:
        return []
    entries: list[tuple[str, bytes]] = []
    if isinstance(files, Mapping):
        for path, contents in files.items():
            if isinstance(contents, str):
                contents = contents.encode("utf-8")
            if not isinstance(contents, (bytes, bytearray)):
                raise ValidationError(
                    f"file contents for {path!r} must be str or bytes, got {type(contents).__name__}"
                )
            entries.append((path, bytes(contents)))
    else:
        for item in files:
            try:
                path, encoded = item["path"], item["contents"]
                raw = base64.b64decode(encoded, validate=True)
            except (KeyError, TypeError, ValueError):
                raise ValidationError(
                    "personality entries must be {'path': ..., 'contents': <base64>}"
                ) from None
            entries.append((path, raw))
    check_personality(entries, limits)
    return [{"path": p, "contents": base64.b64encode(c).decode("ascii")} for p, c in entries]


def check_personality(entries, limits: Mapping | None = None) -> None:
    maximum = _limit(limits, "maxPersonality")
    if maximum is not None and len(entries) > maximum:
        raise ValidationError(
            f"{len(entries)} files to inject; this cloud allows at most {maximum} (maxPersonality)"
        )
    size = _limit(limits, "maxPersonalitySize")
    for path, contents in entries:
        if not isinstance(path, str) or not path:
            raise ValidationError(f"file paths must be non-empty strings, got {path!r}")
        if len(path) > MAX_PERSONALITY_PATH:
            raise ValidationError(
                f"file path {path[:30]!r}... is {len(path)} characters; at most "
                f"{MAX_PERSONALITY_PATH} allowed"
            )
        if size is not None and len(contents) > size:
            raise ValidationError(
                f"file {path!r} is {len(contents)} bytes; this cloud allows at most {size} "
                "(maxPersonalitySize)"
            )


def check_access_ips(ipv4=None, ipv6=None) -> dict[str, str]:
    """Return the body keys for access IPs, after checking their syntax."""
    body = {}
    if ipv4 is not None:
        body["accessIPv4"] = _check_ip(ipv4, 4, "accessIPv4")
    if ipv6 is not None:
        body["accessIPv6"] = _check_ip(ipv6, 6, "accessIPv6")
    return body


def _check_ip(value, version: int, what: str) -> str:
    if value == "":  # clears the address
        return value
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        address = None
    if address is None or address.version != version:
        example = "192.0.2.10" if version == 4 else "2001:db8::10"
        raise ValidationError(f"{what} {value!r} is not an IPv{version} address (e.g. {example})")
    return str(value)


def check_reboot_type(reboot_type) -> str:
    kind = str(reboot_type).upper() if reboot_type is not None else ""
    if kind not in REBOOT_TYPES:
        raise ValidationError(f"reboot type {reboot_type!r} is not allowed; use SOFT or HARD")
    return kind


def check_image_fits_flavor(image: Mapping, flavor: Mapping) -> None:
    """An image's minDisk/minRam against a flavor (compute shapes); a 0 GB root disk is sized
    from the image, so it always fits."""
    image_name, flavor_name = image.get("name"), flavor.get("name")
    min_disk, min_ram = image.get("minDisk") or 0, image.get("minRam") or 0
    disk, ram = flavor.get("disk") or 0, flavor.get("ram") or 0
    if disk and min_disk > disk:
        raise ValidationError(
            f"image {image_name!r} needs {min_disk} GB of disk; {flavor_name} has {disk} GB",
            hint="pick a larger flavor",
        )
    if min_ram > ram:
        raise ValidationError(
            f"image {image_name!r} needs {min_ram} MB of RAM; {flavor_name} has {ram} MB",
            hint="pick a larger flavor",
        )


# (resource, what one server of the flavor takes, limit key, usage key) as GET /limits names them
_QUOTAS = (
    ("instances", lambda flavor: 1, "maxTotalInstances", "totalInstancesUsed"),
    ("cores", lambda flavor: flavor.get("vcpus") or 0, "maxTotalCores", "totalCoresUsed"),
    ("ram_mb", lambda flavor: flavor.get("ram") or 0, "maxTotalRAMSize", "totalRAMUsed"),
)


def check_quota(limits: Mapping | None, count: int, flavor: Mapping) -> list[dict]:
    """Whether ``count`` more servers of ``flavor`` fit the project's quota (limits with usage).

    Returns one row per resource: ``{"resource", "needed", "used", "limit", "free"}`` (limit and
    free are None when unlimited or not reported); raises QuotaExceeded (an OverLimit) for the first that does not
    fit.
    """
    rows = []
    for resource, per_server, limit_key, used_key in _QUOTAS:
        limit = _limit(limits, limit_key)
        used = (limits or {}).get(used_key) or 0
        needed = per_server(flavor) * count
        free = None if limit is None else max(0, limit - used)
        rows.append(
            {"resource": resource, "needed": needed, "used": used, "limit": limit, "free": free}
        )
        if free is not None and needed > free:
            raise QuotaExceeded(
                f"booting {count} server(s) of flavor {flavor.get('name')!r} needs {needed} "
                f"{resource}; the project has {free} free ({used} of {limit} used)",
                hint="boot fewer servers, pick a smaller flavor, or delete servers you no longer "
                "need",
            )
    return rows
