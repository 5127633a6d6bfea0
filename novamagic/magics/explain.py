"""Explain mode: what a magic did, as the requests it sent (curl, in the book's style), the
``openstack`` CLI command and the openstacksdk call that do the same.

The requests come from the client (``cloud.recording()``: a hook on its session, no IPython
there); this module only renders them. The token is always ``$OS_TOKEN`` (``export
OS_TOKEN=$(openstack token issue -f value -c id)``), never its value, and bodies come with
secrets already masked by the client.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable

from novamagic.magics.rendering import _escape

__all__ = ["Explanation", "curl_line", "equivalents"]

# Headers curl needs to repeat: the microversion and the body's type.
_SHOWN_HEADERS = ("openstack-api-version", "x-openstack-nova-api-version", "content-type")


def curl_line(request) -> str:
    """One request as a curl command: ``curl -s [-X METHOD] -H "X-Auth-Token: $OS_TOKEN" ...``."""
    parts = ["curl", "-s"]
    if request.method != "GET" or request.body is not None:
        parts += ["-X", request.method]
    parts += ["-H", '"X-Auth-Token: $OS_TOKEN"']
    for key, value in request.headers.items():
        if key.lower() in _SHOWN_HEADERS:
            parts += ["-H", shlex.quote(f"{key}: {value}")]
    if request.body is not None:
        if not any(k.lower() == "content-type" for k in request.headers):
            parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["-d", shlex.quote(json.dumps(request.body, separators=(",", ":")))]
    parts.append(shlex.quote(request.url))
    return " ".join(parts)


def _servers(args) -> tuple[str, str]:
    cli = "openstack server list" + (" --long" if getattr(args, "long", False) else "")
    for flag in ("name", "status", "image", "flavor"):
        value = getattr(args, flag, None)
        if value:
            cli += f" --{flag} {shlex.quote(str(value))}"
    return cli, "conn.compute.servers(details=True)"


def _each(verb: str, sdk: str, extra: str = "") -> Callable:
    def render(args) -> tuple[str, str]:
        names = getattr(args, "servers", None) or [getattr(args, "server", None)]
        words = " ".join(shlex.quote(str(n)) for n in names if n)
        return f"openstack server {verb}{extra} {words}", sdk

    return render


def _reboot(args) -> tuple[str, str]:
    hard = getattr(args, "hard", False)
    names = " ".join(shlex.quote(n) for n in args.servers)
    kind = "HARD" if hard else "SOFT"
    return (
        f"openstack server reboot{' --hard' if hard else ''} {names}",
        f'conn.compute.reboot_server(server, "{kind}")',
    )


def _boot(args) -> tuple[str, str]:
    return (
        "openstack server create --image IMAGE --flavor FLAVOR [--property KEY=VALUE ...] "
        "[--wait] NAME",
        "conn.compute.create_server(name=NAME, image_id=IMAGE_ID, flavor_id=FLAVOR_ID, "
        "metadata={...}); conn.compute.wait_for_server(server)",
    )


EQUIVALENTS: dict[str, Callable] = {
    "servers": _servers,
    "show": lambda a: (
        f"openstack server show {shlex.quote(a.ref)}",
        f"conn.compute.find_server({a.ref!r})",
    ),
    "flavors": lambda a: ("openstack flavor list", "conn.compute.flavors()"),
    "images": lambda a: ("openstack image list", "conn.image.images()"),
    "limits": lambda a: ("openstack limits show --absolute", "conn.compute.get_limits()"),
    "addresses": lambda a: (
        f"openstack server show {shlex.quote(a.server)} -c addresses"
        if a.server
        else "openstack server list -c Name -c Networks",
        "conn.compute.get_server(server).addresses",
    ),
    "reboot": _reboot,
    "delete": _each("delete", "conn.compute.delete_server(server)"),
    "start": _each("start", "conn.compute.start_server(server)"),
    "stop": _each("stop", "conn.compute.stop_server(server)"),
    "resize": lambda a: (
        f"openstack server resize --flavor {shlex.quote(a.flavor)} {shlex.quote(a.server)}",
        f"conn.compute.resize_server(server, {a.flavor!r})",
    ),
    "confirm-resize": _each("resize confirm", "conn.compute.confirm_server_resize(server)"),
    "rebuild": lambda a: (
        f"openstack server rebuild --image {shlex.quote(a.image)} {shlex.quote(a.server)}",
        f"conn.compute.rebuild_server(server, image={a.image!r})",
    ),
    "keypairs": lambda a: ("openstack keypair list", "conn.compute.keypairs()"),
    "networks": lambda a: ("openstack network list", "conn.network.networks()"),
    "nova_boot": _boot,
}


def equivalents(name: str, args) -> tuple[str | None, str | None]:
    """(``openstack`` command, openstacksdk call) for a subcommand, or (None, None)."""
    render = EQUIVALENTS.get(name)
    if render is None:
        return None, None
    try:
        return render(args)
    except AttributeError:  # an argument this rendering does not know: say nothing wrong
        return None, None


class Explanation:
    """What a magic did: its requests as curl, and the CLI command and SDK call for it."""

    def __init__(self, name: str, requests: list, args=None):
        self.name = name
        self.curl = [curl_line(r) for r in requests]
        self.cli, self.sdk = equivalents(name, args)

    def lines(self) -> list[str]:
        shown = [
            "# the requests, as curl (export OS_TOKEN=$(openstack token issue -f value -c id))"
        ]
        shown += self.curl or ["# (no request was sent)"]
        shown.append(f"# the openstack CLI: {self.cli or '(no single command does this)'}")
        shown.append(f"# openstacksdk: {self.sdk or '(no single call does this)'}")
        return shown

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        return (
            '<details open class="novamagic-explain"><summary>explain: '
            f"<code>%nova {_escape(self.name)}</code></summary><pre>"
            + "\n".join(_escape(line) for line in self.lines())
            + "</pre></details>"
        )
