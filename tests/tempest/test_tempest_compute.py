"""OpenStack's own integration suite against the standalone local cloud: tempest's compute API
tests (``tempest.api.compute``), with pre-provisioned accounts, as a workshop runs the cloud.

Every test tempest runs must pass; what is left out is in ``exclude.txt``, each entry with its
reason, and the skips tempest makes from ``tempest.conf.in`` are explained in README.md. The
compute tests the interoperability guideline requires (``interop_compute.txt``) must all pass,
except the few README.md names with the configuration that skips them.
"""

from __future__ import annotations

import re

import pytest

from tests.tempest import harness

HERE = harness.HERE
REGEX = r"^tempest\.api\.compute\."
EXCLUDE = HERE / "exclude.txt"
#: The interop tests skipped by configuration, with the option that skips them (README.md).
INTEROP_SKIPS = {
    # [validation] run_validation = False: they ssh into the guest, and no guest runs here.
    "tempest.api.compute.servers.test_create_server.ServersTestJSON.test_host_name_is_same_as_server_name",
    "tempest.api.compute.servers.test_create_server.ServersTestJSON.test_verify_created_server_vcpus",
}


def _interop() -> dict[str, str]:
    """Idempotent id -> test name of the interop guideline's required compute tests."""
    tests = {}
    for line in (HERE / "interop_compute.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            idempotent_id, name, _capability = line.split()
            tests[idempotent_id] = name
    return tests


@pytest.fixture(scope="module")
def tempest_run(tmp_path_factory) -> harness.TempestRun:
    """The compute suite, run once against a fresh standalone cloud."""
    try:
        return harness.run_suite(tmp_path_factory.mktemp("tempest"), REGEX, EXCLUDE)
    except RuntimeError as error:
        pytest.fail(str(error))


def test_tempest_compute_api_tests_pass(tempest_run):
    # 304 passed when the exclusions were last reviewed: far fewer means a broken setup.
    harness.assert_all_passed(tempest_run, at_least=295)


def test_every_interop_required_compute_test_passes(tempest_run):
    by_id = {}
    for test_id, outcome in tempest_run.results.items():
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
    harness.assert_exclusions_hold(tempest_run, REGEX, EXCLUDE)


def test_the_configuration_documents_its_skips():
    harness.assert_configuration_documents_its_skips()
