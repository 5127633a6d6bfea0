"""The widgets' block storage (issue 20): the boot form boots from a volume (and says so for a
0 GB flavor), the fleet view counts the project's volumes and gigabytes."""

from __future__ import annotations

import pytest
from widget_helpers import IMAGE, finished, now_clock

from novamagic.localcloud.model.flavors import VOLUME_FLAVOR
from novamagic.widgets import BootFormModel, boot_form, fleet_view


@pytest.fixture
def lc(localcloud_factory):
    return localcloud_factory(clock=now_clock(), flavors=[VOLUME_FLAVOR])


def test_boot_form_boots_from_a_volume(cloud):
    form = boot_form(cloud)
    form.name.value = "db"
    form.image.value = next(v for label, v in form.image.options if label == IMAGE)
    form.flavor.value = next(v for label, v in form.flavor.options if label.startswith("m1.volume"))
    assert "0 GB disk: boot from a volume" in form.field_errors["boot_volume_size"].value
    assert "boot volume" not in form.model.summary()
    form.boot_volume_size.value = 2
    assert form.model.boot_volume_size == 2 and not form.model.errors()
    assert form.model.summary()["boot volume"] == "2 GB from the image"
    form.boot_button.click()
    finished(form.model)
    assert form.model.phase == "done", form.model.error
    (server,) = cloud.servers()
    (volume,) = cloud.volumes()
    assert volume["size"] == 2 and volume["attachments"][0]["server_id"] == server["id"]
    assert server["image"] == {"id": None, "name": None}


def test_boot_form_checks_the_volume_size(cloud):
    model = BootFormModel(cloud, name="x", image=IMAGE, flavor="m1.tiny")
    assert not model.errors()
    model.set(boot_volume_size=-1)
    assert "whole number of GB" in model.errors()["boot_volume_size"]
    model.set(boot_volume_size=0, flavor="m1.volume")
    assert "m1.volume has a 0 GB disk" in model.errors()["boot_volume_size"]


def test_fleet_view_counts_volumes_only_when_there_are_some(cloud):
    cloud.create_server("web", IMAGE, "m1.tiny", wait=True)
    view = fleet_view(cloud)
    assert "volumes" not in view.model.info()
    cloud.create_volume("data", 3, wait=True)
    cloud.create_volume("logs", 1)
    view.model.refresh()
    assert "1 servers · 2 volumes (4 GB)" in view.model.info()
    totals = view.model.summary["totals"].set_index("resource")
    assert totals.loc["volume_gb", "used"] == 4 and totals.loc["volumes", "max"] == 10
