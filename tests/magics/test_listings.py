"""Listings through the shell: frames with the documented columns, dtypes and contents."""

import pandas as pd
from magic_helpers import IMAGE, boot, fail, run

from novamagic import frames


def schema(frame):
    return list(frame.columns), [str(t) for t in frame.dtypes]


def expected(columns):
    return list(columns), [str(pd.api.types.pandas_dtype(d)) for d in columns.values()]


def test_servers_empty_then_booted(shell, cloud):
    empty = run(shell, "%nova servers --long")
    assert schema(empty) == expected(frames.SERVER_COLUMNS) and len(empty) == 0
    boot(shell, count=2)
    df = run(shell, "df = %nova servers --long\ndf")
    assert df is shell.user_ns["df"]
    assert schema(df) == expected(frames.SERVER_COLUMNS)
    assert sorted(df["name"]) == ["web-1", "web-2"]
    row = df.set_index("name").loc["web-1"]
    assert (row["status"], row["flavor"], row["vcpus"], row["ram_mb"], row["disk_gb"]) == (
        "ACTIVE",
        "m1.small",
        1,
        2048,
        20,
    )
    assert (
        row["image"] == IMAGE
        and row["public_ipv4"].startswith("172.24.4.")
        and row["private_ipv4"].startswith("10.0.0.")
    )
    assert row["created"].tzinfo is not None
    server = cloud.server("web-1")
    assert row["id"] == server["id"] and row["project_id"] == server["tenant_id"]


def test_servers_filters_and_output_variable(shell, cloud):
    boot(shell, count=2)
    run(shell, "%nova stop web-2")
    run(shell, "%nova wait web-2 --status SHUTOFF")
    active = run(shell, "%nova servers --status ACTIVE -o active")
    assert list(active["name"]) == ["web-1"] and shell.user_ns["active"] is active
    assert list(run(shell, "%nova servers --name '^web-2$'")["name"]) == ["web-2"]
    assert len(run(shell, "%nova servers --flavor m1.small --limit 1")) == 1


def test_flavors_images_limits(shell, cloud):
    flavors = run(shell, "%nova flavors")
    assert schema(flavors) == expected(frames.FLAVOR_COLUMNS)
    assert flavors.set_index("name").loc["m1.small", "ram_mb"] == 2048
    images = run(shell, "%nova images")
    assert schema(images) == expected(frames.IMAGE_COLUMNS)
    assert images.set_index("name").loc[IMAGE, "status"] == "ACTIVE"
    assert list(run(shell, f"%nova images --name {IMAGE}")["name"]) == [IMAGE]
    boot(shell, count=1)
    limits = run(shell, "%nova limits").set_index("name")
    assert (limits.loc["instances", "used"], limits.loc["instances", "max"]) == (1, 10)
    assert limits.loc["ram_mb", "used"] == 2048 and pd.isna(limits.loc["server_meta", "used"])


def test_addresses_of_one_server_one_network_and_the_fleet(shell, cloud):
    boot(shell, count=2)
    one = run(shell, "%nova addresses web-1")
    assert schema(one) == expected(frames.ADDRESS_COLUMNS)
    assert set(one["network"]) == {"private", "public"} and set(one["server"]) == {"web-1"}
    assert sorted(one["version"].tolist()) == [4, 4, 6, 6]
    public = run(shell, "%nova addresses web-1 --network public")
    assert set(public["network"]) == {"public"} and len(public) == 2
    fleet = run(shell, "%nova addresses")
    assert sorted(set(fleet["server"])) == ["web-1", "web-2"] and len(fleet) == 8


def test_show_server_image_flavor(shell, cloud, capsys):
    boot(shell, count=1)
    server = run(shell, "%nova show web-1")
    assert server["name"] == "web-1" and server["flavor"]["name"] == "m1.small"
    assert "adminPass" not in server
    assert run(shell, "%nova show --flavor m1.tiny")["ram"] == 512
    assert run(shell, f"%nova show --image {IMAGE}")["name"] == IMAGE
    error, seen = fail(shell, "%nova show web-9", capsys)
    assert type(error).__name__ == "NotFound" and "did you mean 'web-1'?" in seen
    assert len(seen.strip().splitlines()) == 1


