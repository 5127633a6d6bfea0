"""The boot form, driven like a user would: set values, click Boot, watch the servers come up."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from widget_helpers import IMAGE, connect_to, finished, requests, text

from novamagic.client import ValidationError, boot_names
from novamagic.client.wait import CANCEL_SLICE
from novamagic.widgets import BootFormModel, boot_form
from novamagic.widgets._base import Busy


def boots(cloud) -> list[dict]:
    """The boot requests (POST .../servers) the client sent."""
    return [e for e in requests(cloud, "POST", "/servers") if e["path"].endswith("/servers")]


def uploaded(name: str, data: bytes) -> dict:
    """A file as ipywidgets' FileUpload holds it after the browser sent it."""
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return {
        "name": name,
        "type": "text/plain",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": when,
    }


def fill(form, name="web", image=IMAGE, flavor="m1.tiny", count=1):
    form.name.value = name
    form.image.value = next(v for label, v in form.image.options if label == image)
    form.flavor.value = next(v for label, v in form.flavor.options if label.startswith(flavor))
    form.count.value = count


def test_boot_one_server_from_the_form(cloud):
    form = boot_form(cloud)
    assert form.boot_button.disabled  # empty form
    assert "give the server a name" in text(form.field_errors["name"])
    fill(form, name="web")
    assert not form.boot_button.disabled
    assert all(label.value == "" for label in form.field_errors.values())
    form.boot_button.click()
    finished(form.model)

    assert form.model.phase == "done" and form.model.error is None
    assert "ACTIVE" in form.status.value and "web" in form.status.value
    assert form.progress.value == 100
    servers = cloud.servers()
    assert [(s["name"], s["status"], s["flavor"]["name"]) for s in servers] == [
        ("web", "ACTIVE", "m1.tiny")
    ]
    assert servers[0]["id"] in form.status.value and ">ACTIVE</td>" in form.result.value
    assert ">10.0.0." in form.result.value  # the private address, once up
    assert list(form.model.result["name"]) == ["web"]
    assert len(boots(cloud)) == 1
    assert not form.boot_button.disabled and form.cancel_button.disabled
    secret = cloud.admin_password(servers[0]["id"])
    assert secret  # the cloud gave one; no face of the widget shows it
    bundle = form._repr_mimebundle_()
    for shown in (form.status.value, form.result.value, bundle["text/html"], bundle["text/plain"]):
        assert secret not in shown


def test_flavor_labels_show_vcpus_ram_and_disk(cloud):
    form = boot_form(cloud)
    labels = [label for label, _value in form.flavor.options]
    assert "m1.small — 1 vCPU, 2048 MB RAM, 20 GB disk" in labels
    assert "m1.medium — 2 vCPUs, 4096 MB RAM, 40 GB disk" in labels


def test_boot_several_with_metadata_and_files(cloud):
    form = boot_form(cloud)
    fill(form, name="app", flavor="m1.small", count=3)
    form.add_metadata_button.click()
    form.add_metadata_button.click()
    (key1, value1, _), (key2, value2, _) = (row.children for row in form.metadata_box.children)
    key1.value, value1.value = "role", "web"
    key2.value, value2.value = "owner", "class-1"
    form.add_file_button.click()
    path, contents, _ = form.files_box.children[0].children
    path.value, contents.value = "/etc/motd", "Welcome"
    form.upload.value = (uploaded("app.conf", b"debug=yes"),)
    assert [f.path for f in form.model.files] == ["/etc/motd", "/root/app.conf"]
    assert "app.conf (9 bytes, uploaded)" in form.files_box.children[1].children[1].value
    assert not form.boot_button.disabled
    form.boot_button.click()
    finished(form.model)

    assert form.model.phase == "done", form.model.error
    names = sorted(s["name"] for s in cloud.servers())
    assert names == ["app-1", "app-2", "app-3"]
    assert [row.status for row in form.model.rows] == ["ACTIVE"] * 3
    for name in names:
        assert cloud.server_metadata.get(name) == {"role": "web", "owner": "class-1"}
    assert len(boots(cloud)) == 3
    assert form.status.value.count("ACTIVE") == 3


