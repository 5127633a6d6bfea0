"""Frames on JSON in the shapes real clouds send: v2.1 at several microversions and the book's v1.1."""

import copy

import pandas as pd
import pytest

from novamagic import frames
from novamagic.frames import (
    ADDRESS_COLUMNS,
    FLAVOR_COLUMNS,
    HISTORY_COLUMNS,
    IMAGE_COLUMNS,
    LIMIT_COLUMNS,
    METADATA_COLUMNS,
    SERVER_COLUMNS,
    addresses_frame,
    flavors_frame,
    fleet_summary,
    history_frame,
    images_frame,
    limits_frame,
    metadata_frame,
    servers_frame,
)

# --- the same server, as four APIs describe it ----------------------------------------------------

ADDRESSES_V21 = {
    "private": [
        {
            "version": 4,
            "addr": "10.0.0.5",
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
        },
        {
            "version": 6,
            "addr": "fd00::5",
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
        },
        {
            "version": 4,
            "addr": "172.24.4.9",
            "OS-EXT-IPS:type": "floating",
            "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
        },
    ]
}
SERVER_V21_MV21 = {  # microversion 2.1: flavor and image by reference only
    "id": "5d3c2f6e-1111-4e4e-8e8e-000000000001",
    "name": "web-1",
    "status": "ACTIVE",
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:vm_state": "active",
    "progress": 0,
    "flavor": {"id": "2", "links": [{"rel": "bookmark", "href": "http://x/flavors/2"}]},
    "image": {
        "id": "img-cirros",
        "links": [{"rel": "bookmark", "href": "http://x/images/img-cirros"}],
    },
    "addresses": ADDRESSES_V21,
    "accessIPv4": "",
    "accessIPv6": "",
    "key_name": None,
    "OS-EXT-AZ:availability_zone": "nova",
    "hostId": "c0ffee",
    "tenant_id": "openstack",
    "user_id": "joe",
    "metadata": {"role": "web"},
    "created": "2026-11-27T07:00:00Z",
    "updated": "2026-11-27T07:00:20Z",
    "OS-SRV-USG:launched_at": "2026-11-27T07:00:20.000000",
}
SERVER_V21_MV296 = {  # 2.47+: embedded flavor without id; 2.9+: locked
    **SERVER_V21_MV21,
    "flavor": {
        "original_name": "m1.small",
        "vcpus": 1,
        "ram": 2048,
        "disk": 20,
        "ephemeral": 0,
        "swap": 0,
        "extra_specs": {},
    },
    "locked": False,
}
SERVER_NORMALISED = {  # what novamagic.client returns whatever the microversion
    **SERVER_V21_MV21,
    "flavor": {"id": "2", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
    "image": {"id": "img-cirros", "name": "cirros"},
    "locked": False,
}
SERVER_V11 = {  # the book, chapter 4: integer id, uuid, networks literally named public/private
    "status": "ACTIVE",
    "updated": "2011-12-04T21:19:11Z",
    "hostId": "ea05d3b6c34b9baae7ad5ce482814e040305b6c8fb67034a46908720",
    "user_id": "admin",
    "name": "tornado001",
    "links": [{"href": "http://localhost:8774/v1.1/openstack/servers/1", "rel": "self"}],
    "created": "2011-12-04T21:18:55Z",
    "tenant_id": "openstack",
    "image": {
        "id": "1",
        "links": [{"href": "http://localhost:8774/openstack/images/1", "rel": "bookmark"}],
    },
    "uuid": "8fec45a8-92fb-4840-8f2a-c64e1be49dee",
    "accessIPv4": "",
    "metadata": {"Server Name": "Tornado"},
    "accessIPv6": "",
    "key_name": None,
    "progress": 100,
    "flavor": {
        "id": "1",
        "links": [{"href": "http://localhost:8774/openstack/flavors/1", "rel": "bookmark"}],
    },
    "config_drive": "",
    "id": 1,
    "addresses": {
        "public": [
            {"version": 4, "addr": "192.168.100.2"},
            {"version": 6, "addr": "fe80:0:0:0:0:0:c0a8:6402"},
        ],
        "private": [{"version": 4, "addr": "192.168.200.2"}],
    },
}
FLAVORS_V21 = [
    {
        "id": "1",
        "name": "m1.tiny",
        "vcpus": 1,
        "ram": 512,
        "disk": 1,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "swap": "",
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
        "OS-FLV-DISABLED:disabled": False,
    },
    {
        "id": "2",
        "name": "m1.small",
        "vcpus": 1,
        "ram": 2048,
        "disk": 20,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "swap": 512,
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
        "OS-FLV-DISABLED:disabled": False,
        "description": "<b>small</b>",
    },
]
IMAGES_COMPUTE = [
    {
        "id": "img-cirros",
        "name": "cirros",
        "status": "ACTIVE",
        "progress": 100,
        "minDisk": 1,
        "minRam": 64,
        "OS-EXT-IMG-SIZE:size": 21430272,
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "metadata": {},
    },
    {
        "id": "img-snap",
        "name": "web-1-snap",
        "status": "SAVING",
        "progress": 25,
        "minDisk": 20,
        "minRam": 0,
        "created": "2026-11-27T07:05:00Z",
        "updated": "2026-11-27T07:05:00Z",
        "server": {"id": "5d3c2f6e-1111-4e4e-8e8e-000000000001"},
        "metadata": {"instance_uuid": "5d3c2f6e-1111-4e4e-8e8e-000000000001"},
    },
]
IMAGES_GLANCE = [
    {
        "id": "img-cirros",
        "name": "cirros",
        "status": "active",
        "min_disk": 1,
        "min_ram": 64,
        "size": 21430272,
        "visibility": "public",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    },
]


def assert_schema(frame: pd.DataFrame, columns: dict) -> None:
    assert list(frame.columns) == list(columns)
    assert {c: str(frame[c].dtype) for c in frame} == {
        c: str(pd.api.types.pandas_dtype(d)) for c, d in columns.items()
    }


# --- servers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "server", [SERVER_V21_MV21, SERVER_V21_MV296, SERVER_NORMALISED], ids=["2.1", "2.96", "client"]
)
def test_servers_frame_is_the_same_whatever_the_microversion(server):
    frame = servers_frame([server], flavors=FLAVORS_V21, images=IMAGES_COMPUTE)
    assert_schema(frame, SERVER_COLUMNS)
    row = frame.iloc[0]
    assert row["name"] == "web-1" and row["status"] == "ACTIVE"
    assert (row["flavor"], row["vcpus"], row["ram_mb"], row["disk_gb"]) == ("m1.small", 1, 2048, 20)
    assert row["image"] == "cirros" and row["image_id"] == "img-cirros"
    assert row["public_ipv4"] == "172.24.4.9" and row["private_ipv4"] == "10.0.0.5"
    assert row["floating_ipv4"] == "172.24.4.9"
    assert pd.isna(row["access_ipv4"]) and pd.isna(row["task_state"]) and pd.isna(row["key_name"])
    assert row["created"] == pd.Timestamp("2026-11-27T07:00:00Z")
    assert row["launched_at"] == pd.Timestamp("2026-11-27T07:00:20Z")  # naive text means UTC


