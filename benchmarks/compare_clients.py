"""novamagic beside the clients people would use instead, against one standalone local cloud.

    .venv/bin/python benchmarks/compare_clients.py            # everything (about 10 minutes)
    .venv/bin/python benchmarks/compare_clients.py --quick    # 1,000 servers, fewer repetitions
    .venv/bin/python benchmarks/compare_clients.py --sections listing --fleets 10000

(``pip install -e .[bench]`` installs the peers and orjson.) Sections:

listing   All servers with details into a pandas DataFrame (id, name, status, flavor, vcpus,
          ram_mb, disk_gb, image, public_ipv4, private_ipv4, created as a UTC datetime), for each
          fleet size. The floor is plain requests + json following the next links; the peers are
          openstacksdk (``conn.compute.servers(details=True)``) and python-novaclient
          (``servers.list(limit=-1)``); image names come from one Glance listing each time.
          novamagic is ``servers_frame(cloud.servers())``: its documented 26-column frame, a
          superset of the others' 11 columns (checked equal, value for value, in every run).
          Each client runs in a fresh process: import, authenticate, one warm-up run (its peak
          RSS is the memory figure), then the timed repetitions. Everyone uses microversion 2.96.
boot      Boot N servers and wait until all are ACTIVE (the cloud builds a server in 2 s: BUILD is
          20 cloud seconds on a ScaledClock at speed 10): novamagic's ``create_servers(...,
          wait=True)`` against openstacksdk's create_server + wait_for_server one after another
          (capped at --sdk-boot-cap servers and scaled to N).
startup   Fresh processes: ``%load_ext novamagic`` (after IPython is imported and a shell made),
          ``import openstack``, ``import novaclient.client``; then ``%nova login`` and the first
          ``%nova servers`` (1,000 servers) in a fresh shell.

Memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of each client's own process (no
tracemalloc: it would slow the clients down unevenly): "peak" is the whole process after the
warm-up run, "delta" is that minus the peak before it (imports and authentication done).

The cloud runs as a separate process (``python -m novamagic.localcloud``) on 127.0.0.1, as a real
cloud is a separate machine: its JSON encoding does not compete for the client's GIL, and each
client's memory is its own. Its serving time is in every figure, the floor's included.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    USER,
    endpoint,
    load_average,
    machine_facts,
    median,
    password_token,
    standalone_cloud,
    timed,
)
from neutral_server import replaying  # noqa: E402

MICROVERSION = "2.96"
ROUNDS = 4  # fresh processes per fast client, taking turns
BOOT_SPEED = 10.0  # cloud seconds per real second while booting: BUILD's 20 s take 2 s
BUILD_SECONDS = 20.0 / BOOT_SPEED
REPORT_COLUMNS = [
    "id",
    "name",
    "status",
    "flavor",
    "vcpus",
    "ram_mb",
    "disk_gb",
    "image",
    "public_ipv4",
    "private_ipv4",
    "created",
]
LISTING_CLIENTS = [
    "floor",
    "floor+orjson",
    "novamagic",
    "novamagic+orjson",
    "novaclient",
    "novaclient+to_dict",
    "openstacksdk",
]
#: The seeded fleet mixes flavors and images (flavor id, image name) in equal parts.
FLEET_MIX = [
    ("1", "cirros-0.6.2-x86_64-disk"),
    ("2", "ubuntu-22.04-server-cloudimg-amd64"),
    ("3", "ubuntu-11.04-server"),
    ("2", "cirros-0.6.2-x86_64-disk"),
]


# ============================================================================ the same frame, plainly


def _first_ipv4(addresses) -> tuple:
    """(first public IPv4, first private IPv4): public is floating or on a network named public."""
    public = private = None
    for network, entries in (addresses or {}).items():
        network_public = any(
            w in network.lower() for w in ("public", "external", "ext-net", "floating")
        )
        for entry in entries:
            if entry.get("version") != 4:
                continue
            if network_public or entry.get("OS-EXT-IPS:type") == "floating":
                public = public or entry.get("addr")
            else:
                private = private or entry.get("addr")
    return public, private


def _report_frame(columns: dict):
    """The report frame from plain column lists, with the dtypes novamagic documents."""
    import pandas as pd

    text = ("id", "name", "status", "flavor", "image", "public_ipv4", "private_ipv4")
    data = {}
    for name in REPORT_COLUMNS:
        values = columns[name]
        if name in text:
            data[name] = pd.array(values, dtype="string")
        elif name == "created":
            data[name] = pd.to_datetime(values, utc=True, format="ISO8601").astype(
                "datetime64[us, UTC]"
            )
        else:
            data[name] = pd.array(values, dtype="Int64")
    return pd.DataFrame(data)


def _frame_from_json(servers: list, image_names: dict):
    """The floor's frame: one loop over the JSON dicts into column lists."""
    columns = {name: [] for name in REPORT_COLUMNS}
    ids, names, statuses = columns["id"], columns["name"], columns["status"]
    flavors, vcpus, ram, disk = (
        columns["flavor"],
        columns["vcpus"],
        columns["ram_mb"],
        columns["disk_gb"],
    )
    images, public, private = columns["image"], columns["public_ipv4"], columns["private_ipv4"]
    created = columns["created"]
    for server in servers:
        ids.append(server["id"])
        names.append(server["name"])
        statuses.append(server["status"])
        flavor = server["flavor"]
        flavors.append(flavor["original_name"])
        vcpus.append(flavor["vcpus"])
        ram.append(flavor["ram"])
        disk.append(flavor["disk"])
        image = server["image"]
        images.append(image_names.get(image["id"]) if image else None)
        first_public, first_private = _first_ipv4(server["addresses"])
        public.append(first_public)
        private.append(first_private)
        created.append(server["created"])
    return _report_frame(columns)