def test_names_follow_the_clients_rule_with_a_counter(cloud):
    form = boot_form(cloud)
    fill(form, name="node{n}.lab", count=2)
    assert form.model.names() == boot_names("node{n}.lab", 2) == ["node1.lab", "node2.lab"]
    form.boot_button.click()
    finished(form.model)
    assert sorted(s["name"] for s in cloud.servers()) == ["node1.lab", "node2.lab"]
    assert [row.name for row in form.model.rows] == ["node1.lab", "node2.lab"]
    fill(form, name="x" * 254, count=2)  # "x...x-1" is one character too long
    assert "at most 255" in text(form.field_errors["name"]) and form.boot_button.disabled


def test_the_key_name_is_picked_from_the_users_key_pairs(cloud):
    assert type(boot_form(cloud).key_name).__name__ == "Text"  # none yet: free text
    for name in ("lab-key", "other"):
        cloud.create_keypair(name)
    form = boot_form(cloud)
    labels = [label for label, _value in form.key_name.options]
    assert labels == ["— no key pair —", "lab-key", "other"]
    fill(form, name="keyed")
    form.key_name.value = "lab-key"
    assert form.model.key_name == "lab-key" and not form.boot_button.disabled
    form.boot_button.click()
    finished(form.model)
    assert form.model.phase == "done", form.model.error
    assert cloud.server("keyed")["key_name"] == "lab-key"

    form.model.set(key_name="nope")  # from code: a name the picker does not have
    assert form.key_name.value == "" and form.boot_button.disabled
    assert "no key pair 'nope' on this cloud; pick one of lab-key, other" in text(
        form.field_errors["key_name"]
    )


def test_each_field_is_checked_next_to_it_and_boot_stays_disabled(cloud):
    form = boot_form(cloud)
    fill(form, name="db", image="ubuntu-22.04-server-cloudimg-amd64", flavor="m1.tiny")
    assert "needs 3 GB of disk; m1.tiny has 1 GB" in text(form.field_errors["flavor"])
    assert form.boot_button.disabled
    fill(form, name="db", image="ubuntu-22.04-server-cloudimg-amd64", flavor="m1.small")
    assert form.field_errors["flavor"].value == "" and not form.boot_button.disabled

    form.access_ipv4.value = "300.1.2.3"
    assert "is not an IPv4 address" in text(form.field_errors["access_ipv4"])
    assert form.boot_button.disabled
    form.access_ipv4.value = "192.0.2.10"
    form.access_ipv6.value = "192.0.2.10"
    assert "is not an IPv6 address" in text(form.field_errors["access_ipv6"])
    form.access_ipv6.value = "2001:db8::10"
    assert not form.boot_button.disabled

    form.name.value = "   "
    assert "give the server a name" in text(form.field_errors["name"])
    form.name.value = "x" * 256
    assert "at most 255 allowed" in text(form.field_errors["name"])
    form.name.value = "db"

    form.add_metadata_button.click()
    assert "metadata row 1 has no key" in text(form.field_errors["metadata"])
    form.metadata_box.children[0].children[0].value = "k"
    form.add_metadata_button.click()
    form.metadata_box.children[1].children[0].value = "k"
    assert "metadata key 'k' appears twice" in text(form.field_errors["metadata"])
    assert form.boot_button.disabled
    form.metadata_box.children[1].children[2].click()  # remove the second row
    assert len(form.model.metadata) == 1 and form.field_errors["metadata"].value == ""

    form.model.add_file("/big", b"x" * 10241)  # code may edit the model: the form follows
    assert "10241 bytes, uploaded" in form.files_box.children[0].children[1].value
    assert "is 10241 bytes; this cloud allows at most 10240" in text(form.field_errors["files"])
    assert form.boot_button.disabled
    with pytest.raises(ValidationError, match="files: file '/big' is 10241 bytes"):
        form.model.submit()
    form.files_box.children[0].children[2].click()
    assert not form.boot_button.disabled

    form.model.set(count=0)
    assert "count must be a whole number from 1 to 10" in text(form.field_errors["count"])
    assert boots(cloud) == []  # nothing was ever sent


