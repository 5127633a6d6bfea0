"""The floor: the frame ``%nova servers`` shows, built by the plainest code that gives the same.

``requests`` + ``json`` (or ``orjson``), the cyclic GC paused while a page is decoded (a page
is ~100,000 fresh objects without cycles: the trick novamagic uses too), every next link
followed, one flavor and one image listing for the names, one loop into column lists, and
pandas' nullable dtypes. Its frame is novamagic's ``servers_frame``, column for column and value
for value (``goals.py`` checks it), so a ratio to it is novamagic's own overhead.
"""

from __future__ import annotations

import gc
import json

import pandas as pd
import requests

MICROVERSION = "2.96"
PUBLIC_WORDS = ("public", "external", "ext-net", "floating")
TEXT = "string"
INT = "Int64"
TIME = "datetime64[us, UTC]"
COLUMNS = {
    "id": TEXT,
    "name": TEXT,
    "status": TEXT,
    "task_state": TEXT,
    "progress": INT,
    "flavor": TEXT,
    "flavor_id": TEXT,
    "vcpus": INT,
    "ram_mb": INT,
    "disk_gb": INT,
    "image": TEXT,
    "image_id": TEXT,
    "public_ipv4": TEXT,
    "private_ipv4": TEXT,
    "floating_ipv4": TEXT,
    "access_ipv4": TEXT,
    "access_ipv6": TEXT,
    "key_name": TEXT,
    "availability_zone": TEXT,
    "host_id": TEXT,
    "project_id": TEXT,
    "user_id": TEXT,
    "locked": "boolean",
    "fault": TEXT,
    "created": TIME,
    "updated": TIME,
    "launched_at": TIME,
}


def decoder(fast: bool):
    loads = json.loads
    if fast:
        import orjson

        loads = orjson.loads

    def decode(content: bytes):
        gc.disable()
        try:
            return loads(content)
        finally:
            gc.enable()

    return decode


def login(session: requests.Session, auth_url: str, account: dict) -> tuple[str, str, str]:
    """(token, compute URL, image URL): one Keystone v3 password request."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": account["name"],
                        "password": account["password"],
                        "domain": {"name": "Default"},
                    }
                },
            },
            "scope": {"project": {"name": account["project"], "domain": {"name": "Default"}}},
        }
    }
    response = session.post(auth_url.rstrip("/") + "/v3/auth/tokens", json=body, timeout=60)
    response.raise_for_status()
    catalog = response.json()["token"]["catalog"]
    urls = {
        service["type"]: entry["url"].rstrip("/")
        for service in catalog
        for entry in service["endpoints"]
        if entry["interface"] == "public"
    }
    token = response.headers["X-Subject-Token"]
    session.headers.update(
        {
            "X-Auth-Token": token,
            "Accept": "application/json",
            "OpenStack-API-Version": f"compute {MICROVERSION}",
        }
    )
    return token, urls["compute"], urls["image"]


def _first_ipv4(addresses: dict, public_networks: dict) -> tuple:
    public = private = floating = None
    for network, entries in addresses.items():
        network_public = public_networks.get(network)
        if network_public is None:
            lowered = network.lower()
            network_public = public_networks[network] = any(w in lowered for w in PUBLIC_WORDS)
        for entry in entries:
            if entry.get("version") != 4:
                continue
            kind = entry.get("OS-EXT-IPS:type")
            if kind == "floating" and floating is None:
                floating = entry["addr"]
            if network_public or kind == "floating":
                public = public or entry["addr"]
            else:
                private = private or entry["addr"]
    return public, private, floating


def servers_frame(
    session: requests.Session, compute: str, image: str, decode, all_projects: bool = False
) -> pd.DataFrame:
    def pages(url: str, key: str, next_of):
        while url:
            response = session.get(url, timeout=600)
            response.raise_for_status()
            data = decode(response.content)
            yield data[key]
            url = next_of(data)

    def next_link(key: str):
        return lambda data: next(
            (link["href"] for link in data.get(key, ()) if link["rel"] == "next"), None
        )

    flavor_ids = {
        flavor["name"]: flavor["id"]
        for page in pages(compute + "/flavors/detail", "flavors", next_link("flavors_links"))
        for flavor in page
    }
    image_names = {
        entry["id"]: entry["name"]
        for page in pages(
            image + "/v2/images?limit=1000",
            "images",
            lambda data: image + data["next"] if data.get("next") else None,
        )
        for entry in page
    }
    rows = []
    add = rows.append
    public_networks: dict[str, bool] = {}
    query = "?limit=1000&all_tenants=1" if all_projects else "?limit=1000"
    for page in pages(compute + "/servers/detail" + query, "servers", next_link("servers_links")):
        for server in page:
            flavor, image_ref, fault = server["flavor"], server["image"], server.get("fault")
            public, private, floating = _first_ipv4(server["addresses"], public_networks)
            image_id = image_ref["id"] if image_ref else None
            add(
                (
                    server["id"],
                    server["name"],
                    server["status"],
                    server.get("OS-EXT-STS:task_state"),
                    server.get("progress"),
                    flavor["original_name"],
                    flavor_ids.get(flavor["original_name"]),
                    flavor["vcpus"],
                    flavor["ram"],
                    flavor["disk"],
                    image_names.get(image_id),
                    image_id,
                    public,
                    private,
                    floating,
                    server.get("accessIPv4") or None,
                    server.get("accessIPv6") or None,
                    server.get("key_name"),
                    server.get("OS-EXT-AZ:availability_zone"),
                    server.get("hostId") or None,
                    server.get("tenant_id"),
                    server.get("user_id"),
                    server.get("locked"),
                    fault["message"] if fault else None,
                    server["created"],
                    server["updated"],
                    server.get("OS-SRV-USG:launched_at"),
                )
            )
    transposed = map(list, zip(*rows, strict=True)) if rows else ([] for _ in COLUMNS)
    columns = dict(zip(COLUMNS, transposed, strict=True))
    data = {}
    for name, dtype in COLUMNS.items():
        if dtype == TIME:
            data[name] = pd.to_datetime(columns[name], utc=True, format="ISO8601").astype(TIME)
        else:
            data[name] = pd.array(columns[name], dtype=dtype)
    return pd.DataFrame(data)
