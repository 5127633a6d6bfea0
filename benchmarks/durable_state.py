"""What ``--state FILE`` costs per change: a classroom of 30 learners with 5 servers each.

    .venv/bin/python benchmarks/durable_state.py [--learners 30] [--servers 5] [--writes 200]

One in-process local cloud with a state file in a temporary directory and one without, the same
class in both (every learner logs in, boots their servers, makes a key pair and sets metadata,
all over HTTP). Then, on each: the median time of a metadata write (``PUT
/servers/{id}/metadata/{key}``, one learner at a time) and of a read (``GET /servers/{id}``), and,
on the durable one, a save's parts (encoding the whole state, and the commit of the rows that
changed, with ``synchronous=FULL``), the rows a metadata write rewrites and the file's size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from novamagic.localcloud import LocalCloud, ScaledClock
from novamagic.localcloud.persistence.codec import encode_rows
from novamagic.localcloud.persistence.store import _attributes


def token(cloud: LocalCloud, name: str, project: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": name, "password": f"{name}-pw", "domain": {"name": "Default"}}
                },
            },
            "scope": {"project": {"name": project, "domain": {"name": "Default"}}},
        }
    }
    response = requests.post(f"{cloud.auth_url}/v3/auth/tokens", json=body, timeout=30)
    response.raise_for_status()
    return response.headers["X-Subject-Token"]


def make_class(cloud: LocalCloud, learners: int, servers: int) -> list[tuple[dict, str]]:
    """Every learner's (headers, first server id), after their boots, key pair and metadata."""
    session = requests.Session()
    out = []
    for n in range(1, learners + 1):
        headers = {"X-Auth-Token": token(cloud, f"learner-{n:02d}", f"class-{n:02d}")}
        image = session.get(f"{cloud.compute_url}/images", headers=headers, timeout=30).json()
        image_id = image["images"][0]["id"]
        ids = []
        for k in range(servers):
            body = {"server": {"name": f"web-{k}", "imageRef": image_id, "flavorRef": "2"}}
            answer = session.post(f"{cloud.compute_url}/servers", json=body, headers=headers)
            answer.raise_for_status()
            ids.append(answer.json()["server"]["id"])
        keypair = {"keypair": {"name": "mine"}}
        session.post(f"{cloud.compute_url}/os-keypairs", json=keypair, headers=headers)
        meta = {"metadata": {"owner": f"learner-{n:02d}"}}
        session.post(f"{cloud.compute_url}/servers/{ids[0]}/metadata", json=meta, headers=headers)
        out.append((headers, ids[0]))
    return out


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def time_requests(cloud: LocalCloud, learners: list, writes: int) -> tuple[list, list]:
    session = requests.Session()
    put, get = [], []
    for n in range(writes):
        headers, server = learners[n % len(learners)]
        url = f"{cloud.compute_url}/servers/{server}"
        started = time.perf_counter()
        answer = session.put(
            f"{url}/metadata/step", json={"meta": {"step": str(n)}}, headers=headers
        )
        put.append(time.perf_counter() - started)
        answer.raise_for_status()
        started = time.perf_counter()
        session.get(url, headers=headers).raise_for_status()
        get.append(time.perf_counter() - started)
    return put, get


def burst(cloud: LocalCloud, learners: list, rounds: int = 5) -> float:
    """Median wall time of every learner writing once, all at the same moment."""
    import threading

    samples = []
    for n in range(rounds):
        start = threading.Barrier(len(learners) + 1)

        def write(headers, server, n=n, start=start):
            session = requests.Session()
            start.wait()
            url = f"{cloud.compute_url}/servers/{server}/metadata/burst"
            session.put(url, json={"meta": {"burst": str(n)}}, headers=headers).raise_for_status()

        threads = [threading.Thread(target=write, args=pair) for pair in learners]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--servers", type=int, default=5)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    users = [
        {"name": f"learner-{n:02d}", "password": f"learner-{n:02d}-pw", "project": f"class-{n:02d}"}
        for n in range(1, args.learners + 1)
    ] + [{"name": "admin", "password": "admin", "project": "admin", "roles": ["admin"]}]
    print(f"# {args.learners} learners x {args.servers} servers, {args.writes} writes")
    print(
        f"# Python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "class.db"
        results, bursts = {}, {}
        for label, state_file in (("in memory", None), ("--state", path)):
            cloud = LocalCloud(seed=1, clock=ScaledClock(10), users=users, state_file=state_file)
            with cloud:
                learners = make_class(cloud, args.learners, args.servers)
                cloud.tick(60)  # every build done: metadata writes are refused while building
                results[label] = time_requests(cloud, learners, args.writes)
                bursts[label] = burst(cloud, learners)
                if state_file is None:
                    continue
                encode, commit = [], []
                for n in range(args.writes):
                    server = cloud.state.servers[learners[n % len(learners)][1]]
                    with cloud.state.lock:
                        server.metadata["bench"] = str(n)
                    started = time.perf_counter()
                    rows = encode_rows(_attributes(cloud.state))
                    encode.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    cloud.state_file.save(cloud.state)
                    commit.append(time.perf_counter() - started - encode[-1])
                sizes = {name: len(text) for name, text in rows.items()}
                print(
                    f"state: {len(rows)} rows, {sum(sizes.values()) / 1024:.0f} KiB of JSON; "
                    f"largest: "
                    + ", ".join(
                        f"{k} {v / 1024:.0f} KiB"
                        for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
                    )
                )
                print(
                    f"save (direct): encode the whole state {median_ms(encode)}, "
                    f"compare and commit the changed rows {median_ms(commit)} (median)"
                )
            print(
                f"file: {path.stat().st_size / 1024:.0f} KiB after a clean stop"
                if state_file
                else "",
                end="" if state_file is None else "\n",
            )
        for label, (put, get) in results.items():
            print(
                f"{label:>10}: PUT metadata item {median_ms(put)}, GET server {median_ms(get)} "
                f"(median over {len(put)})"
            )
        for label, seconds in bursts.items():
            print(
                f"{label:>10}: all {args.learners} learners write at once: {seconds * 1000:.0f} ms "
                "(median of 5)"
            )
        extra = statistics.median(results["--state"][0]) - statistics.median(
            results["in memory"][0]
        )
        print(f"cost per write: {extra * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
