"""Nova's version documents: ``/compute`` lists v2.1; ``/compute/v2.1`` and ``/v2.1`` show it."""

from __future__ import annotations

from novamagic.localcloud.compute.common import root_url
from novamagic.localcloud.http import MAX_VERSION, MIN_VERSION, Call, version_str


def _version_doc(call: Call, root: str) -> dict:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": version_str(MAX_VERSION),
        "min_version": version_str(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{root}/v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def compute_versions(call: Call):
    return {"versions": [_version_doc(call, root_url(call))]}


def compute_version(call: Call):
    return {"version": _version_doc(call, root_url(call))}
