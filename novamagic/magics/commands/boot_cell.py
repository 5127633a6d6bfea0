"""``%%nova_boot``: boot servers from a YAML spec in the cell, with one progress bar and a
servers frame as the result (new adminPasswords only through ``attrs['admin_passwords']``);
``floating_ip: true`` waits for the servers and gives each one a floating IP it lacks."""

from __future__ import annotations

from pathlib import Path

from novamagic.magics.commands.common import load_frames
from novamagic.magics.parsing import parse_boot_spec
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    AdminPasswords,
    NovaMagicError,
    Record,
    mark_frame,
)


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
    arg(
        "--apply",
        action="store_true",
        help="make existing servers match the spec (resize, metadata update, rebuild), each "
        "shown before it runs; without it a difference is only shown as a plan",
    ),
    hidden=True,
    description=(
        "Boot servers from the YAML spec in the cell: name (with {n} for --count), image, flavor, "
        "metadata, files (path: text, or path: {file: local/path}), access_ipv4, access_ipv6, "
        "key_name, security_groups, networks (names, auto or none), user_data (text or "
        "{file: local/path}), floating_ip (true: wait, then give each server one), "
        "boot_from_volume (GB: the image copied into a new root volume, what a 0 GB flavor "
        "needs), volumes (data volumes: sizes in GB for new ones, or names). Re-running skips servers that already exist under those names, and shows how they differ from the spec "
        "(flavor, image, metadata, key, groups) as a plan; --apply performs it. The result is "
        "a servers DataFrame; result.attrs['admin_passwords'][NAME] reads a new server's adminPass "
        "(masked everywhere else)."
    ),
)
def nova_boot(nova, args):
    spec = parse_boot_spec(args.spec_text, count=args.count, base=Path.cwd())
    names = spec.pop("names")
    floating = spec.pop("floating_ip", False)
    cloud = nova.cloud
    skip_existing = not args.force_new
    if args.dry_run:
        plan = cloud.check_boot(names, skip_existing=skip_existing, **spec)
        external = cloud.external_network()["name"] if floating else None
        return _plan_record(plan, external)
    with nova.progress_bar(len(names), "booting", unit="server") as bar:
        try:
            results = cloud.create_servers(
                names,
                skip_existing=skip_existing,
                wait=args.wait or floating,  # a floating IP needs the server's port
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
    if floating:
        existing, booted = _give_floating_ips(cloud, existing), _give_floating_ips(cloud, booted)
    frame = mark_frame(load_frames().servers_frame(existing + booted), "servers")
    if existing:
        print(
            f"already there, not booted again: {', '.join(s['name'] for s in existing)} "
            "(--force-new boots new ones)"
        )
        existing = _drift(nova, existing, spec, args)
        frame = mark_frame(load_frames().servers_frame(existing + booted), "servers")
    frame.attrs["admin_passwords"] = AdminPasswords(
        {s["name"]: secret for s in booted if (secret := cloud.admin_password(s["id"]))}
    )
    frame.attrs["existing"] = [s["name"] for s in existing]
    failed = results.failed
    nova.store(args.output, frame)
    if failed:
        error = failed[0]["error"]
        tried = len(results) - len(existing)
        summary = f"{len(failed)} of {tried} boots failed" + (
            "; the others are in the result" if tried > len(failed) else ""
        )
        maybe = [
            e["error"].maybe_created for e in failed if getattr(e["error"], "maybe_created", None)
        ]
        if maybe:  # the notebook's way to look, instead of the client's cloud.servers(...)
            error.hint = f"{summary}; {_where_to_look(maybe, cloud.session_tag)}"
        else:
            error.hint = summary + (f"; {error.hint}" if error.hint else "")
        raise error
    return frame


def _drift(nova, existing: list[dict], spec: dict, args) -> list[dict]:
    """Show how the existing servers differ from the spec (a plan); with --apply, make them
    match, saying each step before it runs. Returns the servers as they now are."""
    cloud = nova.cloud
    plans = [(server, cloud.drift(server, **spec)) for server in existing]
    drifted = [(server, changes) for server, changes in plans if changes]
    if not drifted:
        return existing
    print("plan:" if not args.apply else "applying:")
    for _server, changes in drifted:
        for c in changes:
            print(f"  ~ {c['server']}: {c['field']} {_shown(c['have'])} -> {_shown(c['want'])}"
                  f" ({c['action']})")  # fmt: skip
    if not args.apply:
        print("nothing was changed; re-run with --apply to perform the plan")
        return existing
    timeout = args.timeout or nova.timeout
    fresh = {}
    for server, changes in drifted:
        fresh[server["id"]] = cloud.apply_drift(
            server, changes, timeout=timeout, announce=lambda text: print(f"  {text}")
        )
    print(f"applied: {len(drifted)} server(s) now match the spec")
    return [fresh.get(server["id"], server) for server in existing]


def _shown(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _where_to_look(maybe: list[dict], session_tag: str) -> str:
    """How to find servers whose boot answer was lost: they may exist, and --force-new would
    boot them a second time."""
    import re

    names = [m["name"] for m in maybe]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if all((m["marker"] or ("",))[0] == "tag" for m in maybe):
        look = f"%nova servers --tag {session_tag} lists this kernel's servers"
    else:
        look = f"%nova servers --name '^{re.escape(names[0])}$' finds {names[0]}"
    return (
        f"{len(names)} may exist all the same ({shown}): the cloud may have booted them before "
        f"the answer was lost; {look}; re-running the cell skips those that exist (do not use "
        "--force-new before looking)"
    )


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


def _give_floating_ips(cloud, servers: list[dict]) -> list[dict]:
    """Each server with a floating IP (one allocated where it has none), read back so the frame
    shows it. A refusal (quota) fails the cell: the servers stay booted, and a re-run skips them
    and tries their addresses again."""
    from novamagic.client.errors import NovaError

    result = []
    for server in servers:
        if server.get("status") == "ACTIVE" and not cloud.floating_ips(server["id"]):
            try:
                cloud.attach_floating_ip(server["id"])
            except NovaError as exc:
                done = f"the servers are booted; {server['name']} has no floating IP"
                exc.hint = f"{done}: {exc.hint}" if exc.hint else done
                raise
        result.append(cloud.server(server["id"]))
    return result


def _plan_record(plan: dict, floating_from: str | None = None) -> Record:
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
            **({"floating IPs": f"one per server, from {floating_from}"} if floating_from else {}),
        },
        "dry run: checked, nothing sent",
    )
