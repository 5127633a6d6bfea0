"""What a Cinder client asks before it works: the API extensions (``/extensions``) and the
availability zones (``/os-availability-zone``) of the local cloud's one backend."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route

#: (alias, name, description) of the Cinder API extensions whose keys the local cloud shows.
EXTENSIONS = (
    ("os-availability-zone", "AvailabilityZones", "Describe Availability Zones."),
    ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes",
     "Extended SnapshotAttributes support."),
    ("os-quota-sets", "Quotas", "Quota management support."),
    ("os-used-limits", "UsedLimits", "Provide data on limited resources that are being used."),
    ("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a volume."),
    ("os-vol-image-meta", "VolumeImageMetadata", "Show image metadata associated with the volume."),
    ("os-vol-mig-status-attr", "VolumeMigStatusAttribute",
     "Expose migration_status as an attribute of a volume."),
    ("os-vol-tenant-attr", "VolumeTenantAttribute",
     "Expose the internal project_id as an attribute of a volume."),
    ("os-volume-actions", "VolumeActions", "Enable volume actions."),
)  # fmt: skip


def list_extensions(call: Call):
    return {
        "extensions": [
            {"alias": alias, "name": name, "description": description, "links": [],
             "updated": "2013-08-08T00:00:00+00:00"}
            for alias, name, description in EXTENSIONS
        ]
    }  # fmt: skip


def availability_zones(call: Call):
    return {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True}}]}


def relative_rules() -> list:
    return [
        route("/extensions", list_extensions, ["GET"], face="volume"),
        route("/os-availability-zone", availability_zones, ["GET"], face="volume"),
    ]
