"""The README's first session runs as printed: every code block of "A first session", in order,
through a real IPython shell against the local cloud that `%nova login --local` starts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

README = Path(__file__).resolve().parents[1] / "README.md"


def first_session_cells() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first session", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```(?:python|yaml)\n(.*?)```", section, re.S)]


@pytest.fixture
def shell(clean_env):
    shell = InteractiveShell.instance()
    yield shell
    for cloud in (shell.user_ns.get("cloud"),):
        if cloud is not None:
            cloud.close()
    shell.run_cell("%nova logout")
    shell.extension_manager.unload_extension("novamagic")
    shell.user_ns.pop("df", None)
    shell.user_ns.pop("cloud", None)


def test_the_readme_first_session_runs_as_printed(shell):
    cells = first_session_cells()
    assert len(cells) == 4 and cells[1].startswith("%%nova_boot")
    for cell in cells:
        result = shell.run_cell(cell)
        assert result.success, f"README cell failed:\n{cell}\n{result.error_in_exec!r}"
    # The Python block booted its own three servers on a second local cloud and resized one.
    cloud = shell.user_ns["cloud"]
    assert cloud.server("web-1")["flavor"]["name"] == "m1.medium"
    assert sorted(s["name"] for s in cloud.servers()) == ["web-1", "web-2", "web-3"]
    # `%nova cleanup --yes` deleted what the magics' session booted (deletion takes 5 cloud
    # seconds, long over by the end of the Python block).
    nova = shell.magics_manager.registry["NovaMagics"]
    assert nova.cloud.servers() == []


def main_job_arguments() -> list[str]:
    """What the README's main-job command passes to ``jupyter lab``, word for word."""
    text = README.read_text(encoding="utf-8")
    (line,) = [x for x in text.splitlines() if ".venv/bin/jupyter lab" in x]
    return line.split(".venv/bin/jupyter lab", 1)[1].split()


def start_lab(arguments: list[str], user: int | None = None) -> str:
    """Run JupyterLab as the README says (plus a free port, no browser) until it serves or
    exits; return its log. Its own config, runtime and home directories: nothing of this
    machine's Jupyter setup takes part."""
    import os
    import socket
    import subprocess
    import sys
    import tempfile
    import time

    # Under /tmp, not tmp_path: pytest's base directory is private to the user running pytest.
    home = Path(tempfile.mkdtemp(prefix="readme-lab-"))
    home.chmod(0o777)  # writable by the unprivileged user too
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "OS_"))}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
               IPYTHONDIR=str(home / "ipython"))  # fmt: skip
    command = [sys.executable, "-m", "jupyterlab", *arguments, "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", "--LabApp.news_url=None"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=README.parent, env=env, user=user, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    log: list[str] = []
    deadline = time.monotonic() + 90
    try:
        for line in process.stderr:
            log.append(line)
            if f"127.0.0.1:{port}/lab" in line or time.monotonic() > deadline:
                break
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    return "".join(log)


def test_the_readme_main_job_starts_jupyterlab_as_this_user_and_as_a_normal_user(monkeypatch):
    import os
    import subprocess
    import sys

    from traitlets.config.loader import PyFileConfigLoader

    arguments = main_job_arguments()
    assert arguments[-1] == "notebooks"
    log = start_lab(arguments)
    assert "/lab?token=" in log, log[-3000:]
    (config,) = [a.split("=", 1)[1] for a in arguments if a.startswith("--config=")]
    if os.geteuid() != 0:
        return  # a normal user ran it: the README's claim is checked as is
    # What the README's config is for: without it, root is refused.
    refused = start_lab([a for a in arguments if not a.startswith("--config")])
    assert "Running as root is not recommended" in refused, refused[-3000:]
    # A normal user: nobody, when this interpreter is theirs to run (a venv under /root is not;
    # then the config is read as a normal user's JupyterLab reads it).
    try:
        runnable = subprocess.run([sys.executable, "-c", "pass"], user=65534).returncode == 0
    except PermissionError:
        runnable = False
    if runnable:
        log = start_lab(arguments, user=65534)
        assert "/lab?token=" in log, log[-3000:]
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    loaded = PyFileConfigLoader(
        Path(config).name, str(README.parent / Path(config).parent)
    ).load_config()
    assert loaded.ServerApp.allow_root is False  # the safety check stays for normal users
