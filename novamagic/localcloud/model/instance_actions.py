"""Instance actions: what was asked of a server (create, reboot, resize, stop, delete...), by
whom and with which request, and the events the compute host went through for it.

An action is recorded when the API accepted the request; its events run over the operation's
cloud time (a resize's prep, resize and finish split its 30 s), so they finish — ``Success``, or
``Error`` when the operation failed (``localcloud:fail``) — as the server settles. Actions stay
after the server is deleted (Nova shows them from microversion 2.21).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from novamagic.localcloud.errors import NotFound
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.lifecycle import Operation

#: Nova's action name -> its events as (name, start fraction, end fraction) of the operation.
EVENTS = {
    "create": (("compute__do_build_and_run_instance", 0.0, 1.0),),
    "delete": (("compute_terminate_instance", 0.0, 1.0),),
    "reboot": (("compute_reboot_instance", 0.0, 1.0),),
    "rebuild": (("compute_rebuild_instance", 0.0, 1.0),),
    "resize": (
        ("compute_prep_resize", 0.0, 0.1),
        ("compute_resize_instance", 0.1, 0.7),
        ("compute_finish_resize", 0.7, 1.0),
    ),
    "confirmResize": (("compute_confirm_resize", 0.0, 1.0),),
    "revertResize": (
        ("compute_revert_resize", 0.0, 0.5),
        ("compute_finish_revert_resize", 0.5, 1.0),
    ),
    "stop": (("compute_stop_instance", 0.0, 1.0),),
    "start": (("compute_start_instance", 0.0, 1.0),),
    "createImage": (("compute_snapshot_instance", 0.0, 1.0),),
    "changePassword": (("compute_set_admin_password", 0.0, 1.0),),
    "lock": (),
    "unlock": (),
    "attach_volume": (("compute_attach_volume", 0.0, 1.0),),
    "detach_volume": (("compute_detach_volume", 0.0, 1.0),),
}
MAX_ACTIONS_PER_SERVER = 1000  # a long-running classroom cloud keeps the newest


@dataclass(slots=True)
class Event:
    event: str
    start_time: float
    finish_time: float
    last: bool  # the event that fails when the operation fails


@dataclass(slots=True, eq=False)
class InstanceAction:
    action: str
    instance_uuid: str
    request_id: str
    user_id: str
    project_id: str
    start_time: float
    events: list = field(default_factory=list)
    operation: Operation | None = None

    def failed(self) -> bool:
        return self.operation is not None and bool(self.operation.data.get("failed"))

    def message(self, now: float) -> str | None:
        return "Error" if self.failed() and self.finished(now) else None

    def finished(self, now: float) -> bool:
        return all(e.finish_time <= now for e in self.events)

    def updated_at(self, now: float) -> float:
        done = [e.finish_time for e in self.events if e.finish_time <= now]
        return max(done + [e.start_time for e in self.events] + [self.start_time])


class InstanceActionBackend:
    """The instance actions of :class:`CloudState`, by server id, oldest first."""

    instance_actions: dict[str, list[InstanceAction]]

    def _reset_instance_actions(self) -> None:
        self.instance_actions = {}

    def record_action(self, caller: Token, server, action: str, request_id: str) -> InstanceAction:
        """Record that ``action`` was accepted for ``server`` (its current operation, if any,
        times the events; an instant action's events end now)."""
        with self.lock:
            now = self.now()
            op = server.operation
            if op is not None and op.start != now:  # still the previous request's operation
                op = None
            start, end = (op.start, op.end) if op is not None else (now, now)
            record = InstanceAction(
                action=action,
                instance_uuid=server.id,
                request_id=request_id,
                user_id=caller.user.id,
                project_id=server.project_id,
                start_time=now,
                operation=op,
            )
            planned = EVENTS.get(action, ())
            for index, (name, low, high) in enumerate(planned):
                record.events.append(
                    Event(
                        name,
                        start + (end - start) * low,
                        start + (end - start) * high,
                        last=index == len(planned) - 1,
                    )
                )
            actions = self.instance_actions.setdefault(server.id, [])
            actions.append(record)
            if len(actions) > MAX_ACTIONS_PER_SERVER:
                del actions[: len(actions) - MAX_ACTIONS_PER_SERVER]
            return record

    def list_instance_actions(
        self, caller: Token, server_id: str, deleted_ok: bool
    ) -> list[InstanceAction]:
        """Newest first. ``deleted_ok``: a deleted server's actions too (microversion 2.21)."""
        with self.lock:
            server = self.servers.get(server_id)
            if server is not None and caller.owns(server.project_id):
                self._settle(server, self.now())
            if server is None or server.deleted:
                server = self.deleted_servers.get(server_id) if deleted_ok else None
            if server is None or not caller.owns(server.project_id):
                raise NotFound(f"Instance {server_id} could not be found.")
            return list(reversed(self.instance_actions.get(server_id, [])))

    def get_instance_action(
        self, caller: Token, server_id: str, request_id: str, deleted_ok: bool
    ) -> InstanceAction:
        for action in self.list_instance_actions(caller, server_id, deleted_ok):
            if action.request_id == request_id:
                return action
        raise NotFound(f"Action for request_id {request_id} on instance {server_id} not found")
