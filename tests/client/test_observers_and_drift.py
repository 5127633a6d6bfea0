"""The session's request observers (what explain mode and the widgets read) and drift."""

from __future__ import annotations


def test_observers_see_each_request_without_the_token_and_cannot_break_it(cloud, boot):
    server = boot("obs")
    seen = []

    def broken(_request):
        raise RuntimeError("an observer's bug")

    cloud.observe_requests(broken)
    try:
        with cloud.recording() as sent:
            cloud.server(server["id"])  # still answered: the observer's error is only logged
            cloud.server_metadata.set_item(server["id"], "k", "v")
        cloud.observe_requests(seen.append)
        cloud.flavors()
    finally:
        cloud.unobserve_requests(broken)
        cloud.unobserve_requests(seen.append)
    methods = [(r.method, r.status) for r in sent]
    assert ("GET", 200) in methods and ("PUT", 200) in methods
    put = next(r for r in sent if r.method == "PUT")
    assert put.body == {"meta": {"k": "v"}} and put.path.endswith(
        f"/servers/{server['id']}/metadata/k"
    )
    token = cloud._http.ks.get_token()
    for request in sent:
        assert all(k.lower() != "x-auth-token" for k in request.headers)
        assert token not in repr(request)
    assert seen and all(r.thread for r in seen)
    count = len(seen)
    cloud.flavors()
    assert len(seen) == count  # unobserved: nothing more


def test_drift_lists_only_what_differs_and_apply_closes_it(cloud, boot, lc, timeout):
    server = boot("drift", metadata={"role": "web"})
    assert cloud.drift(server, flavor=server["flavor"]["name"], metadata={"role": "web"}) == []
    changes = cloud.drift(server, flavor="m1.small", metadata={"role": "db", "tier": "2"})
    assert [(c["field"], c["action"]) for c in changes] == [
        ("flavor", "resize"),
        ("metadata", "metadata update"),
    ]
    assert changes[1]["have"] == {"role": "web", "tier": None}
    if lc is None:
        return  # a real cloud: the plan is what is checked, nothing is resized
    said = []
    after = cloud.apply_drift(server, changes, timeout=timeout, announce=said.append)
    assert said == [
        f"resizing {server['name']} to m1.small (and confirming)",
        f"updating {server['name']}'s metadata: role=db, tier=2",
    ]
    assert after["flavor"]["name"] == "m1.small" and after["status"] == "ACTIVE"
    assert cloud.server_metadata.get(server["id"])["role"] == "db"
    assert cloud.drift(after, flavor="m1.small", metadata={"role": "db", "tier": "2"}) == []