def _frame_from_objects(servers: list, image_names: dict, *, flavor_of, image_id_of, created_of):
    """The peers' frame: the same loop over their resource objects (attribute access)."""
    columns = {name: [] for name in REPORT_COLUMNS}
    for server in servers:
        flavor = flavor_of(server)
        image_id = image_id_of(server)
        first_public, first_private = _first_ipv4(server.addresses)
        for name, value in (
            ("id", server.id),
            ("name", server.name),
            ("status", server.status),
            ("flavor", flavor["original_name"]),
            ("vcpus", flavor["vcpus"]),
            ("ram_mb", flavor["ram"]),
            ("disk_gb", flavor["disk"]),
            ("image", image_names.get(image_id) if image_id else None),
            ("public_ipv4", first_public),
            ("private_ipv4", first_private),
            ("created", created_of(server)),
        ):
            columns[name].append(value)
    return _report_frame(columns)


# ================================================================================ the clients


def _credentials(auth_url: str) -> dict:
    return {
        "auth_url": auth_url,
        "username": USER["name"],
        "password": USER["password"],
        "project_name": USER["project"],
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }


def setup_floor(auth_url: str, *, fast_json: bool = False):
    """Plain requests + json (or orjson): one token, the catalog, next links followed."""
    import requests

    if fast_json:
        import orjson

        loads = orjson.loads
    else:
        loads = json.loads
    session = requests.Session()
    token, document = password_token(session, auth_url)
    compute, image = endpoint(document, "compute"), endpoint(document, "image")
    session.headers.update(
        {
            "X-Auth-Token": token,
            "Accept": "application/json",
            "OpenStack-API-Version": f"compute {MICROVERSION}",
        }
    )

    def get_all(url: str, key: str, next_of) -> list:
        items = []
        while url:
            response = session.get(url, timeout=120)
            response.raise_for_status()
            data = loads(response.content)
            items.extend(data[key])
            url = next_of(data)
        return items

    def listing():
        images = get_all(
            image + "/v2/images?limit=1000",
            "images",
            lambda d: image + d["next"] if d.get("next") else None,
        )
        servers = get_all(
            compute + "/servers/detail?limit=1000",
            "servers",
            lambda d: next(
                (link["href"] for link in d.get("servers_links", ()) if link["rel"] == "next"), None
            ),
        )
        return servers, {i["id"]: i["name"] for i in images}

    parts: dict = {"listing": [], "frame": []}

    def run():
        listing_time, (servers, image_names) = timed(listing)
        frame_time, frame = timed(_frame_from_json, servers, image_names)
        parts["listing"].append(listing_time)
        parts["frame"].append(frame_time)
        return frame

    run.parts = parts
    return run, MICROVERSION


def setup_novamagic(auth_url: str, *, fast_json: bool = True):
    if not fast_json:
        sys.modules["orjson"] = None  # an absent orjson: the client falls back to json
    from novamagic.client import connect
    from novamagic.frames import servers_frame

    cloud = connect(**_credentials(auth_url))

    def run():  # as %nova servers does: each page into the frame's rows as it arrives
        return servers_frame(cloud.iter_servers())

    return run, cloud.microversion


