"""Reaching a server: ``networks``, ``ports``, ``floating-ips`` (create, attach, detach,
delete), ``security-groups`` (create, delete), ``rules`` (add, delete), ``expose`` and
``keypairs`` (create, import, delete). Each is one client call and a frame or a line.

Port specs read like the openstack CLI's: ``22/tcp``, ``8000-8080/udp``, ``icmp``, a bare
``22`` is TCP. A generated key pair's private key is never shown: it is kept with ``-o NAME``
(masked there too; ``NAME.save(path)`` writes it) or written with ``--save PATH``.
"""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.commands.common import load_frames
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import Message, NewKeyPair, Record, mark_frame

_PORT_SPEC = "PORTS/PROTOCOL, e.g. 22/tcp, 8000-8080/udp, icmp"


def parse_port_spec(text: str) -> tuple[str, str | None]:
    """``"22/tcp"`` -> ("tcp", "22"); ``"icmp"`` -> ("icmp", None); ``"80"`` -> ("tcp", "80").
    The numbers are checked by the client (novamagic.client.secgroups.check_rule)."""
    ports, _, protocol = text.partition("/")
    if not protocol:
        if ports and not ports[0].isdigit():  # "icmp", "any"
            return ports.lower(), None
        protocol = "tcp"
    if not ports:
        raise UsageError(f"{text!r}: give {_PORT_SPEC}")
    return protocol.lower(), ports


# --- networks and ports ---------------------------------------------------------------------


@subcommand("networks", "networks you can use (with their subnets' CIDRs)")
def networks(nova, args):
    cloud = nova.cloud
    frame = load_frames().networks_frame(cloud.networks(), subnets=cloud.subnets())
    return mark_frame(frame, "networks")


@subcommand(
    "ports",
    "ports (of one server): network, fixed IPs, groups",
    arg("server", nargs="?", help="only this server's ports"),
    completes={"server": "server"},
)
def ports(nova, args):
    return mark_frame(load_frames().ports_frame(nova.cloud.ports(args.server)), "ports")


# --- floating IPs -----------------------------------------------------------------------------

_FIP_ACTIONS = ("list", "create", "attach", "detach", "delete")


@subcommand(
    "floating-ips",
    "floating IPs: list, create, attach SERVER [ADDRESS], detach ADDRESS, delete ADDRESS",
    arg("action", nargs="?", default="list", choices=_FIP_ACTIONS),
    arg("items", nargs="*", metavar="SERVER or ADDRESS"),
    arg("--network", help="the external network to allocate from (create, attach)"),
    arg("--server", help="create: attach the new address to this server at once"),
    completes={"items": "floating_ip", "server": "server", "network": "network"},
)
def floating_ips(nova, args):
    cloud, frames, action, items = nova.cloud, load_frames(), args.action, args.items
    wanted = {"list": (0, 0), "create": (0, 0), "attach": (1, 2), "detach": (1, 1),
              "delete": (1, 1)}[action]  # fmt: skip
    if not wanted[0] <= len(items) <= wanted[1]:
        usage = {
            "list": "",
            "create": " [--network NET] [--server SERVER]",
            "attach": " SERVER [ADDRESS]",
            "detach": " ADDRESS",
            "delete": " ADDRESS",
        }
        raise UsageError(f"usage: %nova floating-ips {action}{usage[action]}")  # fmt: skip
    if args.server and action != "create":
        raise UsageError("%nova floating-ips: --server goes with create (attach takes SERVER)")
    if action == "list":
        return mark_frame(frames.floating_ips_frame(cloud.floating_ips()), "floating_ips")
    if action == "create":
        fip = cloud.create_floating_ip(args.network, server=args.server)
        where = f", attached to {args.server}" if args.server else ""
        return _fip_message(nova, f"allocated {fip['floating_ip_address']}{where}", fip)
    if action == "attach":
        address = items[1] if len(items) == 2 else None
        if address is None and args.network:
            fip = cloud.create_floating_ip(args.network, server=items[0])
        else:
            fip = cloud.attach_floating_ip(items[0], address)
        return _fip_message(
            nova, f"{fip['floating_ip_address']} -> {items[0]} ({fip['fixed_ip_address']})", fip
        )
    if action == "detach":
        fip = cloud.detach_floating_ip(items[0])
        return _fip_message(nova, f"detached {fip['floating_ip_address']} (still allocated)", fip)
    cloud.delete_floating_ip(items[0])
    nova.forget_names()
    return Message(f"released {items[0]}")


