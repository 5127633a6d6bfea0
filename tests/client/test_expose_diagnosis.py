"""``expose`` (a server reachable in one call: idempotent, undone by cleanup, nothing left when
it fails part way) and diagnosis (console output, instance actions with events), over real
HTTP against the local cloud, or a real one with ``--os-cloud`` (expose skips without Neutron).
"""

from __future__ import annotations

import pytest

from novamagic.client import Conflict, NotFound, ValidationError
from novamagic.client.expose import EXPOSE_GROUP_PREFIX
from tests.client.conftest import LOCAL_ACCOUNT, local_connect


@pytest.fixture
def neutron(cloud):
    if not cloud.has_networking():
        pytest.skip("this cloud's catalog has no 'network' endpoint (no Neutron)")
    return cloud


def _networking(cloud) -> tuple:
    return (
        sorted(f["id"] for f in cloud.floating_ips()),
        sorted(g["id"] for g in cloud.security_groups()),
        sorted(r["id"] for r in cloud.security_group_rules()),
    )


def test_expose_opens_the_ports_and_gives_an_address_once(neutron, boot):
    server = boot("exposed")
    result = neutron.expose(server, ports=[22, "8000-8001"])
    assert result["changed"] and result["floating_ip"] and result["fixed_ip"]
    assert result["security_group"] == EXPOSE_GROUP_PREFIX + server["id"][:8]
    assert result["open"] == ["22/tcp from 0.0.0.0/0", "8000-8001/tcp from 0.0.0.0/0"]
    kinds = [c["kind"] for c in result["created"]]
    assert kinds.count("security_group_rule") == 2 and "floating_ip" in kinds
    assert [f["floating_ip_address"] for f in neutron.floating_ips(server)] == [
        result["floating_ip"]
    ]
    rules = neutron.security_group_rules(result["security_group"])
    opened = {(r["protocol"], r["port_range_min"], r["port_range_max"]) for r in rules
              if r["direction"] == "ingress"}  # fmt: skip
    assert opened == {("tcp", 22, 22), ("tcp", 8000, 8001)}
    before = _networking(neutron)
    again = neutron.expose(server, ports=[22, "8000-8001"])
    assert again["changed"] is False and again["created"] == []
    assert again["floating_ip"] == result["floating_ip"]
    assert _networking(neutron) == before  # a second call changes nothing
    # A narrower ask is covered by what is open: nothing new either.
    assert neutron.expose(server, ports=[8001])["created"] == []


def test_cleanup_undoes_what_expose_made(neutron, boot):
    baseline = _networking(neutron)
    server = boot("cleaned")
    result = neutron.expose(server)
    planned = neutron.cleanup(dry_run=True)
    kinds = {entry["kind"] for entry in planned}
    assert {"floating_ip", "security_group", "security_group_rule", "server"} <= kinds
    assert _networking(neutron) != baseline  # the dry run deleted nothing
    done = neutron.cleanup()
    assert done.ok, [str(e["error"]) for e in done.failed]
    assert result["floating_ip"] not in {f["floating_ip_address"] for f in neutron.floating_ips()}
    assert result["security_group"] not in {g["name"] for g in neutron.security_groups()}
    assert neutron.session_network_resources() == []


def test_expose_that_fails_part_way_leaves_nothing(cloud, local, boot):
    admin = local_connect(
        local, **{**LOCAL_ACCOUNT, "username": "admin", "password": "admin",
                  "project_name": "admin"}
    )  # fmt: skip
    project = cloud.whoami()["project_id"]
    admin._neutron("PUT", f"/quotas/{project}", json={"quota": {"floatingip": 0}})
    admin.close()
    server = boot("half")
    before = _networking(cloud)
    ports_before = [p["security_groups"] for p in cloud.ports(server)]
    with pytest.raises(Conflict) as caught:
        cloud.expose(server)
    assert "Quota exceeded" in str(caught.value)
    assert "nothing was left behind" in caught.value.hint
    assert _networking(cloud) == before
    assert [p["security_groups"] for p in cloud.ports(server)] == ports_before
    assert cloud.session_network_resources() == []


def test_expose_checks_its_arguments_before_sending(neutron, boot):
    server = boot("checked")
    before = len(neutron.history)
    for bad, match in (
        ({"ports": [0]}, "port 0 is outside 1-65535"),
        ({"ports": ["30-20"]}, "runs backwards"),
        ({"cidr": "1.2.3.4/40"}, "is not a CIDR"),
        ({"protocol": "tcpp"}, "is not one Neutron knows"),
    ):
        with pytest.raises(ValidationError, match=match):
            neutron.expose(server, **bad)
    assert len(neutron.history) == before
    with pytest.raises(NotFound):
        neutron.expose("no-such-server-anywhere")


def test_console_output_with_length(cloud, boot):
    server = boot("console")
    output = cloud.console_output(server)
    assert output.strip()
    tail = cloud.console_output(server, length=2)
    assert tail.splitlines() == output.splitlines()[-2:]
    with pytest.raises(ValidationError, match="length must be a positive number of lines"):
        cloud.console_output(server, length=0)


def test_console_output_of_a_building_server_is_a_conflict(cloud, local, boot):
    server = boot("building", wait=False)
    with pytest.raises(Conflict, match="not ready"):
        cloud.console_output(server)


def test_actions_and_their_events(cloud, boot, timeout):
    server = boot("acted")
    cloud.reboot(server)
    cloud.wait(server, timeout=timeout)
    actions = cloud.server_actions(server)
    assert [a["action"] for a in actions][:2] == ["reboot", "create"]
    assert all("events" not in a for a in actions)
    detail = cloud.server_action(server, actions[-1]["request_id"])
    assert detail["action"] == "create" and detail["events"]
    event = detail["events"][0]
    assert {"event", "start_time", "finish_time", "result"} <= set(event)
    with_events = cloud.server_actions(server, events=True)
    assert [a["request_id"] for a in with_events] == [a["request_id"] for a in actions]
    assert all(a["events"] for a in with_events)
    with pytest.raises(NotFound):
        cloud.server_action(server, "req-00000000-0000-0000-0000-000000000000")


def test_events_come_back_on_a_session_pinned_below_2_51(local, names):
    client = local_connect(local, compute_api_version="2.40")
    try:
        server = client.create_server(names("old"), "cirros-0.6.2-x86_64-disk", "m1.tiny",
                                      wait=True)  # fmt: skip
        detail = client.server_actions(server, events=True)[0]
        assert detail["events"], "events are asked for at 2.51 for a non-admin"
        assert client.microversion == "2.40"  # the session stays as pinned
    finally:
        client.cleanup()
        client.close()
