"""The real OpenStack clients work against the local cloud unmodified: openstacksdk,
python-novaclient and the ``openstack`` CLI, given only the auth URL and an account."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openstack
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exceptions

# openstacksdk warns about its own internals (influxdb support, _compute_attributes, the
# service_type argument it passes itself); nothing here is about the local cloud's answers.
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def sdk_connect(cloud, user="joe", password="shhh", project="openstack"):
    return openstack.connect(
        auth_url=cloud.auth_url,
        username=user,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
        load_yaml_config=False,
        load_envvars=False,
    )


def nova_session(cloud, user="joe", password="shhh", project="openstack"):
    auth = v3.Password(
        auth_url=cloud.auth_url,
        username=user,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_session.Session(auth=auth)


# ------------------------------------------------------------------ openstacksdk


def test_openstacksdk_full_tour(localcloud):
    conn = sdk_connect(localcloud)
    assert conn.compute.get_endpoint() == localcloud.compute_url
    flavors = {f.name: f for f in conn.compute.flavors()}
    assert sorted(flavors) == ["m1.large", "m1.medium", "m1.small", "m1.tiny", "m1.xlarge"]
    assert flavors["m1.medium"].ram == 4096
    images = {i.name: i for i in conn.image.images()}
    assert len(images) == 5 and images["ubuntu-11.04-server"].status == "active"
    server = conn.compute.create_server(
        name="sdk-1",
        image_id=images["ubuntu-11.04-server"].id,
        flavor_id=flavors["m1.tiny"].id,
        networks="auto",
        metadata={"owner": "joe"},
    )
    assert server.admin_password
    assert conn.compute.get_server(server.id).status == "BUILD"
    localcloud.tick(20)
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=5, interval=0.01)
    assert server.addresses["private"][0]["addr"] == "10.0.0.3"
    assert (
        server.flavor.original_name == "m1.tiny"
    )  # embedded flavor at the negotiated microversion
    assert conn.compute.get_server_metadata(server).metadata == {"owner": "joe"}
    conn.compute.set_server_metadata(server, role="web")
    assert conn.compute.get_server_metadata(server).metadata == {"owner": "joe", "role": "web"}

    conn.compute.reboot_server(server, "HARD")
    assert conn.compute.get_server(server.id).status == "HARD_REBOOT"
    localcloud.tick(15)
    conn.compute.resize_server(server, flavors["m1.small"].id)
    localcloud.tick(30)
    server = conn.compute.wait_for_server(server, status="VERIFY_RESIZE", wait=5, interval=0.01)
    conn.compute.revert_server_resize(server)
    localcloud.tick(15)
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=5, interval=0.01)
    assert server.flavor.original_name == "m1.tiny"
    conn.compute.resize_server(server, flavors["m1.small"].id)
    localcloud.tick(30)
    conn.compute.confirm_server_resize(conn.compute.get_server(server.id))
    assert conn.compute.get_server(server.id).flavor.original_name == "m1.small"

    image = conn.compute.create_server_image(server, "sdk-snap", wait=False)
    assert conn.image.get_image(image.id).status == "queued"
    localcloud.tick(20)
    assert conn.image.get_image(image.id).status == "active"

    for i in range(3):
        conn.compute.create_server(
            name=f"more-{i}",
            image_id=images["cirros-0.6.2-x86_64-disk"].id,
            flavor_id="1",
            networks="auto",
        )
    listed = list(conn.compute.servers(details=True, limit=2))  # follows the next links
    assert len(listed) == 4 and len({s.id for s in listed}) == 4
    limits = conn.compute.get_limits()
    assert limits.absolute.instances == 10 and limits.absolute.instances_used == 4
    assert conn.compute.get_quota_set(conn.current_project_id).instances == 10

    conn.compute.delete_server(server)
    localcloud.tick(5)
    conn.compute.wait_for_delete(server, wait=5, interval=0.01)
    assert server.id not in {s.id for s in conn.compute.servers()}


def test_openstacksdk_reaches_and_diagnoses_a_server(localcloud):
    conn = sdk_connect(localcloud)
    assert conn.network.get_endpoint() == localcloud.url + "/networking/v2.0"
    networks = {n.name: n for n in conn.network.networks()}
    assert set(networks) == {"public", "private"} and networks["public"].is_router_external
    image = conn.image.find_image("cirros-0.6.2-x86_64-disk")
    server = conn.compute.create_server(
        name="sdk-reach",
        image_id=image.id,
        flavor_id="1",
        networks=[{"uuid": networks["private"].id}],
    )
    localcloud.tick(20)
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=5, interval=0.01)
    (port,) = conn.network.ports(device_id=server.id, network_id=networks["private"].id)
    ip = conn.network.create_ip(floating_network_id=networks["public"].id, port_id=port.id)
    assert ip.fixed_ip_address == port.fixed_ips[0]["ip_address"]
    addresses = conn.compute.get_server(server.id).addresses["private"]
    assert {"floating"} == {
        a["OS-EXT-IPS:type"] for a in addresses if a["addr"] == ip.floating_ip_address
    }
    group = conn.network.find_security_group("default")
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    assert rule.port_range_min == 22 and rule.security_group_id == group.id
    log = conn.compute.get_server_console_output(server, length=1)["output"]
    assert log.strip().endswith("sdk-reach login:")
    actions = list(conn.compute.server_actions(server))
    assert [a.action for a in actions] == ["create"]
    conn.network.update_ip(ip, port_id=None)
    conn.network.delete_ip(ip)
    assert list(conn.network.ips()) == []


def test_openstacksdk_sees_errors_and_faults(localcloud):
    conn = sdk_connect(localcloud)
    server = conn.compute.create_server(
        name="doomed",
        image_id=next(conn.image.images(name="ubuntu-11.04-server")).id,
        flavor_id="1",
        networks="auto",
        metadata={"localcloud:fail": "build"},
    )
    localcloud.tick(20)
    with pytest.raises(openstack.exceptions.ResourceFailure):
        conn.compute.wait_for_server(server, status="ACTIVE", wait=5, interval=0.01)
    with pytest.raises(openstack.exceptions.NotFoundException, match="could not be found"):
        conn.compute.get_server("nope")
    with pytest.raises(openstack.exceptions.BadRequestException, match="flavorRef"):
        conn.compute.create_server(
            name="x", image_id=server.image.id, flavor_id="42", networks="auto"
        )


# ------------------------------------------------------------------ python-novaclient


def test_novaclient_at_2_1(localcloud):
    nova = nova_client.Client("2.1", session=nova_session(localcloud))
    assert [f.name for f in nova.flavors.list()][:2] == ["m1.tiny", "m1.small"]
    image = nova.glance.find_image("ubuntu-11.04-server")
    server = nova.servers.create(
        "nc", image=image, flavor=nova.flavors.find(name="m1.tiny"), meta={"a": "b"}
    )
    assert server.adminPass
    localcloud.tick(20)
    server = nova.servers.get(server.id)
    assert server.status == "ACTIVE"
    assert server.networks == {
        "private": ["10.0.0.3", "fd8e:1f01:a11c::10"],
        "public": ["172.24.4.10", "2001:db8::10"],
    }
    assert nova.servers.ips(server)["public"][0]["addr"] == "172.24.4.10"
    nova.servers.set_meta(server, {"c": "d"})
    assert nova.servers.get(server.id).metadata == {"a": "b", "c": "d"}
    nova.servers.delete_meta(server, ["a"])
    server.reboot()
    assert nova.servers.get(server.id).status == "REBOOT"
    localcloud.tick(10)
    server.resize(nova.flavors.find(name="m1.small"))
    localcloud.tick(30)
    assert nova.servers.get(server.id).status == "VERIFY_RESIZE"
    server.confirm_resize()
    image_id = server.create_image("nc-snap", metadata={"k": "v"})
    assert nova.servers.get(server.id).to_dict()["OS-EXT-STS:task_state"] == "image_snapshot"
    with pytest.raises(nova_exceptions.Conflict, match="task_state image_snapshot"):
        server.reboot()
    localcloud.tick(20)
    assert nova.glance.find_image("nc-snap").id == image_id
    absolute = {item.name: item.value for item in nova.limits.get().absolute}
    assert absolute["maxServerMeta"] == 5 and absolute["totalInstancesUsed"] == 1
    assert nova.quotas.get(server.tenant_id).instances == 10
    with pytest.raises(nova_exceptions.BadRequest, match="no such action"):
        nova.servers._action("fly", server)
    server.delete()
    localcloud.tick(5)
    with pytest.raises(nova_exceptions.NotFound):
        nova.servers.get(server.id)


def test_novaclient_negotiated_version_pagination_and_tags(localcloud):
    session = nova_session(localcloud)
    version = api_versions.discover_version(
        nova_client.Client("2.1", session=session), api_versions.APIVersion("2.latest")
    )
    assert version.get_string() == "2.96"
    nova = nova_client.Client(version, session=session)
    localcloud.populate_servers(5)
    created = nova.servers.create(
        "tagged",
        image=nova.glance.find_image("cirros-0.6.2-x86_64-disk").id,
        flavor="1",
        nics="auto",
        tags=["novamagic"],
    )
    page = nova.servers.list(limit=2)
    assert [s.name for s in page] == ["tagged", "server-5"]
    rest = nova.servers.list(marker=page[-1].id, limit=10)
    assert [s.name for s in rest] == ["server-4", "server-3", "server-2", "server-1"]
    assert [s.id for s in nova.servers.list(search_opts={"tags": "novamagic"})] == [created.id]
    assert nova.servers.tag_list(created) == ["novamagic"]
    localcloud.tick(20)
    assert nova.servers.get(created.id).flavor["original_name"] == "m1.tiny"


# ------------------------------------------------------------------ the openstack CLI


def test_openstack_cli(localcloud_factory):
    from novamagic.localcloud import ManualClock

    # Each request moves the clock on 20 s (a whole build), so --wait loops end at their first poll.
    cloud = localcloud_factory(clock=ManualClock(step_per_request=20))
    cli = Path(sys.executable).with_name("openstack")
    env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")} | {
        "OS_AUTH_URL": cloud.auth_url,
        "OS_USERNAME": "joe",
        "OS_PASSWORD": "shhh",
        "OS_PROJECT_NAME": "openstack",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }

    def run(*args):
        result = subprocess.run(
            [str(cli), *args, "-f", "json"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        # --wait may print "Progress: N" before the JSON document.
        start = min(
            (i for i in (result.stdout.find("{"), result.stdout.find("[")) if i >= 0), default=-1
        )
        return json.loads(result.stdout[start:]) if start >= 0 else None

    cloud.populate_servers(2)
    created = run(
        "server",
        "create",
        "--image",
        "ubuntu-11.04-server",
        "--flavor",
        "m1.small",
        "--property",
        "role=web",
        "--wait",
        "cli-1",
    )
    assert created["status"] == "ACTIVE" and created["name"] == "cli-1"
    listed = run("server", "list", "--limit", "2", "--long")  # one page, newest first
    assert [s["Name"] for s in listed] == ["cli-1", "server-2"]
    shown = run("server", "show", "cli-1")
    assert shown["addresses"]["private"][0] == "10.0.0.5" and shown["properties"] == {"role": "web"}
    assert shown["flavor"]["name"] == "m1.small"
    limits = {row["Name"]: row["Value"] for row in run("limits", "show", "--absolute")}
    assert limits["total_instances_used"] == 3 and limits["server_meta"] == 5


# ------------------------------------------------------------------ networking and diagnosis


def _cli_runner(cloud, command: str = "openstack"):
    cli = Path(sys.executable).with_name(command)
    env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")} | {
        "OS_AUTH_URL": cloud.auth_url,
        "OS_USERNAME": "joe",
        "OS_PASSWORD": "shhh",
        "OS_PROJECT_NAME": "openstack",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }

    def run(*args, as_json=True):
        tail = ["-f", "json"] if as_json else []
        result = subprocess.run(
            [str(cli), *args, *tail], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        if not as_json:
            return result.stdout
        start = min(
            (i for i in (result.stdout.find("{"), result.stdout.find("[")) if i >= 0), default=-1
        )
        return json.loads(result.stdout[start:]) if start >= 0 else None

    return run


def test_openstack_cli_reaches_and_diagnoses_a_server(localcloud_factory):
    from novamagic.localcloud import ManualClock

    cloud = localcloud_factory(clock=ManualClock(step_per_request=20))
    run = _cli_runner(cloud)
    networks = {n["Name"]: n for n in run("network", "list")}
    assert set(networks) == {"public", "private"}
    assert networks["public"]["ID"] == "c0ffee00-0000-4000-8000-000000000002"
    run("server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor", "m1.tiny",
        "--wait", "reach-1")  # fmt: skip
    fip = run("floating", "ip", "create", "public")
    assert fip["floating_ip_address"] == "172.24.4.11" and fip["status"] == "DOWN"
    assert run("server", "add", "floating", "ip", "reach-1", "172.24.4.11", as_json=False) == ""
    addresses = run("server", "show", "reach-1")["addresses"]
    assert addresses["private"] == ["10.0.0.3", "fd8e:1f01:a11c::10", "172.24.4.11"]
    (listed,) = run("floating", "ip", "list")
    assert listed["Fixed IP Address"] == "10.0.0.3"
    rule = run("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
               "default")  # fmt: skip
    assert (rule["port_range_min"], rule["port_range_max"], rule["protocol"]) == (22, 22, "tcp")
    assert rule["remote_ip_prefix"] == "0.0.0.0/0" and rule["direction"] == "ingress"
    rules = run("security", "group", "rule", "list", "default")
    assert len(rules) == 5
    run("server", "remove", "floating", "ip", "reach-1", "172.24.4.11", as_json=False)
    assert run("server", "show", "reach-1")["addresses"]["private"][-1] == "fd8e:1f01:a11c::10"
    run("server", "reboot", "--wait", "reach-1", as_json=False)
    log = run("console", "log", "show", "--lines", "3", "reach-1", as_json=False)
    assert log.splitlines()[-1].endswith("reach-1 login:") and len(log.splitlines()) == 3
    events = run("server", "event", "list", "reach-1")
    assert [e["Action"] for e in events] == ["reboot", "create"]
    shown = run("server", "event", "show", "reach-1", events[1]["Request ID"])
    assert shown["action"] == "create" and shown["events"][0]["result"] == "Success"


def test_novaclient_console_log_and_instance_actions(localcloud):
    nova = nova_client.Client("2.58", session=nova_session(localcloud))
    image = nova.glance.find_image("cirros-0.6.2-x86_64-disk")
    server = nova.servers.create("nc-diag", image=image, flavor="1", nics="auto")
    localcloud.tick(20)
    assert nova.servers.get_console_output(server, length=1).endswith("nc-diag login:")
    server.reboot()
    localcloud.tick(10)
    actions = nova.instance_action.list(server)
    assert [a.action for a in actions] == ["reboot", "create"]
    detail = nova.instance_action.get(server, actions[1].request_id)
    assert detail.events[0]["event"] == "compute__do_build_and_run_instance"
    # and the nova shell itself
    run = _cli_runner(localcloud, "nova")
    log = run("console-log", "--length", "2", "nc-diag", as_json=False)
    assert log.strip().splitlines()[-1].endswith("nc-diag login:")
    table = run("instance-action-list", "nc-diag", as_json=False)
    assert "reboot" in table and "create" in table and actions[0].request_id in table


# ------------------------------------------------------------------ block storage


def test_openstacksdk_volumes_snapshots_attachments_and_boot_from_volume(localcloud_factory):
    from novamagic.localcloud import ManualClock
    from novamagic.localcloud.model.flavors import VOLUME_FLAVOR

    cloud = localcloud_factory(clock=ManualClock(), flavors=[VOLUME_FLAVOR])
    conn = sdk_connect(cloud)
    assert conn.block_storage.get_endpoint() == cloud.url + "/volume/v3"
    assert [t.name for t in conn.block_storage.types()] == ["__DEFAULT__"]
    volume = conn.block_storage.create_volume(size=1, name="sdk-data")
    assert volume.status == "creating"
    cloud.tick(10)
    volume = conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.01)
    conn.block_storage.extend_volume(volume, 2)
    cloud.tick(5)
    volume = conn.block_storage.get_volume(volume.id)
    assert (volume.size, volume.status) == (2, "available")
    image = conn.image.find_image("cirros-0.6.2-x86_64-disk")
    server = conn.compute.create_server(name="s", image_id=image.id, flavor_id="1", networks="auto")
    cloud.tick(20)
    attachment = conn.compute.create_volume_attachment(server, volume_id=volume.id)
    assert attachment.device == "/dev/vdb"
    cloud.tick(5)
    assert conn.block_storage.get_volume(volume.id).status == "in-use"
    assert [a.volume_id for a in conn.compute.volume_attachments(server)] == [volume.id]
    snapshot = conn.block_storage.create_snapshot(volume_id=volume.id, force=True, name="snap")
    cloud.tick(10)
    assert conn.block_storage.get_snapshot(snapshot.id).status == "available"
    assert conn.block_storage.get_limits().absolute.total_gigabytes_used == 4
    conn.compute.delete_volume_attachment(server, volume.id)
    cloud.tick(5)
    assert conn.block_storage.get_volume(volume.id).status == "available"
    boot = conn.compute.create_server(
        name="bfv",
        flavor_id="6",
        networks="auto",
        block_device_mapping=[{"uuid": image.id, "source_type": "image",
                               "destination_type": "volume", "boot_index": 0,
                               "volume_size": 1, "delete_on_termination": True}],
    )  # fmt: skip
    cloud.tick(20)
    booted = conn.compute.get_server(boot.id)
    assert booted.status == "ACTIVE" and len(booted.attached_volumes) == 1
    with pytest.raises(openstack.exceptions.ForbiddenException, match="zero disk"):
        conn.compute.create_server(name="x", image_id=image.id, flavor_id="6", networks="auto")


def test_openstack_cli_volumes_and_boot_from_volume(localcloud_factory):
    from novamagic.localcloud import ManualClock
    from novamagic.localcloud.model.flavors import VOLUME_FLAVOR

    cloud = localcloud_factory(clock=ManualClock(step_per_request=20), flavors=[VOLUME_FLAVOR])
    run = _cli_runner(cloud)
    created = run("volume", "create", "--size", "1", "data")
    assert created["status"] == "creating" and created["type"] == "__DEFAULT__"
    (listed,) = run("volume", "list")
    assert (listed["Name"], listed["Status"], listed["Size"]) == ("data", "available", 1)
    booted = run("server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor",
                 "m1.volume", "--boot-from-volume", "1", "--wait", "bfv-1")  # fmt: skip
    assert booted["status"] == "ACTIVE" and booted["image"] == "N/A (booted from volume)"
    assert len(booted["volumes_attached"]) == 1
    run("server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor", "m1.tiny",
        "--wait", "vm-1")  # fmt: skip
    attached = run("server", "add", "volume", "vm-1", "data")
    assert attached["Device"] == "/dev/vdb"
    volumes = {v["Name"]: v for v in run("volume", "list", "--long")}
    assert volumes["data"]["Status"] == "in-use" and volumes[None]["Bootable"] is True
    (row,) = run("server", "volume", "list", "vm-1")
    assert row["Volume ID"] == created["id"]
