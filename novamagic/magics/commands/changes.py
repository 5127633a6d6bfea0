"""The subcommands that change servers and images: rename, access-ip, password, reboot,
rebuild, resize (with confirm and revert), snapshot, start, stop, delete, delete-image, and
``wait`` for a status. Bulk ones (reboot, delete) answer with an outcomes frame."""

from __future__ import annotations

from contextlib import nullcontext

from IPython.core.error import UsageError

from novamagic.magics.commands.common import SERVER, ask_secret, load_frames
from novamagic.magics.parsing import parse_pairs
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    Message,
    NovaMagicError,
    mark_frame,
)


@subcommand(
    "rename", "rename a server", arg("server"), arg("name", metavar="NEW_NAME"), completes=SERVER
)
def rename(nova, args):
    server = nova.cloud.rename_server(args.server, args.name)
    nova.forget_names()
    return Message(f"renamed {args.server} to {server.get('name')}", server)


@subcommand(
    "access-ip",
    "set a server's access IPv4/IPv6 addresses",
    arg("server"),
    arg("--v4", metavar="IPV4"),
    arg("--v6", metavar="IPV6"),
    completes=SERVER,
)
def access_ip(nova, args):
    if not args.v4 and not args.v6:
        raise UsageError("%nova access-ip: give --v4 IPV4, --v6 IPV6 or both")
    server = nova.cloud.set_access_ips(args.server, ipv4=args.v4, ipv6=args.v6)
    return Message(
        f"{args.server}: accessIPv4 {server.get('accessIPv4') or '-'}, accessIPv6 {server.get('accessIPv6') or '-'}",
        server,
    )


@subcommand(
    "password",
    "change a server's admin password (asked for with a prompt)",
    arg("server"),
    completes=SERVER,
    secret_safe=True,
)
def password(nova, args):
    first = ask_secret(f"New admin password for {args.server}: ")
    if ask_secret("Again: ") != first:
        raise NovaMagicError("the two passwords differ; nothing was changed", hint="try again")
    nova.cloud.change_password(args.server, first)
    return Message(f"changed the admin password of {args.server}")


def _outcomes(nova, results, output, what: str):
    """A bulk result as a frame; the cell fails (after storing -o) when an item failed."""
    frame = mark_frame(load_frames().outcomes_frame(results), "outcomes")
    failed = results.failed
    if failed:
        nova.store(output, frame)
        error = failed[0]["error"]
        summary = f"{len(failed)} of {len(results)} {what} failed; the others went through"
        error.hint = f"{summary}; {error.hint}" if error.hint else summary
        raise error
    return frame


@subcommand(
    "reboot",
    "reboot servers (soft; --hard for a power cycle)",
    arg("servers", nargs="+"),
    arg("--hard", action="store_true"),
    completes=SERVER,
)
def reboot(nova, args):
    kind = "hard" if args.hard else "soft"
    if len(args.servers) == 1:
        nova.cloud.reboot(args.servers[0], hard=args.hard)
        return Message(f"rebooting {args.servers[0]} ({kind})")
    results = nova.cloud.reboot_servers(args.servers, hard=args.hard)
    return _outcomes(nova, results, args.output, "reboots")


@subcommand(
    "rebuild",
    "rebuild a server from an image",
    arg("server"),
    arg("image"),
    arg("--name", help="a new name"),
    arg("--meta", nargs="*", default=None, metavar="KEY=VALUE", help="replace the metadata"),
    completes={"server": "server", "image": "image"},
)
def rebuild(nova, args):
    metadata = parse_pairs(args.meta) if args.meta is not None else None
    server = nova.cloud.rebuild(args.server, args.image, name=args.name, metadata=metadata)
    nova.forget_names()
    return Message(f"rebuilding {args.server} from {args.image} ({server.get('status')})", server)


