"""Fixtures for the client's integration tests: the local cloud by default, any cloud on request.

``pytest tests/client --os-cloud NAME`` runs the same test bodies against the clouds.yaml cloud
NAME (``--os-cloud envvars`` takes the ``OS_*`` environment, openstacksdk's name for it). They
create their own servers (named ``nmtest-...``, tagged with the session tag) and delete them at the
end. Tests that need the local cloud's controls (clock, faults, quotas) skip there, saying why.
On a real cloud, NOVAMAGIC_TEST_IMAGE and NOVAMAGIC_TEST_FLAVOR choose the image and flavor
(default: an image with "cirros" in its name, else the smallest; the flavor with least RAM).

Against the local cloud the client's clock *is* the cloud's ManualClock: every pause of the client
(poll interval, backoff, Retry-After) advances cloud time instead of sleeping, so waits finish at
once and deterministically.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone

import pytest

from novamagic.client import connect
from novamagic.localcloud import ManualClock

LOCAL_ACCOUNT = {
    "username": "joe",
    "password": "shhh",
    "project_name": "openstack",
    "user_domain_name": "Default",
    "project_domain_name": "Default",
}
LOCAL_IMAGE = "cirros-0.6.2-x86_64-disk"
LOCAL_FLAVOR = "m1.tiny"


def _real_cloud_name(config) -> str | None:
    return config.getoption("--os-cloud")


def now_clock(**kwargs) -> ManualClock:
    """A ManualClock starting at the real current time.

    Tokens carry the cloud's time in ``expires_at`` and keystoneauth compares it with the real
    time, so a clock starting in 2012 would make it re-authenticate on every request.
    """
    return ManualClock(start=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **kwargs)


def local_connect(lc, **options):
    """A client on the local cloud ``lc`` whose pauses advance the cloud's clock."""
    options = {**LOCAL_ACCOUNT, "sleep": lc.clock.advance, "monotonic": lc.clock.now, **options}
    return connect(auth_url=lc.auth_url, **options)


@pytest.fixture
def real_cloud(request):
    return _real_cloud_name(request.config)


@pytest.fixture
def lc(request, localcloud_factory):
    """The local cloud under test, or None when the tests run against a real cloud."""
    if _real_cloud_name(request.config):
        return None
    return localcloud_factory(clock=now_clock())


@pytest.fixture
def local(lc):
    """The local cloud, for tests that need its controls; skips on a real cloud."""
    if lc is None:
        pytest.skip("needs the local cloud's controls (clock, faults, quotas); --os-cloud is set")
    return lc


@pytest.fixture
def cloud(request, lc):
    name = _real_cloud_name(request.config)
    if lc is None:
        client = connect(None if name == "envvars" else name)
    else:
        client = local_connect(lc)
    yield client
    try:
        client.cleanup()
    finally:
        client.close()


@pytest.fixture
def names():
    """Unique server names for this test: names("web") -> "nmtest-<hex>-web"."""
    prefix = f"nmtest-{secrets.token_hex(3)}-"
    return lambda suffix: prefix + suffix


@pytest.fixture
def image_ref(cloud, lc):
    if lc is not None:
        return LOCAL_IMAGE
    wanted = os.environ.get("NOVAMAGIC_TEST_IMAGE")
    if wanted:
        return wanted
    images = [i for i in cloud.images() if i["status"] == "ACTIVE"]
    cirros = [i for i in images if "cirros" in (i["name"] or "").lower()]
    chosen = cirros or sorted(images, key=lambda i: i["OS-EXT-IMG-SIZE:size"] or 0)
    return chosen[0]["id"]


@pytest.fixture
def flavor_ref(cloud, lc):
    if lc is not None:
        return LOCAL_FLAVOR
    wanted = os.environ.get("NOVAMAGIC_TEST_FLAVOR")
    if wanted:
        return wanted
    return min(cloud.flavors(), key=lambda f: (f["ram"], f["vcpus"]))["id"]


@pytest.fixture
def timeout(lc) -> float:
    """How long a wait may take: cloud seconds locally, real seconds on a real cloud."""
    return 600.0 if lc is None else 300.0


@pytest.fixture
def boot(cloud, names, image_ref, flavor_ref, timeout):
    """boot("web", **create_server options) -> an ACTIVE server (deleted by cleanup)."""

    def _boot(suffix, wait=True, **options):
        return cloud.create_server(
            names(suffix), image_ref, flavor_ref, wait=wait, timeout=timeout, **options
        )

    return _boot


@pytest.fixture
def snapshots(cloud):
    """Images created by a test; deleted afterwards."""
    created: list[str] = []
    yield created
    for image_id in created:
        try:
            cloud.delete_image(image_id)
        except Exception:  # already gone is fine at teardown
            pass