def test_metadata_rows_and_files_are_capped_at_the_clouds_limits(cloud):
    form = boot_form(cloud)
    assert form.model.max_metadata == 5 and form.model.max_files == 5
    for _ in range(5):
        form.add_metadata_button.click()
    assert len(form.metadata_box.children) == 5
    assert form.add_metadata_button.disabled
    assert "5 of 5 allowed" in text(form.metadata_hint)
    with pytest.raises(ValidationError, match="at most 5 metadata items"):
        form.model.add_metadata("sixth", "x")
    for _ in range(4):
        form.add_file_button.click()
    assert not form.add_file_button.disabled
    form.upload.value = (uploaded("a.txt", b"a"), uploaded("b.txt", b"b"))
    assert len(form.model.files) == 5
    assert "not added (at most 5 files): b.txt" in text(form.files_hint)
    assert form.add_file_button.disabled and form.upload.disabled
    assert "5 of 5 allowed, at most 10240 bytes each" in text(form.files_hint)


def test_quota_refusal_shows_in_one_line_with_the_request_id(localcloud_factory, sleeper):
    from widget_helpers import Sleeper, now_clock

    lc = localcloud_factory(clock=now_clock())
    cloud = connect_to(lc, Sleeper(lc.clock))
    try:
        form = boot_form(cloud)
        fill(form, name="big", flavor="m1.medium", count=3)  # 2 vCPUs each
        # the quota held the three when checked, but the cloud refuses one all the same
        refusal = "Quota exceeded for cores: Requested 2, but already used 20 of 20 cores"
        lc.inject_fault(r"/servers$", method="POST", status=403, message=refusal, count=1)
        form.boot_button.click()
        finished(form.model)

        model = form.model
        assert model.phase == "done"
        assert sorted(row.status for row in model.rows) == ["ACTIVE", "ACTIVE", "refused"]
        assert len(cloud.servers()) == 2
        line = model.error
        assert "\n" not in line
        assert line.startswith("1 of 3 failed; big-")
        assert "Quota exceeded for cores" in line and "HTTP 403" in line and "req-" in line
        assert "req-" in text(form.error) and "Quota exceeded" in text(form.error)
        assert form.progress.value == 100
    finally:
        cloud.close()


def test_a_count_beyond_the_quota_is_refused_before_anything_is_sent(localcloud_factory):
    from widget_helpers import Sleeper, now_clock

    lc = localcloud_factory(clock=now_clock(), quotas={"cores": 4})
    cloud = connect_to(lc, Sleeper(lc.clock))
    try:
        form = boot_form(cloud)
        fill(form, name="big", flavor="m1.medium", count=3)  # 2 vCPUs each: 6 of 4
        form.boot_button.click()
        finished(form.model)
        assert form.model.phase == "failed" and cloud.servers() == []
        line = form.model.error
        assert "\n" not in line and "booting 3 server(s)" in line and "0 of 4 used" in line
        assert "nothing was sent" in line and "nothing was sent" in text(form.error)
    finally:
        cloud.close()


def test_cancel_stops_waiting_and_deletes_nothing(cloud, sleeper):
    form = boot_form(cloud)
    fill(form, name="slow")
    sleeper.hold()  # the first pause of the wait blocks: the server stays in BUILD
    form.boot_button.click()
    assert sleeper.entered.wait(20), "the boot never started waiting"
    assert form.model.busy and form.boot_button.disabled and not form.cancel_button.disabled
    assert form.model.phase == "waiting"
    with pytest.raises(Busy):
        form.model.submit()
    form.cancel_button.click()
    assert form.cancel_button.disabled and "stopping" in form.phase.value
    sleeper.release()
    finished(form.model)

    assert form.model.phase == "cancelled"
    assert "stopped waiting" in text(form.error) and "nothing was deleted" in text(form.error)
    assert [s["name"] for s in cloud.servers()] == ["slow"]  # still there
    assert requests(cloud, "DELETE", "/servers") == []
    assert len(boots(cloud)) == 1
    assert not form.boot_button.disabled


