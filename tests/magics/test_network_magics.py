"""Reaching and diagnosing a server through a real InteractiveShell: networks, ports, floating
IPs, security groups and rules, expose, console, events, key pairs, meta set-item and the boot
spec's networking keys; bad input is one line, fails the cell and creates nothing."""

from __future__ import annotations

import pytest
from magic_helpers import IMAGE, boot, complete, fail, run

from novamagic import frames
from novamagic.client import connect


@pytest.fixture
def web(shell, cloud):
    boot(shell, "web-{n}")
    return cloud


def _networking(cloud) -> tuple:
    return (
        sorted(f["id"] for f in cloud.floating_ips()),
        sorted(g["id"] for g in cloud.security_groups()),
        sorted(r["id"] for r in cloud.security_group_rules()),
    )


def _one_line_failure(shell, code, capsys, *needles):
    error, seen = fail(shell, code, capsys)
    shown = seen.strip() or str(error)
    for needle in needles:
        assert needle in shown, (needle, shown)
    assert "Traceback" not in seen
    return error, shown


def test_networks_and_ports(shell, web):
    networks = run(shell, "%nova networks")
    assert list(networks.columns) == list(frames.NETWORK_COLUMNS)
    assert set(networks["name"]) == {"public", "private"}
    assert "10.0.0.0/8" in networks.set_index("name").loc["private", "cidrs"]
    ports = run(shell, "%nova ports web-1")
    assert list(ports.columns) == list(frames.PORT_COLUMNS) and len(ports) == 2


def test_floating_ips_create_attach_detach_delete(shell, web):
    created = run(shell, "%nova floating-ips create -o fip")
    address = created.data["floating_ip_address"]
    assert str(created) == f"allocated {address}" and shell.user_ns["fip"] is created
    attached = run(shell, f"%nova floating-ips attach web-1 {address}")
    assert str(attached) == f"{address} -> web-1 (10.0.0.3)"
    listed = run(shell, "%nova floating-ips")
    assert list(listed.columns) == list(frames.FLOATING_IP_COLUMNS)
    assert listed["floating_ip"].tolist() == [address]
    assert run(shell, "%nova servers --long").loc[0, "floating_ipv4"] == address
    assert "still allocated" in str(run(shell, f"%nova floating-ips detach {address}"))
    assert str(run(shell, f"%nova floating-ips delete {address}")) == f"released {address}"
    assert run(shell, "%nova floating-ips").empty


def test_floating_ip_bad_input(shell, web, capsys):
    address = run(shell, "%nova floating-ips attach web-1").data["floating_ip_address"]
    boot(shell, "db-{n}")
    before = _networking(web)
    _one_line_failure(shell, f"%nova floating-ips attach db-1 {address}", capsys,
                      "already attached", "detach it first")  # fmt: skip
    _one_line_failure(shell, "%nova floating-ips attach", capsys, "usage: %nova floating-ips")
    _one_line_failure(shell, "%nova floating-ips delete 203.0.113.99", capsys, "no floating IP")
    _one_line_failure(shell, "%nova floating-ips create --network private", capsys,
                      "is not external")  # fmt: skip
    _one_line_failure(shell, "%nova floating-ips create --network nowhere", capsys,
                      "no network with id or name 'nowhere'")  # fmt: skip
    assert _networking(web) == before


def test_floating_ip_quota_exhausted(shell, web, lc, capsys):
    admin = connect(auth_url=lc.auth_url, username="admin", password="admin",
                    project_name="admin", user_domain_name="Default",
                    project_domain_name="Default")  # fmt: skip
    project = web.whoami()["project_id"]
    admin._neutron("PUT", f"/quotas/{project}", json={"quota": {"floatingip": 0}})
    admin.close()
    _, shown = _one_line_failure(shell, "%nova floating-ips attach web-1", capsys,
                                 "Quota exceeded", "quota is used up")  # fmt: skip
    assert web.floating_ips() == []
    _one_line_failure(shell, "%nova expose web-1", capsys, "Quota exceeded",
                      "nothing was left behind")  # fmt: skip
    assert web.floating_ips() == [] and web.session_network_resources() == []


def test_security_groups_and_rules(shell, cloud):
    assert "default" in set(run(shell, "%nova security-groups")["name"])
    run(shell, "%nova security-groups create web --description 'web servers'")
    added = run(shell, "%nova rules add web 8000-8080/tcp --from 203.0.113.0/24")
    assert list(added.columns) == list(frames.RULE_COLUMNS)
    row = added.iloc[0]
    assert (row["group"], row["port_min"], row["port_max"]) == ("web", 8000, 8080)
    run(shell, "%nova rules add web icmp")
    rules = run(shell, "%nova rules web")
    ingress = rules[rules["direction"] == "ingress"]
    assert sorted(ingress["protocol"]) == ["icmp", "tcp"]
    run(shell, f"%nova rules delete {row['id']}")
    assert row["id"] not in set(run(shell, "%nova rules web")["id"])
    assert "deleted" in str(run(shell, "%nova security-groups delete web"))


