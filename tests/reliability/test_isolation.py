"""Isolation and auth: every route that needs a token, tried without one, with a wrong one, an
expired one, and another project's; admin-only operations refused for members.

Routes come from the local cloud's werkzeug ``url_map`` (``AUTH_ROUTES``), so a new endpoint is
covered without touching this file. Each request carries a body that would be accepted from
the right caller, so a refusal is the guard's doing, not the body's.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote

import pytest

from tests.reliability.arena import AUTH_ROUTES, Arena

#: A body each handler would accept from its rightful caller.
GOOD_BODIES = {
    "create_server": {"server": {"name": "pwned", "imageRef": "3", "flavorRef": "1"}},
    "update_server": {"server": {"name": "pwned"}},
    "server_action": {"os-stop": None},
    "replace_server_metadata": {"metadata": {"pwned": "1"}},
    "update_server_metadata": {"metadata": {"pwned": "1"}},
    "set_server_metadata_item": {"meta": {"k1": "pwned"}},
    "replace_image_metadata": {"metadata": {"pwned": "1"}},
    "update_image_metadata": {"metadata": {"pwned": "1"}},
    "set_image_metadata_item": {"meta": {"kind": "pwned"}},
    "replace_tags": {"tags": ["pwned"]},
    "update_quotas": {"quota_set": {"instances": 1}},
    "create_app_credential": {"application_credential": {"name": "pwned"}},
    "tick": {"seconds": 1},
    "add_fault": {"path": ".*", "status": 503},
    "set_speed": {"speed": 2},
    "populate": {"count": 1, "project": "openstack"},
    "create_keypair": {"keypair": {"name": "pwned"}},
    "create_network": {"network": {"name": "pwned"}},
    "update_network": {"network": {"name": "pwned"}},
    "create_subnet": {"subnet": {"network_id": "@joe-network", "cidr": "10.9.0.0/24",
                                 "ip_version": 4}},
    "update_subnet": {"subnet": {"name": "pwned"}},
    "create_port": {"port": {"network_id": "@joe-network"}},
    "update_port": {"port": {"name": "pwned"}},
    "create_floating_ip": {"floatingip": {"floating_network_id": "@public",
                                          "port_id": "@joe-port"}},
    "update_floating_ip": {"floatingip": {"port_id": None}},
    "create_group": {"security_group": {"name": "pwned"}},
    "update_group": {"security_group": {"name": "pwned"}},
    "create_rule": {"security_group_rule": {"security_group_id": "@joe-group",
                                            "direction": "ingress"}},
    "update_quota": {"quota": {"network": 1}},
}  # fmt: skip


@pytest.fixture(scope="module")
def world(secrets_ledger):
    """The arena, plus a token of joe's that has expired (the cloud's clock moved past it)."""
    arena = Arena(secrets_ledger, token_ttl=600)
    arena.expired_token = arena.tokens["joe"]
    arena.cloud.tick(601)
    arena.issue_tokens()
    arena.baseline = arena.snapshot()
    yield arena
    arena.close()


def _fill(rule: str, world: Arena, owner: str = "joe") -> str:
    """The rule's path with ``owner``'s resources in it (joe's server, snapshot, project...)."""
    values = {
        "server_id": world.server.id,
        "ident": world.server.id,
        "image_id": world.image.id,
        "flavor_id": "1",
        "project_id": world.projects[owner],
        "tenant": world.projects[owner],
        "project_ref": world.projects[owner],
        "user_id": world.user_ids[owner],
        "key": "k1",
        "tag": "blue",
        "network": "private",
        "network_id": world.network.id,
        "subnet_id": world.network.subnets[0],
        "port_id": world.port.id,
        "fip_id": world.fip.id,
        "group_id": world.group.id,
        "rule_id": world.rule.id,
    }
    # a variable of a route added later gets a plain value: still a request to refuse
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>",
        lambda m: quote(values.get(m.group(1), f"some-{m.group(1)}"), safe=""),
        rule,
    )


