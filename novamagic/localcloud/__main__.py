"""``python -m novamagic.localcloud``: one local cloud for a whole class.

Binds 127.0.0.1 unless ``--host`` says otherwise, prints its auth URL and accounts (never the
passwords), and exits cleanly on Ctrl-C. The control API needs an admin token here.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from novamagic.localcloud.clock import ManualClock, ScaledClock
from novamagic.localcloud.server import LocalCloud


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m novamagic.localcloud",
        description="Run the novamagic local cloud (Keystone + Nova + Glance) standalone.",
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
        "--seed", type=int, default=None, help="seed for ids, so every run is the same"
    )
    parser.add_argument(
        "--speed", type=float, default=10.0, help="cloud seconds per real second (default 10)"
    )
    parser.add_argument(
        "--manual-clock", action="store_true", help="time moves only through POST /_localcloud/tick"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a generated CA (printed path)"
    )
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed <= 0:
        print("error: --speed must be a positive number", file=sys.stderr)
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
        )
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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"novamagic local cloud on {cloud.url}")
    print(f"auth URL: {cloud.auth_url}")
    if cloud.ca_file:
        print(f"CA certificate: {cloud.ca_file}")
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


if __name__ == "__main__":
    sys.exit(main())
