"""Bad input: hostile JSON, headers, ids, metadata, personality and query strings, everywhere.

Every route of the local cloud is taken from its werkzeug ``url_map`` (so a new endpoint is
covered the day it lands) and gets property-based requests from hypothesis: hostile path
values, query strings, headers and bodies, sent over real HTTP. For every request:

* never a 5xx (no fault is injected here) and never a hang (every request has a timeout);
* a refusal (4xx) comes with a non-empty, one-line message in the face's error shape;
* a refusal changes nothing: a deep snapshot of the cloud's state (servers and all their
  fields, images, quotas, users, tokens, address pools, faults, clock) is the same before and
  after.

Examples are derandomized (the same every run) and few per route, so the whole module stays
within about a minute on two cores. The arena mirrors the standalone classroom cloud: the
control API needs an admin token (``open_control=False``).
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novamagic.localcloud.model.networks import PUBLIC_NETWORK_ID
from tests.reliability.arena import ROUTES, Arena

EXAMPLES_PER_ROUTE = 5
REQUEST_TIMEOUT = 10.0
SETTINGS = settings(
    max_examples=EXAMPLES_PER_ROUTE,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SAFE_METHODS = {"GET", "HEAD"}


@pytest.fixture(scope="module")
def arena(secrets_ledger):
    built = Arena(secrets_ledger)
    yield built
    built.close()


# ------------------------------------------------------------------------------ strategies

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "<script>alert(1)</script>",
            "' OR '1'='1",
            "../../etc/passwd",
            "%00",
            "\u202e\u0000\ufeff",
            "x" * 300,
            "é" * 256,
            "😀" * 70,
            "null",
            "-1",
            "0",
            "1e400",
            "NaN",
            "(a+)+$",
            "[",
            "*",
            "{n}",
            "%s%s%s",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**30]),
)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE_TEXT)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(HOSTILE_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
METADATA = st.one_of(
    st.dictionaries(HOSTILE_TEXT, JSON_SCALARS, max_size=7),
    st.dictionaries(st.text(min_size=1, max_size=300), st.text(max_size=300), max_size=7),
    JSON_VALUES,
)
PERSONALITY = st.one_of(
    st.lists(
        st.fixed_dictionaries(
            {"path": HOSTILE_TEXT, "contents": st.one_of(HOSTILE_TEXT, st.just("!!!notbase64"))}
        ),
        max_size=7,
    ),
    JSON_VALUES,
)
SERVER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(HOSTILE_TEXT, JSON_VALUES),
        "imageRef": st.one_of(HOSTILE_TEXT, st.sampled_from(["3", "http://x/images/3"]), NUMBERS),
        "flavorRef": st.one_of(HOSTILE_TEXT, st.sampled_from(["1", "2"]), NUMBERS),
        "metadata": METADATA,
        "personality": PERSONALITY,
        "accessIPv4": st.one_of(HOSTILE_TEXT, st.just("10.0.0.1"), st.just("::1")),
        "accessIPv6": st.one_of(HOSTILE_TEXT, st.just("::1"), st.just("1.2.3.4")),
        "min_count": st.one_of(NUMBERS, HOSTILE_TEXT),
        "max_count": st.one_of(NUMBERS, HOSTILE_TEXT),
        "key_name": JSON_SCALARS,
        "adminPass": JSON_SCALARS,
        "user_data": st.one_of(HOSTILE_TEXT, st.just("@@not-base64@@")),
        "networks": st.one_of(JSON_VALUES, st.sampled_from(["auto", "none"])),
        "tags": st.one_of(st.lists(HOSTILE_TEXT, max_size=60), JSON_VALUES),
        "description": JSON_SCALARS,
    },
)
ACTION_BODIES = st.one_of(
    st.builds(lambda t: {"reboot": {"type": t}}, st.one_of(HOSTILE_TEXT, NUMBERS)),
    st.builds(lambda f: {"resize": {"flavorRef": f}}, st.one_of(HOSTILE_TEXT, NUMBERS)),
    st.builds(lambda p: {"changePassword": {"adminPass": p}}, JSON_SCALARS),
    st.builds(lambda n, m: {"createImage": {"name": n, "metadata": m}}, JSON_SCALARS, METADATA),
    st.builds(lambda s: {"rebuild": s}, SERVER_FIELDS),
    st.sampled_from(
        [{"confirmResize": None}, {"revertResize": None}, {"os-start": None}, {"os-stop": None}]
    ),
    st.dictionaries(HOSTILE_TEXT, JSON_VALUES, max_size=3),
)
IDENTITY_BODIES = st.one_of(
    st.builds(
        lambda user, password, project: {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"id": "default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        },
        st.one_of(st.sampled_from(["joe", "admin"]), JSON_SCALARS),
        JSON_SCALARS,
        st.one_of(st.sampled_from(["openstack", "admin", "other"]), JSON_SCALARS),
    ),
    st.builds(
        lambda u, p, t: {
            "auth": {"passwordCredentials": {"username": u, "password": p}, "tenantName": t}
        },
        JSON_SCALARS,
        JSON_SCALARS,
        JSON_SCALARS,
    ),
    st.builds(lambda c: {"application_credential": c}, JSON_VALUES),
)
STRUCTURED = st.one_of(
    st.builds(lambda s: {"server": s}, SERVER_FIELDS),
    ACTION_BODIES,
    st.builds(lambda m: {"metadata": m}, METADATA),
    st.builds(lambda m: {"meta": m}, METADATA),
    st.builds(lambda q: {"quota_set": q}, st.dictionaries(HOSTILE_TEXT, JSON_SCALARS, max_size=4)),
    st.builds(
        lambda q: {"quota_set": q},
        st.dictionaries(
            st.sampled_from(["instances", "cores", "ram", "force"]), NUMBERS, max_size=3
        ),
    ),
    st.builds(lambda t: {"tags": t}, st.one_of(st.lists(HOSTILE_TEXT, max_size=60), JSON_VALUES)),
    IDENTITY_BODIES,
    st.fixed_dictionaries(
        {},
        optional={
            "seconds": NUMBERS,
            "speed": NUMBERS,
            "count": NUMBERS,
            "path": HOSTILE_TEXT,
            "status": NUMBERS,
            "rate": NUMBERS,
            "latency": NUMBERS,
            "drop": JSON_SCALARS,
            "retry_after": NUMBERS,
            "project": HOSTILE_TEXT,
            "name": HOSTILE_TEXT,
        },
    ),
)


def _encode(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


BODIES = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"{",
            b'{"server": ',
            b"[" * 5000 + b"]" * 5000,
            b'{"a": NaN, "b": Infinity}',
            b"\xff\xfe\x00",
            b'{"server": {"name": "\\ud800"}}',
            b"null",
            b"[]",
            b'"just a string"',
        ]
    ),
    STRUCTURED.map(_encode),
    JSON_VALUES.map(_encode),
)
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=60,
).map(str.strip)  # requests refuses to send a value with leading whitespace
QUERY_KEYS = st.one_of(
    st.sampled_from(
        [
            "limit",
            "marker",
            "name",
            "status",
            "image",
            "flavor",
            "changes-since",
            "changes-before",
            "all_tenants",
            "project_id",
            "tenant_id",
            "tags",
            "tags-any",
            "not-tags",
            "ip",
            "ip6",
            "locked",
            "sort_key",
            "sort_dir",
            "deleted",
            "minRam",
            "minDisk",
            "is_public",
            "visibility",
            "owner",
            "usage",
            "user_id",
        ]
    ),
    HOSTILE_TEXT,
)
QUERIES = st.lists(st.tuples(QUERY_KEYS, HOSTILE_TEXT), max_size=4)


def _path_value(arena: Arena, name: str):
    """A strategy for one path variable: known ids of this and other projects, or hostile text."""
    known = {
        "server_id": [arena.server.id, arena.other_server.id, str(uuid.UUID(int=7))],
        "ident": ["1", "2", arena.server.id, arena.image.id, "0", "-1"],
        "image_id": [arena.image.id, arena.public_image, "3", str(uuid.UUID(int=9))],
        "flavor_id": ["1", "5", "999"],
        "project_id": [arena.projects["joe"], arena.projects["ann"], arena.projects["admin"]],
        "tenant": [arena.projects["joe"], "openstack", arena.projects["ann"], "other"],
        "project_ref": [arena.projects["joe"], arena.projects["ann"], "openstack"],
        "user_id": [arena.user_ids["joe"], arena.user_ids["ann"]],
        "key": ["k1", "role", "kind", "missing"],
        "tag": ["blue", "red"],
        "network": ["private", "public", "nope"],
        "network_id": [arena.network.id, arena.other_network.id, PUBLIC_NETWORK_ID],
        "subnet_id": [arena.network.subnets[0], arena.other_network.subnets[1]],
        "port_id": [arena.port.id, str(uuid.UUID(int=11))],
        "fip_id": [arena.fip.id, str(uuid.UUID(int=12))],
        "group_id": [arena.group.id, str(uuid.UUID(int=13))],
        "rule_id": [arena.rule.id, str(uuid.UUID(int=14))],
        "alias": ["router", "quotas", "nope"],
    }.get(name, [])
    hostile = HOSTILE_TEXT.filter(lambda s: s not in (".", ".."))
    if known:
        return st.one_of(st.sampled_from(known), hostile)
    return hostile


def _path_strategy(arena: Arena, rule: str):
    import re

    parts = re.split(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
    names = parts[1::2]
    values = [_path_value(arena, name) for name in names]

    def fill(chosen):
        out = parts[0]
        for name, value, literal in zip(names, chosen, parts[2::2], strict=True):
            out += quote(value, safe="/" if name == "key" else "") + literal
        return out

    return st.tuples(*values).map(fill) if values else st.just(rule)


def _headers_strategy(arena: Arena):
    # "@token:NAME" stands for NAME's current token (an arena rebuilt mid-test has new ones)
    token = st.one_of(
        st.sampled_from(["@token:joe"] * 4 + ["@token:admin", "@token:ann", None]),
        HEADER_TEXT,
    )
    version = st.one_of(
        st.none(),
        st.sampled_from(["compute 2.1", "compute 2.47", "compute 2.96", "compute latest"]),
        HEADER_TEXT.map(lambda v: f"compute {v}"),
        HEADER_TEXT,
    )
    return st.fixed_dictionaries(
        {"X-Auth-Token": token},
        optional={
            "OpenStack-API-Version": version,
            "X-OpenStack-Nova-API-Version": HEADER_TEXT,
            "Content-Type": st.one_of(
                st.sampled_from(["application/json", "text/plain", "application/xml"]), HEADER_TEXT
            ),
            "X-Subject-Token": st.one_of(HEADER_TEXT, st.just("@token:ann")),
            "Accept": HEADER_TEXT,
        },
    ).map(lambda h: {k: v for k, v in h.items() if v is not None})


# ------------------------------------------------------------------------------ the checks

FIGURES = {"requests": 0, "refused (4xx)": 0, "accepted (2xx/3xx)": 0, "rebuilds": 0}


def _one_line_message(response, face: str) -> str:
    if face == "image" and response.headers.get("Content-Type", "").startswith("text/plain"):
        lines = [line for line in response.text.splitlines() if line.strip()]
        assert len(lines) == 2, response.text  # "400 Bad Request" and the message
        return lines[1]
    body = response.json()
    assert isinstance(body, dict) and len(body) == 1, body
    (inner,) = body.values()
    message = inner["message"]
    if face == "network" and response.status_code != 401:  # 401s are keystonemiddleware's
        assert set(body) == {"NeutronError"} and inner["type"] and inner["detail"] == "", body
        return message
    assert inner["code"] == response.status_code
    return message


def _check_one(arena: Arena, method: str, path: str, query, headers, body, face: str):
    headers = {
        key: arena.tokens[value[7:]] if value.startswith("@token:") else value
        for key, value in headers.items()
    }
    before = arena.snapshot()
    url = arena.cloud.url + path + (("?" + urlencode(query)) if query else "")
    started = time.perf_counter()
    try:
        response = arena.http.request(
            method, url, headers=headers, data=body, timeout=REQUEST_TIMEOUT
        )
    except requests.Timeout:
        pytest.fail(f"no answer within {REQUEST_TIMEOUT} s: {method} {url}")
    elapsed = time.perf_counter() - started
    FIGURES["requests"] += 1
    FIGURES["slowest"] = max(FIGURES.get("slowest", 0.0), elapsed)
    status = response.status_code
    assert status < 500, f"{status} for {method} {url} {body!r:.200}: {response.text[:300]}"
    if status >= 400:
        FIGURES["refused (4xx)"] += 1
        if status != 405 or face != "image":
            message = _one_line_message(response, face)
            assert message.strip() and "\n" not in message, repr(message)
        after = arena.snapshot()
        assert after == before, f"a refused {method} {path} ({status}) changed the cloud's state"
    else:
        FIGURES["accepted (2xx/3xx)"] += 1
        if method not in SAFE_METHODS:
            # an accepted change (or a revoked token, a moved clock) would blind what follows
            rebuilds = arena.rebuilds
            arena.restore_if_changed()
            FIGURES["rebuilds"] += arena.rebuilds - rebuilds


@pytest.mark.parametrize(("rule", "method", "face"), ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES])
def test_hostile_requests_never_break_a_route(arena, rule, method, face):
    @SETTINGS
    @given(
        path=_path_strategy(arena, rule),
        query=QUERIES,
        headers=_headers_strategy(arena),
        body=BODIES if method in ("POST", "PUT", "PATCH") else st.one_of(st.none(), BODIES),
    )
    def check(path, query, headers, body):
        _check_one(arena, method, path, query, headers, body, face)

    check()


#: Regular expressions whose backtracking explodes on a long near-match (ReDoS).
CATASTROPHIC = ["(a|aa)+$", "(a|a)*$", "^(a+)+$", "(.*a){25}$", "^([a-z0-9:]+)+!$"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
@pytest.mark.parametrize(
    "route",
    [
        "/compute/v2.1/servers?name={p}",
        "/compute/v2.1/servers/detail?ip6={p}",
        "/v1.1/openstack/servers?name={p}",
    ],
)
def test_catastrophic_filter_regexes_do_not_hang(make_cloud, route, pattern, figures):
    cloud = make_cloud()
    joe = cloud.state.authenticate_password(
        next(u.password for u in cloud.state.users.values() if u.name == "joe"), user_name="joe"
    )
    cloud.state.create_servers(joe, "a" * 60 + "!", "3", "1")
    started = time.perf_counter()
    response = requests.get(
        cloud.url + route.format(p=quote(pattern)),
        headers={"X-Auth-Token": joe.id},
        timeout=REQUEST_TIMEOUT,
    )
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 400), response.text[:200]
    if response.status_code == 400:
        assert "takes too long" in response.text
    assert elapsed < 5.0
    FIGURES["regex"] = max(FIGURES.get("regex", 0.0), elapsed)


def test_bad_input_figures(figures):
    """Runs after the parametrized sweep (same module, defined later): reports its totals."""
    assert FIGURES["requests"] >= EXAMPLES_PER_ROUTE * len(ROUTES) // 2
    figures.add("bad input", "routes from the url_map (rule x method)", len(ROUTES))
    figures.add("bad input", "examples per route (derandomized)", EXAMPLES_PER_ROUTE)
    for name in ("requests", "refused (4xx)", "accepted (2xx/3xx)", "rebuilds"):
        figures.add("bad input", name, FIGURES[name])
    figures.add("bad input", "5xx / hangs / state changed by a refusal", "0 / 0 / 0")
    figures.add("bad input", "slowest answer", FIGURES.get("slowest", 0.0) * 1000, "ms")
    figures.add(
        "bad input",
        f"{len(CATASTROPHIC)} catastrophic filter regexes x 3 routes: slowest answer",
        FIGURES.get("regex", 0.0) * 1000,
        "ms",
    )