def setup_openstacksdk(auth_url: str):
    import openstack

    conn = openstack.connect(**_credentials(auth_url), load_yaml_config=False, load_envvars=False)
    conn.compute.get_endpoint()  # authenticate now, not inside the first run

    def run():
        images = {i.id: i.name for i in conn.image.images()}
        servers = list(conn.compute.servers(details=True))
        return _frame_from_objects(
            servers,
            images,
            flavor_of=lambda s: s.flavor,
            image_id_of=lambda s: s.image.id if s.image else None,
            created_of=lambda s: s.created_at,
        )

    from openstack import utils
    from openstack.compute.v2.server import Server

    # what openstacksdk sends for servers: the highest both it and the cloud support
    return run, utils.maximum_supported_microversion(conn.compute, Server._max_microversion)


def setup_novaclient(auth_url: str):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from novaclient import client as nova_client

    credentials = _credentials(auth_url)
    auth = v3.Password(**credentials)
    nova = nova_client.Client(MICROVERSION, session=ks_session.Session(auth=auth))

    def run():
        images = {i.id: i.name for i in nova.glance.list()}
        servers = nova.servers.list(limit=-1)
        return _frame_from_objects(
            servers,
            images,
            flavor_of=lambda s: s.flavor,
            image_id_of=lambda s: s.image["id"] if s.image else None,
            created_of=lambda s: s.created,
        )

    return run, nova.api_version.get_string()


def setup_novaclient_to_dict(auth_url: str):
    """novaclient as its examples use it: each server's ``to_dict()`` (a deep copy of its JSON),
    then the floor's loop over those dicts."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    from novaclient import client as nova_client

    auth = v3.Password(**_credentials(auth_url))
    nova = nova_client.Client(MICROVERSION, session=ks_session.Session(auth=auth))

    def run():
        images = {i.id: i.name for i in nova.glance.list()}
        return _frame_from_json([s.to_dict() for s in nova.servers.list(limit=-1)], images)

    return run, nova.api_version.get_string()


SETUPS = {
    "floor": lambda url: setup_floor(url, fast_json=False),
    "floor+orjson": lambda url: setup_floor(url, fast_json=True),
    "novamagic": lambda url: setup_novamagic(url, fast_json=False),
    "novamagic+orjson": lambda url: setup_novamagic(url, fast_json=True),
    "openstacksdk": setup_openstacksdk,
    "novaclient": setup_novaclient,
    "novaclient+to_dict": setup_novaclient_to_dict,
}


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _digest(frame) -> str:
    """A fingerprint of the report columns' values (dtypes included), to prove every frame equal."""
    report = frame[REPORT_COLUMNS]
    text = report.to_csv(index=False) + "|".join(str(t) for t in report.dtypes)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def worker_listing(client: str, auth_url: str, reps: int) -> dict:
    import pandas  # noqa: F401  (every client builds a frame: pandas is not part of the growth)

    run, microversion = SETUPS[client](auth_url)
    gc.collect()
    base = _maxrss_mib()
    warm_time, frame = timed(run)
    peak = _maxrss_mib()
    rows, digest = len(frame), _digest(frame)
    del frame
    gc.collect()
    times, cpu = [], []
    for _ in range(reps):
        cpu_started = time.process_time()
        elapsed, _frame = timed(run)
        cpu.append(time.process_time() - cpu_started)
        del _frame
        times.append(elapsed)
    parts = getattr(run, "parts", None)
    return {
        "client": client,
        "times": times,
        "cpu": cpu,
        "warm_up": warm_time,
        "rss_base_mib": base,
        "rss_peak_mib": peak,
        "rows": rows,
        "digest": digest,
        "microversion": microversion,
        "parts": {k: v[1:] for k, v in parts.items()} if parts else None,  # after the warm-up
    }


