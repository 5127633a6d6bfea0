"""Lifecycles: what an operation does to a server over cloud time, as a transition table.

An action records an :class:`Operation` (kind, start, end) and every read *settles* the server,
applying whatever finished before ``clock.now()``: while it runs, the operation's task states
(and, for builds and resizes, its progress) follow its fraction of time; when it ends, the
server rests in the operation's final state and the operation's effect runs. Nothing runs in the
background, so a ManualClock gives exact, repeatable states.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from novamagic.localcloud.model.servers import Server
    from novamagic.localcloud.model.state import CloudState

DURATIONS = {
    "build": 20.0,
    "reboot": 10.0,
    "hard_reboot": 15.0,
    "rebuild": 20.0,
    "resize": 30.0,
    "revert": 15.0,
    "snapshot": 20.0,
    "stop": 5.0,
    "start": 5.0,
    "delete": 5.0,
    # block storage (model/volumes.py): a volume's busy status lasts this long
    "volume_create": 10.0,
    "volume_attach": 5.0,
    "volume_detach": 5.0,
    "volume_extend": 5.0,
    "volume_delete": 5.0,
    "snapshot_create": 10.0,
    "snapshot_delete": 5.0,
}

# power_state values as Nova reports them in OS-EXT-STS:power_state
NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED = 0, 1, 3, 4, 6, 7

#: Server metadata that makes the local cloud fail an operation on purpose (tests of error
#: paths): ``localcloud:fail`` = build | reboot | rebuild | resize | snapshot | delete. The
#: operation runs its usual time, then the server is ERROR with a ``fault`` (a failed snapshot
#: leaves the server ACTIVE and the image ``killed``).
FAIL_KEY = "localcloud:fail"
FAIL_ON = {k: k for k in ("build", "reboot", "rebuild", "resize", "snapshot", "delete")}


@dataclass(slots=True)
class Operation:
    """Something that takes cloud time: ``kind`` runs from ``start`` to ``end``."""

    kind: str
    start: float
    end: float
    data: dict = field(default_factory=dict)

    def fraction(self, now: float) -> float:
        if self.end <= self.start:
            return 1.0
        return min(1.0, max(0.0, (now - self.start) / (self.end - self.start)))


#: A server's operation: None when it rests, an Operation (always true) while busy.
_OPERATION = operator.attrgetter("operation")
_OPERATION_END = operator.attrgetter("operation.end")

#: ``(vm_state, status, power_state)`` a server rests in.
RUNNING_STATE = ("active", "ACTIVE", RUNNING)
STOPPED_STATE = ("stopped", "SHUTOFF", SHUTDOWN)
ERROR_STATE = ("error", "ERROR", NOSTATE)
DELETED_STATE = ("deleted", "DELETED", NOSTATE)


def _launched(cloud: CloudState, server: Server, op: Operation) -> None:
    server.launched_at = op.end


def _rebuilt(cloud: CloudState, server: Server, op: Operation) -> None:
    # Nova rebuilds a stopped server and leaves it stopped; an active or errored one runs.
    rest = STOPPED_STATE if op.data.get("was_stopped") else RUNNING_STATE
    server.vm_state, server.status, server.power_state = rest
    server.launched_at = op.end


def _reverted(cloud: CloudState, server: Server, op: Operation) -> None:
    server.flavor_id = op.data["flavor_id"]
    server.old_flavor_id = None


def _resized(cloud: CloudState, server: Server, op: Operation) -> None:
    server.vm_state, server.status = "resized", "VERIFY_RESIZE"
    server.power_state = RUNNING if op.data.get("was_running", True) else SHUTDOWN
    server.old_flavor_id = server.flavor_id
    server.flavor_id = op.data["flavor_id"]


def _snapshotted(cloud: CloudState, server: Server, op: Operation) -> None:
    image = cloud.images.get(op.data["image_id"])
    if image is not None and image.operation is op:
        cloud._settle_image(image, op.end)


def _deleted(cloud: CloudState, server: Server, op: Operation) -> None:
    cloud._finish_delete(server, op.end)


@dataclass(frozen=True, slots=True)
class Transition:
    """What one kind of operation does.

    ``tasks``: ``(until_fraction, task_state)`` in order while it runs (the last one holds to the
    end; empty: the task state the action set stays); ``progress``: whether it reports progress
    while running; ``rest``: the ``(vm_state, status, power_state)`` it ends in (None: the
    effect decides); ``effect``: what else its end changes; ``failure``: the word of its fault.
    """

    failure: str
    tasks: tuple[tuple[float, str], ...] = ()
    progress: bool = False
    rest: tuple[str, str, int] | None = None
    effect: Callable[[CloudState, Server, Operation], None] | None = None


TRANSITIONS: dict[str, Transition] = {
    "build": Transition(
        "Build",
        tasks=((0.1, "scheduling"), (0.2, "networking"), (1.0, "spawning")),
        progress=True,
        rest=RUNNING_STATE,
        effect=_launched,
    ),
    "reboot": Transition("Reboot", rest=RUNNING_STATE),
    "hard_reboot": Transition("Reboot", rest=RUNNING_STATE),
    "start": Transition("Start", rest=RUNNING_STATE),
    "stop": Transition("Stop", rest=STOPPED_STATE),
    "rebuild": Transition(
        "Rebuild",
        tasks=((0.2, "rebuilding"), (1.0, "rebuild_spawning")),
        effect=_rebuilt,
    ),
    "resize": Transition(
        "Resize",
        tasks=(
            (0.1, "resize_prep"),
            (0.5, "resize_migrating"),
            (0.7, "resize_migrated"),
            (1.0, "resize_finish"),
        ),
        progress=True,
        effect=_resized,
    ),
    "revert": Transition("Revert", rest=RUNNING_STATE, effect=_reverted),
    "snapshot": Transition(
        "Snapshot", tasks=((0.5, "image_snapshot"), (1.0, "image_uploading")), effect=_snapshotted
    ),
    "delete": Transition("Deletion", effect=_deleted),
}
#: Operations on volumes and snapshots: their steps are model.volumes.VOLUME_STEPS.
VOLUME_OPERATIONS = frozenset(k for k in DURATIONS if k.startswith(("volume_", "snapshot_")))
assert set(TRANSITIONS) == set(DURATIONS) - VOLUME_OPERATIONS, (
    "every server operation has a duration and a transition"
)


class LifecycleBackend:
    """Starting and settling operations for :class:`CloudState`."""

    durations: dict[str, float]

    def _start(self, server: Server, kind: str, **data) -> Operation:
        now = self.now()
        op = Operation(kind, now, now + self.durations[kind], data)
        server.operation = op
        server.updated = now
        return op

    def settle_busy(self, servers: list[Server], now: float, ended_only: bool = False) -> bool:
        """Settle those of ``servers`` that have an operation running (``ended_only``: those
        whose operation has ended by ``now``, what counting needs: a running one changes only
        task states and progress); whether any was settled."""
        busy = list(compress(servers, map(_OPERATION, servers)))
        if ended_only:
            busy = list(compress(busy, map(operator.ge, repeat(now), map(_OPERATION_END, busy))))
        for server in busy:
            self._settle(server, now)
        return bool(busy)

    def _settle(self, server: Server, now: float) -> None:
        """Apply whatever the server's current operation has achieved by ``now``."""
        op = server.operation
        if op is None:
            return
        transition = TRANSITIONS[op.kind]
        if now < op.end:
            fraction = op.fraction(now)
            if transition.progress:
                server.progress = int(fraction * 100)
            for until, task in transition.tasks:
                if fraction < until or until >= 1.0:
                    server.task_state = task
                    break
            return
        server.operation = None
        server.updated = op.end
        server.task_state = None
        server.progress = 100 if server.status in ("BUILD", "RESIZE") else server.progress
        failing = server.metadata.get(FAIL_KEY)
        if op.data.get("no_valid_host") or (
            failing is not None and FAIL_ON.get(failing) == op.kind.replace("hard_", "")
        ):
            self._fail(server, op, transition)
            return
        if transition.rest is not None:
            server.vm_state, server.status, server.power_state = transition.rest
        if transition.effect is not None:
            transition.effect(self, server, op)

    def _fail(self, server: Server, op: Operation, transition: Transition) -> None:
        """End ``op`` the way Nova ends a failed operation (metadata localcloud:fail asked for it)."""
        message = op.data.get("no_valid_host") or (
            f"{transition.failure} of instance {server.id} "
            f"{'aborted' if op.kind == 'build' else 'failed'}: "
            "the local cloud was asked to fail it "
            f"(metadata {FAIL_KEY}={server.metadata.get(FAIL_KEY)})."
        )
        server.fault = {"code": 500, "created": op.end, "message": message, "details": (
            f'Traceback (most recent call last):\n  File "nova/compute/manager.py", in '
            f"{op.kind}\nnova.exception.LocalCloudFailure: {message}"
        )}  # fmt: skip
        op.data["failed"] = True  # its instance action's last event ends in Error
        if op.kind == "snapshot":
            # Nova keeps the server running and the failed upload leaves a dead image behind.
            image = self.images.get(op.data["image_id"])
            if image is not None:
                image.status, image.operation, image.updated = "killed", None, op.end
            return
        server.vm_state, server.status, server.power_state = ERROR_STATE
        if op.kind == "build":
            server.progress = 0
