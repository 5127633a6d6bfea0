"""The arena of the bad-input and isolation tests: a populated local cloud and its state snapshot.

Two projects (joe in ``openstack``, ann in ``other``) and an admin; joe has an ACTIVE server
``base-1`` with metadata and a tag, a snapshot image ``snap-1``, a security group ``web`` with
a rule and a floating IP on base-1's private port; ann has ``ann-1``. The
control API needs an admin token, as in the standalone classroom cloud. ``snapshot()`` is a
deep, comparable picture of everything the cloud holds: a refused request must leave it equal.
"""

from __future__ import annotations

import dataclasses
import random
import threading

import requests

from novamagic.localcloud import LocalCloud
from tests.reliability.conftest import now_clock, random_password

#: Parts of the cloud's state that are machinery, not data: its lock, clock and id generators.
_MACHINERY = (random.Random, type(threading.Lock()), type(threading.RLock()))


def _snapshot_value(value):
    if isinstance(value, _MACHINERY) or callable(value):
        return None
    if dataclasses.is_dataclass(value):
        return tuple(
            (f.name, _snapshot_value(getattr(value, f.name))) for f in dataclasses.fields(value)
        )
    if isinstance(value, dict):
        return tuple(sorted((str(k), _snapshot_value(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_snapshot_value(v) for v in value]
        return (
            tuple(sorted(items, key=repr)) if isinstance(value, (set, frozenset)) else tuple(items)
        )
    if hasattr(value, "__dict__"):  # e.g. the address pools
        return (type(value).__name__, _snapshot_value(vars(value)))
    return value


class Arena:
    """A local cloud with a known population, rebuilt whenever an accepted request changed it."""

    def __init__(self, ledger, token_ttl: float = 3600.0):
        self.ledger = ledger
        self.token_ttl = token_ttl
        self.cloud: LocalCloud | None = None
        self.rebuilds = 0
        self.http = requests.Session()  # keep-alive: the cost is the cloud's, not TCP set-up
        self.build()

    def build(self) -> None:
        if self.cloud is not None:
            self.ledger.harvest(self.cloud)
            self.cloud.stop()
        self.rebuilds += 1
        users = [
            {"name": "joe", "password": random_password(), "project": "openstack"},
            {"name": "ann", "password": random_password(), "project": "other"},
            {
                "name": "admin",
                "password": random_password(),
                "project": "admin",
                "roles": ["admin", "member"],
            },
        ]
        self.passwords = {u["name"]: u["password"] for u in users}
        self.cloud = LocalCloud(
            seed=5, clock=now_clock(), users=users, open_control=False, token_ttl=self.token_ttl
        ).start()
        state = self.cloud.state
        self.issue_tokens()
        self.user_ids = {u.name: u.id for u in state.users.values()}
        joe = state.validate_token(self.tokens["joe"])
        ann = state.validate_token(self.tokens["ann"])
        (self.server,) = state.create_servers(
            joe, "base-1", "3", "1", metadata={"k1": "v1", "role": "web"}
        )
        (self.other_server,) = state.create_servers(ann, "ann-1", "3", "1")
        self.cloud.tick(60)  # both ACTIVE
        state.add_tag(joe, self.server.id, "blue")
        self.image = state.create_image(joe, self.server.id, "snap-1", {"kind": "backup"})
        self.cloud.tick(60)  # snapshot uploaded
        self.public_image = next(i.id for i in state.images.values() if i.owner is None)
        # joe's networking: a group with a rule, a floating IP on base-1's private port
        self.network = state.private_network(joe.project.id)
        self.other_network = state.private_network(ann.project.id)
        self.port = state.ports[state.server_ports[self.server.id][0]]
        self.group = state.create_security_group(joe, "web")
        self.rule = state.create_security_group_rule(
            joe, self.group.id, "ingress", protocol="tcp", port_range_min=22, port_range_max=22
        )
        self.fip = state.create_floating_ip(joe, "c0ffee00-0000-4000-8000-000000000002")
        state.update_floating_ip(joe, self.fip.id, {"port_id": self.port.id})
        self.baseline = self.snapshot()

    def issue_tokens(self) -> None:
        """A fresh token for each user (``self.tokens[name]``); their projects' ids."""
        state = self.cloud.state
        self.tokens, self.projects = {}, {}
        for name, password in self.passwords.items():
            token = state.authenticate_password(password, user_name=name)
            self.tokens[name] = token.id
            self.projects[name] = token.project.id

    def close(self) -> None:
        self.ledger.harvest(self.cloud)
        self.cloud.stop()
        self.http.close()

    def snapshot(self):
        state = self.cloud.state
        with state.lock:
            now = state.now()
            for server in list(state.servers.values()):
                state._settle(server, now)
            # every attribute of the state, so resources added later (key pairs...) count too
            picture = {
                name: value
                for name, value in vars(state).items()
                if name not in ("clock", "lock") and not isinstance(value, _MACHINERY)
            }
            picture["faults"] = self.cloud.faults
            picture["now"] = now
            return _snapshot_value(picture)

    def restore_if_changed(self) -> None:
        if self.snapshot() != self.baseline:
            self.build()


def _routes():
    """(rule, method, face) for every route of the local cloud, from its werkzeug url_map."""
    probe = LocalCloud(seed=1)
    routes = set()
    for rule in probe.app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((rule.rule, method, rule.endpoint.face))
    return sorted(routes)


def _auth_routes():
    """The routes that need a token: (rule, method, face, handler name)."""
    probe = LocalCloud(seed=1)
    routes = set()
    for rule in probe.app.url_map.iter_rules():
        if rule.endpoint.auth:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((rule.rule, method, rule.endpoint.face, rule.endpoint.handler.__name__))
    return sorted(routes)


ROUTES = _routes()
AUTH_ROUTES = _auth_routes()
