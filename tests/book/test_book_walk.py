"""The book's 28 curl commands, read from its text and run with the real curl in the book's order
against the standalone local cloud; each answer checked against the JSON the book prints.

Only host, port and token change in the commands. Where the book's sequence cannot succeed as
printed on a faithful cloud, the test prepares state between commands through the API or the
control API, and says so at that step ("PREPARE: ..."). Those steps are:

* before 6: the build takes 20 cloud seconds; the book shows server 1 ACTIVE, so the clock ticks.
* before 10: the book reads metadata key ``owner`` before any command sets it; it is set first.
* before 15: likewise for image 1's ``owner``.
* before 22: chapter 5 acts on server 3, but the book booted only server 1 (its listing shows a
  tornado002): servers 2 and 3 are booted and built.
* before 24: a resize reaches VERIFY_RESIZE after 30 cloud seconds; only then can it be confirmed.
* before 25: the book reverts right after confirming; a revert needs a resize awaiting
  confirmation, so server 3 is resized again.
* before 27: deleting a server while its snapshot uploads discards the image (as Nova does); the
  upload is let finish first.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

BOOK_IMAGES = {1: "ubuntu-11.04-kernel", 2: "ubuntu-11.04-initrd", 3: "ubuntu-11.04-server"}
BOOK_FLAVORS = {1: "m1.tiny", 2: "m1.small", 3: "m1.medium", 4: "m1.large", 5: "m1.xlarge"}
#: The keys of the server the book's create call returns (chapter 3, "Booting a New Server").
SERVER_KEYS = {
    "status", "updated", "hostId", "user_id", "name", "links", "created", "tenant_id", "image",
    "uuid", "accessIPv4", "metadata", "accessIPv6", "key_name", "progress", "flavor",
    "config_drive", "id", "addresses",
}  # fmt: skip
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NOT_FOUND = {"itemNotFound": {"message": "The resource could not be found.", "code": 404}}


def links(book, kind: str, number: int) -> list[dict]:
    return [
        {"href": book.book_url(f"/v1.1/openstack/{kind}/{number}"), "rel": "self"},
        {"href": book.book_url(f"/openstack/{kind}/{number}"), "rel": "bookmark"},
    ]


def ref(book, kind: str, number: int) -> dict:
    return {
        "id": str(number),
        "links": [{"href": book.book_url(f"/openstack/{kind}/{number}"), "rel": "bookmark"}],
    }


def check_addresses(addresses: dict) -> None:
    assert set(addresses) == {"public", "private"}
    for entries in addresses.values():
        assert {e["version"] for e in entries} == {4, 6}
        for entry in entries:
            assert set(entry) == {"version", "addr"}
            assert ipaddress.ip_address(entry["addr"]).version == entry["version"]


def test_the_books_curl_commands_run_as_printed(book):
    # ---------------------------------------------------------------- chapter 2: the token
    r = book.run(1, "POST", "/v2.0/tokens")
    assert r.status == 200
    auth = r.json()["auth"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", auth["token"]["expires"])
    assert set(auth["serviceCatalog"]) == {"glance", "identity", "nova"}
    (nova,) = auth["serviceCatalog"]["nova"]
    assert nova == {
        "adminURL": book.nova,
        "region": "RegionOne",
        "internalURL": book.nova,
        "publicURL": book.nova,
    }
    book.token = auth["token"]["id"]

    # ---------------------------------------------------------------- chapter 3: servers
    r = book.run(2, "GET", "/v1.1/openstack/images")
    assert r.status == 200
    images = r.json()["images"]
    assert [i["id"] for i in images] == sorted((i["id"] for i in images), reverse=True)
    for number, name in BOOK_IMAGES.items():
        assert {"id": number, "links": links(book, "images", number), "name": name} in images

    r = book.run(3, "GET", "/v1.1/openstack/flavors")
    assert r.status == 200
    assert sorted(r.json()["flavors"], key=lambda f: f["id"]) == [
        {"id": number, "links": links(book, "flavors", number), "name": name}
        for number, name in BOOK_FLAVORS.items()
    ]

    r = book.run(4, "POST", "/v1.1/openstack/servers")
    assert r.status == 202
    created = r.json()["server"]
    assert set(created) == SERVER_KEYS | {"adminPass"}
    assert created["adminPass"] and isinstance(created["adminPass"], str)
    uuid.UUID(created["uuid"])
    assert TIMESTAMP.match(created["created"]) and created["updated"] == created["created"]
    assert {k: created[k] for k in SERVER_KEYS - {"uuid", "created", "updated"}} == {
        "status": "BUILD",
        "hostId": "",
        "user_id": "joe",
        "name": "tornado001",
        "links": links(book, "servers", 1),
        "tenant_id": "openstack",
        "image": ref(book, "images", 1),
        "accessIPv4": "",
        "metadata": {"Server Name": "Tornado"},
        "accessIPv6": "",
        "key_name": None,
        "progress": 0,
        "flavor": ref(book, "flavors", 1),
        "config_drive": "",
        "id": 1,
        "addresses": {},
    }

    r = book.run(5, "GET", "/v1.1/openstack/servers")
    assert r.status == 200
    assert r.json() == {
        "servers": [
            {
                "id": 1,
                "uuid": created["uuid"],
                "links": links(book, "servers", 1),
                "name": "tornado001",
            }
        ]
    }

    # PREPARE: the book shows server 1 ACTIVE; its build takes 20 cloud seconds.
    book.tick(20)
    r = book.run(6, "GET", "/v1.1/openstack/servers/1")
    assert r.status == 200
    server = r.json()["server"]
    assert set(server) == SERVER_KEYS
    assert (server["status"], server["progress"], server["id"]) == ("ACTIVE", 100, 1)
    assert re.fullmatch(r"[0-9a-f]{56}", server["hostId"])
    assert server["image"] == ref(book, "images", 1) and server["flavor"] == ref(book, "flavors", 1)
    check_addresses(server["addresses"])

    r = book.run(7, "GET", "/v1.1/openstack/servers/1/ips")
    assert r.status == 200
    assert r.json() == {"addresses": server["addresses"]}

    r = book.run(8, "GET", "/v1.1/openstack/servers/1/ips/public")
    assert r.status == 200
    assert r.json() == {"addresses": {"public": server["addresses"]["public"]}}

    # ---------------------------------------------------------------- chapter 4: server metadata
    r = book.run(9, "GET", "/v1.1/openstack/servers/1/metadata")
    assert (r.status, r.json()) == (200, {"metadata": {"Server Name": "Tornado"}})

    # PREPARE: the book reads key "owner" before any of its commands sets it.
    book.api("POST", "/servers/1/metadata", {"metadata": {"owner": "joe"}})
    r = book.run(10, "GET", "/v1.1/openstack/servers/1/metadata/owner")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe"}})

    r = book.run(11, "PUT", "/v1.1/openstack/servers/1/metadata")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe", "group": "www"}})

    r = book.run(12, "PUT", "/v1.1/openstack/servers/1/metadata/owner")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe"}})

    r = book.run(13, "POST", "/v1.1/openstack/servers/1/metadata")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "adam", "group": "www"}})

    r = book.run(14, "DELETE", "/v1.1/openstack/servers/1/metadata/owner")
    assert (r.status, r.body) == (204, "")
    assert book.api("GET", "/servers/1/metadata") == {"metadata": {"group": "www"}}

    # ---------------------------------------------------------------- chapter 5: image metadata
    # PREPARE: the book reads image 1's "owner" before any of its commands sets it.
    book.api("POST", "/images/1/metadata", {"metadata": {"owner": "joe"}})
    r = book.run(15, "GET", "/v1.1/openstack/images/1/metadata/owner")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe"}})

    r = book.run(16, "PUT", "/v1.1/openstack/images/1/metadata")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe", "group": "www"}})

    r = book.run(17, "PUT", "/v1.1/openstack/images/1/metadata/owner")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "joe"}})

    r = book.run(18, "POST", "/v1.1/openstack/images/1/metadata")
    assert (r.status, r.json()) == (200, {"metadata": {"owner": "adam", "group": "www"}})

    r = book.run(19, "DELETE", "/v1.1/openstack/images/1/metadata/owner")
    assert (r.status, r.body) == (204, "")
    assert book.api("GET", "/images/1/metadata") == {"metadata": {"group": "www"}}

    r = book.run(20, "PUT", "/v1.1/openstack/servers/1")
    assert r.status == 200
    renamed = r.json()["server"]
    assert set(renamed) == SERVER_KEYS
    assert (renamed["name"], renamed["id"], renamed["uuid"]) == ("nginx000", 1, created["uuid"])

    r = book.run(21, "PUT", "/v1.1/openstack/servers/1")
    assert r.status == 200
    readdressed = r.json()["server"]
    assert (readdressed["name"], readdressed["accessIPv4"]) == ("nginx000", "192.168.100.2")
    # The book's seven groups, read as the address its /ips listing shows: fe80::c0a8:6402.
    assert readdressed["accessIPv6"] == "fe80::c0a8:6402"

    # PREPARE: the book acts on server 3 but booted only server 1; boot 2 and 3, let them build.
    for name in ("tornado002", "tornado003"):
        body = {"server": {"name": name, "imageRef": "3", "flavorRef": "1"}}
        book.api("POST", "/servers", body, expect=202)
    book.tick(20)
    assert book.api("GET", "/servers/3")["server"]["status"] == "ACTIVE"

    r = book.run(22, "POST", "/v1.1/openstack/servers/3/action")
    assert (r.status, r.body) == (202, "")

    r = book.run(23, "POST", "/v1.1/openstack/servers/3/action")
    assert (r.status, r.body) == (202, "")
    assert book.api("GET", "/servers/3")["server"]["status"] == "RESIZE"

    # PREPARE: a resize waits for confirmation once it has run (30 cloud seconds).
    book.tick(30)
    resized = book.api("GET", "/servers/3")["server"]
    assert (resized["status"], resized["flavor"]) == ("VERIFY_RESIZE", ref(book, "flavors", 5))

    r = book.run(24, "POST", "/v1.1/openstack/servers/3/action")
    assert (r.status, r.body) == (204, "")
    confirmed = book.api("GET", "/servers/3")["server"]
    assert (confirmed["status"], confirmed["flavor"]) == ("ACTIVE", ref(book, "flavors", 5))

    # PREPARE: the book reverts right after confirming; a revert needs a resize to revert.
    book.api("POST", "/servers/3/action", {"resize": {"flavorRef": "2"}}, expect=202)
    book.tick(30)
    assert book.api("GET", "/servers/3")["server"]["status"] == "VERIFY_RESIZE"

    r = book.run(25, "POST", "/v1.1/openstack/servers/3/action")
    assert (r.status, r.body) == (202, "")
    assert book.api("GET", "/servers/3")["server"]["status"] == "REVERT_RESIZE"
    book.tick(15)
    reverted = book.api("GET", "/servers/3")["server"]
    assert (reverted["status"], reverted["flavor"]) == ("ACTIVE", ref(book, "flavors", 5))

    # ---------------------------------------------------------------- chapter 6: images
    r = book.run(26, "POST", "/v1.1/openstack/servers/3/action")
    assert (r.status, r.body) == (202, "")
    location = re.fullmatch(re.escape(book.nova) + r"/images/(\d+)", r.header("Location"))
    assert location, r.headers
    snapshot_number = int(location.group(1))
    snapshot = book.api("GET", f"/images/{snapshot_number}")["image"]
    assert (snapshot["name"], snapshot["status"]) == ("tornado-app-server", "SAVING")
    assert {"version": "1.0.0", "creator": "joe"}.items() <= snapshot["metadata"].items()
    assert snapshot["server"] == {"id": 3, "links": links(book, "servers", 3)}

    # PREPARE: deleting a server while its snapshot uploads would discard the image.
    book.tick(20)
    assert book.api("GET", f"/images/{snapshot_number}")["image"]["status"] == "ACTIVE"

    r = book.run(27, "DELETE", "/v1.1/openstack/servers/3")
    assert (r.status, r.body) == (204, "")
    book.tick(5)
    assert book.api("GET", "/servers/3", expect=404) == NOT_FOUND
    assert book.api("GET", f"/images/{snapshot_number}")["image"]["status"] == "ACTIVE"

    r = book.run(28, "DELETE", "/v1.1/openstack/images/3")
    assert (r.status, r.body) == (204, "")
    # "... it will return an error message when the server you are trying to delete does not exist"
    assert book.api("DELETE", "/images/3", expect=404) == NOT_FOUND
    assert book.last == len(book.commands) == 28
