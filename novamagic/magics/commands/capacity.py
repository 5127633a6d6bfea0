"""Usage and capacity: ``usage`` (what servers used over a period, per project or per server)
and ``hypervisors`` (the hosts and what they hold; admins only)."""

from __future__ import annotations

from novamagic.magics.commands.common import load_frames
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import mark_frame


@subcommand(
    "usage",
    "usage over a period, per project (--servers: per server; --all-projects for admins)",
    arg("--start", help="ISO 8601 date or time, UTC unless it says (default: all so far)"),
    arg("--end", help="ISO 8601 date or time (default: the cloud's now)"),
    arg("--all-projects", action="store_true", help="every project's usage (admins only)"),
    arg("--project", help="another project's id (its members or an admin)"),
    arg("--servers", action="store_true", help="one row per server instead of per project"),
    description=(
        "What servers used between --start and --end, from the cloud's own accounting (Nova's "
        "os-simple-tenant-usage): hours, vCPU-hours, RAM MB-hours and disk GB-hours per project, "
        "or per server with --servers. Deleted servers count up to their deletion."
    ),
)
def usage(nova, args):
    from novamagic.client import Forbidden

    frames = load_frames()
    try:
        found = nova.cloud.usage(
            args.start, args.end, project=args.project, all_projects=args.all_projects
        )
    except Forbidden as exc:
        if (args.all_projects or args.project) and not exc.hint:
            exc.hint = "another project's usage needs an admin role; without it, see your own"
        raise
    if args.servers:
        return mark_frame(frames.server_usage_frame(found), "server_usage")
    return mark_frame(frames.usage_frame(found), "usage")


@subcommand(
    "hypervisors",
    "the compute hosts: vCPUs, RAM and disk, and how much of each is in use (admins only)",
    arg("--zones", action="store_true", help="the availability zones instead"),
)
def hypervisors(nova, args):
    from novamagic.client import Forbidden

    frames = load_frames()
    if args.zones:
        return mark_frame(frames.zones_frame(nova.cloud.availability_zones()), "zones")
    try:
        found = nova.cloud.hypervisors()
    except Forbidden as exc:
        if not exc.hint:
            exc.hint = "the hypervisors are an admin's view: %nova login with an admin account"
        raise
    return mark_frame(frames.hypervisors_frame(found), "hypervisors")