def worker_boot(client: str, auth_url: str, count: int) -> dict:
    image, flavor = "cirros-0.6.2-x86_64-disk", "1"
    if client == "novamagic":
        from novamagic.client import connect

        cloud = connect(**_credentials(auth_url))
        image_id = cloud.image(image)["id"]  # resolved before the clock starts, as for the peer
        elapsed, result = timed(
            cloud.create_servers, "bench", image_id, flavor, count=count, wait=True, timeout=300
        )
        done = [s for s in result.succeeded if s and s.get("status") == "ACTIVE"]
        return {"client": client, "seconds": elapsed, "asked": count, "active": len(done)}
    import openstack

    conn = openstack.connect(**_credentials(auth_url), load_yaml_config=False, load_envvars=False)
    image_id = conn.image.find_image(image).id
    active = 0
    started = time.perf_counter()
    if client == "openstacksdk (all, then wait)":
        created = [
            conn.compute.create_server(
                name=f"sdk-{n}", image_id=image_id, flavor_id=flavor, networks="auto"
            )
            for n in range(1, count + 1)
        ]
        for server in created:
            server = conn.compute.wait_for_server(server, interval=1, wait=300)
            active += server.status == "ACTIVE"
        return {
            "client": client,
            "seconds": time.perf_counter() - started,
            "asked": count,
            "active": active,
        }
    for n in range(1, count + 1):
        server = conn.compute.create_server(
            name=f"sdk-{n}", image_id=image_id, flavor_id=flavor, networks="auto"
        )
        server = conn.compute.wait_for_server(server, interval=1, wait=300)
        active += server.status == "ACTIVE"
    return {
        "client": client,
        "seconds": time.perf_counter() - started,
        "asked": count,
        "active": active,
    }


def _worker(argv) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["listing", "boot"])
    parser.add_argument("client")
    parser.add_argument("--auth-url", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)
    if args.task == "listing":
        result = worker_listing(args.client, args.auth_url, args.reps)
    else:
        result = worker_boot(args.client, args.auth_url, args.count)
    print("RESULT " + json.dumps(result))


