"""``python -m novamagic.localcloud``: one local cloud for a whole class.

Binds 127.0.0.1 unless ``--host`` says otherwise, prints its auth URL and accounts (never the
passwords), and exits cleanly on Ctrl-C. The control API needs an admin token here. With
``--tls`` it also prints the paths of the generated CA and of the learner's client certificate
and key (never their contents); ``--client-cert-required`` makes the server demand that
certificate.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading

from novamagic.localcloud.clock import ManualClock, ScaledClock
from novamagic.localcloud.connections import IDLE_TIMEOUT
from novamagic.localcloud.model.flavors import VOLUME_FLAVOR
from novamagic.localcloud.server import LocalCloud


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m novamagic.localcloud",
        description="Run the novamagic local cloud (Keystone, Nova, Glance, Neutron, Cinder) "
        "standalone.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8774,
        help="port to listen on (default 8774; 0 picks a free one)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--users", metavar="FILE", help="YAML file listing users: name, password, project, roles"
    )
    parser.add_argument(
        "--region",
        action="append",
        metavar="NAME",
        help="a region of the catalogue (repeat for several; default RegionOne)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for ids, so every run is the same"
    )
    parser.add_argument(
        "--speed", type=float, default=10.0, help="cloud seconds per real second (default 10)"
    )
    parser.add_argument(
        "--manual-clock", action="store_true", help="time moves only through POST /_localcloud/tick"
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        metavar="N",
        help="connections open at once (default 256, fewer under a low `ulimit -n`); past them "
        "the longest idle one is closed, or a newcomer gets 503 with Retry-After",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"close a connection that leaves a read or write waiting this long (default "
        f"{IDLE_TIMEOUT:g})",
    )
    parser.add_argument(
        "--volume-flavor",
        action="store_true",
        help="add m1.volume, a flavor with a 0 GB root disk: its servers boot from volumes",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a generated CA; prints the CA path and the learner's client "
        "certificate and key (the book's cert_file and key_file)",
    )
    parser.add_argument(
        "--client-cert-required",
        action="store_true",
        help="with --tls: refuse clients that present no certificate from the generated CA",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep the whole cloud in this SQLite file, written before each change is answered: "
        "restarted with the same file (even after a crash) it comes back as it was, ids, tokens "
        "and clock included, and the file wins over --seed, --users and the clock options; a "
        "new path creates the file (mode 0600: it holds passwords and tokens); a file that is "
        "not a state file is refused and left as it is",
    )
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[0:1] == ["class"]:  # `class new ...`: the class kit, not a cloud
        from novamagic.localcloud import classkit

        return classkit.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.client_cert_required and not args.tls:
        parser.error("--client-cert-required needs --tls (client certificates are a TLS feature)")
    if args.speed <= 0:
        print("error: --speed must be a positive number", file=sys.stderr)
        return 2
    if (args.max_connections is not None and args.max_connections < 1) or args.idle_timeout <= 0:
        print("error: --max-connections and --idle-timeout must be positive", file=sys.stderr)
        return 2
    clock = ManualClock() if args.manual_clock else ScaledClock(speed=args.speed)
    try:
        cloud = LocalCloud(
            seed=args.seed,
            clock=clock,
            users=args.users,
            host=args.host,
            port=args.port,
            open_control=False,
            tls=args.tls,
            client_cert_required=args.client_cert_required,
            max_connections=args.max_connections,
            idle_timeout=args.idle_timeout,
            flavors=[VOLUME_FLAVOR] if args.volume_flavor else None,
            regions=args.region or "RegionOne",
            state_file=args.state,
        )
        for note in cloud.state_notes:
            print(note, file=sys.stderr)
        cloud.start()
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"novamagic local cloud on {cloud.url}")
    print(f"auth URL: {cloud.auth_url}")
    if cloud.tls is not None:
        print(f"CA certificate: {cloud.tls.ca_file}")
        # Paths only: the key's contents never reach the terminal.
        print(f"client certificate (cert_file): {cloud.tls.client_cert}")
        print(f"client key (key_file): {cloud.tls.client_key}")
        if args.client_cert_required:
            print("client certificates: required (a client without one is refused)")
        else:
            print("client certificates: accepted, not required")
    for user in cloud.state.users.values():
        project = cloud.state.projects[user.project_id].name
        print(f"  user {user.name!r} project {project!r} roles {','.join(user.roles)}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
        print("stopped.", flush=True)
    return 0


def exposure_warning(host: str) -> str | None:
    """A one-line warning when ``host`` is reachable from other machines, else None."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may well resolve beyond loopback
    return (
        f"warning: listening on {host}, reachable from other machines; anyone who can reach it "
        "can try the accounts (set their passwords with --users) - use a trusted network only"
    )


if __name__ == "__main__":
    sys.exit(main())
