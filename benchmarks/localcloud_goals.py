"""The local cloud's two performance goals (issue 18), measured against their peers.

    .venv/bin/python benchmarks/localcloud_goals.py [--reps 5] [--fleet 10000] [--boots 1000]

1. **Listing.** ``GET /servers/detail`` of a 10,000-server fleet (mixed flavors and images, as
   compare_clients.py seeds it), pages of 1,000 following the ``servers_links`` next links,
   microversion 2.96, as the book's user joe of project openstack. The peer is the same bytes
   pre-rendered: benchmarks/neutral_server.py in front of the same cloud records its answers
   once and replays them. Goal: the local cloud within 2x the pre-rendered answer.
2. **Boot and wait.** novamagic's ``cloud.create_servers("bench", image, "1", count=1000,
   wait=True)`` against a cloud that builds a server in 2 s (BUILD is 20 cloud seconds, the
   clock runs at 10 cloud seconds a second), the project's quotas raised through os-quota-sets.
   The peer is one build time. Goal: within 3x one build (6 s).

The cloud and the neutral server are processes of their own (``python -m novamagic.localcloud
--port 0`` and ``python benchmarks/neutral_server.py --upstream URL``); this process is the
client, with the same loop (plain requests + json) for both servers, taking turns. Each listing
figure is the median of ``--reps`` runs after a warm-up run (the one that makes the neutral
server record, and the local cloud render the views it keeps: its time is printed under the
table). Each boot run starts from a reset cloud and a fresh client. The table shows ``uptime``
(its load average) before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    USER,
    endpoint,
    load_average,
    median,
    password_token,
    standalone_cloud,
)
from compare_clients import FLEET_MIX, _credentials, _seed  # noqa: E402

MICROVERSION = "2.96"
PAGE = 1000
BOOT_SPEED = 10.0  # cloud seconds per real second: BUILD's 20 s take 2 s
BUILD_SECONDS = 20.0 / BOOT_SPEED
LISTING_GOAL = 2.0
BOOT_GOAL = 3.0
#: The next link at the end of a page, read without decoding the page.
NEXT_LINK = re.compile(rb'"servers_links":\s*\[\s*\{"rel":\s*"next",\s*"href":\s*"([^"]+)"')


class NeutralServer:
    """benchmarks/neutral_server.py in front of ``upstream``, as a subprocess."""

    def __init__(self, upstream: str):
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "neutral_server.py"), "--upstream", upstream],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("neutral server on "):
            self.close()
            raise RuntimeError(f"the neutral server did not start: {line!r}")
        self.url = line.split()[-1]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()  # it stops when stdin closes
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def listing_client(auth_url: str):
    """(run, session): run() lists every server with details, following the next links, and
    returns (seconds, servers listed, bytes read). The same loop for every server.
    ``run(decode=False)`` reads the bytes only (the next link from the end of each page, the
    pages counted instead of the servers): the serving alone, without the client's decoding."""
    session = requests.Session()
    token, document = password_token(session, auth_url, USER)
    compute = endpoint(document, "compute")
    session.headers.update(
        {
            "X-Auth-Token": token,
            "Accept": "application/json",
            "OpenStack-API-Version": f"compute {MICROVERSION}",
        }
    )
    first = f"{compute}/servers/detail?limit={PAGE}"

    def run(decode: bool = True):
        started = time.perf_counter()
        url, servers, size = first, 0, 0
        while url:
            response = session.get(url, timeout=120)
            response.raise_for_status()
            size += len(response.content)
            if not decode:
                servers += 1
                found = NEXT_LINK.search(response.content, max(0, len(response.content) - 4096))
                url = found.group(1).decode().replace("\\/", "/") if found else None
                continue
            body = json.loads(response.content)
            servers += len(body["servers"])
            url = next(
                (link["href"] for link in body.get("servers_links", ()) if link["rel"] == "next"),
                None,
            )
        return time.perf_counter() - started, servers, size

    return run, session


def measure_listing(reps: int, fleet: int) -> list[dict]:
    with standalone_cloud(speed=1.0) as cloud:
        _seed(cloud, fleet)
        with NeutralServer(cloud.url) as neutral:
            own, _ = listing_client(cloud.auth_url)
            replay, _ = listing_client(cloud.auth_url.replace(cloud.url, neutral.url))
            cold, own_count, own_bytes = own()  # warm-up: every view rendered
            _, replay_count, _ = replay()  # warm-up: the neutral server records
            if not own_count == replay_count == fleet:
                raise RuntimeError(f"listed {own_count} and {replay_count} of {fleet} servers")
            cloud_times, peer_times = [], []
            raw_times, raw_peer_times = [], []
            pages = fleet // PAGE + 1  # the last one empty or partial
            for rep in range(reps):
                pair = (own, replay) if rep % 2 == 0 else (replay, own)
                for run in pair:
                    seconds, count, _ = run()
                    if count != fleet:
                        raise RuntimeError(f"listed {count} of {fleet} servers")
                    (cloud_times if run is own else peer_times).append(seconds)
                    seconds, count, _ = run(decode=False)
                    if count != pages:
                        raise RuntimeError(f"read {count} of {pages} pages")
                    (raw_times if run is own else raw_peer_times).append(seconds)
    rows = [_listing_row(fleet, reps, cloud_times, peer_times, "")]
    rows.append(_listing_row(fleet, reps, raw_times, raw_peer_times, ", bytes only"))
    rows[0].update(bytes=own_bytes, cold_ms=cold * 1000)
    return rows