def _aimed(body, world: Arena):
    """A body with "@joe-..." standing for joe's resources (an arena rebuilt has new ids)."""
    if isinstance(body, dict):
        return {k: _aimed(v, world) for k, v in body.items()}
    names = {
        "@joe-network": world.network.id,
        "@joe-port": world.port.id,
        "@joe-group": world.group.id,
        "@public": "c0ffee00-0000-4000-8000-000000000002",
    }
    return names.get(body, body) if isinstance(body, str) else body


def _send(world: Arena, method: str, path: str, token: str | None, body=None):
    body = _aimed(body, world)
    headers = {} if token is None else {"X-Auth-Token": token}
    return world.http.request(
        method, world.cloud.url + path, headers=headers, json=body, timeout=10
    )


@pytest.mark.parametrize(
    "credential", ["no token", "wrong token", "expired token", "revoked-looking token"]
)
def test_every_route_refuses_a_bad_token(world, credential, figures):
    token = {
        "no token": None,
        "wrong token": "gAAAAA" + "x" * 64,
        "expired token": world.expired_token,
        "revoked-looking token": world.tokens["joe"][:-4] + "AAAA",
    }[credential]
    statuses = Counter()
    for rule, method, _face, handler in AUTH_ROUTES:
        path = _fill(rule, world)
        response = _send(world, method, path, token, GOOD_BODIES.get(handler))
        statuses[response.status_code] += 1
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == 401  # keystonemiddleware's shape
        assert "Keystone uri=" in response.headers.get("WWW-Authenticate", "")
        assert world.snapshot() == world.baseline, f"{method} {path} changed the cloud"
    figures.add("isolation", f"{credential}: routes refused with 401", statuses[401])


def _reveals(text: str, world: Arena, asked: str = "") -> list[str]:
    """What of joe's the answer shows that the request itself did not name."""
    secrets_of_joe = {
        "joe's server id": world.server.id,
        "joe's server name": "base-1",
        "joe's snapshot id": world.image.id,
        "joe's snapshot name": "snap-1",
        "joe's metadata": "role",
        "joe's network": world.network.id,
        "joe's port": world.port.id,
        "joe's security group": world.group.id,
        "joe's floating IP": world.fip.floating_ip_address,
    }
    return [what for what, value in secrets_of_joe.items() if value in text and value not in asked]


def test_another_projects_token_sees_and_changes_nothing(world, figures):
    """ann (project ``other``) aims every route at joe's resources."""
    joe_before = _joe_view(world)
    outcomes = Counter()
    for rule, method, _face, handler in AUTH_ROUTES:
        path = _fill(rule, world)
        token = world.tokens["ann"]  # (re-read: a rebuilt arena issues new tokens)
        response = _send(world, method, path, token, GOOD_BODIES.get(handler))
        status = response.status_code
        assert status < 500, f"{method} {path}: {status} {response.text[:200]}"
        assert status != 401, f"{method} {path}: ann's token was not accepted at all"
        # what ann named herself (in the path or the body) may be echoed back
        asked = path + repr(_aimed(GOOD_BODIES.get(handler), world))
        shown = _reveals(response.text, world, asked=asked)
        assert not shown, f"{method} {path} ({status}) shows ann {shown}"
        if status >= 400:
            outcomes["refused"] += 1
        else:
            outcomes["answered, about ann's own project only"] += 1
        assert _joe_view(world) == joe_before, f"ann's {method} {path} changed joe's resources"
        world.restore_if_changed()  # ann may change her own things (tick, reset are admin-only)
        joe_before = _joe_view(world)
    for outcome, count in outcomes.items():
        figures.add("isolation", f"another project's token: {outcome}", count)


