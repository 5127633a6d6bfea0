"""Nova's ``/extensions``: the v2.0-era extension list v2.1 still answers (deprecated; every
API is there by microversion now). The aliases are Nova's, for what the local cloud serves."""

from __future__ import annotations

from novamagic.localcloud import errors
from novamagic.localcloud.http import Call, route

UPDATED = "2014-12-03T00:00:00Z"
#: (alias, name, description) of the extensions the v2.1 API lists.
EXTENSIONS = (
    ("os-access-ips", "AccessIPs", "Access IPs support."),
    ("os-admin-actions", "AdminActions", "Enable admin-only server actions."),
    ("os-admin-password", "AdminPassword", "Admin password management support."),
    (
        "os-availability-zone",
        "AvailabilityZone",
        "1. Add availability_zone to the Create Server API.",
    ),
    ("os-console-output", "ConsoleOutput", "Console log output support."),
    ("os-consoles", "Consoles", "Interactive Console support."),
    ("os-create-backup", "CreateBackup", "Create a backup of a server."),
    ("OS-DCF", "DiskConfig", "Disk Management Extension."),
    ("OS-EXT-AZ", "ExtendedAvailabilityZone", "Extended Availability Zone support."),
    ("OS-EXT-IPS", "ExtendedIps", "Adds type parameter to the ip list."),
    ("OS-EXT-IPS-MAC", "ExtendedIpsMac", "Adds mac address parameter to the ip list."),
    ("OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Extended Server Attributes support."),
    ("OS-EXT-STS", "ExtendedStatus", "Extended Status support."),
    ("os-extended-volumes", "ExtendedVolumes", "Extended Volumes support."),
    ("flavors", "Flavors", "Flavors Extension."),
    ("os-flavor-access", "FlavorAccess", "Flavor access support."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support."),
    ("os-flavor-rxtx", "FlavorRxtx", "Support to show the rxtx status of a flavor."),
    ("OS-FLV-DISABLED", "FlavorDisabled", "Support to show the disabled status of a flavor."),
    ("OS-FLV-EXT-DATA", "FlavorExtraData", "Provide additional data for flavors."),
    ("os-floating-ip-pools", "FloatingIpPools", "Floating IPs support."),
    ("os-hosts", "Hosts", "Admin-only host administration."),
    ("os-hypervisors", "Hypervisors", "Admin-only hypervisor administration."),
    ("images", "Images", "Images."),
    (
        "os-instance-actions",
        "InstanceActions",
        "View a log of actions and events taken on an instance.",
    ),
    ("ips", "Ips", "Server addresses."),
    ("os-keypairs", "Keypairs", "Keypair Support."),
    ("os-lock-server", "LockServer", "Enable lock/unlock server actions."),
    (
        "os-multiple-create",
        "MultipleCreate",
        "Allow multiple create in the Create Server v2.1 API.",
    ),
    ("os-personality", "Personality", "Personality support."),
    ("os-quota-sets", "Quotas", "Quotas management support."),
    ("os-security-groups", "SecurityGroups", "Security group support."),
    ("os-server-groups", "ServerGroups", "Server group support."),
    ("os-server-password", "ServerPassword", "Server password support."),
    ("server-metadata", "ServerMetadata", "Server metadata Support."),
    ("servers", "Servers", "Servers."),
    ("os-server-tags", "ServerTags", "Server tags support."),
    ("os-server-start-stop", "ServerStartStop", "Start/Stop instance compute API support."),
    ("OS-SRV-USG", "ServerUsage", "Adds launched_at and terminated_at on Servers."),
    ("os-user-data", "UserData", "Add user_data to the Create Server API."),
    ("versions", "Versions", "API Version information."),
)


def _view(alias: str, name: str, description: str) -> dict:
    return {
        "alias": alias,
        "name": name,
        "description": description,
        "namespace": "http://docs.openstack.org/compute/ext/fake_xml",
        "updated": UPDATED,
        "links": [],
    }


def list_extensions(call: Call):
    return {"extensions": [_view(*entry) for entry in EXTENSIONS]}


def show_extension(call: Call, alias: str):
    for entry in EXTENSIONS:
        if entry[0] == alias:
            return {"extension": _view(*entry)}
    raise errors.NotFound("Unable to find the extension: " + alias)


def relative_rules() -> list:
    return [
        route("/extensions", list_extensions, ["GET"]),
        route("/extensions/<alias>", show_extension, ["GET"]),
    ]
