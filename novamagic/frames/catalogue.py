"""Flavors, images, metadata and limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from novamagic.frames.columns import (
    FLAVOR_COLUMNS,
    IMAGE_COLUMNS,
    LIMIT_COLUMNS,
    METADATA_COLUMNS,
    _as_list,
    _bool,
    _build,
    _float,
    _int,
    _text,
    _unwrap,
)


def flavors_frame(flavors: Any) -> pd.DataFrame:
    """One row per flavor; columns ``FLAVOR_COLUMNS``."""
    rows = _as_list(flavors, "flavors", "flavor")
    data = {
        "id": [_text(f.get("id")) for f in rows],
        "name": [f.get("name") for f in rows],
        "vcpus": [_int(f.get("vcpus")) for f in rows],
        "ram_mb": [_int(f.get("ram")) for f in rows],
        "disk_gb": [_int(f.get("disk")) for f in rows],
        "ephemeral_gb": [
            _int(f.get("OS-FLV-EXT-DATA:ephemeral", f.get("ephemeral"))) for f in rows
        ],
        # Nova reports no swap as "" rather than 0.
        "swap_mb": [0 if f.get("swap") == "" else _int(f.get("swap")) for f in rows],
        "rxtx_factor": [_float(f.get("rxtx_factor")) for f in rows],
        "is_public": [_bool(f.get("os-flavor-access:is_public", f.get("is_public"))) for f in rows],
        "disabled": [_bool(f.get("OS-FLV-DISABLED:disabled", f.get("disabled"))) for f in rows],
        "description": [_text(f.get("description")) for f in rows],
    }
    return _build(FLAVOR_COLUMNS, data)


def _image_server_id(image: Mapping) -> str | None:
    server = image.get("server")
    return _text(server.get("id")) if isinstance(server, Mapping) else None


def images_frame(images: Any) -> pd.DataFrame:
    """One row per image; columns ``IMAGE_COLUMNS``. Compute-API and Glance v2 shapes."""
    from novamagic.client.shapes import normalise_image

    rows = [normalise_image(i) for i in _as_list(images, "images", "image")]
    data = {
        "id": [_text(i.get("id")) for i in rows],
        "name": [i.get("name") for i in rows],
        "status": [_text(i.get("status")) and str(i["status"]).upper() for i in rows],
        "progress": [_int(i.get("progress")) for i in rows],
        "min_disk_gb": [_int(i["minDisk"]) for i in rows],
        "min_ram_mb": [_int(i["minRam"]) for i in rows],
        "size_bytes": [_int(i["OS-EXT-IMG-SIZE:size"]) for i in rows],
        "visibility": [_text(i["visibility"]) for i in rows],
        "server_id": [_image_server_id(i) for i in rows],
        "created": [i.get("created") for i in rows],
        "updated": [i.get("updated") for i in rows],
    }
    return _build(IMAGE_COLUMNS, data)


def metadata_frame(metadata: Any) -> pd.DataFrame:
    """One row per metadata item, sorted by key; columns ``METADATA_COLUMNS``.

    Takes ``{"k": "v"}``, the ``{"metadata": {...}}`` / ``{"meta": {...}}`` envelopes, or a
    server/image dict (its ``metadata``).
    """
    if isinstance(metadata, Mapping):
        for key in ("metadata", "meta"):
            if isinstance(metadata.get(key), Mapping):
                metadata = metadata[key]
                break
    items = sorted((metadata or {}).items())
    data = {
        "key": [str(k) for k, _ in items],
        "value": [None if v is None else str(v) for _, v in items],
    }
    return _build(METADATA_COLUMNS, data)


# --- limits --------------------------------------------------------------------------------------

# (name, max key, used key) in display order; Nova's absolute limits, compute and network.
_LIMITS = (
    ("instances", "maxTotalInstances", "totalInstancesUsed"),
    ("cores", "maxTotalCores", "totalCoresUsed"),
    ("ram_mb", "maxTotalRAMSize", "totalRAMUsed"),
    ("server_meta", "maxServerMeta", None),
    ("image_meta", "maxImageMeta", None),
    ("personality", "maxPersonality", None),
    ("personality_bytes", "maxPersonalitySize", None),
    ("keypairs", "maxTotalKeypairs", None),
    ("server_groups", "maxServerGroups", "totalServerGroupsUsed"),
    ("server_group_members", "maxServerGroupMembers", None),
    ("security_groups", "maxSecurityGroups", "totalSecurityGroupsUsed"),
    ("security_group_rules", "maxSecurityGroupRules", None),
    ("floating_ips", "maxTotalFloatingIps", "totalFloatingIpsUsed"),
)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if (
            ch.isupper()
            and i
            and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _limit_max(value: Any) -> int | None:
    number = _int(value)
    return None if number is None or number < 0 else number


def limits_frame(limits: Any) -> pd.DataFrame:
    """Absolute limits with usage; columns ``LIMIT_COLUMNS``; unlimited (-1) max is ``<NA>``.

    Takes ``{"limits": {"absolute": {...}}}``, ``{"absolute": {...}}`` or the absolute dict.
    """
    absolute = _unwrap(limits, "limits")
    absolute = _unwrap(absolute, "absolute") or {}
    names, used, maxima = [], [], []
    seen = set()
    for name, max_key, used_key in _LIMITS:
        if max_key not in absolute and (used_key is None or used_key not in absolute):
            continue
        seen.update((max_key, used_key))
        names.append(name)
        maxima.append(_limit_max(absolute.get(max_key)))
        used.append(_int(absolute.get(used_key)) if used_key else None)
    # Limits this table does not know yet (newer clouds): pair maxX / totalXUsed generically.
    extra_max = {
        k[8:] if k.startswith("maxTotal") else k[3:]: k
        for k in absolute
        if k.startswith("max") and k not in seen
    }
    extra_used = {
        k[5:-4]: k
        for k in absolute
        if k.startswith("total") and k.endswith("Used") and k not in seen
    }
    for stem in sorted(set(extra_max) | set(extra_used)):
        names.append(_snake(stem))
        maxima.append(_limit_max(absolute.get(extra_max.get(stem))) if stem in extra_max else None)
        used.append(_int(absolute.get(extra_used[stem])) if stem in extra_used else None)
    return _build(LIMIT_COLUMNS, {"name": names, "used": used, "max": maxima})
