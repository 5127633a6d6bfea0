"""Issue 13's client cases: a failed lookup never sinks a listing, Retry-After within a deadline,
a boot whose answer is lost says where the server may be, big counts and quota before sending."""

from __future__ import annotations

import warnings

import pytest

from novamagic.client import NovaError, NovaWarning
from novamagic.localcloud import identity
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect


def _without_image_service(monkeypatch, local):
    """A catalogue with no image service, and a compute API with no image proxy."""
    monkeypatch.setattr(
        identity, "SERVICES", tuple(s for s in identity.SERVICES if s[0] != "image")
    )
    local.inject_fault(r"/images", status=404, message="no image proxy here")


def test_a_failed_image_lookup_degrades_a_listing_to_ids(local, monkeypatch):
    with local_connect(local) as booter:
        booted = booter.create_server("lookup", LOCAL_IMAGE, LOCAL_FLAVOR)
    _without_image_service(monkeypatch, local)
    with local_connect(local) as cloud:
        assert cloud.image_url is None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            servers = cloud.servers()
            again = cloud.servers()  # said once, not on every listing
        assert [s["id"] for s in servers] == [booted["id"]] and len(again) == 1
        assert servers[0]["image"] == {"id": booted["image"]["id"], "name": None}
        assert servers[0]["flavor"]["name"] == LOCAL_FLAVOR  # the other lookup still worked
        notes = [str(w.message) for w in caught if issubclass(w.category, NovaWarning)]
        assert len(notes) == 1 and "image names" in notes[0] and "ids" in notes[0]
        assert "\n" not in notes[0]
        # resolving an image by name still fails, and says why
        with pytest.raises(NovaError):
            cloud.servers(image=LOCAL_IMAGE)
