"""Console output: a deterministic boot log per server, as ``os-getConsoleOutput`` returns it.

The log is written from what the server was booted with — image, flavor, key name, user data
(decoded; a ``#!`` script or ``#cloud-config`` is said to run), injected files, hostname and
addresses — and grows with what happened since: each reboot, stop, start and rebuild adds its
lines. Times are cloud time, so the same story gives the same log.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone

from novamagic.localcloud.errors import BadRequest, Conflict
from novamagic.localcloud.model.identity import Token

#: Instance actions that leave lines in the console after the first boot.
LOGGED = {
    "reboot": "reboot: Restarting system",
    "stop": "reboot: Power down",
    "start": "",
    "rebuild": "reboot: Restarting system (rebuild)",
}


def _stamp(boot: float, t: float) -> str:
    return f"[{max(0.0, t - boot):12.6f}]"


def _user_data_lines(user_data: str | None) -> list[str]:
    if not user_data:
        return ["cloud-init: no user data"]
    try:
        text = base64.b64decode(user_data.encode(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        text = ""
    first = text.splitlines()[0] if text.strip() else ""
    size = len(text.encode())
    if first.startswith("#!"):
        kind = f"a script ({first[2:].strip() or 'sh'})"
    elif first.startswith("#cloud-config"):
        kind = "cloud-config"
    else:
        kind = "data"
    lines = [f"cloud-init: user data: {kind}, {size} bytes"]
    if first.startswith("#!"):
        lines.append("cloud-init: running user-data script ... done")
    elif first.startswith("#cloud-config"):
        lines.append("cloud-init: applying cloud-config ... done")
    return lines


class ConsoleBackend:
    """``console_output`` of :class:`CloudState`."""

    def console_output(self, caller: Token, server_id: str, length=None) -> str:
        """The server's boot log; ``length``: its last N lines (None or -1: all)."""
        if length is not None:
            if isinstance(length, str) and length.lstrip("-").isdigit():
                length = int(length)
            if isinstance(length, bool) or not isinstance(length, int) or length < -1:
                raise BadRequest(
                    "Invalid input for field/attribute length. Value: "
                    f"{length!r}. It must be an integer of -1 (all lines) or more."
                )
        with self.lock:
            server = self.get_server(caller, server_id)
            if server.launched_at is None:
                raise Conflict(f"Instance {server.id} is not ready")
            lines = self._boot_lines(server, server.created)
        # A console log ends at the login prompt, with no newline after it; Nova's tail is the
        # last ``length`` lines of it (so ``output.split("\n")`` has ``length`` items).
        if length is None or length == -1:
            return "\n".join(lines)
        return "\n".join(lines[-length:]) if length else ""

    def _boot_lines(self, server, booted: float) -> list[str]:
        image = self.images.get(server.image_id)
        flavor = self.flavors.get(server.flavor_id)
        image_name = image.name if image is not None else server.image_id
        when = datetime.fromtimestamp(booted, timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
        t = booted
        lines = [
            f"{_stamp(booted, t)} Linux version 5.15.0-localcloud ({image_name}) #1 SMP {when}",
            f"{_stamp(booted, t)} Command line: root=/dev/vda1 console=tty1 console=ttyS0",
        ]
        if flavor is not None:
            lines += [
                f"{_stamp(booted, t + 0.01)} smpboot: Allowing {flavor.vcpus} CPUs "
                f"(flavor {flavor.name})",
                f"{_stamp(booted, t + 0.02)} Memory: {flavor.ram * 1024}K available, "
                f"disk {flavor.disk} GB",
            ]
        t += 2.0
        lines.append(f"{_stamp(booted, t)} cloud-init: instance-id {server.id}")
        lines.append(f"{_stamp(booted, t)} cloud-init: hostname {server.hostname}")
        for network, entries in self.server_addresses(server):
            fixed = ", ".join(addr for _, addr, kind, _ in entries if kind == "fixed")
            lines.append(f"{_stamp(booted, t)} cloud-init: {network}: {fixed}")
        if server.key_name:
            lines.append(
                f"{_stamp(booted, t)} cloud-init: ssh key '{server.key_name}' added to "
                "authorized_keys"
            )
        else:
            lines.append(f"{_stamp(booted, t)} cloud-init: no ssh key given")
        for item in server.personality:
            lines.append(f"{_stamp(booted, t)} cloud-init: injected file {item['path']}")
        lines += [f"{_stamp(booted, t)} {line}" for line in _user_data_lines(server.user_data)]
        lines.append(f"{_stamp(booted, t + 1)} {server.hostname} login:")
        for action in self.instance_actions.get(server.id, []):
            if action.action in LOGGED and action.start_time >= booted:
                said = LOGGED[action.action]
                if said:
                    lines.append(f"{_stamp(booted, action.start_time)} {said}")
                if action.action != "stop":
                    lines.append(f"{_stamp(booted, action.start_time)} Linux version "
                                 f"5.15.0-localcloud ({image_name}) booting again")  # fmt: skip
                    lines.append(f"{_stamp(booted, action.start_time)} {server.hostname} login:")
        return lines
