"""The instructor's side of the control API, over HTTP: the class view (who did what last, and the
errors each learner met) and a learner's fresh project. Admins only, whatever the cloud's
control setting; a learner gets a 403 in one line."""

from __future__ import annotations

import pytest

from novamagic.localcloud import LocalCloud, ManualClock
from tests.localcloud.conftest import Api

CLASS = [
    {"name": "alice", "password": "a", "project": "class-1"},
    {"name": "bob", "password": "b", "project": "class-2"},
    {"name": "teacher", "password": "t", "project": "staff", "roles": ["admin"]},
]


@pytest.fixture
def classroom():
    with LocalCloud(seed=3, clock=ManualClock(), users=CLASS, token_ttl=86400) as cloud:
        yield cloud


def control(api, method, path, **kw):
    return api.request(method, f"{api.cloud.url}/_localcloud{path}", **kw)


def people(teacher) -> dict:
    response = control(teacher, "GET", "/class")
    assert response.status_code == 200, response.text
    return {user["name"]: user for user in response.json()["users"]}


def test_the_class_view_shows_each_users_last_request_and_errors(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    bob = Api(classroom, "bob", "b", "class-2")
    teacher = Api(classroom, "teacher", "t", "staff")
    alice.boot("web-1")
    refused = alice.post("/servers", {"server": {"name": "x", "imageRef": "3", "flavorRef": "99"}})
    assert refused.status_code == 400
    seen = people(teacher)
    assert seen["alice"]["project"] == "class-1" and seen["alice"]["requests"] == 2
    assert seen["alice"]["last_request"] == "POST /compute/v2.1/servers"
    (error,) = seen["alice"]["errors"]
    assert error["status"] == 400 and error["method"] == "POST"
    assert error["message"] == "Invalid flavorRef provided: flavor 99 could not be found."
    assert error["seconds_ago"] >= 0
    # bob has only logged in: Keystone's token issue carries no token of its own
    assert seen["bob"]["requests"] == 0 and seen["bob"]["last_request_at"] is None
    assert seen["bob"]["idle_seconds"] is None and seen["bob"]["errors"] == []
    assert seen["teacher"]["roles"] == ["admin"]
    # no password and no token in the view
    text = control(teacher, "GET", "/class").text
    for secret in ('"a"', alice.token, bob.token, teacher.token):
        assert secret not in text


def test_a_learner_cannot_reach_the_instructors_routes(classroom):
    # this in-process cloud opens the rest of the control API to any token: not these routes
    alice = Api(classroom, "alice", "a", "class-1")
    for method, path in (("GET", "/class"), ("POST", "/class/class-2/reset")):
        response = control(alice, method, path)
        assert response.status_code == 403, response.text
        message = response.json()["forbidden"]["message"]
        assert "instructor" in message and "\n" not in message


def test_errors_kept_per_learner_are_bounded(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    teacher = Api(classroom, "teacher", "t", "staff")
    for n in range(50):
        assert alice.get(f"/servers/nope-{n}").status_code == 404
    errors = people(teacher)["alice"]["errors"]
    assert len(errors) == 20  # the newest ones
    assert errors[-1]["path"].endswith("/servers/nope-49")


def test_reset_gives_a_learner_a_fresh_project_and_leaves_the_others_alone(classroom):
    alice = Api(classroom, "alice", "a", "class-1")
    bob = Api(classroom, "bob", "b", "class-2")
    teacher = Api(classroom, "teacher", "t", "staff")
    network = f"{classroom.url}/networking/v2.0"
    web = alice.boot("web-1")
    alice.boot("web-2", metadata={"owner": "alice"})
    bobs = bob.boot("bob-1")
    assert alice.post("/os-keypairs", {"keypair": {"name": "k"}}).status_code == 200
    group = alice.request("POST", f"{network}/security-groups",
                          json={"security_group": {"name": "web"}}).json()["security_group"]  # fmt: skip
    fip = alice.request("POST", f"{network}/floatingips", json={"floatingip": {
        "floating_network_id": _public(alice, network)}})  # fmt: skip
    assert fip.status_code == 201, fip.text
    assert (
        alice.put(f"/os-quota-sets/{alice.project_id}", {"quota_set": {"instances": 3}}).status_code
        == 403
    )
    assert teacher.put(f"/os-quota-sets/{alice.project_id}",
                       {"quota_set": {"instances": 3}}).status_code == 200  # fmt: skip
    classroom.tick(60)
    snap = alice.post(f"/servers/{web}/action", {"createImage": {"name": "snap"}})
    assert snap.status_code == 202
    classroom.tick(60)
    before = alice.request("GET", f"{network}/networks?name=private").json()["networks"]

    response = control(teacher, "POST", "/class/class-1/reset")
    assert response.status_code == 200, response.text
    removed = response.json()["removed"]
    assert removed["servers"] == 2 and removed["images"] == 1 and removed["keypairs"] == 1
    assert removed["floating_ips"] == 1 and removed["security_groups"] == 1

    # alice's token still works, on an empty project that looks as it did at the start
    assert alice.get("/servers").json()["servers"] == []
    assert alice.get("/os-keypairs").json()["keypairs"] == []
    names = [i["name"] for i in alice.get("/images").json()["images"]]
    assert "snap" not in names and len(names) >= 3
    groups = alice.request("GET", f"{network}/security-groups").json()["security_groups"]
    assert [g["name"] for g in groups] == ["default"] and group["id"] not in str(groups)
    assert alice.request("GET", f"{network}/floatingips").json()["floatingips"] == []
    after = alice.request("GET", f"{network}/networks?name=private").json()["networks"]
    assert [n["id"] for n in after] == [n["id"] for n in before]  # the same seeded id
    quota = alice.get(f"/os-quota-sets/{alice.project_id}").json()["quota_set"]
    assert quota["instances"] == 10
    assert alice.boot("web-1")  # and boots again at once
    # bob's work is untouched
    assert [s["id"] for s in bob.get("/servers").json()["servers"]] == [bobs]
    assert people(teacher)["alice"]["requests"] >= 1  # counting again after the reset


def test_reset_refusals_are_one_line(classroom):
    teacher = Api(classroom, "teacher", "t", "staff")
    missing = control(teacher, "POST", "/class/nobody/reset")
    assert missing.status_code == 404 and "nobody" in missing.json()["itemNotFound"]["message"]
    own = control(teacher, "POST", "/class/staff/reset")
    assert own.status_code == 409
    assert "only learners' projects" in own.json()["conflictingRequest"]["message"]


def _public(api, network) -> str:
    nets = api.request("GET", f"{network}/networks?name=public").json()["networks"]
    return nets[0]["id"]
