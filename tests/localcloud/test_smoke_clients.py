"""Real clients against the local cloud: openstacksdk first (the core everyone builds on)."""

from __future__ import annotations

import openstack


def connect(cloud, user="joe", password="shhh", project="openstack"):
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


def test_openstacksdk_boot_list_wait_delete(localcloud):
    conn = connect(localcloud)
    flavors = {f.name: f for f in conn.compute.flavors()}
    assert sorted(flavors) == ["m1.large", "m1.medium", "m1.small", "m1.tiny", "m1.xlarge"]
    images = {i.name: i for i in conn.image.images()}
    assert "ubuntu-11.04-server" in images
    server = conn.compute.create_server(
        name="sdk-1",
        image_id=images["ubuntu-11.04-server"].id,
        flavor_id=flavors["m1.tiny"].id,
        networks="auto",
    )
    assert conn.compute.get_server(server.id).status == "BUILD"
    localcloud.tick(20)
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=5, interval=0.01)
    assert server.status == "ACTIVE"
    assert server.addresses["private"][0]["addr"] == "10.0.0.3"
    assert [s.name for s in conn.compute.servers()] == ["sdk-1"]
    conn.compute.delete_server(server)
    localcloud.tick(5)
    assert list(conn.compute.servers()) == []