@pytest.mark.parametrize(
    ("line", "needles"),
    [
        ("%nova rules add default 70000/tcp", ("port 70000 is outside 1-65535",)),
        ("%nova rules add default 0/tcp", ("port 0 is outside 1-65535",)),
        ("%nova rules add default 90-80/tcp", ("runs backwards", "min <= max")),
        ("%nova rules add default 22/tcp --from 10.0.0/33", ("is not a CIDR", "0.0.0.0/0")),
        ("%nova rules add default 22/tpc", ("protocol 'tpc' is not one Neutron knows",)),
        ("%nova rules add nogroup 22/tcp", ("no security group with id or name 'nogroup'",)),
        ("%nova rules nogroup", ("no security group with id or name 'nogroup'",)),
        ("%nova rules add default", ("usage: %nova rules add GROUP",)),
        ("%nova expose web-1 70000/tcp", ("port 70000 is outside 1-65535",)),
        ("%nova expose web-1 22/tcp 53/udp", ("one protocol at a time",)),
        ("%nova expose web-1 --from 300.1.1.1/8", ("is not a CIDR",)),
        ("%nova expose nosuch", ("no server with id or name 'nosuch'",)),
    ],
)
def test_bad_rules_and_exposes_are_one_line_and_make_nothing(shell, web, capsys, line, needles):
    before = _networking(web)
    error, shown = _one_line_failure(shell, line, capsys, *needles)
    assert len(shown.splitlines()) <= 2  # the error, and at most its hint
    assert _networking(web) == before


def test_expose_once_then_nothing_to_change_and_cleanup(shell, web):
    exposed = run(shell, "%nova expose web-1 22/tcp 80/tcp -o reach")
    address = exposed["floating_ip"]
    assert exposed["open"] == "22/tcp from 0.0.0.0/0, 80/tcp from 0.0.0.0/0"
    assert f"floating IP {address}" in exposed["created"] and shell.user_ns["reach"] is exposed
    again = run(shell, "%nova expose web-1 22/tcp")
    assert again["floating_ip"] == address and again["created"] == "nothing (all in place)"
    assert run(shell, "%nova servers --long").loc[0, "floating_ipv4"] == address
    listing = run(shell, "%nova cleanup")
    assert "floating_ip" in set(listing["would delete"])
    done = run(shell, "%nova cleanup --yes")
    assert (done["result"] == "deleted").all()
    assert web.floating_ips() == [] and web.session_network_resources() == []


def test_console_and_events(shell, web):
    log = run(shell, "%nova console web-1")
    assert "web-1 login:" in log and log._repr_html_().startswith("<pre>")
    tail = run(shell, "%nova console web-1 --lines 2")
    assert tail.splitlines() == log.splitlines()[-2:]
    run(shell, "%nova reboot web-1")
    events = run(shell, "%nova events web-1")
    assert list(events.columns) == list(frames.EVENT_COLUMNS)
    assert events["action"].tolist()[0] == "create" and "reboot" in set(events["action"])
    actions = run(shell, "%nova events web-1 --actions")
    assert list(actions.columns) == list(frames.ACTION_COLUMNS)


def test_console_bad_lines(shell, web, capsys):
    _one_line_failure(shell, "%nova console web-1 --lines 0", capsys,
                      "length must be a positive number of lines")  # fmt: skip


def test_keypairs_create_never_shows_the_private_key(shell, cloud, clean_env, capsys):
    _one_line_failure(shell, "%nova keypairs create lab", capsys, "-o VAR", "nothing was created")
    assert cloud.keypairs() == []
    created = run(shell, "%nova keypairs create lab -o lab")
    secret = str(shell.user_ns["lab"]["private_key"])
    assert secret.startswith("-----BEGIN")
    shown = [repr(created), str(shell.display_formatter.format(created)), repr(dict(created))]
    body = secret.splitlines()[1]
    assert all(body not in text for text in shown)
    assert "lab.save(" in created.text
    seen = capsys.readouterr()
    assert body not in seen.out + seen.err
    path = created.save(clean_env / "lab.pem")
    assert (clean_env / "lab.pem").read_text() == secret
    assert oct((clean_env / "lab.pem").stat().st_mode & 0o777) == "0o600" and path
    saved = run(shell, f"%nova keypairs create lab2 --save {clean_env / 'lab2.pem'}")
    assert "written to" in saved.text and (clean_env / "lab2.pem").exists()
    _one_line_failure(shell, f"%nova keypairs create lab3 --save {clean_env / 'lab2.pem'}",
                      capsys, "that file exists", "nothing was created")  # fmt: skip
    listed = run(shell, "%nova keypairs")
    assert list(listed.columns) == list(frames.KEYPAIR_COLUMNS)
    assert sorted(listed["name"]) == ["lab", "lab2"]
    run(shell, "%nova keypairs delete lab2")
    assert [k["name"] for k in cloud.keypairs()] == ["lab"]