def test_servers_frame_without_lookups_keeps_ids_and_leaves_names_missing():
    frame = servers_frame([SERVER_V21_MV21])
    assert (
        frame.loc[0, "flavor_id"] == "2"
        and pd.isna(frame.loc[0, "flavor"])
        and pd.isna(frame.loc[0, "vcpus"])
    )
    assert frame.loc[0, "image_id"] == "img-cirros" and pd.isna(frame.loc[0, "image"])


def test_servers_frame_reads_the_books_v11_shape():
    flavors_v11 = [{"id": 1, "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 0}]
    images_v11 = [{"id": 1, "name": "ubuntu-11.04-kernel"}]
    frame = servers_frame({"servers": [SERVER_V11]}, flavors=flavors_v11, images=images_v11)
    assert_schema(frame, SERVER_COLUMNS)
    row = frame.iloc[0]
    assert row["id"] == "1" and row["name"] == "tornado001" and row["project_id"] == "openstack"
    assert (
        row["flavor"] == "m1.tiny"
        and row["ram_mb"] == 512
        and row["image"] == "ubuntu-11.04-kernel"
    )
    # No OS-EXT-IPS:type in v1.1: the network names decide.
    assert row["public_ipv4"] == "192.168.100.2" and row["private_ipv4"] == "192.168.200.2"
    assert pd.isna(row["locked"]) and row["progress"] == 100


def test_servers_frame_handles_boot_from_volume_faults_and_odd_values():
    server = copy.deepcopy(SERVER_NORMALISED)
    server.update(
        image="",
        status="ERROR",
        fault={"message": "No valid host was found.", "code": 500},
        progress="",
        locked="true",
    )
    row = servers_frame([server]).iloc[0]
    assert pd.isna(row["image"]) and pd.isna(row["image_id"])
    assert (
        row["fault"] == "No valid host was found."
        and pd.isna(row["progress"])
        and bool(row["locked"]) is True
    )


@pytest.mark.parametrize("empty", [[], {"servers": []}, None])
def test_empty_servers_have_the_same_columns(empty):
    assert_schema(servers_frame(empty), SERVER_COLUMNS)
    assert len(servers_frame(empty)) == 0


def test_servers_frame_html_escapes_user_data():
    server = {**SERVER_NORMALISED, "name": "<script>alert(1)</script>"}
    html = servers_frame([server])._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- flavors, images ----------------------------------------------------------------------------


def test_flavors_frame():
    frame = flavors_frame({"flavors": FLAVORS_V21})
    assert_schema(frame, FLAVOR_COLUMNS)
    assert frame["name"].tolist() == ["m1.tiny", "m1.small"]
    assert frame["swap_mb"].tolist() == [0, 512]  # Nova's "" means no swap
    assert frame["is_public"].tolist() == [True, True] and frame["disabled"].tolist() == [
        False,
        False,
    ]
    assert pd.isna(frame.loc[0, "description"]) and frame.loc[1, "description"] == "<b>small</b>"


def test_flavors_frame_v11_has_ids_and_names_only():
    frame = flavors_frame([{"id": 3, "name": "m1.medium", "links": []}])
    assert_schema(frame, FLAVOR_COLUMNS)
    assert frame.loc[0, "id"] == "3" and pd.isna(frame.loc[0, "vcpus"])
    assert_schema(flavors_frame([]), FLAVOR_COLUMNS)


def test_images_frame_compute_and_glance_shapes_agree():
    compute, glance = images_frame(IMAGES_COMPUTE), images_frame({"images": IMAGES_GLANCE})
    assert_schema(compute, IMAGE_COLUMNS)
    assert_schema(glance, IMAGE_COLUMNS)
    shared = [
        "id",
        "name",
        "status",
        "min_disk_gb",
        "min_ram_mb",
        "size_bytes",
        "created",
        "updated",
    ]
    pd.testing.assert_frame_equal(compute.loc[[0], shared], glance.loc[[0], shared])
    assert compute.loc[1, "server_id"] == SERVER_V21_MV21["id"] and compute.loc[1, "progress"] == 25
    assert compute.loc[1, "status"] == "SAVING" and glance.loc[0, "status"] == "ACTIVE"
    assert_schema(images_frame([]), IMAGE_COLUMNS)


# --- addresses, metadata, limits, history -------------------------------------------------------


def test_addresses_frame_long_format_from_servers_and_from_ips():
    frame = addresses_frame([SERVER_NORMALISED, SERVER_V11])
    assert_schema(frame, ADDRESS_COLUMNS)
    assert frame["server"].tolist() == ["web-1"] * 3 + ["tornado001"] * 3
    assert frame["version"].tolist() == [4, 6, 4, 4, 6, 4]
    assert frame.loc[2, "type"] == "floating" and pd.isna(frame.loc[3, "type"])
    assert frame.loc[3, "server_id"] == "1" and frame.loc[0, "mac"] == "fa:16:3e:00:00:01"
    ips = addresses_frame(
        {"addresses": {"public": SERVER_V11["addresses"]["public"]}},
        server="tornado001",
        server_id="1",
    )
    assert ips[["server", "network", "address"]].values.tolist() == [
        ["tornado001", "public", "192.168.100.2"],
        ["tornado001", "public", "fe80:0:0:0:0:0:c0a8:6402"],
    ]
    assert_schema(addresses_frame({}), ADDRESS_COLUMNS)
    assert len(addresses_frame([{"id": "x", "name": "booting", "addresses": {}}])) == 0


def test_metadata_frame_sorted_and_from_envelopes():
    frame = metadata_frame({"metadata": {"owner": "joe", "group": "www", "n": 3}})
    assert_schema(frame, METADATA_COLUMNS)
    assert frame.values.tolist() == [["group", "www"], ["n", "3"], ["owner", "joe"]]
    assert metadata_frame({"meta": {"owner": "adam"}}).values.tolist() == [["owner", "adam"]]
    assert metadata_frame(SERVER_V11).values.tolist() == [["Server Name", "Tornado"]]
    assert_schema(metadata_frame({}), METADATA_COLUMNS)


def test_limits_frame_pairs_used_with_max_and_marks_unlimited():
    payload = {
        "limits": {
            "rate": [],
            "absolute": {
                "maxTotalInstances": 10,
                "totalInstancesUsed": 2,
                "maxTotalCores": 20,
                "totalCoresUsed": 2,
                "maxTotalRAMSize": 51200,
                "totalRAMUsed": 4096,
                "maxServerMeta": 5,
                "maxImageMeta": 5,
                "maxPersonality": 5,
                "maxPersonalitySize": 10240,
                "maxTotalKeypairs": -1,
                "maxTotalWidgets": 7,
                "totalWidgetsUsed": 1,
            },
        }
    }
    frame = limits_frame(payload)
    assert_schema(frame, LIMIT_COLUMNS)
    table = {name: (used, mx) for name, used, mx in frame.itertuples(index=False)}
    assert table["instances"] == (2, 10) and table["ram_mb"] == (4096, 51200)
    assert pd.isna(table["server_meta"][0]) and table["personality_bytes"][1] == 10240
    assert pd.isna(table["keypairs"][1])  # -1 means unlimited
    assert table["widgets"] == (1, 7)  # unknown limits still appear
    assert frame["name"].tolist()[:3] == ["instances", "cores", "ram_mb"]
    # The book's v1.1 limits: just the absolute dict, no usage.
    book = limits_frame({"maxTotalRAMSize": 51200, "maxServerMeta": 5})
    assert book["name"].tolist() == ["ram_mb", "server_meta"] and book["used"].isna().all()
    assert_schema(limits_frame({}), LIMIT_COLUMNS)


class Entry:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def test_history_frame_from_dicts_and_objects():
    frame = history_frame(
        [
            {
                "time": "2026-11-27T07:00:00Z",
                "method": "get",
                "path": "/servers/detail",
                "status": 200,
                "ms": 12.5,
                "request_id": "req-1",
            },
            Entry(
                time=1_795_000_000.0,
                method="POST",
                path="/servers",
                status=202,
                ms=40,
                request_id="req-2",
            ),
        ]
    )
    assert_schema(frame, HISTORY_COLUMNS)
    assert frame["method"].tolist() == ["GET", "POST"] and frame["status"].tolist() == [200, 202]
    assert frame.loc[1, "time"] == pd.Timestamp(1_795_000_000, unit="s", tz="UTC")
    assert_schema(history_frame([]), HISTORY_COLUMNS)


def test_fleet_summary_counts_and_totals():
    servers = servers_frame(
        [
            SERVER_NORMALISED,
            {**SERVER_NORMALISED, "id": "b", "status": "BUILD"},
            {
                **SERVER_NORMALISED,
                "id": "c",
                "flavor": {"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
            },
        ]
    )
    limits = limits_frame({"maxTotalCores": 4, "maxTotalRAMSize": -1, "maxTotalInstances": 10})
    summary = fleet_summary(servers, limits)
    assert summary["by_status"].values.tolist() == [["ACTIVE", 2], ["BUILD", 1]]
    assert summary["by_flavor"].values.tolist() == [
        ["m1.small", 2, 2, 4096, 40],
        ["m1.tiny", 1, 1, 512, 1],
    ]
    totals = summary["totals"].set_index("resource")
    assert totals.loc["cores", "used"] == 3 and totals.loc["cores", "percent"] == 75.0
    assert pd.isna(totals.loc["ram_mb", "max"]) and pd.isna(totals.loc["disk_gb", "percent"])
    empty = fleet_summary(servers_frame([]), None)
    assert len(empty["by_status"]) == 0 and empty["totals"]["used"].tolist() == [0, 0, 0, 0]


def test_names_sort_naturally():
    from novamagic.frames import natural_key, sort_naturally

    names = ["legacy-10", "legacy-9", None, "Legacy-2", "legacy-1", "db-100", "db-20"]
    frame = pd.DataFrame(
        {"name": pd.array(names, dtype="string"), "created": [1, 1, 1, 1, 1, 0, 1]}
    )
    assert sort_naturally(frame, ["created", "name"])["name"].tolist()[:6] == [
        "db-100", "db-20", "legacy-1", "Legacy-2", "legacy-9", "legacy-10",
    ]  # fmt: skip
    assert pd.isna(sort_naturally(frame, "name")["name"].iloc[-1])  # missing names last
    assert sorted(["m1.large", "m10.tiny", "m2.tiny"], key=natural_key)[-1] == "m10.tiny"
    flavors = [
        {
            **SERVER_NORMALISED,
            "id": str(n),
            "flavor": {**SERVER_NORMALISED["flavor"], "name": f"f{n}"},
        }
        for n in (10, 9, 1)
    ]
    by_flavor = fleet_summary(servers_frame(flavors))["by_flavor"]
    assert by_flavor["flavor"].tolist() == ["f1", "f9", "f10"]


def test_for_display_shows_missing_values_as_words():
    from novamagic.frames import for_display

    frame = pd.DataFrame({"max": pd.array([4, None], dtype="Int64"), "n": ["a", None]})
    shown = for_display(frame, "no quota")
    assert shown["max"].tolist() == [4, "no quota"] and shown["n"].tolist() == ["a", "no quota"]
    assert "<NA>" not in shown.to_string() and frame["max"].isna().sum() == 1  # a copy


def test_capacity_chart_colours_by_threshold_and_names_its_axes():
    from matplotlib.colors import to_hex
    from matplotlib.figure import Figure

    from novamagic.frames import capacity_chart
    from novamagic.frames.plots import OVER, UNDER

    totals = pd.DataFrame(
        {
            "resource": pd.array(["instances", "cores", "disk_gb"], dtype="string"),
            "used": pd.array([9, 1, 5], dtype="Int64"),
            "max": pd.array([10, 10, None], dtype="Int64"),
            "percent": pd.array([90.0, 10.0, None], dtype="Float64"),
        }
    )
    ax = Figure().subplots()
    capacity_chart(ax, totals, threshold=50)
    assert [to_hex(bar.get_facecolor()) for bar in ax.patches] == [OVER, UNDER]
    assert [t.get_text() for t in ax.texts] == ["9 of 10", "1 of 10"]  # no bar for no limit
    assert ax.get_xlabel() and ax.get_ylabel() == "resource"


def test_module_documents_every_column():
    doc = frames.__doc__
    for columns in (
        SERVER_COLUMNS,
        FLAVOR_COLUMNS,
        IMAGE_COLUMNS,
        ADDRESS_COLUMNS,
        LIMIT_COLUMNS,
        HISTORY_COLUMNS,
    ):
        for name in columns:
            assert name in doc, name


def test_the_package_loads_each_module_on_first_use():
    """Importing novamagic.frames imports no module of it (nor pandas); a name loads its module:
    the first %nova servers needs the servers frame, not the report's or the fleet's modules."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "import novamagic.frames as frames\n"
        "def loaded():\n"
        "    return sorted(m for m in sys.modules if m.startswith(('novamagic.frames.', 'pandas')))\n"
        "before = loaded()\n"
        "frames.servers_frame\n"
        "print(json.dumps([before, [m for m in loaded() if m.startswith('novamagic')]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    before, after = json.loads(out.stdout)
    assert before == []
    assert after == ["novamagic.frames.columns", "novamagic.frames.servers"]


def test_every_name_of_the_package_is_its_modules():
    import importlib

    for name in frames.__all__:
        module = importlib.import_module(f"novamagic.frames.{frames._MODULE_OF[name]}")
        assert getattr(frames, name) is getattr(module, name), name
    assert sorted(frames._MODULE_OF) == sorted(frames.__all__)
    assert set(frames.__all__) <= set(dir(frames))
