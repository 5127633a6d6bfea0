"""All 10,000 servers with details: novamagic's client beside a plain requests + json loop.

Both do the same GETs (``/servers/detail?limit=1000``, following the marker) against the same
local cloud in the same run, with the same microversion header; the client also normalises every
server (flavor and image dicts) and records its history. Prints the median and best time of
each and the ratio; the goal is client / plain <= 1.2.

    .venv/bin/python benchmarks/client_listing.py [--servers 10000] [--rounds 5] [--microversion 2.96]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from urllib.parse import parse_qsl, urlsplit

import requests
from _common import password_token

from novamagic.client import connect
from novamagic.localcloud import LocalCloud


def plain_listing(
    session: requests.Session, compute_url: str, token: str, microversion: str
) -> int:
    headers = {
        "X-Auth-Token": token,
        "Accept": "application/json",
        "OpenStack-API-Version": f"compute {microversion}",
    }
    params = {"limit": 1000}
    servers = []
    while True:
        response = session.get(compute_url + "/servers/detail", params=params, headers=headers)
        response.raise_for_status()
        data = json.loads(response.content)
        page = data["servers"]
        servers.extend(page)
        links = [link["href"] for link in data.get("servers_links", ()) if link["rel"] == "next"]
        if not links or not page:
            return len(servers)
        params = dict(parse_qsl(urlsplit(links[0]).query))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--microversion", default="2.96")
    args = parser.parse_args()

    with LocalCloud(seed=42) as lc:
        started = time.perf_counter()
        lc.populate_servers(args.servers)
        print(f"seeded {args.servers} servers in {time.perf_counter() - started:.2f} s")

        cloud = connect(local=lc, compute_api_version=args.microversion)
        session = requests.Session()
        token = password_token(session, lc.auth_url)[0]

        # warm both paths once (connections, the client's flavor and image caches)
        assert plain_listing(session, cloud.compute_url, token, args.microversion) == args.servers
        assert len(cloud.servers()) == args.servers

        plain_times, client_times = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            count = plain_listing(session, cloud.compute_url, token, args.microversion)
            plain_times.append(time.perf_counter() - t0)
            assert count == args.servers
            t0 = time.perf_counter()
            servers = cloud.servers()
            client_times.append(time.perf_counter() - t0)
            assert len(servers) == args.servers and servers[0]["flavor"]["name"]
        cloud.close()

    plain, client = statistics.median(plain_times), statistics.median(client_times)
    print(f"plain requests + json : median {plain:.3f} s, best {min(plain_times):.3f} s")
    print(f"novamagic client      : median {client:.3f} s, best {min(client_times):.3f} s")
    print(f"ratio client / plain  : {client / plain:.2f} (goal <= 1.20)")


if __name__ == "__main__":
    main()