def _joe_view(world: Arena):
    """Everything of joe's project, as the snapshot holds it."""
    state = world.cloud.state
    joe_project = world.projects["joe"]
    with state.lock:
        servers = [s for s in state.servers.values() if s.project_id == joe_project]
        images = [i for i in state.images.values() if i.owner == joe_project]
        return repr(
            (
                [
                    (s.id, s.name, s.status, s.flavor_id, dict(s.metadata), list(s.tags))
                    for s in servers
                ],
                [(i.id, i.name, i.status, dict(i.properties)) for i in images],
                dict(state.quotas.get(joe_project, {})),
                [u for u in state.users.values() if u.project_id == joe_project],
                [
                    (thing.id, thing.name if hasattr(thing, "name") else "", thing.revision)
                    for things in (
                        state.networks,
                        state.subnets,
                        state.ports,
                        state.security_groups,
                        state.security_group_rules,
                    )
                    for thing in things.values()
                    if thing.project_id == joe_project
                ],  # fmt: skip
                [
                    (f.id, f.port_id)
                    for f in state.floating_ips.values()
                    if f.project_id == joe_project
                ],
                dict(state.network_quotas.get(joe_project, {})),
            )
        )


#: (method, path template, body): operations only an admin may perform.
ADMIN_ONLY = [
    ("GET", "/compute/v2.1/servers/detail?all_tenants=1", None),
    ("GET", "/compute/v2.1/servers?all_tenants=1", None),
    ("PUT", "/compute/v2.1/os-quota-sets/{joe}", {"quota_set": {"instances": 100}}),
    ("DELETE", "/compute/v2.1/os-quota-sets/{joe}", None),
    ("PUT", "/compute/v2.1/os-quota-sets/{ann}", {"quota_set": {"instances": 100}}),
    (
        "POST",
        "/identity/v3/users/{ann_user}/application_credentials",
        {"application_credential": {"name": "steal"}},
    ),
    ("GET", "/identity/v3/users/{ann_user}/application_credentials", None),
    ("GET", "/_localcloud/status", None),
    ("POST", "/_localcloud/reset", None),
    ("POST", "/_localcloud/tick", {"seconds": 10}),
    ("GET", "/_localcloud/state", None),
    ("POST", "/_localcloud/faults", {"path": ".*", "status": 503}),
    ("GET", "/_localcloud/faults", None),
    ("DELETE", "/_localcloud/faults", None),
    ("POST", "/_localcloud/speed", {"speed": 2}),
    ("POST", "/_localcloud/servers", {"count": 1, "project": "openstack"}),
    ("GET", "/networking/v2.0/quotas", None),
    ("PUT", "/networking/v2.0/quotas/{joe}", {"quota": {"network": 5}}),
    ("DELETE", "/networking/v2.0/quotas/{joe}", None),
    ("PUT", "/networking/v2.0/quotas/{ann}", {"quota": {"floatingip": 100}}),
    ("POST", "/networking/v2.0/networks", {"network": {"name": "x", "shared": True}}),
]


@pytest.mark.parametrize(
    ("method", "template", "body"), ADMIN_ONLY, ids=[f"{m} {t}" for m, t, _ in ADMIN_ONLY]
)
def test_admin_only_operations_are_refused_for_members(world, method, template, body):
    path = template.format(
        joe=world.projects["joe"], ann=world.projects["ann"], ann_user=world.user_ids["ann"]
    )
    response = _send(world, method, path, world.tokens["joe"], body)
    assert response.status_code == 403, (
        f"{method} {path}: {response.status_code} {response.text[:200]}"
    )
    assert world.snapshot() == world.baseline
    # and the operation is real: the admin may do it (application credentials belong to their
    # user alone, as in Keystone: nobody else may make or read them, not even an admin)
    answer = _send(world, method, path, world.tokens["admin"], body)
    nobody_else = method == "POST" and "/application_credentials" in path
    manual_clock = path.endswith("/speed")  # 409: this arena's clock has no speed to set
    expected = 403 if nobody_else else 409 if manual_clock else None
    assert answer.status_code == expected if expected else answer.status_code < 400, (
        f"admin {method} {path}: {answer.status_code} {answer.text[:200]}"
    )
    world.restore_if_changed()
    if world.tokens["joe"] not in world.cloud.state.tokens:
        world.issue_tokens()
        world.baseline = world.snapshot()


def test_admin_only_figures(figures):
    figures.add("isolation", "admin-only operations refused for a member (403)", len(ADMIN_ONLY))
