"""Issue 18's goals, each as a ratio measured in this one run against a neutral floor.

    .venv/bin/python benchmarks/goals.py                       # every section (~10 minutes)
    .venv/bin/python benchmarks/goals.py --sections listing,cold --reps 5

Every client talks to ``neutral_server.py``: the answers the local cloud gave once, replayed as
pre-encoded bytes by a server doing no work of its own, so the figures are the clients' own
work. The floor is ``floor_loop.py``: requests + json, GC paused while decoding, the same
27-column frame as ``servers_frame``; every run's frame is checked equal to the floor's, value
for value and dtype for dtype. The clients' runs are paired: each turn starts every client
as a fresh process, then they take rounds of one run each, seconds apart, the others idle; a
goal's ratio is the median of the round-by-round ratios (this virtualised machine's speed
wanders by a third from one second to the next, and a pair shares it). All send compute microversion 2.96.

Sections:
listing  10,000 servers into the frame, a kept session: novamagic / floor (json), and both with
         orjson. Goal <= 1.10x.
cold     A fresh login then the frame, as in a new notebook: 1,000 and 100 servers. Goals
         <= 1.15x and <= 1.30x.
memory   Peak RSS growth of a fresh process's first 10,000-server frame (after imports and
         login). Goal <= 1.5x the floor's.
scale    Admin, all projects: 10,000 servers in 10 projects, then 100,000 in 100; time and
         memory of each, and their growth (linear is 10x; met within 20% of it, or when no
         worse than the floor's own growth on the same machine).
startup  ``startup.py``: %load_ext and the first %nova servers.
cloud    ``localcloud_goals.py``: the local cloud's listing and 1,000 boots.
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
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import load_average, machine_facts, median, standalone_cloud  # noqa: E402
from neutral_server import replaying  # noqa: E402

ADMIN = {"name": "admin", "password": "admin", "project": "admin"}
JOE = {"name": "joe", "password": "shhh", "project": "openstack"}
SMALL = {n: {"name": f"user{n}", "password": "bench", "project": f"fleet-{n}"} for n in (100, 1000)}
#: The seeded fleet mixes flavors and images (flavor id, image name) in equal parts.
FLEET_MIX = [
    ("1", "cirros-0.6.2-x86_64-disk"),
    ("2", "ubuntu-22.04-server-cloudimg-amd64"),
    ("3", "ubuntu-11.04-server"),
    ("2", "cirros-0.6.2-x86_64-disk"),
]
CLIENTS = ["floor", "novamagic", "floor+orjson", "novamagic+orjson"]
TURNS = 4  # fresh processes per client, taking turns
SCALE_COLUMNS = ("100,000 servers", "10,000 servers")


# =============================================================================== the workers


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _digest(frame) -> str:
    text = frame.to_csv(index=False) + "|".join(f"{c}:{t}" for c, t in frame.dtypes.items())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _warm_pandas() -> None:
    """What building any frame loads lazily, loaded before the memory baseline for everyone."""
    import pandas as pd

    pd.DataFrame(
        {
            "s": pd.array(["a"], dtype="string"),
            "i": pd.array([1], dtype="Int64"),
            "b": pd.array([True], dtype="boolean"),
            "t": pd.to_datetime(["2026-01-01T00:00:00Z"], utc=True, format="ISO8601"),
        }
    )


def _client(client: str, auth_url: str, account: dict, all_projects: bool):
    """(login, run, close): a fresh login, one listing into the frame, and the goodbye."""
    fast = client.endswith("+orjson")
    if client.startswith("floor"):
        import floor_loop
        import requests

        decode = floor_loop.decoder(fast)
        state: dict = {}

        def login():
            state["session"] = requests.Session()
            _, state["compute"], state["image"] = floor_loop.login(
                state["session"], auth_url, account
            )

        def run():
            return floor_loop.servers_frame(
                state["session"], state["compute"], state["image"], decode, all_projects
            )

        return login, run, lambda: state["session"].close()

    if not fast:
        sys.modules["orjson"] = None  # an absent orjson: the client decodes with json
    from novamagic.client import connect
    from novamagic.frames import servers_frame

    state = {}

    def login():
        state["cloud"] = connect(
            auth_url=auth_url,
            username=account["name"],
            password=account["password"],
            project_name=account["project"],
            user_domain_name="Default",
            project_domain_name="Default",
            compute_api_version="2.96",
        )

    def run():
        return servers_frame(state["cloud"].iter_servers(all_projects=all_projects))

    return login, run, lambda: state["cloud"].close()


def worker(task: str, client: str, auth_url: str, account: dict, all_projects: bool) -> None:
    """One client in its own process, driven over stdin/stdout by :func:`_taking_turns`.

    Logs in and does its warm-up (for ``warm``: the first listing, timed, with the RSS growth
    it caused), prints ``READY``, then answers each ``run`` line with one timed run (``cold``: a
    fresh login, the frame, goodbye; ``warm``: the frame on the kept session) as ``TIME wall
    cpu``, and ``stop`` with ``RESULT {...}`` (the frame's digest and rows, the first run).
    Between runs it waits on stdin, idle, so the other clients' runs have the machine."""
    import pandas  # noqa: F401  (every client builds a frame: pandas is not part of the figures)

    _warm_pandas()
    login, run, close = _client(client, auth_url, account, all_projects)
    login()
    if task == "cold":
        close()  # the first login imported what logging in needs; each run is a new notebook
        frame = (login(), run(), close())[1]
        first, growth = None, None
    else:
        gc.collect()
        base = _maxrss_mib()
        started = time.perf_counter()
        frame = run()
        first = time.perf_counter() - started
        growth = _maxrss_mib() - base
    digest, rows = _digest(frame), len(frame)
    del frame
    gc.collect()
    print("READY", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        started, cpu_started = time.perf_counter(), time.process_time()
        if task == "cold":
            login()
            frame = run()
            close()
        else:
            frame = run()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        del frame
        print(f"TIME {wall} {cpu}", flush=True)
    if task != "cold":
        close()
    print("RESULT " + json.dumps({"first": first, "growth_mib": growth, "digest": digest,
                                  "rows": rows}), flush=True)  # fmt: skip


class Worker:
    """A :func:`worker` process."""

    def __init__(self, task: str, client: str, auth_url: str, account: dict, **options):
        spec = json.dumps(
            {
                "task": task,
                "client": client,
                "auth_url": auth_url,
                "account": account,
                "all_projects": options.get("all_projects", False),
            }
        )
        self.client = client
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", spec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.expect("READY")

    def expect(self, word: str) -> str:
        for line in self.process.stdout:
            if line.startswith(word):
                return line[len(word) :].strip()
        self.process.wait()
        raise RuntimeError(f"worker {self.client} failed:\n{self.process.stderr.read()[-4000:]}")

    def run(self) -> tuple[float, float]:
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        wall, cpu = self.expect("TIME").split()
        return float(wall), float(cpu)

    def stop(self) -> dict:
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        result = json.loads(self.expect("RESULT"))
        self.process.stdin.close()
        self.process.wait()
        return result


# =============================================================================== the clouds


def _users_file(folder: str, users: list[dict]) -> str:
    import yaml

    path = os.path.join(folder, "users.yaml")
    with open(path, "w") as handle:
        yaml.safe_dump({"users": users}, handle)
    return path


def _seed(cloud, project: str, total: int) -> None:
    share = -(-total // len(FLEET_MIX))
    images = cloud.image_ids()
    left = total
    for flavor, image in FLEET_MIX:
        count = min(share, left)
        if count > 0:
            cloud.populate(count, project=project, flavor=flavor, image=images[image])
            left -= count


@contextmanager
def fleet_cloud(users: list[dict], seeds: dict[str, int]):
    """A standalone local cloud with ``users``, ``seeds`` (project -> servers), and its neutral
    server; yields the neutral server's Keystone URL."""
    with tempfile.TemporaryDirectory() as folder:
        users_file = _users_file(folder, [{**ADMIN, "roles": ["admin"]}, *users])
        with standalone_cloud(speed=1.0, extra=("--users", users_file)) as cloud:
            for project, count in seeds.items():
                _seed(cloud, project, count)
            with replaying(cloud.url) as url:
                yield cloud, url + cloud.auth_url[len(cloud.url) :]


# =============================================================================== the sections


def _taking_turns(task, clients, auth_url, account, reps, label, **options) -> dict:
    """Every client's timed runs, paired: in each of ``TURNS`` turns every client is a fresh
    process (logged in, warmed up), and they take ``reps`` rounds, one run each per round in a
    rotating order, the others idle meanwhile. Round ``r``'s runs are seconds apart, so a
    burst of load (this is a shared, virtualised machine: the same run varies by a third from
    one second to the next) falls on all of them alike; :func:`_paired` compares them round by
    round."""
    results: dict[str, dict] = {
        client: {"times": [], "cpu": [], "first": [], "growth_mib": [], "digest": None}
        for client in clients
    }
    for turn in range(TURNS):
        print(f"  {label}: turn {turn + 1} of {TURNS} ({reps} rounds) ...", flush=True)
        workers = [Worker(task, client, auth_url, account, **options) for client in clients]
        try:
            for round_ in range(reps):
                shift = round_ % len(workers)
                for worker in workers[shift:] + workers[:shift]:
                    wall, cpu = worker.run()
                    results[worker.client]["times"].append(wall)
                    results[worker.client]["cpu"].append(cpu)
        finally:
            finished = [(w.client, w.stop()) for w in workers]
        for client, result in finished:
            mine = results[client]
            if result["first"] is not None:
                mine["first"].append(result["first"])
                mine["growth_mib"].append(result["growth_mib"])
            if mine["digest"] not in (None, result["digest"]):
                raise RuntimeError(f"{client}'s frame changed between runs ({label})")
            mine["digest"], mine["rows"] = result["digest"], result["rows"]
    digests = {client: r["digest"] for client, r in results.items()}
    if len(set(digests.values())) != 1:
        raise RuntimeError(f"the frames differ ({label}): {digests}")
    return results


def _paired(results: dict, ours: str, floor: str) -> float:
    """The median of the round-by-round ratios ours / floor (runs seconds apart)."""
    return median(
        [a / b for a, b in zip(results[ours]["times"], results[floor]["times"], strict=True)]
    )


def _goal_row(what, ours, floor, goal, unit="ms", ratio=None):
    """A goal's row; ``ratio`` (the paired one) when given, else ours / floor."""
    ratio = ours / floor if ratio is None else ratio
    return {
        "what": what,
        "novamagic": ours,
        "floor": floor,
        "unit": unit,
        "ratio": ratio,
        "goal": goal,
        "met": ratio <= goal,
    }


def section_listing(reps: int) -> list[dict]:
    rows = []
    with fleet_cloud([{**JOE, "roles": ["member"]}], {"openstack": 10_000}) as (_, auth_url):
        results = _taking_turns(
            "warm", CLIENTS, auth_url, JOE, reps, "10,000 servers, kept session"
        )
    for floor, ours in (("floor", "novamagic"), ("floor+orjson", "novamagic+orjson")):
        rows.append(
            _goal_row(
                f"10,000 servers into the frame, kept session ({ours} / {floor})",
                median(results[ours]["times"]) * 1000,
                median(results[floor]["times"]) * 1000,
                1.10,
                ratio=_paired(results, ours, floor),
            )
        )
    rows.append(
        _goal_row(
            "peak RSS growth of the first 10,000-server frame (novamagic / floor)",
            median(results["novamagic"]["growth_mib"]),
            median(results["floor"]["growth_mib"]),
            1.5,
            unit="MiB",
        )
    )
    for client in CLIENTS:
        r = results[client]
        print(
            f"  {client}: median {median(r['times']) * 1000:.0f} ms, best {min(r['times']) * 1000:.0f} ms, "
            f"CPU {median(r['cpu']) * 1000:.0f} ms, first run {median(r['first']) * 1000:.0f} ms, "
            f"RSS growth {median(r['growth_mib']):.1f} MiB ({len(r['times'])} runs)"
        )
    return rows


def section_cold(reps: int) -> list[dict]:
    rows = []
    users = [{**account, "roles": ["member"]} for account in SMALL.values()]
    seeds = {account["project"]: n for n, account in SMALL.items()}
    with fleet_cloud(users, seeds) as (_, auth_url):
        for n, goal in ((1000, 1.15), (100, 1.30)):
            results = _taking_turns(
                "cold", ["floor", "novamagic"], auth_url, SMALL[n], reps, f"{n:,} servers, cold"
            )
            rows.append(
                _goal_row(
                    f"{n:,} servers, a fresh login each (novamagic / floor)",
                    median(results["novamagic"]["times"]) * 1000,
                    median(results["floor"]["times"]) * 1000,
                    goal,
                    ratio=_paired(results, "novamagic", "floor"),
                )
            )
    return rows


def section_scale(reps: int) -> list[dict]:
    projects = [
        {"name": f"owner{p:03}", "password": "bench", "project": f"project-{p:03}"}
        for p in range(100)
    ]
    users = [{**account, "roles": ["member"]} for account in projects]
    figures = {}
    for total in (10_000, 100_000):
        seeds = {account["project"]: 1000 for account in projects[: total // 1000]}
        with fleet_cloud(users, seeds) as (_, auth_url):
            results = _taking_turns(
                "warm",
                ["floor", "novamagic"],
                auth_url,
                ADMIN,
                reps,
                f"{total:,} servers in {total // 1000} projects, all projects",
                all_projects=True,
            )
        figures[total] = {
            "time": median(results["novamagic"]["times"]),
            "memory": median(results["novamagic"]["growth_mib"]),
            "floor time": median(results["floor"]["times"]),
            "floor memory": median(results["floor"]["growth_mib"]),
            "paired": _paired(results, "novamagic", "floor"),
        }
        print(f"  {total:,} servers: {figures[total]}")
    small, big = figures[10_000], figures[100_000]
    rows = []
    for label, key, unit in (("time", "time", "s"), ("memory", "memory", "MiB")):
        growth = big[key] / small[key]
        floor_growth = big["floor " + key] / small["floor " + key]
        note = (
            f"the floor's: {big['floor ' + key]:,.1f} against "
            f"{small['floor ' + key]:,.1f} {unit}, {floor_growth:.2f}x"
        )
        judged = growth
        if key == "time":
            # The runs are paired (see _taking_turns): novamagic's growth is judged as the
            # floor's growth times how its paired ratio to the floor moved from 10,000 to
            # 100,000, which a burst of load on either side does not sway.
            judged = floor_growth * big["paired"] / small["paired"]
            note += (
                f"; paired ratio to the floor {small['paired']:.2f}x at 10,000, "
                f"{big['paired']:.2f}x at 100,000: growth {judged:.2f}x"
            )
        # Linear is 10x. What the machine adds beyond it (caches, a heap ten times the size)
        # shows in the floor's growth too: within 20% of linear, or no worse than the floor's.
        limit = max(12.0, floor_growth)
        rows.append(
            {
                "what": f"novamagic's {label}, all projects (linear: 10x)",
                "novamagic": big[key],
                "floor": small[key],
                "unit": unit,
                "ratio": judged,
                "goal": limit,
                "met": judged <= limit,
                "note": note,
            }
        )
    return rows


def print_rows(title: str, rows: list[dict], columns=("novamagic", "floor")) -> None:
    print(f"\n**{title}**\n")
    print(f"| what | {columns[0]} | {columns[1]} | ratio | goal | met |")
    print("|---|---:|---:|---:|---:|---|")
    for row in rows:
        unit = row.get("unit", "ms")
        print(
            f"| {row['what']} | {row['novamagic']:,.1f} {unit} | {row['floor']:,.1f} {unit} | "
            f"{row['ratio']:.2f}x | <= {row['goal']:.2f}x | {'met' if row['met'] else 'NOT met'} |"
        )
        if row.get("note"):
            print(f"|  | {row['note']} | | | | |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="listing,cold,scale,startup,cloud")
    parser.add_argument("--reps", type=int, default=4, help="timed runs per process")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print(f"# issue 18 goals, {time.strftime('%a %d %b %Y %H:%M UTC', time.gmtime())}")
    print(f"{facts['cores']} cores ({facts['cpu']}), {facts['memory']}, Python {facts['python']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()))
    print(f"load average at the start: {facts['load']}")
    all_rows = []
    for section in args.sections.split(","):
        print(f"\n## {section}", flush=True)
        if section in ("listing", "cold", "scale"):
            rows = {"listing": section_listing, "cold": section_cold, "scale": section_scale}[
                section
            ](
                {"listing": args.reps, "cold": args.reps * 3, "scale": max(1, args.reps // 2)}[
                    section
                ]
            )
            print_rows(
                section, rows, SCALE_COLUMNS if section == "scale" else ("novamagic", "floor")
            )
        elif section == "startup":  # startup.py's own table
            import startup

            rows = startup.section_startup()
            print()
            print(startup.format_rows(rows))
        elif section == "cloud":  # localcloud_goals.py's own table
            import localcloud_goals

            before = localcloud_goals.uptime()
            rows = localcloud_goals.section_cloud()
            print()
            localcloud_goals.print_table(rows, (before, localcloud_goals.uptime()))
        else:
            parser.error(f"unknown section {section!r}")
        all_rows += rows
    print(f"\nload average at the end: {load_average()}")
    missed = [row["what"] for row in all_rows if row["met"] is False]
    print("every goal met" if not missed else f"NOT met: {'; '.join(missed)}")
    return 0 if not missed else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(**json.loads(sys.argv[2]))
    else:
        sys.exit(main())
