"""``%nova usage``, ``%nova hypervisors`` and listings over many clouds and regions, through a
real InteractiveShell against standalone local clouds."""

from __future__ import annotations

import pytest
import yaml
from magic_helpers import fail, run

from novamagic.client import connect
from novamagic.localcloud import LocalCloud, ManualClock

HOUR = 3600


def admin_of(lc):
    return connect(
        auth_url=lc.auth_url, username="admin", password="admin", project_name="admin",
        user_domain_name="Default", project_domain_name="Default",
    )  # fmt: skip


def test_usage_per_project_and_per_server(shell, cloud, lc, capsys):
    lc.populate_servers(2, flavor="3", name="db-{n}")  # m1.medium: 2 vCPUs
    lc.tick(2 * HOUR)
    usage = run(shell, "%nova usage --start 2012-03-21 --end 2012-03-21T01:00:00Z")
    assert usage.loc[0, "servers"] == 2 and usage.loc[0, "vcpu_hours"] == pytest.approx(4.0)
    per_server = run(shell, "%nova usage --servers")
    assert per_server["name"].tolist() == ["db-1", "db-2"]
    assert per_server["vcpu_hours"].tolist() == pytest.approx([4.0, 4.0])
    error, seen = fail(shell, "%nova usage --all-projects", capsys)
    assert type(error).__name__ == "Forbidden" and "needs an admin role" in seen
    error, seen = fail(shell, "%nova usage --start someday", capsys)
    assert "is not a time" in seen and "Traceback" not in seen


def test_hypervisors_for_admins_and_zones_for_everyone(shell, cloud, lc, capsys):
    lc.populate_servers(3)
    error, seen = fail(shell, "%nova hypervisors", capsys)
    assert type(error).__name__ == "Forbidden" and "admin account" in seen
    zones = run(shell, "%nova hypervisors --zones")
    assert zones["zone"].tolist() == ["nova"] and zones["available"].tolist() == [True]
    shell.user_ns["admin"] = admin_of(lc)
    run(shell, "%nova use admin")
    hosts = run(shell, "%nova hypervisors")
    assert hosts[["name", "vcpus", "vcpus_used", "running_vms"]].values.tolist() == [
        ["localcloud-1", 64, 3, 3]
    ]


@pytest.fixture
def two_clouds(tmp_path, monkeypatch):
    """Two standalone local clouds, "east" (regions RegionOne and RegionTwo in its catalog) and
    "west", named in a clouds.yaml the magics read as the openstack CLI would."""
    with (
        LocalCloud(seed=1, clock=ManualClock(), regions=["RegionOne", "RegionTwo"]) as east,
        LocalCloud(seed=2, clock=ManualClock(), regions="West") as west,
    ):
        east.populate_servers(2, name="east-{n}")
        west.populate_servers(3, name="west-{n}")
        account = {"username": "joe", "password": "shhh", "project_name": "openstack",
                   "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip
        clouds = {
            "east": {"auth": {"auth_url": east.auth_url, **account}},
            "west": {"auth": {"auth_url": west.auth_url, **account}},
            "down": {"auth": {"auth_url": "http://127.0.0.1:9/identity", **account}},
        }
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": clouds}))
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        yield east, west


def test_servers_from_two_clouds_and_two_regions_in_one_frame(shell, two_clouds, capsys):
    merged = run(shell, "%nova servers --cloud east --cloud west")
    assert list(merged.columns[:2]) == ["cloud", "region"]
    assert sorted(zip(merged["cloud"], merged["region"], merged["name"], strict=True)) == [
        ("east", "RegionOne", "east-1"), ("east", "RegionOne", "east-2"),
        ("west", "West", "west-1"), ("west", "West", "west-2"), ("west", "West", "west-3"),
    ]  # fmt: skip
    # Every region of each catalog: east lists two regions (one cloud behind both).
    regions = run(shell, "%nova servers --cloud east --cloud west --all-regions")
    assert regions.groupby(["cloud", "region"]).size().to_dict() == {
        ("east", "RegionOne"): 2, ("east", "RegionTwo"): 2, ("west", "West"): 3,
    }  # fmt: skip
    only = run(shell, "%nova servers --cloud east --region RegionTwo")
    assert set(only["region"]) == {"RegionTwo"} and len(only) == 2


def test_a_failing_cloud_is_one_line_and_the_rest_come_back(shell, two_clouds, capsys):
    capsys.readouterr()
    merged = run(shell, "%nova servers --cloud east --cloud down --cloud west --cloud nowhere")
    seen = capsys.readouterr().out
    assert sorted(set(merged["cloud"])) == ["east", "west"] and len(merged) == 5
    failed = [line for line in seen.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 2 and failed[0].startswith("failed: down: ")
    assert failed[1].startswith("failed: nowhere: ") and "Traceback" not in seen
    error, seen = fail(shell, "%nova servers --cloud down --cloud nowhere", capsys)
    assert "no cloud answered" in seen and "Traceback" not in seen


def test_clouds_given_as_variables_and_the_report_over_them(shell, two_clouds, capsys):
    east, west = two_clouds
    shell.user_ns["lab"] = connect(local=east)
    shell.user_ns["prod"] = connect(local=west)
    merged = run(shell, "%nova servers --cloud lab --cloud prod")
    assert sorted(set(merged["cloud"])) == ["lab", "prod"]
    report = run(shell, "%nova report --cloud lab --cloud prod --no-plot")
    assert len(report.servers) == 5 and report.data.clouds == 2
    totals = report.totals.set_index("resource")
    assert totals.loc["instances", "used"] == 5 and totals.loc["instances", "max"] == 20
    assert (
        "Fleet report: 5 servers on 2 clouds"
        in shell.display_formatter.format(report)[0]["text/plain"]
    )


def test_the_python_face_merges_clouds_concurrently(two_clouds):
    from novamagic.frames import servers_across

    east, west = two_clouds
    merged = servers_across(["east", "west", "down"], all_regions=True)
    assert merged.answered == 3 and len(merged.frame) == 2 + 2 + 3
    (failure,) = merged.failures
    assert failure.cloud == "down" and "\\n" not in str(failure)


def test_clouds_are_asked_at_the_same_time(two_clouds):
    """Both fetches must be under way together to pass the barrier: in turn, the first waits
    alone and the barrier breaks (a failure line instead of rows)."""
    import threading

    from novamagic.frames import fetch_across, servers_frame

    both = threading.Barrier(2, timeout=20)

    def fetch(cloud):
        both.wait()
        return servers_frame(cloud.servers())

    merged = fetch_across(["east", "west"], fetch)
    assert merged.failures == [] and len(merged.frame) == 5
