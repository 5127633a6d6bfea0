"""The widgets' networking (issue 16): the boot form offers networks, security groups and a
floating IP; the fleet view shows (and filters on) floating IPs."""

from __future__ import annotations

from widget_helpers import IMAGE, finished, text

from novamagic.widgets import BootFormModel, boot_form, fleet_view


def fill(form, name="web"):
    form.name.value = name
    form.image.value = next(v for label, v in form.image.options if label == IMAGE)
    form.flavor.value = next(v for label, v in form.flavor.options if label.startswith("m1.tiny"))


def test_boot_form_offers_networks_groups_and_a_floating_ip(cloud):
    cloud.create_security_group("web")
    form = boot_form(cloud)
    assert set(form.networks.options) == {"private", "public"}
    assert set(form.security_groups.options) == {"default", "web"}
    fill(form)
    form.networks.value = ("private",)
    form.security_groups.value = ("web",)
    form.floating_ip.value = True
    assert form.model.networks == ["private"] and form.model.security_groups == ["web"]
    summary = form.model.summary()
    assert summary["floating IP"] == "yes, once ACTIVE" and summary["security groups"] == "web"
    form.boot_button.click()
    finished(form.model)
    assert form.model.phase == "done", form.model.error
    server = cloud.servers()[0]
    floating = cloud.floating_ips(server)
    assert len(floating) == 1
    assert floating[0]["floating_ip_address"] in form.result.value
    assert {g["name"] for g in cloud.server_security_groups(server)} == {"web"}
    assert form.model.result.loc[0, "floating_ipv4"] == floating[0]["floating_ip_address"]


def test_boot_form_refuses_unknown_networking_before_sending(cloud):
    model = BootFormModel(cloud, name="x", image=IMAGE, flavor="m1.tiny")
    model.set(networks=["nowhere"], security_groups="nogroup")
    problems = model.errors()
    assert problems["networks"] == "no network 'nowhere'; pick from private, public"
    assert problems["security_groups"].startswith("no security group 'nogroup'; pick from default")
    later = BootFormModel(cloud, wait=False, name="x", image=IMAGE, flavor="m1.tiny")
    later.set(floating_ip=True)
    assert "needs the form to wait" in later.errors()["floating_ip"]


def test_a_refused_floating_ip_is_the_rows_error_and_the_server_stays(cloud, lc):
    from novamagic.client import connect

    admin = connect(auth_url=lc.auth_url, username="admin", password="admin",
                    project_name="admin", user_domain_name="Default",
                    project_domain_name="Default")  # fmt: skip
    admin._neutron("PUT", f"/quotas/{cloud.whoami()['project_id']}",
                   json={"quota": {"floatingip": 0}})  # fmt: skip
    admin.close()
    form = boot_form(cloud)
    fill(form, "solo")
    form.floating_ip.value = True
    form.boot_button.click()
    finished(form.model)
    assert "booted, but no floating IP" in text(form.status) and "Quota" in text(form.status)
    assert [s["status"] for s in cloud.servers()] == ["ACTIVE"] and cloud.floating_ips() == []


def test_fleet_view_shows_floating_ips(cloud, lc):
    cloud.create_servers("web", IMAGE, "m1.tiny", count=2, wait=True).raise_first()
    address = cloud.attach_floating_ip("web-1")["floating_ip_address"]
    view = fleet_view(cloud)
    assert "floating IP" in view.header.value
    rows = [r.children[1].value for r in view.rows_box.children]
    assert sum(address in r for r in rows) == 1
    view.filter.value = address
    assert len(view.rows_box.children) == 1
