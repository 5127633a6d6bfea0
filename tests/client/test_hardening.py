"""Issue 13's client cases: a failed lookup never sinks a listing, Retry-After within a deadline,
a boot whose answer is lost says where the server may be, big counts and quota before sending."""

from __future__ import annotations

import warnings

import pytest

from novamagic.client import BadRequest, NovaError, NovaWarning, OverLimit, ServerError
from novamagic.localcloud import identity
from tests.client.conftest import LOCAL_FLAVOR, LOCAL_IMAGE, local_connect, now_clock


def _without_image_service(monkeypatch, local):
    """A catalogue with no image service, and a compute API with no image proxy."""
    monkeypatch.setattr(
        identity, "SERVICES", tuple(s for s in identity.SERVICES if s[0] != "image")
    )
    local.inject_fault(r"/images", status=404, message="no image proxy here")


def test_a_failed_image_lookup_degrades_a_listing_to_ids(local, monkeypatch):
    with local_connect(local) as booter:
        booted = booter.create_server("lookup", LOCAL_IMAGE, LOCAL_FLAVOR)
    _without_image_service(monkeypatch, local)
    with local_connect(local) as cloud:
        assert cloud.image_url is None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            servers = cloud.servers()
            again = cloud.servers()  # said once, not on every listing
        assert [s["id"] for s in servers] == [booted["id"]] and len(again) == 1
        assert servers[0]["image"] == {"id": booted["image"]["id"], "name": None}
        assert servers[0]["flavor"]["name"] == LOCAL_FLAVOR  # the other lookup still worked
        notes = [str(w.message) for w in caught if issubclass(w.category, NovaWarning)]
        assert len(notes) == 1 and "image names" in notes[0] and "ids" in notes[0]
        assert "\n" not in notes[0]
        # resolving an image by name still fails, and says why
        with pytest.raises(NovaError):
            cloud.servers(image=LOCAL_IMAGE)


def _pausing_client(local, **options):
    """A client whose pauses advance the cloud's clock and are recorded (no real sleeping)."""
    pauses: list[float] = []

    def sleep(seconds):
        pauses.append(seconds)
        local.clock.advance(seconds)

    return local_connect(local, sleep=sleep, **options), pauses


def test_a_retry_after_beyond_the_deadline_fails_at_once_naming_the_wait(local):
    cloud, pauses = _pausing_client(local)
    with cloud:
        cloud.control.inject_fault(r"/servers/detail$", status=503, retry_after=1000000000)
        started = local.clock.now()
        with pytest.raises(ServerError) as info:
            cloud.servers()
        assert pauses == [] and local.clock.now() - started < 1  # no 60 s cap slept 3 times
        assert info.value.retry_after == 1000000000
        assert "1000000000 s" in str(info.value.hint) and "years" in info.value.hint
        assert "retry deadline" in info.value.hint

        cloud.control.clear_faults()
        cloud.control.inject_fault(r"/flavors/detail$", status=429, retry_after=3600)
        with pytest.raises(OverLimit) as info:
            cloud.flavors()
        assert pauses == [] and info.value.retry_after == 3600
        assert "3600 s" in info.value.hint and "Retry-After" in info.value.hint


def test_retry_after_is_honoured_until_the_deadline(local):
    cloud, pauses = _pausing_client(local, retry_deadline=60)
    with cloud:
        cloud.control.inject_fault(r"/servers/detail$", status=503, retry_after=25)
        with pytest.raises(ServerError) as info:
            cloud.servers()
        assert pauses == [25.0, 25.0]  # a third 25 s would pass the 60 s deadline
        assert "25 s" in info.value.hint
        cloud.control.clear_faults()
        cloud.control.inject_fault(r"/servers/detail$", status=503, retry_after=20, count=2)
        assert cloud.servers() == [] and pauses[2:] == [20.0, 20.0]


def test_a_lost_boot_whose_lookup_fails_says_the_server_may_exist(cloud, local):
    cloud.control.inject_fault(r"/servers$", method="POST", drop="after", count=1)
    cloud.control.inject_fault(r"/servers/detail$", method="GET", status=503)
    with pytest.raises(NovaError) as info:
        cloud.create_server("ghost", LOCAL_IMAGE, LOCAL_FLAVOR)
    hint = info.value.hint
    assert "may exist" in hint and "'ghost'" in hint and "looking for it failed" in hint
    tag = info.value.maybe_created["marker"][1]
    assert tag.startswith("novamagic-boot-") and f"cloud.servers(tags={tag!r})" in hint
    cloud.control.clear_faults()
    # it did reach the cloud: the tag the error names finds it
    assert [s["name"] for s in cloud.servers(tags=tag)] == ["ghost"]


def _longest_url(cloud) -> int:
    return max(len(h["path"]) for h in cloud.history)