def test_cancel_returns_within_one_poll_slice(cloud, sleeper, lc):
    """Cancel reaches the client's wait (its cancel event): the wait's 1 s pause ends in the slice
    it was in, with no further poll of the server."""
    form = boot_form(cloud)
    fill(form, name="slow")
    sleeper.hold()  # the wait's first pause slice blocks
    form.boot_button.click()
    assert sleeper.entered.wait(20), "the boot never started waiting"
    held_at = lc.clock.now()
    polls = len(requests(cloud, "GET", "/servers/"))
    form.cancel_button.click()
    sleeper.release()
    finished(form.model)

    assert lc.clock.now() - held_at == pytest.approx(CANCEL_SLICE)  # not the whole 1 s pause
    assert len(requests(cloud, "GET", "/servers/")) == polls  # no poll after the Cancel
    assert form.model.phase == "cancelled" and "nothing was deleted" in text(form.error)
    assert [(row.status, row.error) for row in form.model.rows] == [("BUILD", None)]
    assert [s["name"] for s in cloud.servers()] == ["slow"]
    assert requests(cloud, "DELETE", "/servers") == []


def test_the_form_follows_changes_made_to_its_model(cloud):
    form = boot_form(cloud)
    form.model.set(name="coded", image=IMAGE, flavor="m1.small", metadata={"a": "1", "b": "2"})
    assert form.name.value == "coded" and form.flavor.label.startswith("m1.small")
    assert form.image.label == IMAGE
    assert [[t.value for t in row.children[:2]] for row in form.metadata_box.children] == [
        ["a", "1"],
        ["b", "2"],
    ]
    form.model.remove_metadata(form.model.metadata[0])
    assert len(form.metadata_box.children) == 1 and not form.boot_button.disabled


def test_submit_is_the_python_api_of_the_form(cloud):
    model = BootFormModel(cloud)
    assert model.submit(name="api", image=IMAGE, flavor="m1.tiny", metadata={"a": "1"}).wait(20)
    assert model.phase == "done" and model.error is None
    assert model.rows[0].status == "ACTIVE"
    assert cloud.server_metadata.get("api") == {"a": "1"}
    with pytest.raises(ValidationError, match="flavor: no flavor 'm9.huge' on this cloud"):
        model.submit(flavor="m9.huge")
    with pytest.raises(TypeError, match="unknown boot form fields"):
        model.submit(colour="red")


def test_without_wait_the_form_stops_after_the_requests(cloud):
    form = boot_form(cloud, wait=False, name="quick", image=IMAGE, flavor="m1.tiny")
    assert form.name.value == "quick" and not form.boot_button.disabled
    form.boot_button.click()
    finished(form.model)
    assert form.model.phase == "done"
    assert [row.status for row in form.model.rows] == ["BUILD"]
    assert form.progress.value == 100  # the requests were the whole job
    assert requests(cloud, "GET", "/servers/") != []


def test_hostile_names_and_metadata_are_escaped_everywhere(cloud):
    hostile = '<img src=x onerror="alert(1)">'
    form = boot_form(cloud, name=hostile, image=IMAGE, flavor="m1.tiny", metadata={"k": "<b>v</b>"})
    bundle = form._repr_mimebundle_()
    assert set(bundle) >= {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    assert "<img" not in bundle["text/html"] and "&lt;img src=x" in bundle["text/html"]
    assert "<b>v</b>" not in bundle["text/html"] and "&lt;b&gt;v&lt;/b&gt;" in bundle["text/html"]
    form.boot_button.click()
    finished(form.model)
    assert form.model.phase == "done", form.model.error
    for markup in (form.status.value, form.result.value, form.model.to_html()):
        assert "<img" not in markup and "&lt;img src=x onerror=" in markup
    assert hostile in repr(form)  # plain text keeps the name as it is
