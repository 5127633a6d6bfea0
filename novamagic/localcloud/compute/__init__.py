"""Nova's compute API v2.1 with microversions up to ``http.MAX_VERSION``.

Mounted at ``/compute/v2.1`` and ``/v2.1``, each with and without ``/{project_id}``, and at the
legacy v2.0 roots ``/compute/v2`` and ``/v2`` (Nova's v2 compatibility mode: the 2.1 behaviour,
microversion headers ignored and not answered; see :func:`is_legacy_v2`). Shapes
follow today's Nova for the negotiated microversion; the version-dependent changes honoured
here (those touching these endpoints) are:

2.3 extended attributes (admin) · 2.21 deleted servers' instance actions · 2.9 ``locked`` · 2.16 ``host_status`` (admin) · 2.19
``description`` · 2.26 tags API and ``tags`` · 2.36 image proxy API gone, limits and quotas
trimmed · 2.37 ``networks`` required at boot · 2.38 invalid status filter is 400 · 2.39
``maxImageMeta`` gone · 2.45 createImage answers ``{"image_id"}`` without Location · 2.47 the
flavor embedded in the server · 2.52 tags at boot · 2.55 flavor ``description`` · 2.57
personality rejected, ``user_data`` at rebuild, personality limits gone · 2.61 flavor
``extra_specs`` · 2.63 ``trusted_image_certificates`` · 2.66 ``changes-before`` · 2.71
``server_groups`` · 2.51 / 2.58 / 2.62 / 2.84 instance action events, paging, hosts, details ·
2.28 / 2.33 / 2.53 / 2.75 / 2.88 hypervisors' cpu_info, paging, uuids, servers, fields
(``hypervisors``) · 2.40 usage paging · 2.73 ``locked_reason`` and the ``locked`` filter · 2.75 full server bodies
from update/rebuild, flavor ``swap`` 0, unknown list parameters rejected · 2.90 ``hostname``
(create/update/rebuild, shown to all) · 2.96 ``pinned_availability_zone``.

One controller module per resource (``servers``, ``server_actions`` (with ``console``'s
``os-getConsoleOutput``), ``metadata``, ``tags``, ``flavors``, ``images``, ``limits``,
``quotas``, ``keypairs``, ``instance_actions``, ``server_groups``, ``server_password``,
``extensions``, ``volume_attachments``, ``usage`` (os-simple-tenant-usage), ``hypervisors``,
``availability_zones``), each with ``relative_rules()``
that :func:`rules` mounts under every compute root; JSON views in ``views/``, allowed request keys
per microversion in ``schemas``, paging and links in ``common``. Adding a resource: a controller
module with ``relative_rules()``, listed in :data:`CONTROLLERS`.
"""

from __future__ import annotations

from werkzeug.routing import Submount

from novamagic.localcloud.compute import (
    availability_zones,
    extensions,
    flavors,
    hypervisors,
    images,
    instance_actions,
    keypairs,
    limits,
    metadata,
    quotas,
    server_actions,
    server_groups,
    server_password,
    servers,
    tags,
    usage,
    versions,
    volume_attachments,
)
from novamagic.localcloud.http import route

__all__ = ["rules", "is_legacy_v2"]

#: The controllers mounted under every compute root, in this order.
CONTROLLERS = (
    servers,
    server_actions,
    metadata,
    tags,
    flavors,
    images,
    limits,
    quotas,
    keypairs,
    instance_actions,
    server_groups,
    server_password,
    extensions,
    volume_attachments,
    usage,
    hypervisors,
    availability_zones,
)

#: Nova answers below these roots alike (keystoneauth and the book use each of them).
ROOTS = (
    "/compute/v2.1",
    "/compute/v2.1/<project_id>",
    "/v2.1",
    "/v2.1/<project_id>",
    "/compute/v2",
    "/compute/v2/<project_id>",
    "/v2",
    "/v2/<project_id>",
)


def is_legacy_v2(path: str) -> bool:
    """Whether ``path`` is below a v2.0 root, where Nova serves 2.1 without microversions."""
    return path.startswith(("/compute/v2/", "/v2/")) or path in ("/compute/v2", "/v2")


def rules() -> list:
    out = [
        route("/compute", versions.compute_versions, ["GET"], auth=False),
        route("/compute/v2.1", versions.compute_version, ["GET"], auth=False),
        route("/v2.1", versions.compute_version, ["GET"], auth=False),
        route("/compute/v2", versions.legacy_version, ["GET"], auth=False),
        route("/v2", versions.legacy_version, ["GET"], auth=False),
    ]
    for prefix in ROOTS:
        relative = [rule for controller in CONTROLLERS for rule in controller.relative_rules()]
        out.append(Submount(prefix, relative))
    return out