@subcommand(
    "resize",
    "resize a server to another flavor (--wait, then --confirm or --revert)",
    arg("server"),
    arg("flavor"),
    arg("--wait", action="store_true", help="wait until the resize awaits confirmation"),
    arg("--confirm", action="store_true", help="wait, then confirm the resize"),
    arg("--revert", action="store_true", help="wait, then revert the resize"),
    arg("--timeout", type=float, help="seconds (default NovaMagics.timeout)"),
    completes={"server": "server", "flavor": "flavor"},
)
def resize(nova, args):
    if args.confirm and args.revert:
        raise UsageError("%nova resize: --confirm or --revert, not both")
    finish = "confirm" if args.confirm else "revert" if args.revert else None
    waiting = args.wait or finish is not None
    follow = (
        nova.following(
            args.server,
            "VERIFY_RESIZE" if finish is None else "ACTIVE",
            label=f"{args.server} -> {args.flavor}",
            interrupted=(
                f"stopped waiting for the resize of {args.server}; it goes on and nothing was "
                "undone",
                f"%nova wait {args.server} --status VERIFY_RESIZE, then %nova confirm-resize "
                f"or revert-resize {args.server} (once it is there)",
            ),
        )
        if waiting
        else nullcontext()
    )
    with follow as show:
        server = nova.cloud.resize(
            args.server,
            args.flavor,
            wait=args.wait,
            finish=finish,
            timeout=args.timeout or nova.timeout,
            callback=show,
        )
    if finish == "confirm":
        return Message(f"resized {args.server} to {args.flavor} and confirmed", server)
    if finish == "revert":
        return Message(f"resized {args.server} to {args.flavor}, then reverted", server)
    if args.wait:
        return Message(
            f"{args.server} is resized to {args.flavor}: %nova confirm-resize or revert-resize",
            server,
        )
    return Message(
        f"resizing {args.server} to {args.flavor}; then %nova confirm-resize {args.server}"
    )


@subcommand("confirm-resize", "keep a resized server's new flavor", arg("server"), completes=SERVER)
def confirm_resize(nova, args):
    nova.cloud.confirm_resize(args.server)
    return Message(f"confirmed the resize of {args.server}")


@subcommand(
    "revert-resize", "go back to a resized server's old flavor", arg("server"), completes=SERVER
)
def revert_resize(nova, args):
    nova.cloud.revert_resize(args.server)
    return Message(f"reverting the resize of {args.server}")


@subcommand(
    "snapshot",
    "create an image from a server",
    arg("server"),
    arg("name", metavar="IMAGE_NAME"),
    arg("--meta", nargs="*", default=None, metavar="KEY=VALUE"),
    completes=SERVER,
)
def snapshot(nova, args):
    metadata = parse_pairs(args.meta) if args.meta else {}
    image = nova.cloud.create_image(args.server, args.name, metadata=metadata)
    nova.forget_names()
    return mark_frame(load_frames().images_frame([image]), "images")


@subcommand("start", "start (power on) a server", arg("server"), completes=SERVER)
def start(nova, args):
    nova.cloud.start_server(args.server)
    return Message(f"starting {args.server}")


@subcommand("stop", "stop (power off) a server", arg("server"), completes=SERVER)
def stop(nova, args):
    nova.cloud.stop_server(args.server)
    return Message(f"stopping {args.server}")


@subcommand(
    "delete",
    "delete servers (several at once)",
    arg("servers", nargs="+"),
    arg("--wait", action="store_true", help="wait until they are gone"),
    arg("--timeout", type=float),
    completes=SERVER,
)
def delete(nova, args):
    cloud = nova.cloud
    if len(args.servers) == 1:
        cloud.delete_server(args.servers[0], wait=args.wait, timeout=args.timeout or nova.timeout)
        nova.forget_names()
        return Message(f"{'deleted' if args.wait else 'deleting'} {args.servers[0]}")
    try:
        results = cloud.delete_servers(
            args.servers, wait=args.wait, timeout=args.timeout or nova.timeout
        )
    except KeyboardInterrupt:
        raise NovaMagicError(
            "stopped waiting; the deletions already sent go on (nothing else was changed)",
            hint="%nova servers shows what is left; %nova wait NAME --status DELETED follows one",
        ) from None
    finally:
        nova.forget_names()
    return _outcomes(nova, results, args.output, "deletions")


@subcommand("delete-image", "delete an image", arg("image"), completes={"image": "image"})
def delete_image(nova, args):
    nova.cloud.delete_image(args.image)
    nova.forget_names()
    return Message(f"deleted image {args.image}")


# --- waiting -------------------------------------------------------------------------------------


@subcommand(
    "wait",
    "wait until a server reaches a status (ACTIVE by default) with no task running",
    arg("server"),
    arg("--status", default="ACTIVE", help="ACTIVE, SHUTOFF, VERIFY_RESIZE, DELETED, ..."),
    arg("--timeout", type=float, help="seconds (default NovaMagics.timeout)"),
    completes=SERVER,
)
def wait(nova, args):
    server = nova.wait_for(args.server, args.status.upper(), args.timeout)
    if server is None:
        return Message(f"{args.server} is gone")
    return mark_frame(load_frames().servers_frame([server]), "servers")
