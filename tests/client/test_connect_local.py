"""connect(local=...): the deterministic local cloud the notebooks run on."""

from __future__ import annotations

import pytest

from novamagic.client import ConfigurationError, connect
from novamagic.localcloud import LocalCloud, ManualClock


def test_local_cloud_on_a_manual_clock_waits_by_advancing_it(localcloud_factory):
    lc = localcloud_factory(clock=ManualClock(step_per_request=1))
    start = lc.clock.now()
    with connect(local=lc) as cloud:
        assert cloud.whoami()["username"] == "joe"
        server = cloud.create_server("tornado001", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
        assert server["status"] == "ACTIVE"
    # BUILD lasts 20 cloud seconds: the wait moved the manual clock past it, nothing slept.
    assert lc.clock.now() - start >= 20
    assert lc.running, "close() must not stop a local cloud the caller started"


def test_same_seed_same_ids_and_addresses(localcloud_factory):
    seen = []
    for _ in range(2):
        lc = localcloud_factory(seed=7, clock=ManualClock(step_per_request=1))
        with connect(local=lc) as cloud:
            server = cloud.create_server("web", "cirros-0.6.2-x86_64-disk", "m1.tiny", wait=True)
            seen.append((server["id"], server["created"], cloud.addresses(server["id"])))
    assert seen[0] == seen[1]


def test_tls_with_client_certificate(localcloud_factory):
    lc = localcloud_factory(tls=True, client_cert_required=True)
    with connect(local=lc) as cloud:
        assert cloud.compute_url.startswith("https://127.0.0.1:")
        assert [f["name"] for f in cloud.flavors()][:2] == ["m1.tiny", "m1.small"]


def test_local_true_starts_and_stops_its_own_cloud(monkeypatch, tmp_path):
    monkeypatch.setenv("OS_CLOUD", "elsewhere")  # local=True wins over the configuration
    cloud = connect(local=True)
    started = cloud.config.local_cloud
    assert started is not None and started.running
    cloud.close()
    assert not started.running


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"local": "yes"}, "local= takes True or a LocalCloud, not str"),
        ({"local": LocalCloud(), "cloud": "lab"}, "cannot be combined"),
        ({"local": LocalCloud()}, "not running"),
    ],
)
def test_bad_local_arguments_say_what_is_allowed(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        connect(**kwargs)
