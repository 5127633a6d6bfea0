"""Nova's version documents: ``/compute`` lists v2.0 (the legacy root, SUPPORTED) then v2.1
(CURRENT, with microversions); ``/compute/v2``, ``/v2``, ``/compute/v2.1`` and ``/v2.1`` show one."""

from __future__ import annotations

from novamagic.localcloud.compute.common import root_url
from novamagic.localcloud.http import MAX_VERSION, MIN_VERSION, Call, version_str


def _legacy_doc(root: str) -> dict:
    return {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{root}/v2/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}
        ],
    }


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
    root = root_url(call)
    return {"versions": [_legacy_doc(root), _version_doc(call, root)]}


def legacy_version(call: Call):
    return {"version": _legacy_doc(root_url(call))}


def compute_version(call: Call):
    return {"version": _version_doc(call, root_url(call))}
