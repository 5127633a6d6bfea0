"""Volumes through a real InteractiveShell: %nova volumes, %nova volume create|extend|attach|
detach|snapshot|delete, %%nova_boot's boot_from_volume and volumes keys, %nova report's volume
rows and %nova cleanup; bad input is one line, fails the cell and changes nothing."""

from __future__ import annotations

import pytest
from magic_helpers import IMAGE, boot, complete, fail, run

from novamagic import frames
from novamagic.localcloud import ManualClock
from novamagic.localcloud.model.flavors import VOLUME_FLAVOR


@pytest.fixture
def lc(localcloud_factory):
    return localcloud_factory(clock=ManualClock(), flavors=[VOLUME_FLAVOR])


def _one_line_failure(shell, code, capsys, *needles):
    error, seen = fail(shell, code, capsys)
    shown = seen.strip() or str(error)
    for needle in needles:
        assert needle in shown, (needle, shown)
    assert "Traceback" not in seen and "\n" not in str(error)
    return shown


def test_volume_create_extend_attach_snapshot_detach_delete(shell, cloud):
    boot(shell, "web-{n}")
    made = run(shell, "%nova volume create data 1 --wait")
    assert str(made).startswith("created volume data (") and str(made).endswith("1 GB, available)")
    listed = run(shell, "%nova volumes")
    assert list(listed.columns) == list(frames.VOLUME_COLUMNS)
    assert listed.loc[0, "name"] == "data" and listed.loc[0, "size_gb"] == 1
    assert str(run(shell, "%nova volume extend data 3 --wait")) == "volume data: 3 GB (available)"
    attached = run(shell, "%nova volume attach data web-1 --wait")
    assert str(attached) == "attached data to web-1 as /dev/vdb"
    assert run(shell, "%nova volumes").loc[0, "status"] == "in-use"
    on_server = run(shell, "%nova volumes --server web-1")
    assert on_server["device"].tolist() == ["/dev/vdb"]
    snap = run(shell, "%nova volume snapshot data nightly --force --wait")
    assert str(snap) == "snapshot nightly of data (3 GB, available)"
    snaps = run(shell, "%nova volumes --snapshots")
    assert list(snaps.columns) == list(frames.SNAPSHOT_COLUMNS) and snaps["name"].tolist() == [
        "nightly"
    ]
    assert "data" in complete(shell, "%nova volume attach da")
    run(shell, "%nova volume delete-snapshot nightly --wait")
    assert str(run(shell, "%nova volume detach data web-1 --wait")) == "detached data from web-1"
    assert str(run(shell, "%nova volume delete data --wait")) == "deleted volume data"
    assert run(shell, "%nova volumes").empty


def test_bad_volume_input_is_one_line_and_changes_nothing(shell, cloud, capsys):
    boot(shell, "web-{n}", count=2)
    run(shell, "%nova volume create data 2 --wait")
    run(shell, "%nova volume attach data web-1 --wait")
    before = cloud.volumes()
    _one_line_failure(shell, "%nova volume attach data web-2", capsys,
                      "only an available volume can be attached")  # fmt: skip
    _one_line_failure(shell, "%nova volume detach data web-2", capsys, "not attached")
    _one_line_failure(shell, "%nova volume delete data", capsys, "detach it first")
    _one_line_failure(shell, "%nova volume extend data 1", capsys, "only grow")
    _one_line_failure(shell, "%nova volume create big zero", capsys, "not a size")
    _one_line_failure(shell, "%nova volume create big", capsys, "usage: %nova volume create")
    _one_line_failure(shell, "%nova volume explode data", capsys, "invalid choice")
    assert cloud.volumes() == before


def test_gigabytes_quota_refusal(shell, cloud, lc, capsys):
    lc.state.volume_quotas[cloud._project_id()] = {"gigabytes": 2}
    run(shell, "%nova volume create data 2")
    _one_line_failure(shell, "%nova volume create more 1", capsys, "gigabytes quota",
                      "Requested 1G, quota is 2G")  # fmt: skip
    assert [v["name"] for v in cloud.volumes()] == ["data"]


def test_boot_from_volume_spec_report_and_cleanup(shell, cloud, capsys):
    _one_line_failure(
        shell,
        f"%%nova_boot\nname: nope\nimage: {IMAGE}\nflavor: m1.volume\n",
        capsys,
        "0 GB root disk",
        "boot_volume_size",
    )
    assert cloud.servers() == []
    frame = run(
        shell,
        f"%%nova_boot --wait\nname: db\nimage: {IMAGE}\nflavor: m1.volume\n"
        "boot_from_volume: 2\nvolumes: [1]\n",
    )
    assert frame.loc[0, "status"] == "ACTIVE" and frame.loc[0, "disk_gb"] == 0
    volumes = run(shell, "%nova volumes")
    assert sorted(volumes["size_gb"].tolist()) == [1, 2]
    assert set(volumes["attached_to"]) == {frame.loc[0, "id"]}
    assert volumes.set_index("size_gb").loc[2, "bootable"]
    report = run(shell, "%nova report --no-plot")
    totals = report.totals.set_index("resource")
    assert totals.loc["volumes", "used"] == 2 and totals.loc["volume_gb", "used"] == 3
    assert totals.loc["volume_gb", "max"] == 1000
    by_project = report.volumes_by_project
    assert by_project["volumes"].tolist() == [2] and by_project["gigabytes"].tolist() == [3]
    assert "volumes_by_project" not in repr(report) and "volume_gb" in str(report.totals)
    run(shell, "%nova volume create kept 1 --wait")
    run(shell, "%nova volume attach kept db --wait")
    planned = run(shell, "%nova cleanup")
    wanted = planned[planned["would delete"] == "volume"]
    assert "kept" in set(wanted["name"])
    shown = run(shell, "%nova cleanup --yes")
    assert (shown["result"] == "deleted").all()
    assert "volume" in set(shown["kind"])
    assert cloud.servers() == []
    cloud.wait_volume(volumes["id"][0], "DELETED")
    for volume in cloud.volumes():
        cloud.wait_volume(volume["id"], "DELETED")
    assert cloud.volumes() == []


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("boot_from_volume: big", "boot_from_volume is the root volume's size"),
        ("boot_from_volume: 0", "boot_from_volume is the root volume's size"),
        ("volumes: [true]", "volumes is a list of sizes"),
        ("volumes: {a: 1}", "volumes is a list of sizes"),
    ],
)
def test_bad_volume_spec_keys(shell, cloud, capsys, spec, needle):
    _one_line_failure(shell, f"%%nova_boot\nname: x\nimage: {IMAGE}\nflavor: m1.tiny\n{spec}\n",
                      capsys, needle)  # fmt: skip
    assert cloud.servers() == [] and cloud.volumes() == []
