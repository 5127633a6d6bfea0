"""``%nova local``: the local cloud's control surface (status, reset, the clock, faults)."""

from __future__ import annotations

from IPython.core.error import UsageError

from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    JSONView,
    Message,
    Record,
)

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
