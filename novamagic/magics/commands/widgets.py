"""``%nova boot-form``, ``%nova resize-panel [SERVER]`` and ``%nova fleet``: the widgets as magics.

The magics know the widgets, never the other way round: each handler imports
:mod:`novamagic.widgets` when it runs (so ipywidgets loads on first use), calls the widget function
and returns the widget.
"""

from __future__ import annotations

from novamagic.magics.registry import arg, subcommand

__all__ = ["boot_form_command", "fleet_command", "resize_panel_command"]


@subcommand(
    "boot-form",
    "a form to boot servers: image, flavor, count, metadata, files, access IPs (widget)",
    arg("--name", help="pre-fill the server name"),
    arg("--image", help="pre-select an image (name or id)"),
    arg("--flavor", help="pre-select a flavor (name or id)"),
    arg("--count", type=int, help="pre-fill the count"),
    arg("--no-wait", action="store_true", help="stop after the boot requests; do not wait"),
    arg("--timeout", type=float, help="seconds to wait for ACTIVE (default NovaMagics.timeout)"),
    completes={"image": "image", "flavor": "flavor"},
)
def boot_form_command(nova, args):
    """A boot form: pick an image and a flavor, name the server, press Boot and watch it come up
    (in the background, so the kernel stays free). Cancel stops waiting; it deletes nothing."""
    from novamagic.widgets import boot_form

    form = boot_form(
        nova.cloud,
        wait=not args.no_wait,
        timeout=args.timeout or nova.timeout,
        name=args.name,
        image=args.image,
        flavor=args.flavor,
        count=args.count,
    )
    form.model.observe(lambda _model: nova.forget_names())  # new servers: completion refreshes
    return form


@subcommand(
    "resize-panel",
    "resize a server step by step: resize, verify, then confirm or revert (widget)",
    arg("server", nargs="?", help="the server to resize (default: pick one in the panel)"),
    arg("--flavor", help="pre-select the target flavor"),
    arg("--timeout", type=float, help="seconds to wait at each step (default NovaMagics.timeout)"),
    completes={"server": "server", "flavor": "flavor"},
)
def resize_panel_command(nova, args):
    """A resize panel: the server's flavor, the target flavor with the change in vCPUs, RAM and
    disk, Resize; then Confirm or Revert once the server awaits the decision."""
    from novamagic.widgets import resize_panel

    return resize_panel(
        nova.cloud, args.server, flavor=args.flavor, timeout=args.timeout or nova.timeout
    )


@subcommand(
    "fleet",
    "a live table of the servers with filter, bulk reboot/delete and use by flavor (widget)",
    arg("--refresh", type=float, metavar="SECONDS", help="refresh on a timer"),
    arg("--filter", default="", help="show only servers matching this text"),
    arg("--rows", type=int, default=200, help="at most this many rows shown (default 200)"),
)
def fleet_command(nova, args):
    """A fleet view: servers with status colours, a filter box, selection with bulk reboot and
    delete (each behind an explicit confirm), and vCPU/RAM use by flavor against the limits."""
    from novamagic.widgets import fleet_view

    if args.refresh is not None and args.refresh <= 0:
        from IPython.core.error import UsageError

        raise UsageError(
            f"%nova fleet --refresh takes a positive number of seconds, got {args.refresh:g}"
        )
    if args.rows < 1:
        from IPython.core.error import UsageError

        raise UsageError(f"%nova fleet --rows takes a positive number, got {args.rows}")
    view = fleet_view(nova.cloud, refresh=args.refresh, filter=args.filter, max_rows=args.rows)
    view.model.observe(lambda _model: nova.forget_names())
    return view
