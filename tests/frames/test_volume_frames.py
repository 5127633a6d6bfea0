"""Block-storage frames on the shapes Cinder and Nova answer: columns, dtypes, empty input with
the same columns, and fleet_summary's volume rows (only when there are volumes)."""

from __future__ import annotations

import pandas as pd

from novamagic import frames
from novamagic.frames import SNAPSHOT_COLUMNS, VOLUME_COLUMNS

VOLUME = {
    "id": "v-1", "name": "data", "status": "in-use", "size": 3, "bootable": "true",
    "volume_type": "__DEFAULT__", "snapshot_id": None, "created_at": "2012-03-21T00:00:05.000000",
    "os-vol-tenant-attr:tenant_id": "p-1", "volume_image_metadata": {"image_id": "i-1"},
    "attachments": [{"server_id": "s-1", "device": "/dev/vdb"}],
}  # fmt: skip
SNAPSHOT = {
    "id": "sn-1", "name": "nightly", "status": "available", "size": 3, "volume_id": "v-1",
    "created_at": "2012-03-21T00:01:00.000000",
    "os-extended-snapshot-attributes:project_id": "p-1",
}  # fmt: skip


def _dtypes(frame, spec):
    assert list(frame.columns) == list(spec)
    for name, dtype in spec.items():
        assert frame[name].dtype == (pd.api.types.pandas_dtype(dtype)), name


def test_volumes_frame():
    frame = frames.volumes_frame({"volumes": [VOLUME, {**VOLUME, "id": "v-2", "attachments": [],
                                                       "bootable": "false", "size": 1}]})  # fmt: skip
    _dtypes(frame, VOLUME_COLUMNS)
    first = frame.iloc[0]
    assert (first["attached_to"], first["device"], first["image_id"]) == ("s-1", "/dev/vdb", "i-1")
    assert bool(first["bootable"]) and not bool(frame.iloc[1]["bootable"])
    assert pd.isna(frame.iloc[1]["attached_to"])
    assert first["created"] == pd.Timestamp("2012-03-21T00:00:05Z")
    _dtypes(frames.volumes_frame([]), VOLUME_COLUMNS)


def test_snapshots_and_attachments_frames():
    frame = frames.snapshots_frame([SNAPSHOT])
    _dtypes(frame, SNAPSHOT_COLUMNS)
    assert frame.loc[0, "project_id"] == "p-1" and frame.loc[0, "size_gb"] == 3
    attached = frames.attachments_frame(
        {"volumeAttachments": [{"serverId": "s-1", "volumeId": "v-1", "device": "/dev/vdb"}]}
    )
    assert attached.loc[0, "device"] == "/dev/vdb"
    assert list(frames.attachments_frame([]).columns) == list(attached.columns)


def test_fleet_summary_counts_volumes_per_project_only_when_there_are_some():
    servers = frames.servers_frame([])
    plain = frames.fleet_summary(servers, None, volumes=frames.volumes_frame([]))
    assert "volumes" not in set(plain["totals"]["resource"]) and "volumes_by_project" not in plain
    volumes = frames.volumes_frame([VOLUME, {**VOLUME, "id": "v-2", "size": 2},
                                    {**VOLUME, "id": "v-3", "size": 5,
                                     "os-vol-tenant-attr:tenant_id": "p-2"}])  # fmt: skip
    summary = frames.fleet_summary(servers, None, volumes=volumes,
                                   volume_limits={"maxTotalVolumes": 10,
                                                  "maxTotalVolumeGigabytes": -1})  # fmt: skip
    totals = summary["totals"].set_index("resource")
    assert totals.loc["volumes", "used"] == 3 and totals.loc["volumes", "percent"] == 30.0
    assert totals.loc["volume_gb", "used"] == 10 and pd.isna(totals.loc["volume_gb", "max"])
    by_project = summary["volumes_by_project"]
    assert by_project.to_dict("list") == {"project_id": ["p-1", "p-2"], "volumes": [2, 1],
                                          "gigabytes": [5, 5]}  # fmt: skip