def test_a_big_count_never_puts_thousands_of_names_in_one_url(localcloud_factory):
    lc = localcloud_factory(clock=now_clock(), quotas={"instances": -1, "cores": -1, "ram": -1})
    with local_connect(lc) as cloud:
        cloud.create_servers("big-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=3)
        plan = cloud.check_boot(
            "big-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=10000, skip_existing=True
        )
        assert plan["skip"] == ["big-1", "big-2", "big-3"] and len(plan["boot"]) == 9997
        assert _longest_url(cloud) < 2000
        # a few names still go in one name filter, not a listing of every server
        cloud.check_boot("big-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=5, skip_existing=True)
        assert "name=" in cloud.history[-1]["path"] or any(
            "name=%5E%28big" in h["path"] for h in cloud.history.last(3)
        )


def test_a_bulk_boot_beyond_the_quota_sends_nothing(local):
    with local_connect(local) as cloud:  # the local cloud's quota: 10 instances
        with pytest.raises(OverLimit) as info:
            cloud.create_servers("q-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=11)
        text = f"{info.value} {info.value.hint}"
        assert (
            "booting 11 server(s)" in text and "0 of 10 used" in text and "nothing was sent" in text
        )
        assert not [h for h in cloud.history if h["method"] == "POST"]
        assert cloud.servers() == []
        with pytest.raises(OverLimit):  # the dry run says the same
            cloud.check_boot("q-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=10000, skip_existing=True)
        assert _longest_url(cloud) < 2000
        assert (
            len(cloud.create_servers("q-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=10).succeeded) == 10
        )


def test_a_414_is_reported_as_a_too_long_url(cloud, local):
    cloud.control.inject_fault(r"/servers/detail$", status=414)
    with pytest.raises(BadRequest) as info:
        cloud.servers(name="x")
    assert info.value.status == 414 and "characters long" in info.value.hint
    assert "cloud up" not in str(info.value) + info.value.hint
    assert len([h for h in cloud.history if "/servers/detail" in h["path"]]) == 1  # not retried
    cloud.control.clear_faults()


def test_raw_answers_carry_secrets_as_masked_strings(cloud, local):
    import copy
    import pickle

    from novamagic.client.cloud import PrivateKey

    answer = cloud.raw("POST", "/os-keypairs", {"keypair": {"name": "raw"}}, microversion="2.91")
    key = answer["keypair"]["private_key"]
    assert isinstance(key, PrivateKey) and str(key).startswith("-----BEGIN")
    line = str(key).splitlines()[1]
    assert line not in repr(answer) and line.encode() not in pickle.dumps(answer)
    assert copy.deepcopy(answer)["keypair"]["private_key"] == key  # copies keep it in memory
    generated = cloud.create_keypair("made")["private_key"]
    assert pickle.loads(pickle.dumps(generated)) == "********"
    server = cloud.raw(
        "POST",
        "/servers",
        {
            "server": {
                "name": "raw",
                "imageRef": cloud.image(LOCAL_IMAGE)["id"],
                "flavorRef": "1",
                "networks": "auto",
            }
        },
    )["server"]
    assert server["adminPass"] and repr(server["adminPass"]) == "'********'"
    assert str(server["adminPass"]).encode() not in pickle.dumps(server)


def test_a_delete_whose_answer_was_lost_is_looked_up_before_it_is_reported_failed(cloud, local):
    done = cloud.create_server("gone", LOCAL_IMAGE, LOCAL_FLAVOR)
    kept = cloud.create_server("kept", LOCAL_IMAGE, LOCAL_FLAVOR)
    # The first attempt deletes and loses its answer; every retry meets a 503.
    cloud.control.inject_fault(rf"/servers/{done['id']}$", method="DELETE", drop="after", count=1)
    cloud.control.inject_fault(r"/servers/[^/]+$", method="DELETE", status=503)
    result = cloud.delete_servers([done["id"], kept["id"]])
    outcome = {e["item"]: e["ok"] for e in result}
    # The deleted one is done (looking found it deleting); the untouched one still fails.
    assert outcome == {done["id"]: True, kept["id"]: False}
    assert isinstance(result.failed[0]["error"], ServerError)
    cloud.control.clear_faults()
    local.tick(60)
    assert [s["name"] for s in cloud.servers()] == ["kept"]


def test_the_clouds_quota_refusal_is_one_type_both_forbidden_and_over_limit(local):
    from novamagic.client import Forbidden, QuotaExceeded

    with local_connect(local) as cloud:  # the local cloud's quota: 10 instances
        cloud.create_servers("full-{n}", LOCAL_IMAGE, LOCAL_FLAVOR, count=10).raise_first()
        with pytest.raises(QuotaExceeded) as info:  # the cloud's own 403, not the client's check
            cloud.create_server("one-more", LOCAL_IMAGE, LOCAL_FLAVOR)
        error = info.value
        assert error.status == 403 and "Quota exceeded for instances" in error.message
        assert isinstance(error, Forbidden) and isinstance(error, OverLimit)
        assert "quota" in error.hint
