"""OpenStack's own integration suite against the standalone local cloud: tempest's compute API
tests (``tempest.api.compute``), with pre-provisioned accounts, as a workshop runs the cloud.

Every test tempest runs must pass; what is left out is in ``exclude.txt``, each entry with its
reason, and the skips tempest makes from ``tempest.conf.in`` are explained in README.md. The
compute tests the interoperability guideline requires (``interop_compute.txt``) must all pass,
except the few README.md names with the configuration that skips them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.reliability.standalone import Standalone

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
#: The interop tests skipped by configuration, with the option that skips them (README.md).
INTEROP_SKIPS = {
    # [validation] run_validation = False: they ssh into the guest, and no guest runs here.
    "tempest.api.compute.servers.test_create_server.ServersTestJSON.test_host_name_is_same_as_server_name",
    "tempest.api.compute.servers.test_create_server.ServersTestJSON.test_verify_created_server_vcpus",
    # [service_available] cinder = False: the local cloud's volumes are not tempest-checked yet.
    "tempest.api.compute.volumes.test_attach_volume.AttachVolumeTestJSON.test_attach_detach_volume",
    "tempest.api.compute.volumes.test_attach_volume.AttachVolumeTestJSON.test_list_get_volume_attachments",
}


def _exclusions() -> list[tuple[str, str]]:
    """(regex, reason) of each entry in exclude.txt: a regex, then ``# reason``."""
    entries = []
    for line in (HERE / "exclude.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        regex, _, reason = line.partition("#")
        entries.append((regex.strip(), reason.strip()))
    return entries


def _interop() -> dict[str, str]:
    """Idempotent id -> test name of the interop guideline's required compute tests."""
    tests = {}
    for line in (HERE / "interop_compute.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            idempotent_id, name, _capability = line.split()
            tests[idempotent_id] = name
    return tests


@pytest.fixture(scope="module")
def tempest_run(tmp_path_factory):
    """Runs the suite once: (tempest's exit status, {test id: status}, its console output,
    the workspace)."""
    if shutil.which("tempest", path=str(BIN)) is None:
        pytest.fail(
            "tempest is not installed: it is in the [test] extra (pip install -e '.[test]')"
        )
    work = tmp_path_factory.mktemp("tempest")
    cloud = Standalone(HERE / "users.yaml", work / "cloud.log", "--speed", "100", "--seed", "7")
    try:
        url = cloud.auth_url.rsplit("/identity", 1)[0]
        token = requests.post(
            f"{url}/identity/v3/auth/tokens",
            json={"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}}}},
            timeout=30,
        ).headers["X-Subject-Token"]  # fmt: skip
        headers = {"X-Auth-Token": token}
        images = requests.get(f"{url}/image/v2/images", headers=headers, timeout=30).json()
        by_name = {i["name"]: i["id"] for i in images["images"]}
        networks = requests.get(
            f"{url}/networking/v2.0/networks?name=public", headers=headers, timeout=30
        ).json()["networks"]
        # its own workspace registry: nothing written to ~/.tempest
        subprocess.run(
            [BIN / "tempest", "init", "--workspace-path", str(work / "workspaces.yaml"),
             "--name", work.name, str(work / "ws")],
            check=True, capture_output=True,
        )  # fmt: skip
        accounts = work / "accounts.yaml"
        accounts.write_text((HERE / "accounts.yaml").read_text())
        (work / "ws" / "etc" / "tempest.conf").write_text(
            (HERE / "tempest.conf.in")
            .read_text()
            .format(
                url=url,
                log_file=work / "tempest.log",
                accounts=accounts,
                image_ref=by_name["cirros-0.6.2-x86_64-disk"],
                image_ref_alt=by_name["ubuntu-22.04-server-cloudimg-amd64"],
                public_network_id=networks[0]["id"],
            )
        )
        run = subprocess.run(
            [
                BIN / "tempest", "run", "--regex", r"^tempest\.api\.compute\.",
                "--exclude-list", str(HERE / "exclude.txt"), "--concurrency", "2",
            ],
            cwd=work / "ws", capture_output=True, text=True, timeout=1500,
        )  # fmt: skip
        stream = subprocess.run(
            [BIN / "stestr", "last", "--subunit"], cwd=work / "ws", capture_output=True, check=True
        ).stdout
        # subunit2csv exits 1 when the stream holds a failure: its table is wanted all the same
        rows = subprocess.run([BIN / "subunit2csv"], input=stream, capture_output=True).stdout
        rows = rows.decode()
        results = {row["test"]: row["status"] for row in csv.DictReader(io.StringIO(rows))}
    finally:
        cloud.stop()
    return run.returncode, results, run.stdout + run.stderr, work / "ws"


def _plain(test_id: str) -> str:
    """``pkg.Class.test_x[id-...,smoke]`` -> ``pkg.Class.test_x``."""
    return re.sub(r"\[.*\]$", "", test_id)


def test_tempest_compute_api_tests_pass(tempest_run):
    status, results, output, _ = tempest_run
    failed = sorted(_plain(t) for t, s in results.items() if s in ("fail", "failure", "error"))
    assert not failed, f"{len(failed)} tempest tests failed: {failed}\n{output[-4000:]}"
    assert status == 0, output[-4000:]
    passed = sum(1 for s in results.values() if s == "success")
    # 289 passed when the exclusions were last reviewed: far fewer means a broken setup.
    assert passed >= 280, f"only {passed} tests passed: tempest ran less than it should"


def test_every_interop_required_compute_test_passes(tempest_run):
    _, results, _, _ = tempest_run
    by_id = {}
    for test_id, outcome in results.items():
        for idempotent_id in re.findall(r"id-([0-9a-f-]{36})", test_id):
            by_id[idempotent_id] = outcome
    wrong = []
    for idempotent_id, name in _interop().items():
        outcome = by_id.get(idempotent_id, "not run")
        expected = "skip" if name in INTEROP_SKIPS else "success"
        if outcome != expected and not (name in INTEROP_SKIPS and outcome == "not run"):
            wrong.append(f"{name}: {outcome}")
    assert not wrong, wrong


def test_every_exclusion_has_a_reason_and_still_names_a_test(tempest_run):
    _, results, _, workspace = tempest_run
    listing = subprocess.run(
        [BIN / "tempest", "run", "--list-tests", "--regex", r"^tempest\.api\.compute\."],
        cwd=workspace, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    known = [_plain(line) for line in listing.splitlines() if line.startswith("tempest.")]
    for regex, reason in _exclusions():
        assert reason, f"exclude.txt: {regex} has no reason"
        pattern = re.compile(regex)
        assert any(pattern.search(name) for name in known), f"exclude.txt: {regex} names no test"
        ran = [t for t in results if pattern.search(_plain(t)) and results[t] != "skip"]
        assert not ran, f"exclude.txt: {regex} still ran {ran}"


def test_the_configuration_documents_its_skips():
    readme = (HERE / "README.md").read_text()
    config = (HERE / "tempest.conf.in").read_text()
    for line in config.splitlines():
        if re.match(r"^\w+ = False$", line):
            option = line.split()[0]
            assert f"`{option}`" in readme, f"README.md does not say why {option} is off"