def run_worker(*args: str, env: dict | None = None) -> dict:
    """Run this script as a worker in a fresh interpreter and return its RESULT."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"worker {args[:2]} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")


# ================================================================================ the sections


def _seed(cloud, total: int) -> None:
    """Grow the project's fleet to ``total`` servers, mixing flavors and images."""
    have = cloud.server_count()
    missing = total - have
    share = -(-missing // len(FLEET_MIX))
    image_ids = cloud.image_ids()
    for flavor, image in FLEET_MIX:
        count = min(share, total - cloud.server_count())
        if count > 0:
            cloud.populate(count, flavor=flavor, image=image_ids[image])


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def section_listing(
    cloud, fleets: list[int], reps: int, slow_reps: int, clients: list[str]
) -> list:
    rows = []
    for fleet in fleets:
        _seed(cloud, fleet)
        with replaying(cloud.url) as url:  # a fresh recording for each fleet
            results = _listing_turns(
                url + cloud.auth_url[len(cloud.url) :], fleet, reps, slow_reps, clients
            )
        rows += _listing_rows(results, fleet)
    return rows


def _listing_turns(auth_url: str, fleet: int, reps: int, slow_reps: int, clients) -> dict:
    results: dict[str, dict] = {}
    # The fast clients take turns, ROUNDS fresh processes each, so that a burst of load on
    # a shared machine falls on all of them; memory comes from each client's first process.
    for round_ in range(ROUNDS):
        for client in clients:
            if client == "openstacksdk" and round_:
                continue
            n = slow_reps if client == "openstacksdk" else -(-reps // ROUNDS)
            print(f"  {fleet:,} servers: {client} ({n} runs) ...", flush=True)
            result = run_worker("listing", client, "--auth-url", auth_url, "--reps", str(n))
            if client in results:
                for key in ("times", "cpu"):
                    results[client][key] += result[key]
                if result["parts"]:
                    for key, value in result["parts"].items():
                        results[client]["parts"][key].extend(value)
            else:
                results[client] = result
    return results


def _listing_rows(results: dict, fleet: int) -> list:
    rows = []
    floor = median(results["floor"]["times"])
    digests = {r["digest"] for r in results.values()}
    for client, result in results.items():
        if result["rows"] != fleet:
            raise RuntimeError(f"{client} listed {result['rows']} servers of {fleet}")
        t = median(result["times"])
        rows.append(
            {
                "fleet": fleet,
                "client": client,
                "median": t,
                "best": min(result["times"]),
                "runs": len(result["times"]),
                "cpu": median(result["cpu"]),
                "ratio": t / floor,
                "peak_mib": result["rss_peak_mib"],
                "delta_mib": result["rss_peak_mib"] - result["rss_base_mib"],
                "microversion": result["microversion"],
                "parts": {k: median(v) for k, v in result["parts"].items()}
                if result["parts"]
                else None,
            }
        )
    if len(digests) != 1:
        raise RuntimeError(f"the clients' frames differ for {fleet} servers: {results}")
    return rows


def section_boot(cloud, count: int, sdk_cap: int, reps: int) -> list:
    cloud.set_speed(BOOT_SPEED)
    rows = []
    for client, n, runs in (
        ("novamagic", count, reps),
        ("openstacksdk (all, then wait)", count, 1),
        ("openstacksdk", min(count, sdk_cap), 1),
    ):
        measured = []
        for _ in range(runs):
            cloud.reset()
            cloud.set_quotas(USER, instances=count * 2, cores=count * 4, ram=count * 4096)
            print(f"  boot {n} servers: {client} ...", flush=True)
            result = run_worker("boot", client, "--auth-url", cloud.auth_url, "--count", str(n))
            if result["active"] != n:
                raise RuntimeError(f"{client}: {result['active']} of {n} servers became ACTIVE")
            measured.append(result["seconds"])
        seconds = median(measured) * count / n
        rows.append(
            {
                "client": client,
                "booted": n,
                "runs": runs,
                "seconds": seconds,
                "best": min(measured) * count / n,
                "measured": median(measured),
                "scaled": n != count,
                "ratio": seconds / BUILD_SECONDS,
            }
        )
    cloud.reset()
    cloud.set_speed(1.0)
    return rows


_IMPORT_PROBE = """
import json, time
started = time.perf_counter()
import {module}
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""

_FIRST_LISTING_PROBE = """
import json, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
started = time.perf_counter()
shell.run_line_magic("load_ext", "novamagic")
loaded = time.perf_counter()
shell.run_line_magic("nova", "login")
logged_in = time.perf_counter()
frame = shell.run_line_magic("nova", "servers")
done = time.perf_counter()
assert len(frame) == {fleet}, len(frame)
print(json.dumps({{"load_ext": (loaded - started) * 1000, "login": (logged_in - loaded) * 1000,
                   "servers": (done - logged_in) * 1000}}))
"""


def _probe(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"start-up probe failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def section_startup(cloud, reps: int, fleet: int) -> list:
    import startup  # the %load_ext probe of benchmarks/startup.py

    _seed(cloud, fleet)
    base = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as cache:
        env = {**base, "PYTHONPYCACHEPREFIX": cache}  # bytecode cached, outside the tree
        login_env = {
            **env,
            "OS_AUTH_URL": cloud.auth_url,
            "OS_USERNAME": USER["name"],
            "OS_PASSWORD": USER["password"],
            "OS_PROJECT_NAME": USER["project"],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_CLIENT_CONFIG_FILE": os.devnull,
        }
        probes = {
            "%load_ext novamagic": lambda: startup.load_ext_sample(env)["load_ext"],
            "import openstack": lambda: _probe(_IMPORT_PROBE.format(module="openstack"), env)["ms"],
            "import novaclient.client": lambda: _probe(
                _IMPORT_PROBE.format(module="novaclient.client"), env
            )["ms"],
        }
        for probe in probes.values():
            probe()  # compile everything once into the temporary bytecode cache
        rows = []
        for what, probe in probes.items():
            print(f"  start-up: {what} ({reps} fresh processes) ...", flush=True)
            samples = [probe() for _ in range(reps)]
            rows.append({"what": what, "ms": median(samples), "best": min(samples)})
        first = _FIRST_LISTING_PROBE.format(fleet=fleet)
        _probe(first, login_env)
        print(f"  start-up: first %nova servers ({reps} fresh processes) ...", flush=True)
        samples = [_probe(first, login_env) for _ in range(reps)]
        for key, label in (
            ("login", "%nova login (OS_* variables)"),
            ("servers", f"first %nova servers ({fleet:,} servers)"),
        ):
            values = [s[key] for s in samples]
            rows.append({"what": label, "ms": median(values), "best": min(values)})
    return rows


# ================================================================================ the report


def print_report(facts: dict, listing: list, boot: list, startup: list, loads: list) -> None:
    print()
    print(
        f"machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']}; Python {facts['python']}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()))
    print(f"load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[-1]}")
    if listing:
        print()
        print(
            "1+4. All servers with details into a DataFrame (median; ratio to the plain floor; "
            "peak RSS of a fresh process, and its growth during one run)"
        )
        print(
            "| fleet | client | median | best | runs | x floor | client CPU | peak RSS | RSS growth |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in listing:
            print(
                f"| {r['fleet']:,} | {r['client']} | {_fmt_seconds(r['median'])} | "
                f"{_fmt_seconds(r['best'])} | {r['runs']} | {r['ratio']:.2f} | "
                f"{_fmt_seconds(r['cpu'])} | {r['peak_mib']:.0f} MiB | {r['delta_mib']:.0f} MiB |"
            )
        sent = sorted({f"{r['client']} {r['microversion']}" for r in listing})
        print("   compute microversion sent: " + ", ".join(sent))
        for r in listing:
            if r["parts"]:
                print(
                    f"   {r['client']}, {r['fleet']:,} servers: listing "
                    f"{_fmt_seconds(r['parts']['listing'])} + frame {_fmt_seconds(r['parts']['frame'])}"
                )
        print("   (the goals, novamagic against the floor alone, are in goals.py)")
    if boot:
        print()
        print(
            f"2. Boot servers and wait until all are ACTIVE (one build takes {BUILD_SECONDS:g} s)"
        )
        print("| client | servers | median wall time | best | runs | x build time |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in boot:
            how = f" (scaled from {r['booted']} in {r['measured']:.1f} s)" if r["scaled"] else ""
            print(
                f"| {r['client']} | {boot[0]['booted']} | {_fmt_seconds(r['seconds'])}{how} | "
                f"{_fmt_seconds(r['best'])} | {r['runs']} | {r['ratio']:.1f} |"
            )
        mine = boot[0]
        verdict = "met" if mine["seconds"] < 2 * BUILD_SECONDS else "NOT met"
        print(
            f"   goal novamagic under 2x one build ({2 * BUILD_SECONDS:g} s): {mine['seconds']:.2f} s, {verdict}"
        )
    if startup:
        print()
        print("3. Start-up, each in a fresh process (median; bytecode cached)")
        print("| what | median | best |")
        print("|---|---:|---:|")
        for r in startup:
            print(f"| {r['what']} | {r['ms']:,.0f} ms | {r['best']:,.0f} ms |")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="listing,boot,startup")
    parser.add_argument("--fleets", default="1000,10000")
    parser.add_argument("--reps", type=int, default=8, help="timed runs per fast client")
    parser.add_argument(
        "--slow-reps",
        type=int,
        default=3,
        help="timed runs for openstacksdk (tens of seconds each at 10,000 servers)",
    )
    parser.add_argument("--clients", default=",".join(LISTING_CLIENTS))
    parser.add_argument("--boot", type=int, default=100, help="servers to boot")
    parser.add_argument(
        "--sdk-boot-cap",
        type=int,
        default=20,
        help="openstacksdk boots at most this many, one after another (scaled to --boot)",
    )
    parser.add_argument("--boot-reps", type=int, default=3, help="novamagic boots (median)")
    parser.add_argument("--startup-reps", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="1,000 servers, 3 runs, 20 boots")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.fleets, args.reps, args.slow_reps, args.boot, args.sdk_boot_cap = "1000", 3, 1, 20, 3
        args.startup_reps, args.boot_reps = 3, 1
    sections = set(args.sections.split(","))
    clients = args.clients.split(",")
    for needed in ("floor", "novamagic"):
        if needed not in clients:
            clients.insert(0, needed)
    try:
        import orjson  # noqa: F401
    except ImportError:
        clients = [c for c in clients if not c.endswith("+orjson")]
        print("orjson is not installed: skipping the +orjson rows (pip install -e .[bench])")

    facts = machine_facts()
    loads = [load_average()]
    listing, boot, startup = [], [], []
    # Real time (speed 1) except while booting: tokens last an hour of cloud time, and the slow
    # clients' listings take minutes.
    try:
        with standalone_cloud(speed=1.0) as cloud:
            print(f"standalone local cloud at {cloud.url} (pid {cloud.process.pid})")
            if "listing" in sections:
                fleets = sorted(int(f) for f in args.fleets.split(","))
                listing = section_listing(cloud, fleets, args.reps, args.slow_reps, clients)
                cloud.reset()
            if "startup" in sections:
                cloud.reset()
                startup = section_startup(cloud, args.startup_reps, 1000)
            if "boot" in sections:
                boot = section_boot(cloud, args.boot, args.sdk_boot_cap, args.boot_reps)
    finally:  # whatever was measured is printed, even when a later section fails
        loads.append(load_average())
        print_report(facts, listing, boot, startup, loads)
        if args.json:
            figures = {"machine": facts, "loads": loads, "listing": listing, "boot": boot}
            figures["startup"] = startup
            Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
