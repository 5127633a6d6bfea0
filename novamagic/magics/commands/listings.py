"""The read-only listings: ``servers``, ``flavors``, ``images``, ``show``, ``addresses``,
``limits`` and ``history``, each one client call turned into a frame (or a record)."""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.commands.common import MANY_CLOUDS, load_frames, many_clouds, say_failures
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    Record,
    mark_frame,
)

#: What ``openstack server list`` shows, and so ``%nova servers`` by default: it fits a 1280 px
#: window. ``--long`` is the whole typed frame (novamagic.frames.servers_frame, unchanged).
SERVER_VIEW = ("id", "name", "status", "networks", "image", "flavor")


def networks_text(server: dict) -> str:
    """``private=10.0.0.3, 172.24.4.12; public=172.24.4.10``, the CLI's Networks column with
    the IPv4 addresses only (a network without any shows its IPv6 ones): with every IPv6 address
    too, the column no longer fits a 1280 px window. ``--long`` has the addresses by kind."""
    parts = []
    for network, entries in (server.get("addresses") or {}).items():
        entries = list(entries or ())
        ipv4 = [e for e in entries if e.get("version") == 4] or entries
        parts.append(f"{network}=" + ", ".join(str(e.get("addr")) for e in ipv4))
    return "; ".join(parts)


def server_view(frame, networks: list[str], *, long: bool, columns: list[str] | None):
    """The frame to show: the CLI's columns, every column (``--long``) or those asked for;
    ``networks``: each row's :func:`networks_text`."""
    frame = frame.copy()
    frame.insert(frame.columns.get_loc("status") + 1, "networks", networks)
    frame["networks"] = frame["networks"].astype("string")
    if columns:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise UsageError(
                f"%nova servers: no column {unknown[0]!r}; choose from {', '.join(frame.columns)}"
            )
        return frame[list(dict.fromkeys(columns))]
    if long:
        return frame.drop(columns="networks")  # the typed frame as novamagic.frames makes it
    view = frame[list(SERVER_VIEW)].copy()
    # as the CLI: an id where the name is unknown (a failed lookup), and a volume said as such
    view["image"] = view["image"].fillna(frame["image_id"]).fillna("N/A (booted from volume)")
    view["flavor"] = view["flavor"].fillna(frame["flavor_id"])
    return view


@subcommand(
    "servers",
    "servers as `openstack server list` shows them (--long: every column, -c COLUMN: some)",
    arg("--name", help="Nova's regular expression on the name"),
    arg("--status", help="ACTIVE, BUILD, ERROR, SHUTOFF, ..."),
    arg("--image", help="image name or id"),
    arg("--flavor", help="flavor name or id"),
    arg("--changes-since", help="ISO 8601 time"),
    arg("--tag", help="only servers with this tag"),
    arg("--limit", type=int, help="at most this many servers"),
    arg("--all-projects", action="store_true", help="every project's servers (admins only)"),
    *MANY_CLOUDS,
    arg("--long", action="store_true", help="every column of the typed servers frame"),
    arg(
        "-c",
        "--column",
        action="append",
        dest="columns",
        metavar="COLUMN",
        help="show this column (repeatable), like the CLI's -c",
    ),
    completes={"image": "image", "flavor": "flavor"},
    description=(
        "Servers as a DataFrame. With --cloud (repeatable), --region or --all-regions, every "
        "cloud and region is asked at once and the rows come back in one frame with cloud and "
        "region columns; a cloud that fails is one line, the others still answer."
    ),
)
def servers(nova, args):
    from novamagic.client import Forbidden

    filters = dict(
        name=args.name,
        status=args.status,
        image=args.image,
        flavor=args.flavor,
        changes_since=args.changes_since,
        tags=args.tag,
        limit=args.limit,
        all_projects=args.all_projects,
    )
    targets = many_clouds(nova, args)
    if targets is not None:
        merged = load_frames().servers_across(
            targets, regions=args.region, all_regions=args.all_regions, **filters
        )
        say_failures(merged)
        frame = merged.frame
        if args.columns or not args.long:  # the CLI's columns after cloud and region
            wanted = args.columns or [c for c in ("cloud", "region", *SERVER_VIEW) if c in frame]
            unknown = [c for c in wanted if c not in frame.columns]
            if unknown:
                raise UsageError(
                    f"%nova servers: no column {unknown[0]!r}; choose from {', '.join(frame.columns)}"
                )
            frame = frame[list(dict.fromkeys(wanted))]
        return mark_frame(frame, "servers")
    networks: list[str] = []

    def noting_networks(servers):  # the pages stream into the frame; only this text stays
        for server in servers:
            networks.append(networks_text(server))
            yield server

    try:
        frame = load_frames().servers_frame(noting_networks(nova.cloud.iter_servers(**filters)))
    except Forbidden as exc:
        if args.all_projects and not exc.hint:
            exc.hint = "--all-projects needs an admin role; without it you see your project's"
        raise
    return mark_frame(server_view(frame, networks, long=args.long, columns=args.columns), "servers")


@subcommand("flavors", "flavors as a DataFrame")
def flavors(nova, args):
    return mark_frame(load_frames().flavors_frame(nova.cloud.flavors()), "flavors")


@subcommand(
    "images",
    "images as a DataFrame",
    arg("--name", help="exact image name"),
    arg("--status", help="e.g. active, saving"),
)
def images(nova, args):
    filters = {k: v for k, v in (("name", args.name), ("status", args.status)) if v}
    return mark_frame(load_frames().images_frame(nova.cloud.images(**filters)), "images")


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
    frames = load_frames()
    if args.server is None:
        if args.network:
            raise UsageError("%nova addresses: --network needs a SERVER")
        return mark_frame(frames.addresses_frame(nova.cloud.servers()), "addresses")
    # The server's own addresses carry the address type and MAC (the /ips view has neither).
    server = nova.cloud.server(args.server)
    if args.network and args.network not in (server.get("addresses") or {}):
        nova.cloud.addresses(server, network=args.network)  # the cloud's own 404 says why
        return mark_frame(frames.addresses_frame({}), "addresses")
    if args.network:
        server = dict(server, addresses={args.network: server["addresses"][args.network]})
    return mark_frame(frames.addresses_frame(server), "addresses")


@subcommand("limits", "absolute limits with usage (name, used, max)")
def limits(nova, args):
    return mark_frame(load_frames().limits_frame(nova.cloud.limits()), "limits")


@subcommand(
    "history",
    "the HTTP requests this session made (method, path, status, ms, request id)",
    arg("-n", "--last", type=int, default=None, help="only the last N requests"),
)
def history(nova, args):
    entries = list(nova.cloud.history)
    if args.last is not None:
        entries = entries[-args.last :] if args.last > 0 else []
    return mark_frame(load_frames().history_frame(entries), "history")
