"""The v1.1 root beyond the book's 28 commands: every endpoint, its faults, the state it shares
with /v2.1, the leniency the book needs (and /v2.1 keeps refusing), and a member's limits."""

from __future__ import annotations

import pytest
import requests

BOOK_USER = {"passwordCredentials": {"username": "joe", "password": "shhh"}}
NOT_FOUND = {"itemNotFound": {"message": "The resource could not be found.", "code": 404}}


class Api:
    """Plain HTTP to one local cloud as joe (a member of project openstack, the default)."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.base = cloud.url
        self.nova = f"{cloud.url}/v1.1/openstack"
        answer = requests.post(f"{cloud.url}/v2.0/tokens", json=BOOK_USER, timeout=30)
        self.token = answer.json()["auth"]["token"]["id"]
        self.http = requests.Session()
        self.http.headers["X-Auth-Token"] = self.token

    def call(self, method, path, body=None, expect=200, root=None, **kwargs):
        url = (root or self.nova) + path
        response = self.http.request(method, url, json=body, timeout=30, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def v21(self, method, path, body=None, expect=200, **kwargs):
        return self.call(method, path, body, expect, root=f"{self.base}/v2.1", **kwargs)

    def boot(self, name="tornado001", image="1", flavor="1", ready=True, **extra) -> dict:
        body = {"server": {"name": name, "imageRef": image, "flavorRef": flavor, **extra}}
        server = self.call("POST", "/servers", body, expect=202)["server"]
        if ready:
            self.cloud.tick(20)
        return server


@pytest.fixture()
def api(localcloud):
    return Api(localcloud)


def fault(kind: str, code: int, message: str) -> dict:
    return {kind: {"message": message, "code": code}}


# ------------------------------------------------------------------------------ shared state


def test_a_server_booted_on_v2_1_is_numbered_on_v1_1_and_the_other_way_round(api):
    image = next(
        i for i in api.v21("GET", "/images")["images"] if i["name"] == "ubuntu-11.04-server"
    )
    modern = api.v21(
        "POST",
        "/servers",
        {"server": {"name": "modern", "imageRef": image["id"], "flavorRef": "1"}},
        expect=202,
    )
    book = api.boot("tornado002", image="3")

    servers = api.call("GET", "/servers")["servers"]

    assert [(s["id"], s["name"]) for s in servers] == [(2, "tornado002"), (1, "modern")]
    assert servers[1]["uuid"] == modern["server"]["id"]
    assert api.v21("GET", f"/servers/{book['uuid']}")["server"]["name"] == "tornado002"
    assert api.call("GET", f"/servers/{book['uuid']}")["server"]["id"] == 2


def test_server_numbers_belong_to_the_tenant(localcloud_factory):
    users = [
        {"name": "joe", "password": "shhh", "project": "openstack"},
        {"name": "ann", "password": "pw", "project": "class-2"},
    ]
    cloud = localcloud_factory(users=users)
    joe = Api(cloud)
    joe.boot()
    token = requests.post(
        f"{cloud.url}/v2.0/tokens",
        json={"passwordCredentials": {"username": "ann", "password": "pw"}},
        timeout=30,
    ).json()["auth"]
    ann_nova = token["serviceCatalog"]["nova"][0]["publicURL"]
    headers = {"X-Auth-Token": token["token"]["id"]}

    booted = requests.post(
        f"{ann_nova}/servers",
        json={"server": {"name": "ann1", "imageRef": "1", "flavorRef": "1"}},
        headers=headers,
        timeout=30,
    )
    theirs = requests.get(f"{cloud.url}/v1.1/openstack/servers", headers=headers, timeout=30)

    assert ann_nova == f"{cloud.url}/v1.1/class-2"
    assert booted.status_code == 202 and booted.json()["server"]["id"] == 1
    assert theirs.status_code == 400
    assert "tenant 'openstack'" in theirs.json()["badRequest"]["message"]


# ------------------------------------------------------------------------------ servers


def test_server_detail_lists_full_servers_and_filters_as_v1_1_did(api):
    api.boot("tornado001")
    api.boot("nginx001", image="3", flavor="2", ready=False)

    detail = api.call("GET", "/servers/detail")["servers"]
    assert [(s["id"], s["status"]) for s in detail] == [(2, "BUILD"), (1, "ACTIVE")]
    assert detail[0]["addresses"] == {} and detail[0]["hostId"] == ""
    assert set(detail[1]["addresses"]) == {"public", "private"}

    def names(**params):
        return [s["name"] for s in api.call("GET", "/servers", params=params)["servers"]]

    assert names(status="active") == ["tornado001"]
    assert names(name="^nginx") == ["nginx001"]
    assert names(image=f"{api.nova}/images/3") == ["nginx001"]
    assert names(flavor="1") == ["tornado001"]
    assert names(image="99") == []


def test_changes_since_includes_servers_deleted_since(api):
    api.boot("gone")
    since = api.call("GET", "/servers/1")["server"]["updated"]
    api.call("DELETE", "/servers/1", expect=204)
    api.cloud.tick(5)

    listed = api.call("GET", "/servers/detail", params={"changes-since": since})["servers"]

    assert [(s["id"], s["status"]) for s in listed] == [(1, "DELETED")]
    assert api.call("GET", "/servers")["servers"] == []
    assert api.call("GET", "/servers", params={"changes-since": "yesterday"}, expect=400)


def test_private_addresses_and_an_unknown_network(api):
    server = api.call("GET", f"/servers/{api.boot()['id']}")["server"]

    assert api.call("GET", "/servers/1/ips/private") == {
        "addresses": {"private": server["addresses"]["private"]}
    }
    assert api.call("GET", "/servers/1/ips/galaxy", expect=404) == fault(
        "itemNotFound", 404, "Instance is not a member of specified network"
    )


def test_renaming_to_nothing_gets_the_books_words(api):
    api.boot()

    answer = api.call("PUT", "/servers/1", {"server": {"name": " "}}, expect=400)

    assert answer == fault("badRequest", 400, "Server name is an empty string")


@pytest.mark.parametrize(
    "path", ["/servers/7", "/servers/7/ips", "/servers/7/metadata", "/images/42", "/flavors/42"]
)
def test_what_does_not_exist_is_the_books_item_not_found(api, path):
    assert api.call("GET", path, expect=404) == NOT_FOUND


def test_without_a_token_the_answer_is_401(api):
    answer = requests.get(f"{api.nova}/servers", timeout=30)

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Keystone uri=")


# ------------------------------------------------------------------------------ actions


def test_reboot_rebuild_and_their_faults(api):
    api.boot()

    assert api.call("POST", "/servers/1/action", {"reboot": {"type": "soft"}}, expect=202) is None
    assert api.call("GET", "/servers/1")["server"]["status"] == "REBOOT"
    assert api.call("POST", "/servers/1/action", {"reboot": {"type": "HARD"}}, expect=409)[
        "conflictingRequest"
    ]
    api.cloud.tick(10)
    assert api.call("POST", "/servers/1/action", {"reboot": {"type": "WARM"}}, expect=400) == fault(
        "badRequest", 400, "Argument 'type' for reboot is not HARD or SOFT"
    )

    rebuilt = api.call(
        "POST",
        "/servers/1/action",
        {"rebuild": {"imageRef": f"{api.nova}/images/3", "name": "again"}},
        expect=202,
    )["server"]
    assert (rebuilt["status"], rebuilt["name"], rebuilt["image"]["id"]) == ("REBUILD", "again", "3")
    assert rebuilt["adminPass"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"fly": None}, "There is no such action: fly"),
        ({"resize": {}}, "Resize requests require 'flavorRef' attribute."),
        ({"resize": {"flavorRef": "http://x/flavors/99"}}, "Invalid flavorRef provided."),
        ({"createImage": {}}, "createImage entity requires name attribute"),
        ({"changePassword": {}}, "No adminPass was specified"),
        (
            {"rebuild": {"imageRef": "9"}},
            "Cannot find requested image 9: Image 9 could not be found.",
        ),
    ],
)
def test_a_wrong_action_says_what_was_wrong(api, body, message):
    api.boot()

    assert api.call("POST", "/servers/1/action", body, expect=400) == fault(
        "badRequest", 400, message
    )


def test_two_actions_at_once_or_a_broken_body_are_refused(api):
    api.boot()

    two = api.call(
        "POST", "/servers/1/action", {"reboot": {"type": "SOFT"}, "resize": {}}, expect=400
    )
    broken = api.http.post(f"{api.nova}/servers/1/action", data="{not json", timeout=30)

    assert "expected one action" in two["badRequest"]["message"]
    assert (
        broken.status_code == 400
        and "Malformed request body" in broken.json()["badRequest"]["message"]
    )


def test_confirming_without_a_resize_is_a_conflict(api):
    api.boot()

    answer = api.call("POST", "/servers/1/action", {"confirmResize": None}, expect=409)

    assert "confirmResize" in answer["conflictingRequest"]["message"]


# ------------------------------------------------------------------------------ metadata


def test_metadata_item_puts_must_name_the_key_of_the_url(api):
    api.boot()

    mismatch = api.call(
        "PUT", "/servers/1/metadata/owner", {"metadata": {"group": "www"}}, expect=400
    )
    too_many = api.call(
        "PUT", "/servers/1/metadata/owner", {"metadata": {"owner": "a", "b": "c"}}, expect=400
    )
    modern_form = api.call("PUT", "/servers/1/metadata/owner", {"meta": {"owner": "joe"}})

    assert mismatch == fault("badRequest", 400, "Request body and URI mismatch")
    assert too_many == fault("badRequest", 400, "Request body contains too many items")
    assert modern_form == {"metadata": {"owner": "joe"}}
    assert api.call("GET", "/servers/1/metadata/nothing", expect=404)["itemNotFound"]


def test_a_sixth_metadata_item_is_over_the_limit_as_v1_1_answered(api):
    api.boot(metadata={f"k{i}": "v" for i in range(5)})

    answer = api.call("POST", "/servers/1/metadata", {"metadata": {"k5": "v"}}, expect=413)

    assert answer["overLimit"]["code"] == 413
    assert answer["overLimit"]["message"].startswith("Quota exceeded for metadata_items")
    assert api.call("GET", "/servers/1/metadata")["metadata"] == {f"k{i}": "v" for i in range(5)}


def test_a_member_may_not_change_or_delete_another_projects_public_images(api, localcloud):
    # The book's images 1 to 3 are its project's own (chapters 5 and 6 edit and delete them);
    # the other public images are the cloud's, and a member of another project owns none.
    localcloud.add_user("ann", "pw", project="other")
    answer = requests.post(
        f"{localcloud.url}/v2.0/tokens",
        json={"passwordCredentials": {"username": "ann", "password": "pw"}},
        timeout=30,
    )
    ann = Api(localcloud)
    ann.nova = f"{localcloud.url}/v1.1/other"
    ann.http.headers["X-Auth-Token"] = answer.json()["auth"]["token"]["id"]
    for who, method, path, body in [
        (ann, "PUT", "/images/1/metadata", {"metadata": {"owner": "ann"}}),
        (ann, "PUT", "/images/1/metadata/owner", {"metadata": {"owner": "ann"}}),
        (ann, "DELETE", "/images/3", None),
        (api, "PUT", "/images/4/metadata", {"metadata": {"owner": "joe"}}),
        (api, "DELETE", "/images/5", None),
    ]:
        assert who.call(method, path, body, expect=403)["forbidden"]["code"] == 403
    assert len(api.call("GET", "/images")["images"]) == 5
    assert api.call("PUT", "/images/1/metadata/owner", {"metadata": {"owner": "joe"}}) == {
        "metadata": {"owner": "joe"}
    }


def test_a_snapshot_is_the_members_own_image_with_all_six_metadata_operations(api):
    api.boot()
    response = api.http.post(
        f"{api.nova}/servers/1/action",
        json={"createImage": {"name": "snap", "metadata": {"a": "1"}}},
        timeout=30,
    )
    number = response.headers["Location"].rsplit("/", 1)[1]
    api.cloud.tick(20)
    path = f"/images/{number}/metadata"

    assert api.call("GET", path)["metadata"]["a"] == "1"
    assert api.call("PUT", path, {"metadata": {"b": "2"}}) == {"metadata": {"b": "2"}}
    assert api.call("POST", path, {"metadata": {"c": "3"}}) == {"metadata": {"b": "2", "c": "3"}}
    assert api.call("PUT", f"{path}/b", {"metadata": {"b": "4"}}) == {"metadata": {"b": "4"}}
    assert api.call("GET", f"{path}/b") == {"metadata": {"b": "4"}}
    assert api.call("DELETE", f"{path}/b", expect=204) is None
    assert api.call("DELETE", f"/images/{number}", expect=204) is None
    assert api.call("GET", f"/images/{number}", expect=404) == NOT_FOUND


# ------------------------------------------------------------------------------ images, flavors, limits


def test_image_and_flavor_details(api):
    image = api.call("GET", "/images/3")["image"]
    flavors = api.call("GET", "/flavors/detail")["flavors"]

    assert (image["id"], image["name"], image["status"], image["progress"]) == (
        3,
        "ubuntu-11.04-server",
        "ACTIVE",
        100,
    )
    assert {"minDisk", "minRam", "metadata", "created", "updated", "links"} <= set(image)
    assert api.call("GET", "/images/detail")["images"][-1]["id"] == 1
    assert [(f["id"], f["name"], f["ram"], f["vcpus"], f["disk"]) for f in flavors][:5] == [
        (1, "m1.tiny", 512, 1, 1),
        (2, "m1.small", 2048, 1, 20),
        (3, "m1.medium", 4096, 2, 40),
        (4, "m1.large", 8192, 4, 80),
        (5, "m1.xlarge", 16384, 8, 160),
    ]
    assert api.call("GET", "/flavors/5")["flavor"] == flavors[4]


def test_limits_carry_the_books_names_and_values(api):
    api.boot()

    absolute = api.call("GET", "/limits")["limits"]["absolute"]

    assert {
        k: absolute[k]
        for k in (
            "maxTotalRAMSize",
            "maxServerMeta",
            "maxImageMeta",
            "maxPersonality",
            "maxPersonalitySize",
        )
    } == {
        "maxTotalRAMSize": 51200,
        "maxServerMeta": 5,
        "maxImageMeta": 5,
        "maxPersonality": 5,
        "maxPersonalitySize": 10240,
    }
    assert (absolute["totalInstancesUsed"], absolute["totalRAMUsed"]) == (1, 512)


def test_the_v1_1_root_describes_its_version(api):
    for path in ("/v1.1", "/v1.1/openstack"):
        version = requests.get(api.base + path, timeout=30).json()["version"]
        assert (version["id"], version["status"]) == ("v1.1", "DEPRECATED")


# ------------------------------------------------------------------------------ leniency, v1.1 only


def test_json_labelled_as_a_form_is_read_as_json(api):
    body = '{"server": {"name": "formed", "imageRef": "1", "flavorRef": "1"}}'

    answer = api.http.post(
        f"{api.nova}/servers",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )

    assert answer.status_code == 202 and answer.json()["server"]["name"] == "formed"


def test_the_books_placeholder_personality_and_ipv6_pass_on_v1_1_only(api):
    placeholder = [{"path": "", "contents": ""}]
    book_ipv6 = "fe80:0:0:0:0:c0a8:6402"
    image = next(
        i for i in api.v21("GET", "/images")["images"] if i["name"] == "ubuntu-11.04-kernel"
    )
    modern = {"name": "m", "imageRef": image["id"], "flavorRef": "1"}

    server = api.boot(personality=placeholder, accessIPv6=book_ipv6, ready=False)

    assert server["accessIPv6"] == "fe80::c0a8:6402"
    # Only the book's placeholder is overlooked: an unnamed file with contents is still refused.
    unnamed = {
        "server": {
            "name": "x",
            "imageRef": "1",
            "flavorRef": "1",
            "personality": [{"path": "", "contents": "aGk="}],
        }
    }
    assert api.call("POST", "/servers", unnamed, expect=400)["badRequest"]
    assert api.v21(
        "POST", "/servers", {"server": {**modern, "personality": placeholder}}, expect=400
    )
    assert api.v21("POST", "/servers", {"server": {**modern, "accessIPv6": book_ipv6}}, expect=400)
    assert api.v21(
        "PUT", f"/servers/{server['uuid']}", {"server": {"accessIPv6": book_ipv6}}, expect=400
    )


def test_metadata_item_puts_in_the_books_form_pass_on_v1_1_only(api):
    server = api.boot()

    assert api.call("PUT", "/servers/1/metadata/owner", {"metadata": {"owner": "joe"}}) == {
        "metadata": {"owner": "joe"}
    }
    api.v21(
        "PUT",
        f"/servers/{server['uuid']}/metadata/owner",
        {"metadata": {"owner": "joe"}},
        expect=400,
    )


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("fe80:0:0:0:0:c0a8:6402", "fe80::c0a8:6402"),
        ("2001:db8:0:0:1:2:3", "2001:db8::1:2:3"),
        ("1:2:3:4:5:6:7", None),
        ("fe80::1", "fe80::1"),
    ],
)
def test_a_seven_group_ipv6_address_is_read_with_one_more_zero_group(api, written, read):
    api.boot()

    expect = 200 if read else 400
    answer = api.call("PUT", "/servers/1", {"server": {"accessIPv6": written}}, expect=expect)

    if read:
        assert answer["server"]["accessIPv6"] == read
    else:
        assert "accessIPv6" in answer["badRequest"]["message"]
