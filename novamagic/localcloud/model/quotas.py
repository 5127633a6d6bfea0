"""Quotas: per-project limits over defaults, the usage they are checked against, and the checks."""

from __future__ import annotations

import operator
from collections import Counter

from novamagic.localcloud.errors import BadRequest, Forbidden, OverQuota
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.images import BOOK_PROJECT

DEFAULT_QUOTAS = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,  # today's Nova (the book's project keeps the book's 5: BOOK_QUOTAS)
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    # The proxy quotas Nova reported before microversion 2.36 (never enforced here).
    "floating_ips": 10,
    "fixed_ips": -1,
    "security_groups": 10,
    "security_group_rules": 20,
    # No "networks": that was nova-network's quota, gone from today's Nova at every version.
}
SETTABLE_QUOTAS = frozenset(DEFAULT_QUOTAS)
#: The book's cloud allowed five metadata items (maxServerMeta, maxImageMeta), and chapters 3 and
#: 4 show that limit at work. Its project keeps them as an operator sets a project's quota: an
#: override that os-quota-sets shows (and an admin may remove), while every other project has
#: today's Nova defaults. Only when the cloud's own defaults leave metadata_items as Nova's.
BOOK_QUOTAS = {"metadata_items": 5}
_FLAVOR_ID = operator.attrgetter("flavor_id")


class QuotaBackend:
    """The quotas of :class:`CloudState`: ``quotas`` holds each project's overrides."""

    configured_quotas: dict[str, int]  # the cloud's defaults as it was started with
    default_quotas: dict[str, int]  # the "default" quota class: what a project gets
    quotas: dict[str, dict[str, int]]

    def _reset_quotas(self) -> None:
        self.default_quotas = dict(self.configured_quotas)  # the default class's changes undone
        self.quotas = {}
        self.quota_classes: dict[str, dict[str, int]] = {}  # classes other than "default"
        book = self.find_project(BOOK_PROJECT)
        if book is not None:
            self._seed_project_quotas(book.id)

    def _seed_project_quotas(self, project_id: str) -> None:
        """The quota a project starts with: the book's project its five metadata items."""
        project = self.projects.get(project_id)
        nova_defaults = self.default_quotas["metadata_items"] == DEFAULT_QUOTAS["metadata_items"]
        if project is not None and project.name == BOOK_PROJECT and nova_defaults:
            self.quotas[project_id] = dict(BOOK_QUOTAS)

    def quota_limits(self, project_id: str) -> dict[str, int]:
        return {**self.default_quotas, **self.quotas.get(project_id, {})}

    def usage(self, project_id: str) -> dict[str, int]:
        """What the project's live servers use, settled to now first: a deletion (or resize
        revert) that finished on the clock frees its share before any check counts it."""
        with self.lock:
            servers = self.project_servers(project_id)
            if self.settle_busy(servers, self.now(), ended_only=True):
                servers = [s for s in servers if not s.deleted]
            instances = cores = ram = 0
            # By flavor: every boot checks the quota, so this runs over the project's servers
            # once per boot (C loops for the counting).
            for flavor_id, count in Counter(map(_FLAVOR_ID, servers)).items():
                flavor = self.flavors.get(flavor_id)
                instances += count
                if flavor is not None:
                    cores += flavor.vcpus * count
                    ram += flavor.ram * count
            return {"instances": instances, "cores": cores, "ram": ram}

    def set_quotas(self, caller: Token, project_id: str, values: dict) -> dict[str, int]:
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed."
            )
        clean = _quota_values(values, "quota_set")
        with self.lock:
            self.quotas.setdefault(project_id, {}).update(clean)
            return self.quota_limits(project_id)

    def quota_class(self, caller: Token, name: str) -> dict[str, int]:
        """A quota class's limits: "default" is the cloud's defaults (what a project without an
        override of its own gets); another class holds what was set in it over the defaults
        (Nova keeps them, and uses none but "default")."""
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-class-sets:show to be performed."
            )
        with self.lock:
            return {**self.default_quotas, **self.quota_classes.get(name, {})}

    def set_quota_class(self, caller: Token, name: str, values) -> dict[str, int]:
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-class-sets:update to be performed."
            )
        clean = _quota_values(values, "quota_class_set")
        with self.lock:
            if name == "default":
                self.default_quotas.update(clean)
            else:
                self.quota_classes.setdefault(name, {}).update(clean)
        return self.quota_class(caller, name)

    def delete_quotas(self, caller: Token, project_id: str) -> None:
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed."
            )
        with self.lock:
            self.quotas.pop(project_id, None)

    def _check_meta_quota(self, project_id: str, count: int) -> None:
        limit = self.quota_limits(project_id)["metadata_items"]
        if 0 <= limit < count:
            raise OverQuota(
                f"Quota exceeded for metadata_items: Requested {count}, but limit is {limit} metadata items."
            )

    def _check_compute_quota(self, project_id: str, instances: int, cores: int, ram: int) -> int:
        """How many of ``instances`` (each ``cores``/``ram``) fit; raises if none would."""
        limits = self.quota_limits(project_id)
        used = self.usage(project_id)
        fit = instances
        for resource, each in (("instances", 1), ("cores", cores), ("ram", ram)):
            limit = limits[resource]
            if limit < 0 or each == 0:
                continue
            fit = min(fit, (limit - used[resource]) // each)
        return fit

    def _quota_error(self, project_id: str, count: int, cores: int, ram: int) -> OverQuota:
        limits = self.quota_limits(project_id)
        used = self.usage(project_id)
        for resource, requested in (
            ("instances", count),
            ("cores", cores * count),
            ("ram", ram * count),
        ):
            limit = limits[resource]
            if 0 <= limit < used[resource] + requested:
                return OverQuota(
                    f"Quota exceeded for {resource}: Requested {requested}, but already used "
                    f"{used[resource]} of {limit} {resource}"
                )
        return OverQuota("Quota exceeded.")


def _quota_values(values, field: str) -> dict[str, int]:
    """A quota set's (or class's) new limits, checked as Nova's schema does: known names, whole
    numbers of -1 (unlimited) or more."""
    if not isinstance(values, dict):
        raise BadRequest(f"Invalid input for field/attribute {field}. It must be an object.")
    clean = {}
    for key, value in values.items():
        if key == "force":
            continue
        if key not in SETTABLE_QUOTAS:
            raise BadRequest(
                f"Invalid input for field/attribute {field}. Additional properties are not "
                f"allowed ({key!r} was unexpected)"
            )
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400, Infinity
            raise BadRequest(f"Quota value {value!r} for {key} must be an integer.") from None
        if isinstance(value, bool) or number < -1:
            raise BadRequest(f"Quota limit {value!r} for {key} must be -1 (unlimited) or more.")
        clean[key] = number
    return clean
