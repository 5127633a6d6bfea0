"""Heavy weather: 30% and 50% of compute requests fail, and a re-run still converges.

At these rates the client's retries (the default 3) run out now and then, so some items of a bulk
call are reported failed. What must never happen, however bad the weather:

- a duplicate: a name booted twice (a lost boot answer is found by its marker, never re-sent);
- a false success: an item reported done whose server is not there (or still there, for a delete);
- a silent false failure: an item reported failed whose server does exist, with an error that
  does not say so. A boot whose fate is unknown (or whose server could not be read back) must say
  the server may exist: ``error.maybe_created`` and a hint saying how to find it.

And the user's way out must work: re-running the same bulk call (``skip_existing=True``, as a
re-run ``%%nova_boot`` cell does; a delete of what is left) reaches exactly the intended servers.

The faults are three rules of equal rate (503, connection dropped before processing, dropped
after processing: the answer is lost), chosen so that together they hit the given share of
requests. The client's pauses advance the cloud's ManualClock, so this costs no real time.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.reliability.conftest import FLAVOR, IMAGE, client_for

FLEET = 20
ROUNDS = 8  # re-runs allowed to converge; at 50% each round leaves about a fifth undone
QUOTAS = {"instances": 200, "cores": 400, "ram": 1_000_000}
COMPUTE = r"^/compute/"


def inject(cloud, share: float) -> None:
    per_rule = 1 - (1 - share) ** (1 / 3)  # three independent draws hit `share` of requests
    cloud.inject_fault(COMPUTE, status=503, rate=per_rule)
    cloud.inject_fault(COMPUTE, drop="before", rate=per_rule)
    cloud.inject_fault(COMPUTE, drop="after", rate=per_rule)


def live_names(cloud) -> Counter:
    return Counter(s["name"] for s in cloud.dump()["servers"] if s["status"] != "DELETED")


@pytest.mark.parametrize("share", [0.3, 0.5], ids=["30%", "50%"])
def test_bulk_boot_and_delete_converge_without_duplicates(make_cloud, figures, share):
    cloud = make_cloud(quotas=QUOTAS)
    expected = {f"storm-{i}" for i in range(1, FLEET + 1)}
    with client_for(cloud) as client:
        client.flavors(), client.images(), client.limits()  # names resolved before the weather
        inject(cloud, share)
        failures = existed = silent = 0
        for rounds in range(1, ROUNDS + 1):  # noqa: B007 - the count is a figure
            result = client.create_servers("storm", IMAGE, FLAVOR, count=FLEET, skip_existing=True)
            there = live_names(cloud)
            assert max(there.values(), default=1) == 1, f"duplicated: {there.most_common(3)}"
            for server in result.succeeded:
                assert there[server["name"]] == 1, f"reported booted, not there: {server['name']}"
            for entry in result.failed:
                failures += 1
                if there[entry["item"]]:
                    existed += 1
                    said = getattr(entry["error"], "maybe_created", None)
                    silent += not (said and said["name"] == entry["item"] and entry["error"].hint)
            if result.ok:
                break
        assert result.ok, f"{len(result.failed)} boots still failing after {ROUNDS} runs"
        assert set(live_names(cloud)) == expected and max(live_names(cloud).values()) == 1
        assert silent == 0, f"{silent} failures hid that their server exists"
        boot_rounds, boot_failures, boot_existed = rounds, failures, existed

        failures = 0
        for rounds in range(1, ROUNDS + 1):  # noqa: B007 - the count is a figure
            left = [s["id"] for s in cloud.dump()["servers"] if s["status"] != "DELETED"]
            result = client.delete_servers(left)
            cloud.tick(60)  # deletions take 5 cloud seconds
            there = {s["id"] for s in cloud.dump()["servers"] if s["status"] != "DELETED"}
            for entry in (e for e in result if e["ok"]):
                assert entry["item"] not in there, f"reported deleted, still there: {entry}"
            failures += len(result.failed)
            if not there:
                break
        assert not there, f"{len(there)} servers left after {ROUNDS} delete runs"
        requests = len(client.history)
    label = f"{share:.0%} faults"
    figures.add("heavy weather", f"{label}: boot of {FLEET}, runs to converge", boot_rounds)
    figures.add("heavy weather", f"{label}: boot items reported failed", boot_failures)
    figures.add("heavy weather", f"{label}: ... of which existed (each said so)", boot_existed)
    figures.add("heavy weather", f"{label}: delete runs to converge", rounds)
    figures.add("heavy weather", f"{label}: delete items reported failed", failures)
    figures.add("heavy weather", f"{label}: requests sent in all", requests)
    figures.add(
        "heavy weather", f"{label}: duplicates / false successes / silent failures", "0 / 0 / 0"
    )
