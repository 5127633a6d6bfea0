"""``python -m novamagic.localcloud`` run as a workshop runs it: a subprocess on a free port."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil


class Standalone:
    """``python -m novamagic.localcloud`` in a subprocess; its output goes to a log file."""

    def __init__(self, users_file: Path, log_file: Path, *options: str, cwd=None):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "novamagic.localcloud",
                "--port",
                "0",
                "--users",
                str(users_file),
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,
        )
        self.log = log_file.open("a")
        self.auth_url = None
        deadline = time.monotonic() + 30
        for line in self.process.stdout:
            self.log.write(line)
            match = re.match(r"auth URL: (\S+)", line)
            if match:
                self.auth_url = match.group(1)
                break
            if time.monotonic() > deadline:
                break
        if self.auth_url is None:
            self.stop()
            raise RuntimeError(f"the standalone cloud did not start; see {log_file}")
        self._drain = threading.Thread(target=self._copy_output, daemon=True)
        self._drain.start()
        self.psutil = psutil.Process(self.process.pid)

    def _copy_output(self) -> None:
        for line in self.process.stdout:
            self.log.write(line)

    def rss(self) -> int:
        return self.psutil.memory_info().rss

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode

    def kill(self) -> int:
        """SIGKILL, as a crash or the OOM killer ends it: no clean-up runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._drain.join(timeout=5)
        self.log.close()
        return self.process.returncode

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.auth_url)
        return parts.hostname, parts.port
