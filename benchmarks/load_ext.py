"""How long ``%load_ext novamagic`` takes in a fresh process, beyond importing IPython.

Run: .venv/bin/python benchmarks/load_ext.py   (goal: under 50 ms; also lists heavy imports)
Each sample is a new interpreter: import IPython and make a shell (not timed), then time the
``load_ext`` line magic alone. "warm" is the normal case (bytecode cached, here in a temporary
PYTHONPYCACHEPREFIX so the tree stays clean); "cold" compiles every module from source, as
happens when PYTHONDONTWRITEBYTECODE is set.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

HEAVY = (
    "pandas",
    "keystoneauth1",
    "ipywidgets",
    "openstack",
    "requests",
    "yaml",
    "tqdm",
    "matplotlib",
)
PROBE = f"""
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
start = time.perf_counter()
shell.run_line_magic("load_ext", "novamagic")
elapsed = (time.perf_counter() - start) * 1000
print(json.dumps({{"ms": elapsed, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def sample(env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(env: dict, label: str, n: int = 7) -> float:
    runs = [sample(env) for _ in range(n)]
    times = sorted(r["ms"] for r in runs)
    heavy = sorted({m for r in runs for m in r["heavy"]})
    median = statistics.median(times)
    print(
        f"%load_ext novamagic, {label}: median {median:.1f} ms, best {times[0]:.1f} ms, "
        f"worst {times[-1]:.1f} ms ({n} fresh processes); heavy modules: {', '.join(heavy) or 'none'}"
    )
    return median


if __name__ == "__main__":
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache:
        warm_env = {**base, "PYTHONPYCACHEPREFIX": cache}
        sample(warm_env)  # compile once into the temporary cache
        warm = measure(warm_env, "warm (bytecode cached)")
    measure({**base, "PYTHONDONTWRITEBYTECODE": "1"}, "cold (no bytecode cache)", n=3)
    print("goal (warm): < 50 ms -> " + ("met" if warm < 50 else "NOT met"))
