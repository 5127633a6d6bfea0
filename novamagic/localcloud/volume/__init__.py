"""Cinder's Block Storage API v3 (a subset), in the catalogue as ``block-storage`` and ``volumev3``.

Mounted at ``/volume``: the version list there (300, one CURRENT v3.0 with its microversion
range), ``/volume/v3`` its version document, and below ``/volume/v3`` and
``/volume/v3/{project_id}`` one controller per resource: ``volumes`` (volumes and their
actions), ``snapshots``, ``quotas`` (volume types, quota sets, limits), ``info`` (extensions,
availability zones). Microversions are
``OpenStack-API-Version: volume 3.x`` (3.0 when absent, ``latest`` the newest), echoed on every
answer. Faults are Cinder's ``{"badRequest": {"message", "code"}}`` shape (Nova's names).
Adding a resource: a controller module with ``relative_rules()``, listed in :data:`CONTROLLERS`.
"""

from __future__ import annotations

import re

from werkzeug.routing import Submount
from werkzeug.wrappers import Request

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, NotAcceptable, route
from novamagic.localcloud.volume import info, quotas, snapshots, volumes

__all__ = ["rules", "ROOT", "CONTROLLERS", "negotiate", "MIN_VERSION", "MAX_VERSION"]

ROOT = "/volume"
MIN_VERSION = (3, 0)
MAX_VERSION = (3, 71)
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")

#: The controllers mounted under both v3 roots, in this order.
CONTROLLERS = (volumes, snapshots, quotas, info)


def negotiate(request: Request) -> tuple[int, int]:
    """The volume microversion ``OpenStack-API-Version`` asks for (3.0 when it names none)."""
    text = None
    for part in request.headers.get("OpenStack-API-Version", "").split(","):
        words = part.strip().split()
        if len(words) == 2 and words[0].lower() in ("volume", "block-storage"):
            text = words[1]
    if text is None:
        return MIN_VERSION
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise errors.BadRequest(
            f"API Version String {text[:20]} is of invalid format. Must be of format "
            "MajorNum.MinorNum."
        )
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable(
            f"Version {text} is not supported by the API. Minimum is 3.0 and maximum is "
            f"{MAX_VERSION[0]}.{MAX_VERSION[1]}.",
            asked=text,
        )
    return version


def _version(call: Call) -> dict:
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": f"{MAX_VERSION[0]}.{MAX_VERSION[1]}",
        "min_version": "3.0",
        "updated": "2023-08-31T00:00:00Z",
        "links": [
            {"href": "https://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
            {"href": f"{call.base_url}{ROOT}/v3/", "rel": "self"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }


def versions(call: Call):
    return {"versions": [_version(call)]}, 300


def version_v3(call: Call):
    return {"versions": [_version(call)]}


def rules() -> list:
    relative = [rule for controller in CONTROLLERS for rule in controller.relative_rules()]
    return [
        route(ROOT, versions, ["GET"], face="volume", auth=False),
        route(f"{ROOT}/v3", version_v3, ["GET"], face="volume", auth=False),
        Submount(f"{ROOT}/v3/<project_id>", relative),
        Submount(f"{ROOT}/v3", relative),
    ]
