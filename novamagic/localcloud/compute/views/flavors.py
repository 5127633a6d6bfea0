"""The flavor views of the compute API (summary for lists, detail for show and ``/detail``)."""

from __future__ import annotations

from novamagic.localcloud import model
from novamagic.localcloud.compute.common import item_links
from novamagic.localcloud.http import Call


def flavor_summary(call: Call, root: str, flavor: model.Flavor) -> dict:
    body = {
        "id": flavor.id,
        "name": flavor.name,
        "links": item_links(root, call.token.project.id, "flavors", flavor.id),
    }
    if call.at_least("2.55"):
        body["description"] = flavor.description
    return body


def flavor_detail(call: Call, root: str, flavor: model.Flavor) -> dict:
    body = flavor_summary(call, root, flavor)
    body.update(
        {
            "ram": flavor.ram,
            "vcpus": flavor.vcpus,
            "disk": flavor.disk,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "swap": flavor.swap if call.at_least("2.75") else (flavor.swap or ""),
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if not call.at_least("2.102"):  # 2.102 removed both
        body["OS-FLV-DISABLED:disabled"] = False
        body["rxtx_factor"] = flavor.rxtx_factor
    if call.at_least("2.61"):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body
