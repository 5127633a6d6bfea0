"""The ``%nova`` subcommands and the ``%%nova_boot`` handler.

Each handler is: arguments -> one client call (``nova.cloud.<operation>``) -> a frame or a small
result object. Heavy modules (pandas via novamagic.frames, the client, yaml, tqdm, matplotlib)
are imported inside the handlers so ``%load_ext novamagic`` stays cheap.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

from IPython.core.error import UsageError

from novamagic.magics.parsing import parse_boot_spec, parse_json_body, parse_pairs
from novamagic.magics.registry import SUBCOMMANDS, arg, subcommand
from novamagic.magics.rendering import (
    AdminPasswords,
    JSONView,
    Message,
    NovaMagicError,
    Record,
    Report,
    mark_frame,
)

SERVER = {"server": "server", "servers": "server"}


def _frames():
    from novamagic import frames

    return frames


def _getpass(prompt: str) -> str:
    """Prompt without echo; in a kernel without stdin (nbval, papermill) say what to do instead."""
    import getpass

    try:
        value = getpass.getpass(prompt)
    except Exception as exc:  # ipykernel's StdinNotImplementedError, EOFError without a terminal
        raise NovaMagicError(
            f"cannot prompt for a secret here ({type(exc).__name__})",
            hint="put the password in clouds.yaml/secure.yaml or OS_PASSWORD, then %nova login",
        ) from None
    if not value:
        raise NovaMagicError("no password given", hint="type it at the prompt")
    return value


# --- help ----------------------------------------------------------------------------------------


@subcommand(
    "help",
    "list the subcommands, or explain one",
    arg("subcommand", nargs="?", help="the subcommand to explain"),
)
def help_(nova, args):
    if args.subcommand:
        name = args.subcommand.lstrip("%")
        if name not in SUBCOMMANDS:
            return nova.run_subcommand(name, ["--help"])  # the unknown-name error
        SUBCOMMANDS[name].parser().print_help()
        return None
    visible = [c for c in SUBCOMMANDS.values() if not c.hidden]
    width = max(len(c.name) for c in visible)
    lines = ["%nova SUBCOMMAND [options]   (%nova SUBCOMMAND --help for its options)", ""]
    lines += [f"  {c.name.ljust(width)}  {c.summary}" for c in visible]
    lines += [
        "",
        "Every subcommand returns its result; -o NAME also stores it in a variable.",
        "%%nova_boot boots servers from a YAML spec in the cell (%nova help nova_boot).",
    ]
    print("\n".join(lines))
    return None


# --- session -------------------------------------------------------------------------------------

_PROMPT = object()


@subcommand(
    "login",
    "connect to a cloud (clouds.yaml name, OS_* variables, explicit options, or --local)",
    arg(
        "cloud",
        nargs="?",
        help="a cloud from clouds.yaml (default: NovaMagics.default_cloud, OS_CLOUD)",
    ),
    arg("--auth-url", help="Keystone URL, e.g. https://keystone.example.org/v3"),
    arg("--user", help="user name (the password is asked for, never typed on the line)"),
    arg("--project", help="project (tenant) name"),
    arg("--user-domain", help="user domain name (Keystone v3)"),
    arg("--project-domain", help="project domain name (Keystone v3)"),
    arg("--region", help="region name"),
    arg("--interface", choices=("public", "internal", "admin"), help="endpoint interface"),
    arg(
        "--token",
        nargs="?",
        const=_PROMPT,
        help="authenticate with a token, asked for with a prompt (a value on the line is refused)",
    ),
    arg("--microversion", help="pin the compute microversion, e.g. 2.1"),
    arg("--local", action="store_true", help="start a local cloud in this kernel and use it"),
    secret_safe=True,
)
def login(nova, args):
    """Connect to a cloud. Credentials come from clouds.yaml/secure.yaml, OS_* variables or the
    options here; a password is asked for with a prompt (getpass), never read from the line. With
    no configuration at all (or --local) a local cloud is started in this kernel."""
    from novamagic.client import connect

    if args.local:
        pin = {"compute_api_version": args.microversion} if args.microversion else {}
        cloud = connect(local=True, **pin)
        nova.set_cloud(cloud)
        return Message(
            f"logged in to a local cloud started in this kernel at {cloud.config.auth_url} "
            "as joe (project openstack)",
            cloud.whoami(),
        )
    options = {
        "auth_url": args.auth_url,
        "username": args.user,
        "project_name": args.project,
        "user_domain_name": args.user_domain,
        "project_domain_name": args.project_domain,
        "region_name": args.region,
        "interface": args.interface,
        "compute_api_version": args.microversion,
    }
    options = {k: v for k, v in options.items() if v is not None}
    if args.token is not None and args.token is not _PROMPT:
        # A token typed on the line would be saved with the notebook, like a password.
        raise UsageError(
            "%nova login: refusing a token on the magic line (it would be saved in the notebook). "
            "Use `%nova login --token` alone to be prompted for it, or set OS_TOKEN."
        )
    if args.token is _PROMPT:
        options["token"] = _getpass("Token: ")
    if args.user and "token" not in options and not os.environ.get("OS_PASSWORD"):
        where = args.auth_url or args.cloud or "the cloud"
        options["password"] = _getpass(f"Password for {args.user} at {where}: ")
    name = args.cloud or (None if args.auth_url else nova.default_cloud)
    cloud = connect(name, **options)
    nova.set_cloud(cloud)
    who = cloud.whoami()
    version = who.get("microversion") or who.get("api")
    return Message(
        f"logged in as {who.get('username')} (project {who.get('project_name')}) at "
        f"{who.get('auth_url')}; compute {version}; credentials from {who.get('source')}",
        who,
    )


@subcommand(
    "use",
    "let the magics share a Cloud made in Python (cloud = novamagic.connect(...))",
    arg("variable", help="the name of a variable holding a novamagic Cloud"),
)
def use(nova, args):
    """Use a connection made in Python, e.g. ``cloud = novamagic.connect(local=lc)`` and then
    ``%nova use cloud``: the magics and the Python API share one session (one history, one
    session tag, one cleanup). ``%nova logout`` forgets it; it stays open for the Python code that
    made it (``cloud.close()`` closes it)."""
    from novamagic.client import Cloud

    namespace = nova.shell.user_ns
    value = namespace.get(args.variable)
    if not isinstance(value, Cloud):
        what = f"of type {type(value).__name__}" if args.variable in namespace else "not defined"
        raise UsageError(
            f"%nova use {args.variable}: {args.variable} is {what}, not a novamagic Cloud; "
            "e.g. cloud = novamagic.connect(), then %nova use cloud"
        )
    nova.set_cloud(value, owned=False)
    who = value.whoami()
    version = who.get("microversion") or who.get("api")
    return Message(
        f"using {args.variable}: {who.get('username')} (project {who.get('project_name')}) at "
        f"{who.get('auth_url')}; compute {version}; credentials from {who.get('source')}",
        who,
    )


@subcommand("logout", "forget the connection (and stop a local cloud started here)")
def logout(nova, args):
    had = nova.has_cloud
    nova.set_cloud(None)
    return Message("logged out" if had else "not logged in")


@subcommand("whoami", "user, project, region, endpoint, microversion and token expiry")
def whoami(nova, args):
    return Record(nova.cloud.whoami(), "whoami")


# --- listings ------------------------------------------------------------------------------------


@subcommand(
    "servers",
    "servers as a DataFrame (filters: --name, --status, --image, --flavor, --all-projects)",
    arg("--name", help="Nova's regular expression on the name"),
    arg("--status", help="ACTIVE, BUILD, ERROR, SHUTOFF, ..."),
    arg("--image", help="image name or id"),
    arg("--flavor", help="flavor name or id"),
    arg("--changes-since", help="ISO 8601 time"),
    arg("--tag", help="only servers with this tag"),
    arg("--limit", type=int, help="at most this many servers"),
    arg("--all-projects", action="store_true", help="every project's servers (admins only)"),
    completes={"image": "image", "flavor": "flavor"},
)
def servers(nova, args):
    from novamagic.client import Forbidden

    try:
        found = nova.cloud.servers(
            name=args.name,
            status=args.status,
            image=args.image,
            flavor=args.flavor,
            changes_since=args.changes_since,
            tags=args.tag,
            limit=args.limit,
            all_projects=args.all_projects,
        )
    except Forbidden as exc:
        if args.all_projects and not exc.hint:
            exc.hint = "--all-projects needs an admin role; without it you see your project's"
        raise
    return mark_frame(_frames().servers_frame(found), "servers")


@subcommand("flavors", "flavors as a DataFrame")
def flavors(nova, args):
    return mark_frame(_frames().flavors_frame(nova.cloud.flavors()), "flavors")


@subcommand(
    "images",
    "images as a DataFrame",
    arg("--name", help="exact image name"),
    arg("--status", help="e.g. active, saving"),
)
def images(nova, args):
    filters = {k: v for k, v in (("name", args.name), ("status", args.status)) if v}
    return mark_frame(_frames().images_frame(nova.cloud.images(**filters)), "images")


@subcommand(
    "show",
    "one server (or --image / --flavor) with every field",
    arg("ref", metavar="NAME_OR_ID"),
    arg("--image", action="store_true", help="show an image instead of a server"),
    arg("--flavor", action="store_true", help="show a flavor instead of a server"),
    completes={"ref": "server"},
)
def show(nova, args):
    if args.image and args.flavor:
        raise UsageError("%nova show: --image or --flavor, not both")
    if args.image:
        return Record(nova.cloud.image(args.ref), f"image {args.ref}")
    if args.flavor:
        return Record(nova.cloud.flavor(args.ref), f"flavor {args.ref}")
    return Record(nova.cloud.server(args.ref), f"server {args.ref}")


@subcommand(
    "addresses",
    "IP addresses (long format); of one server, or of every server",
    arg("server", nargs="?", metavar="SERVER", help="a server (default: every server)"),
    arg("--network", help="only this network (needs SERVER)"),
    completes={"server": "server"},
)
def addresses(nova, args):
    frames = _frames()
    if args.server is None:
        if args.network:
            raise UsageError("%nova addresses: --network needs a SERVER")
        return mark_frame(frames.addresses_frame(nova.cloud.servers()), "addresses")
    found = nova.cloud.addresses(args.server, network=args.network)
    return mark_frame(frames.addresses_frame(found, server=args.server), "addresses")


@subcommand("limits", "absolute limits with usage (name, used, max)")
def limits(nova, args):
    return mark_frame(_frames().limits_frame(nova.cloud.limits()), "limits")


@subcommand(
    "history",
    "the HTTP requests this session made (method, path, status, ms, request id)",
    arg("-n", "--last", type=int, default=None, help="only the last N requests"),
)
def history(nova, args):
    entries = list(nova.cloud.history)
    if args.last is not None:
        entries = entries[-args.last :] if args.last > 0 else []
    return mark_frame(_frames().history_frame(entries), "history")


# --- metadata ------------------------------------------------------------------------------------

_META_ACTIONS = ("list", "get", "set", "update", "delete")


def _metadata(nova, api, args, kind: str):
    if args.action == "list" and args.items:
        raise UsageError(f"%nova {kind} list takes no KEY or KEY=VALUE")
    if args.action in ("get", "delete") and len(args.items) != 1:
        raise UsageError(f"%nova {kind} {args.action} needs exactly one KEY")
    if args.action == "update" and not args.items:  # "set" with none clears them all
        raise UsageError(f"%nova {kind} update needs KEY=VALUE pairs")
    frames = _frames()
    if args.action == "list":
        return mark_frame(frames.metadata_frame(api.get(args.ref)), "metadata")
    if args.action == "get":
        return api.get_item(args.ref, args.items[0])
    if args.action == "delete":
        api.delete_item(args.ref, args.items[0])
        return Message(f"deleted metadata {args.items[0]!r} of {args.ref}")
    pairs = parse_pairs(args.items)
    call = api.set if args.action == "set" else api.update
    return mark_frame(frames.metadata_frame(call(args.ref, pairs)), "metadata")


_META_ARGS = (
    arg(
        "action",
        choices=_META_ACTIONS,
        help="list | get KEY | set K=V... (replaces all) | update K=V... (merges) | delete KEY",
    ),
    arg("ref", metavar="NAME_OR_ID"),
    arg("items", nargs="*", metavar="KEY or KEY=VALUE"),
)


@subcommand(
    "meta",
    "server metadata: list, get, set (replace), update (merge), delete",
    *_META_ARGS,
    completes={"ref": "server"},
)
def meta(nova, args):
    return _metadata(nova, nova.cloud.server_metadata, args, "meta")


@subcommand(
    "image-meta",
    "image metadata: list, get, set (replace), update (merge), delete",
    *_META_ARGS,
    completes={"ref": "image"},
)
def image_meta(nova, args):
    return _metadata(nova, nova.cloud.image_metadata, args, "image-meta")


# --- changing servers ----------------------------------------------------------------------------


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
    first = _getpass(f"New admin password for {args.server}: ")
    if _getpass("Again: ") != first:
        raise NovaMagicError("the two passwords differ; nothing was changed", hint="try again")
    nova.cloud.change_password(args.server, first)
    return Message(f"changed the admin password of {args.server}")


def _outcomes(nova, results, output, what: str):
    """A bulk result as a frame; the cell fails (after storing -o) when an item failed."""
    frame = mark_frame(_frames().outcomes_frame(results), "outcomes")
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
    return mark_frame(_frames().images_frame([image]), "images")


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
    return mark_frame(_frames().servers_frame([server]), "servers")


# --- raw, report, cleanup ------------------------------------------------------------------------


@subcommand(
    "raw",
    "any compute API call, pretty-printed JSON (the book's chapter 7)",
    arg("method", type=str.upper, choices=("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH")),
    arg("path", help="relative to the compute endpoint, e.g. /servers/detail, or a full URL"),
    arg("body", nargs="?", help="JSON (quoted as one word) or $variable holding a dict"),
    arg("--microversion", help="send this microversion for this call"),
    verbatim_after=2,
    description=(
        "Any compute API call; the answer pretty-printed. Options go before METHOD; everything "
        "after PATH is the body, as typed: JSON ('{\"server\": {...}}') or $var holding a dict."
    ),
)
def raw(nova, args):
    body = parse_json_body(args.body)
    cloud = nova.cloud
    data = cloud.raw(args.method, args.path, body, microversion=args.microversion)
    last = cloud.history[-1] if len(cloud.history) else {}
    return JSONView(data, status=last.get("status"), request_id=last.get("request_id"))


@subcommand(
    "report",
    "fleet summary: servers by status and flavor, vCPU/RAM/disk against limits, with a plot",
    arg("--no-plot", action="store_true", help="the tables only"),
)
def report(nova, args):
    frames = _frames()
    servers_df = frames.servers_frame(nova.cloud.servers())
    limits_df = frames.limits_frame(nova.cloud.limits())
    summary = frames.fleet_summary(servers_df, limits_df)
    figure, note = None, None
    if not args.no_plot:
        figure, note = _plot(summary)
    return Report(summary, servers_df, limits_df, figure=figure, note=note)


def _plot(summary):
    """A two-panel matplotlib figure, or (None, note) when matplotlib is not installed."""
    try:
        # A bare Figure needs no pyplot and leaves the user's backend alone; PNG export is Agg.
        from matplotlib.figure import Figure
    except ImportError:
        return None, "matplotlib is not installed: pip install matplotlib for the plot"
    figure = Figure(figsize=(9, 3))
    left, right = figure.subplots(1, 2)
    by_status = summary["by_status"]
    # Horizontal bars: status names such as VERIFY_RESIZE are long and would overlap below bars.
    left.barh(by_status["status"].astype(str), by_status["servers"].astype(int), color="#4c72b0")
    left.invert_yaxis()  # the first status of the table on top, as in the table
    left.set_title("servers by status")
    totals = summary["totals"].dropna(subset=["percent"])
    right.barh(totals["resource"].astype(str), totals["percent"].astype(float), color="#dd8452")
    right.set_xlim(0, max(100.0, float(totals["percent"].max()) if len(totals) else 100.0))
    right.set_title("% of limit used")
    figure.tight_layout()
    return figure, None


@subcommand(
    "cleanup",
    "list the servers and images this kernel created; delete them with --yes",
    arg("--yes", action="store_true", help="really delete them"),
)
def cleanup(nova, args):
    frames = _frames()
    if not args.yes:
        listing = nova.cloud.cleanup(dry_run=True)
        kinds = [entry["kind"] for entry in listing]
        print(
            f"{kinds.count('server')} server(s) and {kinds.count('image')} image(s) created by "
            "this kernel; %nova cleanup --yes deletes them"
        )
        rows = [dict(e, item=f"{e['kind']} {e['name']} ({e['item']})") for e in listing]
        return mark_frame(frames.outcomes_frame(rows).rename(columns={"ok": "deleted"}), "cleanup")
    results = nova.cloud.cleanup()
    nova.forget_names()
    rows = [dict(e, item=f"{e['kind']} {e['item']}") for e in results]
    return mark_frame(frames.outcomes_frame(rows).rename(columns={"ok": "deleted"}), "cleanup")


# --- the local cloud -----------------------------------------------------------------------------

_LOCAL_ACTIONS = ("status", "reset", "tick", "advance", "speed", "fault", "faults", "state")


@subcommand(
    "local",
    "the local cloud: status, reset, tick/advance SECONDS, speed X, fault PATH [--status ...]",
    arg("action", choices=_LOCAL_ACTIONS),
    arg(
        "value", nargs="?", help="seconds for tick/advance, factor for speed, path regex for fault"
    ),
    arg("--status", type=int, dest="fault_status", help="fault: HTTP status to answer (503)"),
    arg("--method", help="fault: only this HTTP method"),
    arg("--rate", type=float, default=1.0, help="fault: share of matching requests (0..1)"),
    arg("--latency", type=float, default=0.0, help="fault: seconds of delay"),
    arg("--drop", choices=("before", "after"), help="fault: drop the connection"),
    arg("--count", type=int, help="fault: only this many times"),
    arg("--clear", action="store_true", help="fault: remove every fault"),
)
def local(nova, args):
    control = nova.cloud.control
    action = args.action
    if action == "status":
        return Record(control.status(), "local cloud")
    if action == "state":
        return JSONView(control.state())
    if action == "reset":
        result = control.reset()
        nova.forget_names()
        return Message("the local cloud is back to its seeded catalogue, with no servers", result)
    if action in ("tick", "advance"):
        seconds = _number(args.value, "seconds", f"%nova local {action} 30")
        return Message(f"advanced the clock by {seconds:g} s", control.tick(seconds))
    if action == "speed":
        speed = _number(args.value, "speed factor", "%nova local speed 10")
        return Message(f"clock speed set to {speed:g}x", control.set_speed(speed))
    if action == "faults":
        return JSONView(control.faults())
    if args.clear:
        control.clear_faults()
        return Message("cleared every fault")
    fault = control.inject_fault(
        args.value or ".*",
        status=args.fault_status,
        method=args.method,
        rate=args.rate,
        latency=args.latency,
        drop=args.drop or False,
        count=args.count,
    )
    return Message(f"fault injected: {fault}", fault)


def _number(text, what: str, example: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise UsageError(f"expected {what} as a number, got {text!r}; e.g. {example}") from None


# --- %%nova_boot ---------------------------------------------------------------------------------


@subcommand(
    "nova_boot",
    "boot servers from a YAML spec (cell magic)",
    arg("--count", type=int, default=1, help="how many servers; the name needs {n} when > 1"),
    arg("--wait", action="store_true", help="wait until they are ACTIVE"),
    arg("--timeout", type=float, help="seconds to wait (default NovaMagics.timeout)"),
    arg(
        "--dry-run", action="store_true", help="check image, flavor, limits and quota; send nothing"
    ),
    arg("--force-new", action="store_true", help="boot even when servers with those names exist"),
    hidden=True,
    description=(
        "Boot servers from the YAML spec in the cell: name (with {n} for --count), image, flavor, "
        "metadata, files (path: text, or path: {file: local/path}), access_ipv4, access_ipv6, "
        "key_name. Re-running skips servers that already exist under those names. The result is "
        "a servers DataFrame; result.attrs['admin_passwords'][NAME] reads a new server's adminPass "
        "(masked everywhere else)."
    ),
)
def nova_boot(nova, args):
    spec = parse_boot_spec(args.spec_text, count=args.count, base=Path.cwd())
    names = spec.pop("names")
    cloud = nova.cloud
    skip_existing = not args.force_new
    if args.dry_run:
        return _plan_record(cloud.check_boot(names, skip_existing=skip_existing, **spec))
    with nova.progress_bar(len(names), "booting", unit="server") as bar:
        try:
            results = cloud.create_servers(
                names,
                skip_existing=skip_existing,
                wait=args.wait,
                timeout=args.timeout or nova.timeout,
                progress=_BootTracker(bar),
                **spec,
            )
        except KeyboardInterrupt:
            raise NovaMagicError(
                "stopped waiting; the servers already requested keep booting (nothing was deleted)",
                hint="re-run the cell (existing servers are skipped) or %nova wait NAME",
            ) from None
    nova.forget_names()
    existing = [r["result"] for r in results if r["skipped"]]
    booted = [r["result"] for r in results if r["ok"] and not r["skipped"]]
    frame = mark_frame(_frames().servers_frame(existing + booted), "servers")
    frame.attrs["admin_passwords"] = AdminPasswords(
        {s["name"]: secret for s in booted if (secret := cloud.admin_password(s["id"]))}
    )
    frame.attrs["existing"] = [s["name"] for s in existing]
    if existing:
        print(
            f"already there, not booted again: {', '.join(s['name'] for s in existing)} "
            "(--force-new boots new ones)"
        )
    failed = results.failed
    nova.store(args.output, frame)
    if failed:
        error = failed[0]["error"]
        tried = len(results) - len(existing)
        error.hint = f"{len(failed)} of {tried} boots failed; the others are in the result" + (
            f"; {error.hint}" if error.hint else ""
        )
        raise error
    return frame


class _BootTracker:
    """The progress hook of ``cloud.create_servers``: one bar counting servers done, with the
    latest status of a few of them."""

    def __init__(self, bar):
        import threading

        self.bar = bar
        self.states: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, event):
        status = event["status"] or ("refused" if event["error"] else "?")
        with self.lock:
            self.states[event["name"]] = f"{status} {event['progress']}%"
            summary = ", ".join(f"{n}: {s}" for n, s in sorted(self.states.items())[:4])
            self.bar.set_postfix_str(summary, refresh=False)
            if event["done"]:
                self.bar.update(1)
            else:
                self.bar.refresh()


def _plan_record(plan: dict) -> Record:
    quota = ", ".join(
        f"{q['resource']} {q['needed']} of {'unlimited' if q['free'] is None else q['free']} free"
        for q in plan["quota"]
    )
    flavor = plan["flavor"]
    return Record(
        {
            "would boot": ", ".join(plan["boot"]) or "nothing",
            "already there": ", ".join(plan["skip"]) or "-",
            "image": f"{plan['image']['name']} ({plan['image']['id']})",
            "flavor": f"{flavor['name']} ({flavor['vcpus']} vCPU, {flavor['ram']} MB RAM, {flavor['disk']} GB disk)",
            "quota": quota,
        },
        "dry run: checked, nothing sent",
    )
