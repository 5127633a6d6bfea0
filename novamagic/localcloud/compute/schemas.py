"""The request keys the compute API allows, per microversion range, as data (Nova's ``schemas/``).

A :class:`Keys` is the set a request body (or query) may hold at microversion 2.1, and the keys
that later microversions add or drop; :meth:`Keys.at` gives the set for one request. Views that
drop fields by microversion (limits, quota sets) read their ranges from here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from novamagic.localcloud import model
from novamagic.localcloud.http import Call


@dataclass(frozen=True)
class Keys:
    """Keys allowed at 2.1, then ``(version, added, dropped)`` steps in version order."""

    base: frozenset[str]
    steps: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = ()

    def at(self, call: Call) -> set[str]:
        allowed = set(self.base)
        for version, added, dropped in self.steps:
            if call.at_least(version):
                allowed |= added
                allowed -= dropped
        return allowed


def keys(text: str) -> frozenset[str]:
    return frozenset(text.split())


def step(version: str, added: str = "", dropped: str = ""):
    return (version, keys(added), keys(dropped))


#: ``POST /servers`` (the ``server`` object).
SERVER_CREATE = Keys(
    keys(
        """name imageRef flavorRef metadata personality accessIPv4 accessIPv6 key_name
        min_count max_count adminPass user_data availability_zone config_drive security_groups
        networks block_device_mapping block_device_mapping_v2 return_reservation_id
        OS-DCF:diskConfig"""
    ),
    (
        step("2.19", "description"),
        step("2.52", "tags"),
        step("2.57", dropped="personality"),
        step("2.63", "trusted_image_certificates"),
        step("2.74", "host hypervisor_hostname"),
        step("2.90", "hostname"),
    ),
)

#: ``PUT /servers/{id}`` (the ``server`` object).
SERVER_UPDATE = Keys(
    keys("name accessIPv4 accessIPv6 OS-DCF:diskConfig"),
    (
        step("2.19", "description"),
        step("2.90", "hostname"),
        step("2.104", "pinned_availability_zone"),
    ),
)

#: The ``rebuild`` action.
SERVER_REBUILD = Keys(
    keys(
        """imageRef name adminPass metadata personality accessIPv4 accessIPv6
        preserve_ephemeral OS-DCF:diskConfig"""
    ),
    (
        step("2.19", "description"),
        step("2.54", "key_name"),
        step("2.57", "user_data", "personality"),
        step("2.63", "trusted_image_certificates"),
        step("2.90", "hostname"),
    ),
)

#: ``POST /os-keypairs`` (the ``keypair`` object).
KEYPAIR_CREATE = Keys(keys("name public_key"), (step("2.2", "type"), step("2.10", "user_id")))

#: Query parameters Nova's servers list schema knows (rejected when unknown from 2.75 on).
SERVER_LIST_PARAMS = keys(
    """user_id project_id tenant_id launch_index image_ref image kernel_id ramdisk_id hostname
    key_name power_state vm_state task_state host node flavor reservation_id launched_at
    terminated_at availability_zone name display_name description display_description
    locked_by uuid root_device_name config_drive access_ip_v4 access_ip_v6 auto_disk_config
    progress sort_key sort_dir all_tenants soft_deleted deleted status changes-since
    changes-before ip ip6 tag tags tags-any not-tags not-tags-any limit marker locked
    created_at updated_at"""
)

#: The ``absolute`` keys of ``/limits`` (all of them at 2.1; later versions drop some).
LIMITS = Keys(
    keys(
        """maxServerMeta maxImageMeta maxPersonality maxPersonalitySize maxSecurityGroupRules
        maxSecurityGroups maxServerGroupMembers maxServerGroups maxTotalCores
        maxTotalFloatingIps maxTotalInstances maxTotalKeypairs maxTotalRAMSize totalCoresUsed
        totalFloatingIpsUsed totalInstancesUsed totalRAMUsed totalSecurityGroupsUsed
        totalServerGroupsUsed"""
    ),
    (
        step(
            "2.36",
            dropped="""maxSecurityGroupRules maxSecurityGroups maxTotalFloatingIps
            totalFloatingIpsUsed totalSecurityGroupsUsed""",
        ),
        step("2.39", dropped="maxImageMeta"),
        step("2.57", dropped="maxPersonality maxPersonalitySize"),
    ),
)

#: The resources of a quota class set: a quota set's, but Nova dropped the nova-network proxies
#: (and added the server group quotas) only at 2.50 here.
QUOTA_CLASS_SET = Keys(
    frozenset(model.DEFAULT_QUOTAS) - keys("server_groups server_group_members"),
    (
        step(
            "2.50",
            added="server_groups server_group_members",
            dropped="fixed_ips floating_ips security_group_rules security_groups",
        ),
        step(
            "2.57",
            dropped="injected_file_content_bytes injected_file_path_bytes injected_files",
        ),
    ),
)

#: The resources of a quota set (the model's default quotas, trimmed by later versions).
QUOTA_SET = Keys(
    frozenset(model.DEFAULT_QUOTAS),
    (
        step("2.36", dropped="fixed_ips floating_ips security_group_rules security_groups"),
        step(
            "2.57",
            dropped="injected_file_content_bytes injected_file_path_bytes injected_files",
        ),
    ),
)
