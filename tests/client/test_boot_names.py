"""boot_names: the one naming rule of create_servers, check_boot, %%nova_boot and the boot form."""

from __future__ import annotations

import pytest

from novamagic.client import ValidationError, boot_names


@pytest.mark.parametrize(
    ("name", "count", "expected"),
    [
        ("web", 1, ["web"]),
        ("web", 3, ["web-1", "web-2", "web-3"]),
        ("web-{n}", 1, ["web-1"]),
        ("node{n}.lab", 2, ["node1.lab", "node2.lab"]),
        ("{n}-{n}", 2, ["1-1", "2-2"]),
    ],
)
def test_the_rule(name, count, expected):
    assert boot_names(name, count) == expected


@pytest.mark.parametrize(
    ("name", "count", "message"),
    [
        ("web", 0, "count must be a positive integer, got 0"),
        ("web", True, "count must be a positive integer, got True"),
        ("web", "2", "count must be a positive integer, got '2'"),
        (" ", 1, "server name must be a non-empty string"),
        (None, 2, "a server name must be a string, got NoneType"),
    ],
)
def test_bad_input_is_one_clear_line(name, count, message):
    with pytest.raises(ValidationError, match=message):
        boot_names(name, count)


def test_create_servers_and_check_boot_name_by_it(cloud, names, image_ref, flavor_ref):
    base = names("n{n}")
    plan = cloud.check_boot(base, image_ref, flavor_ref, count=2)
    assert plan["boot"] == boot_names(base, 2) == [names("n1"), names("n2")]
    booted = cloud.create_servers(base, image_ref, flavor_ref, count=2).raise_first()
    assert [entry["item"] for entry in booted] == plan["boot"]
    assert sorted(s["name"] for s in cloud.session_servers()) == plan["boot"]
    single = cloud.create_servers(names("solo"), image_ref, flavor_ref, count=1).raise_first()
    assert single[0]["result"]["name"] == names("solo")  # one server keeps its name
