"""Seed 10,000 servers in the local cloud, then list them all with details over HTTP.

    .venv/bin/python benchmarks/localcloud_listing.py [--count 10000] [--limit 1000]

Plain ``requests``: one token, then GET /servers/detail?limit=1000 following the absolute
``servers_links`` next links to the empty page. Goal on a 2-core machine: seeding under 2 s,
listing under 1.5 s.
"""

from __future__ import annotations

import argparse
import sys
import time

import requests
from _common import password_token

from novamagic.localcloud import LocalCloud, ManualClock


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args(argv)
    with LocalCloud(seed=42, clock=ManualClock()) as cloud:
        started, cpu_started = time.perf_counter(), time.process_time()
        cloud.populate_servers(args.count)
        seed_time, seed_cpu = time.perf_counter() - started, time.process_time() - cpu_started

        session = requests.Session()
        session.headers["X-Auth-Token"] = password_token(session, cloud.auth_url)[0]

        started, cpu_started = time.perf_counter(), time.process_time()
        url, servers, pages = f"{cloud.compute_url}/servers/detail?limit={args.limit}", [], 0
        while url:
            response = session.get(url, timeout=60)
            response.raise_for_status()
            body = response.json()
            servers.extend(body["servers"])
            pages += 1
            links = body.get("servers_links") or []
            url = links[0]["href"] if links else None
        list_time, list_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    unique = len({s["id"] for s in servers})
    # CPU seconds (server and client threads together) tell the cost when the machine is busy.
    print(f"seeded {args.count} servers in {seed_time:.3f} s, {seed_cpu:.3f} s CPU (goal < 2 s)")
    print(
        f"listed {len(servers)} servers ({unique} unique) with details in {pages} requests "
        f"in {list_time:.3f} s, {list_cpu:.3f} s CPU (goal < 1.5 s)"
    )
    ok = unique == len(servers) == args.count
    if not ok:
        print("error: the listing did not return every server exactly once", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
