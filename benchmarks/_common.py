"""Helpers shared by the benchmark scripts: a standalone local cloud, tokens, timing, machine facts.

Nothing here is timed itself; the scripts decide what they measure.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata

import requests

#: The book's account and the local cloud's admin (see docs/architecture.md, section 1).
USER = {"name": "joe", "password": "shhh", "project": "openstack"}
ADMIN = {"name": "admin", "password": "admin", "project": "admin"}
DOMAIN = "Default"


def token_body(name: str, password: str, project: str, domain: str = DOMAIN) -> dict:
    """A Keystone v3 password request scoped to a project."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": name, "password": password, "domain": {"name": domain}}
                },
            },
            "scope": {"project": {"name": project, "domain": {"name": domain}}},
        }
    }


def password_token(session: requests.Session, auth_url: str, account: dict = USER):
    """(token, the token document: catalog, project, ...) for ``account`` via Keystone v3."""
    response = session.post(
        auth_url.rstrip("/") + "/v3/auth/tokens",
        json=token_body(account["name"], account["password"], account["project"]),
        timeout=30,
    )
    response.raise_for_status()
    return response.headers["X-Subject-Token"], response.json()["token"]


def endpoint(token_document: dict, service_type: str, interface: str = "public") -> str:
    """The catalog URL of ``service_type`` in a v3 token document."""
    for service in token_document["catalog"]:
        if service["type"] == service_type:
            for entry in service["endpoints"]:
                if entry["interface"] == interface:
                    return entry["url"].rstrip("/")
    raise LookupError(f"no {interface} {service_type} endpoint in the catalog")


@dataclass
class Standalone:
    """A ``python -m novamagic.localcloud`` process on 127.0.0.1 and an admin session to it."""

    process: subprocess.Popen
    url: str
    auth_url: str
    admin: requests.Session

    def control(self, method: str, path: str, json=None) -> requests.Response:
        response = self.admin.request(
            method, self.url + "/_localcloud" + path, json=json, timeout=600
        )
        if response.status_code == 401:  # the token expired (in cloud time): log in again
            self.admin.headers["X-Auth-Token"] = password_token(self.admin, self.auth_url, ADMIN)[0]
            response = self.admin.request(
                method, self.url + "/_localcloud" + path, json=json, timeout=600
            )
        if response.status_code >= 400:
            raise RuntimeError(
                f"{method} /_localcloud{path}: {response.status_code} {response.text}"
            )
        return response

    def reset(self) -> None:
        self.control("POST", "/reset")

    def populate(self, count: int, **options) -> None:
        self.control("POST", "/servers", {"count": count, **options})

    def set_speed(self, speed: float) -> None:
        """Cloud seconds per real second (the standalone cloud runs a ScaledClock)."""
        self.control("POST", "/speed", {"speed": speed})

    def image_ids(self) -> dict[str, str]:
        """Image name -> id (Glance v2; the seeded catalogue has a handful)."""
        response = self.admin.get(self.url + "/image/v2/images", timeout=30)
        response.raise_for_status()
        return {image["name"]: image["id"] for image in response.json()["images"]}

    def server_count(self) -> int:
        return self.control("GET", "/status").json()["servers"]

    def set_quotas(self, account: dict = USER, **quotas) -> dict:
        """Set the compute quotas of ``account``'s project through Nova's os-quota-sets, as admin."""
        project_id = password_token(requests.Session(), self.auth_url, account)[1]["project"]["id"]
        token, document = password_token(self.admin, self.auth_url, ADMIN)
        response = self.admin.put(
            f"{endpoint(document, 'compute')}/os-quota-sets/{project_id}",
            json={"quota_set": quotas},
            headers={"X-Auth-Token": token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["quota_set"]


@contextmanager
def standalone_cloud(*, seed: int = 42, speed: float = 10.0, extra: tuple = ()):
    """Run the local cloud in its own process (its own interpreter and GIL), yield a Standalone.

    A separate process is what a real cloud is to a client: the server's JSON encoding does not
    compete with the client under measurement for one GIL, and the client's peak memory is its own.
    """
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "novamagic.localcloud",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--speed",
            str(speed),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = auth_url = None
        for line in process.stdout:
            if match := re.match(r"novamagic local cloud on (\S+)", line):
                url = match.group(1)
            if match := re.match(r"auth URL: (\S+)", line):
                auth_url = match.group(1)
            if line.startswith("Press Ctrl-C"):
                break
        if not (url and auth_url):
            raise RuntimeError("the standalone local cloud did not start")
        admin = requests.Session()
        admin.headers["X-Auth-Token"] = password_token(admin, auth_url, ADMIN)[0]
        yield Standalone(process, url, auth_url, admin)
    finally:
        process.terminate()  # SIGTERM: the cloud stops its server and exits
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed(fn, *args, **kwargs):
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def median(values) -> float:
    return statistics.median(values)


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine_facts() -> dict:
    """What a reader needs to weigh the figures: cores, memory, load, Python, library versions."""
    memory = "unknown"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "load": load_average(),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "versions": {
            name: version_of(name)
            for name in (
                "novamagic",
                "openstacksdk",
                "python-novaclient",
                "keystoneauth1",
                "requests",
                "pandas",
                "numpy",
                "orjson",
                "werkzeug",
                "ipython",
            )
        },
    }