def _fip_message(nova, text: str, fip) -> Message:
    nova.forget_names()
    return Message(text, fip)


# --- security groups and rules ----------------------------------------------------------------


@subcommand(
    "security-groups",
    "security groups: list, create NAME [--description], delete NAME",
    arg("action", nargs="?", default="list", choices=("list", "create", "delete")),
    arg("name", nargs="?", metavar="NAME"),
    arg("--description", default="", help="create: what the group is for"),
    completes={"name": "security_group"},
)
def security_groups(nova, args):
    cloud = nova.cloud
    if args.action == "list":
        if args.name:
            raise UsageError("%nova security-groups list takes no NAME (%nova rules NAME)")
        return mark_frame(
            load_frames().security_groups_frame(cloud.security_groups()), "security_groups"
        )
    if not args.name:
        raise UsageError(f"usage: %nova security-groups {args.action} NAME")
    nova.forget_names()
    if args.action == "create":
        group = cloud.create_security_group(args.name, args.description)
        return Message(f"created security group {group['name']} ({group['id']})", group)
    cloud.delete_security_group(args.name)
    return Message(f"deleted security group {args.name}")


@subcommand(
    "rules",
    "a group's rules; rules add GROUP 22/tcp [--from CIDR] [--egress]; rules delete RULE_ID",
    arg("first", metavar="GROUP | add | delete"),
    arg("rest", nargs="*", metavar="GROUP PORTS/PROTOCOL | RULE_ID"),
    arg("--from", dest="cidr", metavar="CIDR", help="add: where from (default anywhere)"),
    arg("--egress", action="store_true", help="add: an outgoing rule"),
    arg("--ethertype", choices=("IPv4", "IPv6"), help="add: IPv4 (default) or IPv6"),
    completes={"first": "security_group", "rest": "security_group"},
)
def rules(nova, args):
    cloud, frames = nova.cloud, load_frames()
    if args.first == "delete":
        if len(args.rest) != 1:
            raise UsageError("usage: %nova rules delete RULE_ID (%nova rules GROUP lists ids)")
        cloud.delete_security_group_rule(args.rest[0])
        return Message(f"deleted rule {args.rest[0]}")
    if args.first == "add":
        if len(args.rest) != 2:
            raise UsageError(f"usage: %nova rules add GROUP {_PORT_SPEC} [--from CIDR]")
        group, spec = args.rest
        protocol, port_text = parse_port_spec(spec)
        rule = cloud.create_security_group_rule(
            group,
            protocol,
            port_text,
            direction="egress" if args.egress else "ingress",
            cidr=args.cidr,
            ethertype=args.ethertype,
        )
        frame = frames.security_group_rules_frame([rule], groups=[{"id": rule[
            "security_group_id"], "name": group}])  # fmt: skip
        return mark_frame(frame, "rules")
    if args.rest or args.cidr or args.egress or args.ethertype:
        raise UsageError("%nova rules GROUP lists a group's rules; to add one: "
                         f"%nova rules add GROUP {_PORT_SPEC}")  # fmt: skip
    return mark_frame(
        frames.security_group_rules_frame([cloud.security_group(args.first)]), "rules"
    )


# --- expose -----------------------------------------------------------------------------------


_CREATED = {
    "floating_ip": "floating IP {name}",
    "security_group": "group {name}",
    "security_group_rule": "rule {name}",
    "port_security_groups": "{name} on its port",
}


