"""``%nova raw`` (any compute call, the book's chapter 7), ``report`` (the fleet summary with
a plot) and ``cleanup`` (what this kernel created)."""

from __future__ import annotations

from novamagic.magics.commands.common import load_frames
from novamagic.magics.parsing import parse_json_body
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    JSONView,
    Report,
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
    "fleet summary: servers by status and flavor, vCPU/RAM/disk against limits, with a plot",
    arg("--no-plot", action="store_true", help="the tables only"),
)
def report(nova, args):
    frames = load_frames()
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
    """``2 server(s), 0 image(s) and 3 floating IP(s), security group(s) or rule(s)``."""
    kinds = [entry["kind"] for entry in entries]
    networked = len(kinds) - kinds.count("server") - kinds.count("image")
    counts = f"{kinds.count('server')} server(s) and {kinds.count('image')} image(s)"
    if networked:  # floating IPs, security groups and rules (expose's among them)
        counts = (
            f"{kinds.count('server')} server(s), {kinds.count('image')} image(s) and "
            f"{networked} floating IP(s), security group(s) or rule(s)"
        )
    return counts
