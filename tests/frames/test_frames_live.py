"""Frames on JSON fetched from the running local cloud: the same columns, dtypes and values
whatever microversion or API root answered, raw or normalised by the client."""

import pandas as pd
import pytest

from novamagic.client import connect
from novamagic.frames import (
    ADDRESS_COLUMNS,
    FLAVOR_COLUMNS,
    IMAGE_COLUMNS,
    LIMIT_COLUMNS,
    SERVER_COLUMNS,
    addresses_frame,
    flavors_frame,
    history_frame,
    images_frame,
    limits_frame,
    servers_frame,
)

IMAGE = "cirros-0.6.2-x86_64-disk"
STABLE = [
    "id",
    "name",
    "status",
    "flavor",
    "flavor_id",
    "vcpus",
    "ram_mb",
    "disk_gb",
    "image",
    "image_id",
    "public_ipv4",
    "private_ipv4",
    "project_id",
    "created",
]


def dtypes(frame):
    return [str(t) for t in frame.dtypes]


def expected(columns):
    return [str(pd.api.types.pandas_dtype(d)) for d in columns.values()]


@pytest.fixture
def fleet(localcloud):
    with connect(local=localcloud) as cloud:
        cloud.create_server("web-1", IMAGE, "m1.small", metadata={"role": "web"}, wait=True)
        cloud.create_server("db-1", IMAGE, "m1.medium", wait=True)
        yield localcloud, cloud


def test_normalised_servers_are_identical_at_2_1_and_2_96(fleet):
    localcloud, latest = fleet
    with connect(local=localcloud, compute_api_version="2.1") as old:
        a, b = servers_frame(latest.servers()), servers_frame(old.servers())
    assert list(a.columns) == list(b.columns) == list(SERVER_COLUMNS)
    assert dtypes(a) == dtypes(b) == expected(SERVER_COLUMNS)
    pd.testing.assert_frame_equal(
        a.sort_values("name")[STABLE].reset_index(drop=True),
        b.sort_values("name")[STABLE].reset_index(drop=True),
    )
    row = a.set_index("name").loc["db-1"]
    assert (row["flavor"], row["vcpus"], row["ram_mb"], row["disk_gb"], row["image"]) == (
        "m1.medium",
        2,
        4096,
        40,
        IMAGE,
    )
    assert row["public_ipv4"].startswith("172.24.4.") and row["private_ipv4"].startswith("10.0.0.")
    assert (
        pd.isna(a.loc[0, "locked"]) is False and b["locked"].isna().all()
    )  # locked appears at 2.9


@pytest.mark.parametrize("microversion", ["2.1", "2.46", "2.47", "2.96"])
def test_raw_api_json_gives_the_same_frame_with_lookups(fleet, microversion):
    _, cloud = fleet
    raw = cloud.raw("GET", "/servers/detail", microversion=microversion)["servers"]
    flavors = cloud.raw("GET", "/flavors/detail")["flavors"]
    frame = servers_frame(raw, flavors=flavors, images=cloud.images())
    assert dtypes(frame) == expected(SERVER_COLUMNS)
    reference = servers_frame(cloud.servers())
    pd.testing.assert_frame_equal(
        frame.sort_values("name")[STABLE].reset_index(drop=True),
        reference.sort_values("name")[STABLE].reset_index(drop=True),
        check_dtype=True,
    )


def test_the_books_v1_1_root_gives_the_same_columns(fleet):
    localcloud, cloud = fleet
    with connect(
        local=localcloud, compute_endpoint_override=localcloud.url + "/v1.1/openstack"
    ) as book:
        frame = servers_frame(book.servers())
        raw = book.raw("GET", "/servers/detail")["servers"]
        raw_frame = servers_frame(raw, flavors=book.flavors(), images=book.images())
        flavors = flavors_frame(book.flavors())
        images = images_frame(book.images())
        limits = limits_frame(book.limits())
        ips = addresses_frame(book.servers())
    for built, columns in (
        (frame, SERVER_COLUMNS),
        (raw_frame, SERVER_COLUMNS),
        (flavors, FLAVOR_COLUMNS),
        (images, IMAGE_COLUMNS),
        (limits, LIMIT_COLUMNS),
        (ips, ADDRESS_COLUMNS),
    ):
        assert list(built.columns) == list(columns) and dtypes(built) == expected(columns)
    assert sorted(frame["name"]) == sorted(raw_frame["name"]) == ["db-1", "web-1"]
    assert set(frame["flavor"]) == set(raw_frame["flavor"]) == {"m1.small", "m1.medium"}
    assert set(ips["network"]) >= {"public", "private"}


def test_live_flavors_images_limits_history(fleet):
    _, cloud = fleet
    flavors = flavors_frame(cloud.flavors())
    assert dtypes(flavors) == expected(FLAVOR_COLUMNS) and flavors["is_public"].all()
    images = images_frame(cloud.images())
    assert dtypes(images) == expected(IMAGE_COLUMNS) and IMAGE in set(images["name"])
    limits = limits_frame(cloud.limits()).set_index("name")
    assert limits.loc["instances", "used"] == 2 and limits.loc["cores", "used"] == 3
    history = history_frame(cloud.history)
    assert history["status"].notna().all() and history["request_id"].str.startswith("req-").all()