@subcommand(
    "expose",
    "make a server reachable: a floating IP and the rules for the ports (default 22/tcp)",
    arg("server"),
    arg("specs", nargs="*", metavar="PORTS/PROTOCOL", help="e.g. 22/tcp 80/tcp (one protocol)"),
    arg("--from", dest="cidr", default="0.0.0.0/0", metavar="CIDR", help="default anywhere"),
    completes={"server": "server"},
    description=(
        "Give SERVER what reaching it needs: ingress rules for the ports (in a group of its own, "
        "unless its groups let them through already) and a floating IP (unless it has one). "
        "Running it again changes nothing; cleanup (%nova cleanup) undoes it; a failure part "
        "way undoes what it made."
    ),
)
def expose(nova, args):
    parsed = [parse_port_spec(s) for s in args.specs or ["22/tcp"]]
    protocols = {p for p, _ in parsed}
    if len(protocols) > 1:
        raise UsageError(
            f"%nova expose: one protocol at a time (got {', '.join(sorted(protocols))}): run it "
            "once per protocol"
        )
    protocol = protocols.pop()
    ports = [p for _, p in parsed if p is not None] or [22]
    result = nova.cloud.expose(args.server, ports=ports, protocol=protocol, cidr=args.cidr)
    nova.forget_names()
    made = (
        ", ".join(_CREATED[c["kind"]].format(name=c["name"]) for c in result["created"])
        or "nothing (all in place)"
    )
    return Record(
        {
            "server": result["server"],
            "floating_ip": result["floating_ip"],
            "fixed_ip": result["fixed_ip"],
            "open": ", ".join(result["open"]),
            "security_group": result["security_group"] or "(its groups let it through)",
            "created": made,
        },
        f"{result['server']} is reachable at {result['floating_ip']}",
    )


# --- key pairs --------------------------------------------------------------------------------


@subcommand(
    "keypairs",
    "key pairs: list, create NAME -o VAR (or --save PATH), import NAME PUBKEY_FILE, delete NAME",
    arg("action", nargs="?", default="list", choices=("list", "create", "import", "delete")),
    arg("name", nargs="?", metavar="NAME"),
    arg(
        "public_key_file",
        nargs="?",
        metavar="PUBKEY_FILE",
        help="import: e.g. ~/.ssh/id_ed25519.pub",
    ),
    arg("--save", metavar="PATH", help="create: write the private key there (mode 0600)"),
    completes={"name": "keypair"},
)
def keypairs(nova, args):
    cloud = nova.cloud
    if args.action == "list":
        if args.name:
            raise UsageError("%nova keypairs list takes no NAME")
        return mark_frame(load_frames().keypairs_frame(cloud.keypairs()), "keypairs")
    if not args.name:
        raise UsageError(f"usage: %nova keypairs {args.action} NAME")
    if args.action != "import" and args.public_key_file:
        raise UsageError(f"%nova keypairs {args.action} takes only NAME")
    nova.forget_names()
    if args.action == "delete":
        cloud.delete_keypair(args.name)
        return Message(f"deleted key pair {args.name}")
    if args.action == "import":
        return _import_keypair(cloud, args)
    if not args.output and not args.save:
        raise UsageError(
            f"%nova keypairs create {args.name}: the cloud returns the new private key once and "
            "it is never shown: keep it with -o VAR (then VAR.save('~/.ssh/KEY.pem')) or "
            "write it with --save PATH; nothing was created"
        )
    if args.save:
        _check_save_path(args.save)
    created = cloud.create_keypair(args.name)
    text = f"created key pair {created['name']} ({created.get('fingerprint')})"
    result = NewKeyPair(created, text)
    if args.save:
        saved = result.save(args.save)
        text += f"; private key written to {saved} (mode 0600)"
    if args.output:
        text += (
            f"; private key kept (masked) in {args.output}['private_key']: "
            f"{args.output}.save('~/.ssh/{created['name']}.pem') writes it (mode 0600)"
        )
    result.text = text
    return result


def _check_save_path(path: str) -> None:
    from pathlib import Path

    target = Path(path).expanduser()
    if target.exists():
        raise UsageError(f"--save {path}: that file exists; nothing was created (pick a new path)")
    if not target.parent.is_dir():
        raise UsageError(f"--save {path}: no directory {target.parent}; nothing was created")


def _import_keypair(cloud, args):
    from pathlib import Path

    if not args.public_key_file:
        raise UsageError(
            "usage: %nova keypairs import NAME PUBKEY_FILE (e.g. ~/.ssh/id_ed25519.pub)"
        )
    path = Path(args.public_key_file).expanduser()
    try:
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if "PRIVATE KEY" in text:
        raise UsageError(
            f"{path} is a private key: import the public one (its .pub file); nothing was sent"
        )
    created = cloud.create_keypair(args.name, public_key=text)
    return Message(f"imported key pair {created['name']} ({created.get('fingerprint')})", created)
