"""Time building frames from a synthetic 10,000-server listing (today's v2.1 shape, normalised).

Run: .venv/bin/python benchmarks/frames.py   (prints milliseconds per frame)
Also lists 10,000 servers from a local cloud through the client and compares the frame's cost
with the listing's: the frame must not dominate it.
"""

import time

from novamagic.frames import addresses_frame, servers_frame


def fleet(n: int = 10_000) -> list[dict]:
    servers = []
    for i in range(n):
        servers.append(
            {
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "name": f"web-{i}",
                "status": "ACTIVE" if i % 7 else "BUILD",
                "OS-EXT-STS:task_state": None,
                "progress": 100,
                "flavor": {"id": "2", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
                "image": {"id": "img-1", "name": "cirros"},
                "addresses": {
                    "private": [
                        {
                            "version": 4,
                            "addr": f"10.0.{i // 250}.{i % 250}",
                            "OS-EXT-IPS:type": "fixed",
                        },
                        {
                            "version": 4,
                            "addr": f"172.24.{i // 250}.{i % 250}",
                            "OS-EXT-IPS:type": "floating",
                        },
                    ]
                },
                "accessIPv4": "",
                "accessIPv6": "",
                "key_name": None,
                "OS-EXT-AZ:availability_zone": "nova",
                "hostId": "abc",
                "tenant_id": "openstack",
                "user_id": "joe",
                "locked": False,
                "created": f"2026-11-27T07:{i % 60:02d}:00Z",
                "updated": f"2026-11-27T08:{i % 60:02d}:00Z",
                "OS-SRV-USG:launched_at": f"2026-11-27T07:{i % 60:02d}:20.000000",
            }
        )
    return servers


def best_of(fn, arg, repeat=7) -> tuple[float, float]:
    """Best wall time and best CPU time of ``repeat`` runs, in ms (CPU time is steadier on a
    shared machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn(arg)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls) * 1000, min(cpus) * 1000


if __name__ == "__main__":
    data = fleet()
    servers_frame(data[:10])  # warm imports and caches
    for label, fn in (
        ("servers_frame   10,000 rows", servers_frame),
        ("addresses_frame 20,000 rows", addresses_frame),
    ):
        wall, cpu = best_of(fn, data)
        print(f"{label}: {wall:7.1f} ms wall, {cpu:7.1f} ms CPU (best of 7)")

    from novamagic.client import connect
    from novamagic.localcloud import LocalCloud, ManualClock

    with LocalCloud(seed=42, clock=ManualClock()) as lc, connect(local=lc) as cloud:
        cloud.control.populate(10_000, name="web-{n}")
        cloud.servers()  # warm caches (flavors, images) and the connection pool
        start = time.perf_counter()
        listing = cloud.servers()
        listed = time.perf_counter() - start
        start = time.perf_counter()
        servers_frame(listing)
        framed = time.perf_counter() - start
    print(
        f"local cloud, 10,000 servers: listing {listed * 1000:.0f} ms, frame {framed * 1000:.0f} ms "
        f"({framed / (listed + framed):.0%} of the total)"
    )