def test_history_frame_of_the_session(shell, cloud):
    run(shell, "%nova flavors")
    history = run(shell, "%nova history")
    assert schema(history) == expected(frames.HISTORY_COLUMNS)
    last = history.iloc[-1]
    assert last["method"] == "GET" and "/flavors" in last["path"] and last["status"] == 200
    assert last["request_id"].startswith("req-")
    assert len(run(shell, "%nova history -n 2")) == 2


def test_frames_escape_user_data_in_html(shell, cloud):
    boot(shell, names_spec="'<b>bold</b>'")
    df = run(shell, "%nova servers")
    html = shell.display_formatter.format(df)[0]["text/html"]
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    record = run(shell, "%nova show '<b>bold</b>'")
    assert "<b>bold</b>" not in record._repr_html_()


def test_display_row_limit_applies_to_nova_frames_only(shell, cloud):
    boot(shell, count=3)
    run(shell, "%config NovaMagics.max_rows = 2")
    df = run(shell, "%nova servers")
    text = shell.display_formatter.format(df)[0]["text/plain"]
    assert "..." in text and "[3 rows x" in text
    plain = pd.DataFrame({"x": range(3)})
    assert "..." not in shell.display_formatter.format(plain)[0]["text/plain"]
    assert len(df) == 3  # the frame keeps every row


def test_all_projects_is_for_admins(shell, cloud, lc, capsys):
    from novamagic.client import connect

    boot(shell, count=1)
    error, seen = fail(shell, "%nova servers --all-projects", capsys)
    assert type(error).__name__ == "Forbidden" and "HTTP 403" in seen
    assert "hint: --all-projects needs an admin role" in seen
    shell.user_ns["admin"] = connect(
        auth_url=lc.auth_url,
        username="admin",
        password="admin",
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    run(shell, "%nova use admin")
    assert run(shell, "%nova servers").empty  # the admin project has none
    everyone = run(shell, "%nova servers --all-projects -c name -c project_id")
    assert (
        list(everyone["name"]) == ["web-1"]
        and everyone.loc[0, "project_id"] == cloud.whoami()["project_id"]
    )


def test_servers_default_view_is_the_clis_and_long_and_columns_are_one_flag_away(
    shell, cloud, capsys
):
    boot(shell, count=2)
    run(shell, "%nova expose web-1 22/tcp")
    view = run(shell, "%nova servers")
    assert list(view.columns) == ["id", "name", "status", "networks", "image", "flavor"]
    assert not view.isna().any().any()  # no column that is always empty
    row = view.set_index("name").loc["web-1"]
    server = cloud.server("web-1")
    networks = "; ".join(  # IPv4 only: every IPv6 address too would not fit 1280 px
        f"{net}=" + ", ".join(a["addr"] for a in entries if a["version"] == 4)
        for net, entries in server["addresses"].items()
    )
    assert row["networks"] == networks and networks.startswith("private=10.0.0.")
    assert "172.24.4." in row["networks"].split(";")[0]  # the floating IP on its network
    assert (row["status"], row["image"], row["flavor"]) == ("ACTIVE", IMAGE, "m1.small")
    assert schema(run(shell, "%nova servers --long")) == expected(frames.SERVER_COLUMNS)
    picked = run(shell, "%nova servers -c name -c ram_mb -c networks")
    assert list(picked.columns) == ["name", "ram_mb", "networks"]
    assert str(picked["ram_mb"].dtype) == "Int64"  # the typed frame's columns, as they are
    error, seen = fail(shell, "%nova servers -c bogus", capsys)
    assert "no column 'bogus'; choose from id, name, status, networks," in seen
    assert list(frames.servers_frame(cloud.servers()).columns) == list(frames.SERVER_COLUMNS)


def test_addresses_of_one_server_have_type_mac_and_server_id(shell, cloud, capsys):
    boot(shell, count=1)
    addresses = run(shell, "%nova addresses web-1")
    assert list(addresses.columns) == list(frames.ADDRESS_COLUMNS)
    assert not addresses.isna().any().any(), addresses
    assert set(addresses["type"]) == {"fixed"} and addresses["mac"].str.match("^fa:16:3e:").all()
    assert set(addresses["server_id"]) == {cloud.server("web-1")["id"]}
    private = run(shell, "%nova addresses web-1 --network private")
    assert set(private["network"]) == {"private"} and not private.isna().any().any()
    error, seen = fail(shell, "%nova addresses web-1 --network nowhere", capsys)
    assert "NotFound" in seen or "not found" in seen.lower()
