"""Neutron's Networking API v2.0 (a subset), in the catalogue as service type ``network``.

Mounted at ``/networking``: the version list there (as Neutron answers ``GET /``: 200, one
CURRENT v2.0), ``/networking/v2.0/`` lists its resources, and below it one controller per
resource: ``networks`` (networks and subnets), ``ports``, ``floatingips``, ``secgroups``
(security groups and rules) and ``quotas``, each with ``relative_rules()``; JSON views in
``views``; body checks, filters, ``fields`` and paging in ``common``. Errors are Neutron's
``{"NeutronError": {"type", "message", "detail"}}`` (401s stay keystonemiddleware's). Adding a
resource: a controller module with ``relative_rules()``, listed in :data:`CONTROLLERS`.
"""

from __future__ import annotations

from werkzeug.routing import Submount

from novamagic.localcloud import errors
from novamagic.localcloud.errors import typed
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.network import floatingips, networks, ports, quotas, secgroups

__all__ = ["rules", "ROOT", "CONTROLLERS"]

ROOT = "/networking"

#: The controllers mounted under ``/networking/v2.0``, in this order.
CONTROLLERS = (networks, ports, floatingips, secgroups, quotas)

RESOURCES = (
    ("network", "networks"),
    ("subnet", "subnets"),
    ("port", "ports"),
    ("floatingip", "floatingips"),
    ("security_group", "security-groups"),
    ("security_group_rule", "security-group-rules"),
    ("quota", "quotas"),
)

#: (alias, name, description) of the API extensions this subset implements.
EXTENSIONS = (
    ("external-net", "Neutron external network", "Adds external network attribute."),
    ("router", "Neutron L3 Router", "Floating IPs and the routers that carry them."),
    ("security-group", "security-group", "The security groups extension."),
    ("quotas", "Quota management support", "Expose functions for quotas management."),
    ("quota_details", "Quota details management support", "Quota usage and limits."),
    ("project-id", "project_id field enabled", "project_id beside tenant_id."),
    ("standard-attr-timestamp", "Resource timestamps", "created_at and updated_at."),
    ("standard-attr-revisions", "Resource revision numbers", "revision_number."),
    ("standard-attr-description", "standard-attr-description", "description fields."),
    ("fip-port-details", "Floating IP Port Details Extension", "port_details of a floating IP."),
    ("port-security", "Port Security", "port_security_enabled."),
    ("pagination", "Pagination support", "limit and marker."),
    ("sorting", "Sorting support", "sort_key and sort_dir."),
    ("filter-validation", "Filter parameters validation", "Unknown filters are refused."),
)


def _version(call: Call) -> dict:
    href = f"{call.base_url}{ROOT}/v2.0/"
    return {"id": "v2.0", "status": "CURRENT", "links": [{"href": href, "rel": "self"}]}


def versions(call: Call):
    return {"versions": [_version(call)]}


def version_v2(call: Call):
    root = f"{call.base_url}{ROOT}/v2.0"
    return {
        "resources": [
            {"name": name, "collection": collection,
             "links": [{"href": f"{root}/{collection}", "rel": "self"}]}
            for name, collection in RESOURCES
        ]
    }  # fmt: skip


def _extension(alias: str, name: str, description: str) -> dict:
    return {
        "alias": alias,
        "name": name,
        "description": description,
        "links": [],
        "updated": "2013-01-20T00:00:00-00:00",
    }


def list_extensions(call: Call):
    return {"extensions": [_extension(*e) for e in EXTENSIONS]}


def show_extension(call: Call, alias: str):
    for extension in EXTENSIONS:
        if extension[0] == alias:
            return {"extension": _extension(*extension)}
    raise typed(errors.NotFound, "HTTPNotFound", f"Extension with alias {alias} does not exist")


def rules() -> list:
    relative = [
        route("/", version_v2, ["GET"], face="network"),
        route("/extensions", list_extensions, ["GET"], face="network"),
        route("/extensions/<alias>", show_extension, ["GET"], face="network"),
    ]
    relative += [rule for controller in CONTROLLERS for rule in controller.relative_rules()]
    return [
        route(ROOT, versions, ["GET"], face="network", auth=False),
        Submount(f"{ROOT}/v2.0", relative),
    ]
