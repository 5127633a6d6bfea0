"""Many clients at once lose no update: parallel boots, metadata writes and deletes, counts exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.localcloud.conftest import Api


def test_parallel_boots_and_deletes_keep_exact_counts(localcloud_factory):
    cloud = localcloud_factory(quotas={"instances": 200, "cores": 200, "ram": 512 * 200})
    threads, per_thread = 8, 10

    def boot_many(worker: int) -> list[str]:
        api = Api(cloud)
        return [api.boot(f"w{worker}-{i}") for i in range(per_thread)]

    with ThreadPoolExecutor(threads) as pool:
        ids = [sid for batch in pool.map(boot_many, range(threads)) for sid in batch]
    api = Api(cloud)
    assert len(ids) == len(set(ids)) == threads * per_thread
    listed = api.get("/servers").json()["servers"]
    assert len(listed) == threads * per_thread
    numbers = sorted(s.number for s in cloud.state.servers.values())
    assert numbers == list(range(1, threads * per_thread + 1))
    usage = api.get("/limits").json()["limits"]["absolute"]
    assert usage["totalInstancesUsed"] == 80 and usage["totalRAMUsed"] == 80 * 512
    cloud.tick(20)

    def write_and_delete(chunk: list[str]) -> None:
        api = Api(cloud)
        for sid in chunk:
            assert (
                api.post(f"/servers/{sid}/metadata", {"metadata": {"seen": sid[:8]}}).status_code
                == 200
            )
            assert api.delete(f"/servers/{sid}").status_code == 204

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write_and_delete, [ids[i::threads] for i in range(threads)]))
    details = api.get("/servers/detail").json()["servers"]
    assert {s["OS-EXT-STS:task_state"] for s in details} == {"deleting"}
    assert all(s["metadata"] == {"seen": s["id"][:8]} for s in details)
    cloud.tick(5)
    assert api.get("/servers").json()["servers"] == []
    assert api.get("/limits").json()["limits"]["absolute"]["totalInstancesUsed"] == 0


def test_parallel_boots_respect_quota_exactly(localcloud):
    def boot(i: int) -> int:
        return (
            Api(localcloud)
            .post("/servers", {"server": {"name": f"q{i}", "imageRef": "3", "flavorRef": "1"}})
            .status_code
        )

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(boot, range(16)))
    assert statuses.count(202) == 10 and statuses.count(403) == 6
