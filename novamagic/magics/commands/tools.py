"""``%nova raw`` (any compute call, the book's chapter 7), ``report`` (the fleet summary with
a plot) and ``cleanup`` (what this kernel created)."""

from __future__ import annotations

from novamagic.magics.commands.common import MANY_CLOUDS, load_frames, many_clouds, say_failures
from novamagic.magics.parsing import parse_json_body
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    JSONView,
    NovaMagicError,
    mark_frame,
)


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
    "fleet report: servers by status and flavor, against quota and hosts, usage, with plots",
    arg("--no-plot", action="store_true", help="the tables only"),
    arg("--start", help="usage from this ISO 8601 date or time (default: all so far)"),
    arg("--end", help="usage up to this date or time (default: the cloud's now)"),
    arg("--all-projects", action="store_true", help="every project's servers and usage (admins)"),
    arg("--projects", choices=("mine", "all"), help="all: as --all-projects"),
    arg(
        "--threshold",
        type=float,
        default=80.0,
        metavar="PERCENT",
        help="bars at or over this %% of a limit are orange (default 80)",
    ),
    *MANY_CLOUDS,
    description=(
        "The fleet summarised: servers by status and flavor; vCPUs, RAM and disk against the "
        "project's quota and against the hosts (admins: os-hypervisors); usage over --start.."
        "--end by flavor; and plots. --cloud (repeatable), --region and --all-regions report on "
        "many clouds at once (a cloud that fails is one line)."
    ),
)
def report(nova, args):
    from novamagic.magics.report import Report

    frames = load_frames()
    targets = many_clouds(nova, args)
    data = frames.gather_report(
        None if targets is not None else nova.cloud,
        clouds=targets,
        regions=args.region,
        all_regions=args.all_regions,
        start=args.start or None,  # "" from a notebook's {start or ''}: no start
        end=args.end or None,
        all_projects=args.all_projects or args.projects == "all",
    )
    if targets is not None:
        from novamagic.frames import Merged

        say_failures(Merged(None, data.failures, data.clouds if data.clouds else 0))
        data.failures = []  # said above, once
    if not 0 < args.threshold <= 1000:
        raise NovaMagicError(
            f"--threshold {args.threshold:g} is not a percent", hint="e.g. --threshold 80"
        )
    figure, note = (None, None) if args.no_plot else _plot(data, args.threshold)
    return Report(data, figure=figure, note=note)


def _plot(data, threshold: float):
    """A four-panel matplotlib figure, or (None, note) when matplotlib is not installed."""
    try:
        # A bare Figure needs no pyplot and leaves the user's backend alone; PNG export is Agg.
        from matplotlib.figure import Figure
    except ImportError:
        return None, "matplotlib is not installed: pip install matplotlib for the plot"
    frames = load_frames()
    figure = Figure(figsize=(10, 6))
    (status, quota), (usage, hosts) = figure.subplots(2, 2)
    frames.status_chart(status, data.summary["by_status"])
    frames.capacity_chart(quota, data.summary["totals"], threshold=threshold)
    frames.usage_chart(usage, data.usage_by_flavor)
    frames.capacity_chart(
        hosts,
        data.summary["totals"],
        percent="host_percent",
        used="host_used",
        limit="host_total",
        threshold=threshold,
        title="% of the hosts in use",
        xlabel="% of the hosts' capacity in use (every project)",
    )
    figure.tight_layout()
    return figure, None


@subcommand(
    "cleanup",
    "list what this kernel created (a dry run); delete it with --yes",
    arg("--yes", action="store_true", help="really delete them (and wait until they are gone)"),
)
def cleanup(nova, args):
    import pandas as pd

    if not args.yes:
        listing = nova.cloud.cleanup(dry_run=True)
        print(f"dry run: would delete {_counts(listing)}; %nova cleanup --yes deletes them")
        rows = [
            {"would delete": e["kind"], "name": e["name"], "id": str(e["item"])} for e in listing
        ]
        return mark_frame(
            pd.DataFrame(rows, columns=["would delete", "name", "id"], dtype="string"), "cleanup"
        )
    results = nova.cloud.cleanup(wait=True)  # gone, so %nova servers right after lists none
    nova.forget_names()
    failed = [e for e in results if not e["ok"]]
    print(
        f"deleted {_counts([e for e in results if e['ok']])}"
        + (f"; {len(failed)} failed" if failed else "")
    )
    rows = [
        {
            "kind": e["kind"],
            "name": e["name"],
            "id": str(e["item"]),
            "result": "deleted" if e["ok"] else str(e["error"]),
        }
        for e in results
    ]
    return mark_frame(
        pd.DataFrame(rows, columns=["kind", "name", "id", "result"], dtype="string"), "cleanup"
    )


def _counts(entries) -> str:
    """``2 server(s), 0 image(s) and 3 floating IP(s), security group(s) or rule(s)``, and the
    volumes and snapshots when there are some."""
    kinds = [entry["kind"] for entry in entries]
    storage = kinds.count("volume") + kinds.count("snapshot")
    networked = len(kinds) - kinds.count("server") - kinds.count("image") - storage
    counts = f"{kinds.count('server')} server(s) and {kinds.count('image')} image(s)"
    if networked:  # floating IPs, security groups and rules (expose's among them)
        counts = (
            f"{kinds.count('server')} server(s), {kinds.count('image')} image(s) and "
            f"{networked} floating IP(s), security group(s) or rule(s)"
        )
    if storage:
        counts += f", and {storage} volume(s) or snapshot(s)"
    return counts
