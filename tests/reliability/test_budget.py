"""One project's expensive requests cannot stall another's: the regex-filter budget.

A learner fires many catastrophic name regexes at once; another learner's plain listing must
still answer promptly (the figure goes into the reliability summary).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

from tests.reliability.conftest import password_of

ATTACKERS = 12
PATTERN = "^(a|aa)+$"
#: Generous: today a bystander's listing answers in a few ms; before the budget it took ~11 s.
BYSTANDER_BOUND = 1.0


def _token(cloud, name: str) -> str:
    user = next(u for u in cloud.state.users.values() if u.name == name)
    return cloud.state.authenticate_password(password_of(cloud, name), user_name=user.name).id


def test_a_bystander_is_not_stalled_by_catastrophic_regexes(make_cloud, figures):
    cloud = make_cloud()
    joe, ann = _token(cloud, "joe"), _token(cloud, "ann")
    joe_token = cloud.state.tokens[joe]
    cloud.state.create_servers(joe_token, "a" * 60 + "!", "3", "1")
    cloud.state.create_servers(cloud.state.tokens[ann], "ann-vm", "3", "1")
    url = cloud.compute_url + "/servers"
    attack_url = f"{url}/detail?name={quote(PATTERN)}"
    start = threading.Barrier(ATTACKERS + 1)
    answers: list[requests.Response] = []

    def attack(_):
        with requests.Session() as session:
            start.wait()
            answers.append(session.get(attack_url, headers={"X-Auth-Token": joe}, timeout=60))

    latencies: list[float] = []
    with ThreadPoolExecutor(ATTACKERS) as pool, requests.Session() as bystander:
        bystander.get(url, headers={"X-Auth-Token": ann}, timeout=60)  # a warm connection
        futures = [pool.submit(attack, n) for n in range(ATTACKERS)]
        start.wait()
        attack_began = time.perf_counter()
        while not all(f.done() for f in futures) or len(latencies) < 2:
            # Alternately a plain listing and one with a (cheap) regex filter of her own: the
            # attacker's project can never hold every regex slot.
            target = url if len(latencies) % 2 else f"{url}?name=^ann"
            began = time.perf_counter()
            response = bystander.get(target, headers={"X-Auth-Token": ann}, timeout=60)
            latencies.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text
            assert [s["name"] for s in response.json()["servers"]] == ["ann-vm"]
            time.sleep(0.02)
        for future in futures:
            future.result()
        attack_lasted = time.perf_counter() - attack_began
    statuses = sorted(r.status_code for r in answers)
    assert len(answers) == ATTACKERS and set(statuses) <= {400, 429}, statuses
    for response in answers:
        (fault,) = response.json().values()
        assert "takes too long" in fault["message"] or "Too many" in fault["message"], fault
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
    worst = max(latencies)
    figures.add(
        "budget",
        f"{ATTACKERS} parallel catastrophic regexes: answers",
        " ".join(f"{s}x{statuses.count(s)}" for s in sorted(set(statuses))),
    )
    figures.add("budget", "bystander listing during the attack, worst", worst * 1000, "ms")
    figures.add("budget", "bystander listings during the attack", len(latencies))
    figures.add("budget", "attack lasted", attack_lasted, "s")
    assert worst < BYSTANDER_BOUND, f"a bystander's GET /servers took {worst:.2f} s"
