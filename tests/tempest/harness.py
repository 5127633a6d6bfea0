"""What each tempest suite's test module shares: the standalone cloud started as a workshop runs
it, tempest's workspace and configuration written for it, one run of a suite by regex, and the
checks every suite makes (all passed; each exclusion has a reason, still names a test, never ran;
each option turned off is explained in README.md).

``python -m tests.tempest.harness REGEX [EXCLUDE_FILE]`` runs one suite by hand and prints what
failed, for working on the local cloud against tempest.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.reliability.standalone import Standalone

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FAILED = ("fail", "failure", "error")


@dataclass
class TempestRun:
    """One tempest run: its exit status, {test id: status}, console output, workspace, seconds."""

    returncode: int
    results: dict[str, str]
    output: str
    workspace: Path
    seconds: float

    def count(self, *statuses: str) -> int:
        return sum(1 for s in self.results.values() if s in statuses)

    def failed(self) -> list[str]:
        return sorted(plain(t) for t, s in self.results.items() if s in FAILED)


def plain(test_id: str) -> str:
    """``pkg.Class.test_x[id-...,smoke]`` -> ``pkg.Class.test_x``."""
    return re.sub(r"\[.*\]$", "", test_id)


def exclusions(path: Path) -> list[tuple[str, str]]:
    """(regex, reason) of each entry in an exclusion file: a regex, then ``# reason``."""
    entries = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        regex, _, reason = line.partition("#")
        entries.append((regex.strip(), reason.strip()))
    return entries


def _admin_headers(url: str) -> dict:
    token = requests.post(
        f"{url}/identity/v3/auth/tokens",
        json={"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}}}},
        timeout=30,
    ).headers["X-Subject-Token"]  # fmt: skip
    return {"X-Auth-Token": token}


def _configure(url: str, work: Path) -> None:
    """A tempest workspace under ``work/ws`` with tempest.conf.in filled in for the cloud."""
    headers = _admin_headers(url)
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


def run_suite(work: Path, regex: str, exclude: Path, timeout: int = 1500) -> TempestRun:
    """Starts the standalone cloud, runs tempest's tests matching ``regex`` less ``exclude`` with
    two workers, and stops the cloud."""
    if shutil.which("tempest", path=str(BIN)) is None:
        raise RuntimeError(
            "tempest is not installed: it is in the [test] extra (pip install -e '.[test]')"
        )
    cloud = Standalone(HERE / "users.yaml", work / "cloud.log", "--speed", "100", "--seed", "7")
    try:
        _configure(cloud.auth_url.rsplit("/identity", 1)[0], work)
        started = time.monotonic()
        run = subprocess.run(
            [BIN / "tempest", "run", "--regex", regex, "--exclude-list", str(exclude),
             "--concurrency", "2"],
            cwd=work / "ws", capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        seconds = time.monotonic() - started
        # no stream when tempest stopped before any test (its output then says why)
        stream = subprocess.run(
            [BIN / "stestr", "last", "--subunit"], cwd=work / "ws", capture_output=True
        ).stdout
        # subunit2csv exits 1 when the stream holds a failure: its table is wanted all the same
        rows = subprocess.run([BIN / "subunit2csv"], input=stream, capture_output=True).stdout
        results = {
            r["test"]: r["status"]
            for r in csv.DictReader(io.StringIO(rows.decode(errors="replace")))
        }
    finally:
        cloud.stop()
    return TempestRun(run.returncode, results, run.stdout + run.stderr, work / "ws", seconds)


def assert_all_passed(run: TempestRun, at_least: int) -> None:
    """Every test tempest ran passed, and about as many ran as when the suite was reviewed."""
    failed = run.failed()
    assert not failed, f"{len(failed)} tempest tests failed: {failed}\n{run.output[-4000:]}"
    assert run.returncode == 0, run.output[-4000:]
    passed = run.count("success")
    assert passed >= at_least, f"only {passed} tests passed: tempest ran less than it should"


def assert_exclusions_hold(run: TempestRun, regex: str, exclude: Path) -> None:
    """Each exclusion has a reason, still names one of the suite's tests, and none of them ran."""
    listing = subprocess.run(
        [BIN / "tempest", "run", "--list-tests", "--regex", regex],
        cwd=run.workspace, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    known = [plain(line) for line in listing.splitlines() if line.startswith("tempest.")]
    for pattern_text, reason in exclusions(exclude):
        assert reason, f"{exclude.name}: {pattern_text} has no reason"
        pattern = re.compile(pattern_text)
        assert any(pattern.search(n) for n in known), (
            f"{exclude.name}: {pattern_text} names no test"
        )
        ran = [t for t in run.results if pattern.search(plain(t)) and run.results[t] != "skip"]
        assert not ran, f"{exclude.name}: {pattern_text} still ran {ran}"


def assert_configuration_documents_its_skips() -> None:
    """Every option tempest.conf.in turns off is named, with why, in README.md."""
    readme = (HERE / "README.md").read_text()
    for line in (HERE / "tempest.conf.in").read_text().splitlines():
        if re.match(r"^[\w-]+ = False$", line):
            option = line.split()[0]
            assert f"`{option}`" in readme, f"README.md does not say why {option} is off"


if __name__ == "__main__":
    import tempfile

    regex = sys.argv[1]
    exclude = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else HERE / "exclude.txt"
    work = Path(tempfile.mkdtemp(prefix="tempest-"))
    result = run_suite(work, regex, exclude)
    print(f"{work}: {result.seconds:.0f} s; passed {result.count('success')}, "
          f"skipped {result.count('skip')}, failed {len(result.failed())}")  # fmt: skip
    for name in result.failed():
        print("FAILED", name)
    if result.returncode and not result.failed():
        print(result.output[-4000:])