def _listing_row(fleet: int, reps: int, cloud_times: list, peer_times: list, how: str) -> dict:
    ms, peer = median(cloud_times) * 1000, median(peer_times) * 1000
    return {
        "what": f"GET /servers/detail, {fleet:,} servers in pages of {PAGE:,} (2.96){how}",
        "median_ms": ms,
        "best_ms": min(cloud_times) * 1000,
        "peer": "pre-rendered bytes (neutral_server.py)",
        "peer_ms": peer,
        "ratio": ms / peer,
        "goal": f"<= {LISTING_GOAL:g}x",
        "met": ms / peer <= LISTING_GOAL,
        "runs": reps,
    }


def measure_boot(reps: int, boots: int) -> dict:
    from novamagic.client import connect

    times = []
    with standalone_cloud(speed=BOOT_SPEED) as cloud:
        image_name = FLEET_MIX[0][1]
        for _ in range(reps):
            cloud.reset()
            cloud.set_quotas(USER, instances=boots * 2, cores=boots * 4, ram=boots * 4096)
            client = connect(**_credentials(cloud.auth_url))
            image_id = client.image(image_name)["id"]  # resolved before the clock starts
            started = time.perf_counter()
            result = client.create_servers("bench", image_id, "1", count=boots, wait=True)
            seconds = time.perf_counter() - started
            active = [s for s in result.succeeded if s and s.get("status") == "ACTIVE"]
            if len(active) != boots:
                first = result.failed[0]["error"] if result.failed else None
                raise RuntimeError(f"{len(active)} of {boots} servers became ACTIVE ({first})")
            times.append(seconds)
        cloud.reset()
    ms, peer = median(times) * 1000, BUILD_SECONDS * 1000
    return {
        "what": f"create_servers(count={boots:,}, wait=True), one build 2 s",
        "median_ms": ms,
        "best_ms": min(times) * 1000,
        "peer": "one build time",
        "peer_ms": peer,
        "ratio": ms / peer,
        "goal": f"<= {BOOT_GOAL:g}x",
        "met": ms / peer <= BOOT_GOAL,
        "runs": reps,
    }


def section_cloud(
    reps: int = 5, fleet: int = 10_000, boots: int = 1000, sections=("listing", "boot")
) -> list[dict]:
    """The goals' rows: what, median_ms, peer_ms, ratio, goal, met (and best_ms, runs, peer)."""
    rows = []
    if "listing" in sections:
        rows.extend(measure_listing(reps, fleet))
    if "boot" in sections:
        rows.append(measure_boot(reps, boots))
    return rows


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def uptime() -> str:
    """``uptime``'s line (its load average), or the load average alone where it is missing."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"load average: {load_average()}"


def print_table(rows: list[dict], loads: tuple[str, str]) -> None:
    print(f"before: {loads[0]}")
    print(f"after:  {loads[1]}")
    print()
    print("| what | median | best | runs | peer | peer time | ratio | goal | met |")
    print("|---|---:|---:|---:|---|---:|---:|---|---|")
    for row in rows:
        print(
            f"| {row['what']} | {_ms(row['median_ms'])} | {_ms(row['best_ms'])} | {row['runs']} "
            f"| {row['peer']} | {_ms(row['peer_ms'])} | {row['ratio']:.2f}x | {row['goal']} "
            f"| {'met' if row['met'] else 'NOT met'} |"
        )
    for row in rows:
        if "cold_ms" in row:
            print(
                f"\n- {row['bytes']:,} bytes a listing; the first listing after seeding (every "
                f"view rendered, then kept) took {_ms(row['cold_ms'])}"
            )
    if any("bytes only" in row["what"] for row in rows):
        print(
            "- bytes only: the same listing, each page read but not decoded (the next link found "
            "at its end), so the client's JSON decoding does not dilute the ratio"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--fleet", type=int, default=10_000)
    parser.add_argument("--boots", type=int, default=1000)
    parser.add_argument("--sections", default="listing,boot", help="listing, boot or both")
    parser.add_argument("--json", metavar="FILE", help="also write the rows to FILE")
    args = parser.parse_args(argv)
    before = uptime()
    rows = section_cloud(
        args.reps, args.fleet, args.boots, tuple(s.strip() for s in args.sections.split(","))
    )
    loads = (before, uptime())
    print_table(rows, loads)
    if args.json:
        Path(args.json).write_text(json.dumps({"load": loads, "rows": rows}, indent=2) + "\n")
    return 0 if all(row["met"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
