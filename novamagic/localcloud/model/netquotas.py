"""Neutron's quotas (``/v2.0/quotas``): per-project limits over Neutron's defaults, with usage.

Apart from Nova's quota sets (:mod:`.quotas`), as in a real cloud: Neutron keeps its own
(Neutron's defaults; the port default grows to two per server the Nova instance quota allows).
Over quota is Neutron's 409 ``OverQuota``; a boot that would need more ports than allowed is
Nova's 403 ("Maximum number of ports exceeded").
"""

from __future__ import annotations

import operator

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, OverQuota, typed
from novamagic.localcloud.model.identity import Token

NETWORK_QUOTAS = {
    "network": 100,
    "subnet": 100,
    "subnetpool": -1,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "rbac_policy": 10,
}
#: Where the cloud keeps each resource it counts (the others, such as routers, it has none of).
_COLLECTIONS = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "floatingip": "floating_ips",
    "security_group": "security_groups",
    "security_group_rule": "security_group_rules",
}
_PROJECT = operator.attrgetter("project_id")


class NetworkQuotaBackend:
    """Neutron's quotas of :class:`CloudState`: ``network_quotas`` holds the overrides."""

    network_quotas: dict[str, dict[str, int]]

    def _reset_network_quotas(self) -> None:
        self.network_quotas = {}

    def network_quota_limits(self, project_id: str) -> dict[str, int]:
        return {
            **self.network_quota_defaults(project_id),
            **self.network_quotas.get(project_id, {}),
        }

    def network_quota_defaults(self, project_id: str) -> dict[str, int]:
        defaults = dict(NETWORK_QUOTAS)
        # A cloud whose Nova quota allows more servers than Neutron's 500 ports would carry
        # (two each: private and public) gets the ports they need, as an operator would set.
        instances = self.quota_limits(project_id)["instances"]
        if instances < 0:
            defaults["port"] = -1
        else:
            defaults["port"] = max(defaults["port"], 2 * instances)
        return defaults

    def network_usage(self, project_id: str) -> dict[str, int]:
        with self.lock:
            counts = dict.fromkeys(NETWORK_QUOTAS, 0)
            for name in _COLLECTIONS:
                counts[name] = self._network_count(project_id, name)
            return counts

    def _network_count(self, project_id: str, resource: str) -> int:
        """How many ``resource`` the project holds (a C loop: a boot counts its ports)."""
        if resource not in _COLLECTIONS:
            return 0
        items = getattr(self, _COLLECTIONS[resource]).values()
        return operator.countOf(map(_PROJECT, items), project_id)

    def _check_network_quota(self, project_id: str, resource: str, wanted: int, nova=False):
        limit = self.network_quota_limits(project_id)[resource]
        if limit < 0 or wanted == 0:
            return
        if self._network_count(project_id, resource) + wanted > limit:
            if nova:  # Nova's own words when a boot would need too many ports
                raise OverQuota(
                    f"Maximum number of ports exceeded: the project may have {limit} ports."
                )
            raise typed(Conflict, "OverQuota", f"Quota exceeded for resources: ['{resource}'].")

    def set_network_quotas(self, caller: Token, project_id: str, values) -> dict[str, int]:
        if not caller.is_admin:
            raise typed(Forbidden, "AdminRequired", "User does not have admin privileges: "
                        "Cannot update quota.")  # fmt: skip
        if not isinstance(values, dict):
            raise typed(BadRequest, "HTTPBadRequest", "Invalid input for quota: an object of "
                        f"resource: limit is required ({', '.join(NETWORK_QUOTAS)}).")  # fmt: skip
        clean = {}
        for key, value in values.items():
            if key not in NETWORK_QUOTAS:
                raise typed(BadRequest, "HTTPBadRequest", f"Unrecognized attribute(s) '{key}'")
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                number = None
            if number is None or isinstance(value, bool) or number < -1:
                raise typed(
                    BadRequest,
                    "HTTPBadRequest",
                    f"Invalid input for {key}. Reason: '{value}' is not an integer of -1 "
                    "(unlimited) or more.",
                )
            clean[key] = number
        with self.lock:
            self.network_quotas.setdefault(project_id, {}).update(clean)
            return self.network_quota_limits(project_id)

    def delete_network_quotas(self, caller: Token, project_id: str) -> None:
        if not caller.is_admin:
            raise typed(Forbidden, "AdminRequired", "User does not have admin privileges: "
                        "Cannot delete quota.")  # fmt: skip
        with self.lock:
            self.network_quotas.pop(project_id, None)