def test_keypairs_import(shell, cloud, clean_env, capsys):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    (clean_env / "id.pub").write_bytes(public + b"\n")
    (clean_env / "id").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                          serialization.NoEncryption())
    )  # fmt: skip
    assert "imported key pair mine" in str(
        run(shell, f"%nova keypairs import mine {clean_env / 'id.pub'}")
    )
    _one_line_failure(shell, f"%nova keypairs import other {clean_env / 'id'}", capsys,
                      "is a private key", "nothing was sent")  # fmt: skip
    _one_line_failure(shell, "%nova keypairs import other", capsys, "usage:")
    assert [k["name"] for k in cloud.keypairs()] == ["mine"]


def test_meta_set_item_keeps_the_other_keys(shell, web, capsys):
    run(shell, "%nova meta set web-1 owner=joe group=www")
    frame = run(shell, "%nova meta set-item web-1 owner=ann")
    assert frame.values.tolist() == [["owner", "ann"]]
    assert web.server_metadata.get("web-1") == {"owner": "ann", "group": "www"}
    _one_line_failure(shell, "%nova meta set-item web-1 a=1 b=2", capsys, "exactly one KEY=VALUE")


def test_boot_spec_networking_keys(shell, cloud, capsys):
    run(shell, "%nova security-groups create web")
    run(shell, "%nova keypairs create lab -o lab")
    spec = (
        f"%%nova_boot --count 2\nname: app-{{n}}\nimage: {IMAGE}\nflavor: m1.small\n"
        "key_name: lab\nsecurity_groups: [web]\nnetworks: [private]\n"
        "user_data: |\n  #!/bin/sh\n  echo hi\nfloating_ip: true\n"
    )
    booted = run(shell, spec)
    assert set(booted["status"]) == {"ACTIVE"} and booted["floating_ipv4"].notna().all()
    assert set(booted["key_name"]) == {"lab"}
    groups = {g["name"] for g in cloud.server_security_groups("app-1")}
    assert groups == {"web"}
    assert "user data: a script (/bin/sh)" in cloud.console_output("app-1")
    before = _networking(cloud)
    again = run(shell, spec)  # a re-run: existing servers keep their addresses
    assert again["floating_ipv4"].tolist() == booted["floating_ipv4"].tolist()
    assert _networking(cloud) == before


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        ("networks: [nowhere]", ("no network with id or name 'nowhere'",)),
        ("security_groups: [nogroup]", ("no security group with id or name 'nogroup'",)),
        ("floating_ip: yes please", ("floating_ip is true or false",)),
        ("security_groups: {a: 1}", ("security_groups must be a name or a list of names",)),
    ],
)
def test_boot_spec_bad_networking_boots_nothing(shell, cloud, capsys, extra, needles):
    spec = f"%%nova_boot\nname: bad\nimage: {IMAGE}\nflavor: m1.small\n{extra}\n"
    _one_line_failure(shell, spec, capsys, *needles)
    assert cloud.servers() == []


def test_boot_dry_run_says_where_floating_ips_come_from(shell, cloud):
    plan = run(
        shell,
        f"%%nova_boot --dry-run\nname: x\nimage: {IMAGE}\nflavor: m1.small\nfloating_ip: true\n",
    )
    assert plan["floating IPs"] == "one per server, from public" and cloud.servers() == []


def test_completion_of_the_new_arguments(shell, web):
    run(shell, "%nova security-groups create webgroup")
    assert "floating-ips" in complete(shell, "%nova flo")
    assert set(complete(shell, "%nova floating-ips ")) >= {"attach", "create", "detach"}
    assert "webgroup" in complete(shell, "%nova rules web")
    assert "private" in complete(shell, "%nova floating-ips create --network priv")
    assert complete(shell, "%nova expose web") == ["web-1"]
    assert "set-item" in complete(shell, "%nova meta set")
    assert set(complete(shell, "%nova keypairs ")) >= {"create", "import", "delete", "list"}


def test_help_lists_the_new_subcommands(shell, capsys):
    capsys.readouterr()
    run(shell, "%nova help")
    out = capsys.readouterr().out
    for name in ("networks", "floating-ips", "security-groups", "rules", "expose", "console",
                 "events", "keypairs"):  # fmt: skip
        assert f"  {name} " in out, name
    assert out.index("  resize ") < out.index("  networks ") < out.index("  console ")


def test_hostile_names_are_escaped_in_what_the_magics_show(shell, web):
    hostile = "<img src=x onerror=alert(1)>"
    run(shell, f"%nova security-groups create '{hostile}'")
    frame = run(shell, "%nova security-groups")
    assert hostile not in frame._repr_html_() and "&lt;img" in frame._repr_html_()
    message = run(shell, "%nova floating-ips create")
    assert message._repr_html_().startswith("<samp>")
    shown = run(shell, f"%nova rules '{hostile}'")._repr_html_()
    assert hostile not in shown
