"""Servers: boot, list, show, update, delete; their metadata and tags."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, OverQuota
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.lifecycle import DELETED_STATE, NOSTATE, RUNNING, Operation
from novamagic.localcloud.model.project_index import ProjectIndex
from novamagic.localcloud.model.validation import (
    MAX_TAGS,
    check_counts,
    check_disk_config,
    check_ip,
    check_metadata,
    check_name,
    check_repin,
    check_scheduler_hints,
    check_tag,
    check_tags,
    check_user_data,
    hostname_from,
)

#: Deleted servers remembered for changes-since, each slimmed to what a listing shows (see
#: _finish_delete): a few hundred bytes, so the bound is a few MiB however big servers were.
MAX_TOMBSTONES = 20_000
#: populate_servers() at most: a benchmark's fleet, not a count that would run for hours.
MAX_POPULATE = 100_000

SERVER_STATUSES = frozenset(
    "ACTIVE BUILD DELETED ERROR HARD_REBOOT MIGRATING PASSWORD PAUSED REBOOT REBUILD RESCUE "
    "RESIZE REVERT_RESIZE SHELVED SHELVED_OFFLOADED SHUTOFF SOFT_DELETED SUSPENDED UNKNOWN "
    "VERIFY_RESIZE".split()
)

HOST = "localcloud-1"


@dataclass(slots=True, eq=False)
class Server:
    # Bumped by every assignment to any field (see __setattr__): a listing's kept view of the
    # server (model/rendered.py) is reused only while it is the same. First, so that __init__
    # sets it before anything reads it; never stored (a restored server starts again at 0).
    revision: int = field(default=0, init=False, repr=False, metadata={"runtime": True})
    id: str
    seq: int  # creation order across the cloud (ties in ``created`` sort by it)
    number: int  # 1, 2, 3 ... within its project (the book's v1.1 integer ids)
    project_id: str
    user_id: str
    name: str
    image_id: str
    flavor_id: str
    created: float
    updated: float
    slot: int  # address slot: the n-th address of every pool
    metadata: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    personality: list = field(default_factory=list, repr=False)
    access_ipv4: str = ""
    access_ipv6: str = ""
    key_name: str | None = None
    description: str | None = None
    hostname: str = ""
    user_data: str | None = field(default=None, repr=False)
    admin_pass: str = field(default="", repr=False)
    vm_state: str = "building"
    task_state: str | None = "scheduling"
    power_state: int = NOSTATE
    status: str = "BUILD"
    progress: int = 0
    launched_at: float | None = None
    terminated_at: float | None = None
    locked: bool = False
    locked_reason: str | None = None
    old_flavor_id: str | None = None
    fault: dict | None = None
    operation: Operation | None = None
    reservation_id: str = ""
    launch_index: int = 0
    availability_zone: str = "nova"
    # The zone a boot asked for (2.96 shows it; 2.104 may unpin or re-pin it).
    pinned_availability_zone: str | None = None
    disk_config: str = "MANUAL"  # OS-DCF:diskConfig, as asked at boot, rebuild or resize
    scheduler_hints: dict = field(default_factory=dict)  # os:scheduler_hints (shown from 2.100)
    # What a guest posts to the metadata service, encrypted with its key (os-server-password);
    # no guest runs here, so it stays empty until cleared.
    encrypted_password: str = field(default="", repr=False)
    config_drive: str = ""
    networked: bool = True  # False when booted with networks "none"
    boot_volume_id: str | None = None  # booted from a volume: image_id is ""
    deleted: bool = False

    def __setattr__(self, name: str, value) -> None:
        # Each object counts its own changes (a kept view remembers the object too, so two
        # servers' counts never meet). One more step per assignment; a listing saves far more.
        object.__setattr__(self, name, value)
        if name != "revision":
            object.__setattr__(self, "revision", self.revision + 1)


class ServerBackend(ProjectIndex):
    """The servers of :class:`CloudState` (``servers`` in creation order) and their tombstones."""

    servers: dict[str, Server]
    deleted_servers: dict[str, Server]

    def _reset_servers(self) -> None:
        self._seq = 0  # creation order across the cloud
        self._numbers: dict[str, int] = {}  # the last v1.1 number of each project
        self.servers = {}  # insertion order == creation order
        self.deleted_servers = {}  # tombstones for changes-since

    def _finish_delete(self, server: Server, when: float) -> None:
        server.deleted = True
        server.vm_state, server.status, server.power_state = DELETED_STATE
        server.task_state = None
        server.terminated_at = when
        server.updated = when
        self._remove_server(server)
        self.unplug_server(server)
        self.release_server_volumes(server.id, when)
        self.pools.release(server.slot)
        # A tombstone keeps what a changes-since listing shows (ids, name, status, times,
        # project, flavor, image), never the blobs: user_data (64 KB), files, metadata, tags
        # and the password would make 20,000 deletions cost gigabytes. Nova drops them too.
        server.user_data, server.personality, server.admin_pass = None, [], ""
        server.metadata, server.tags, server.operation = {}, [], None
        self.deleted_servers[server.id] = server
        if len(self.deleted_servers) > MAX_TOMBSTONES:
            # Forget the oldest deletions so a long-running classroom cloud stays small.
            for stale in list(self.deleted_servers)[: MAX_TOMBSTONES // 10]:
                del self.deleted_servers[stale]

    def get_server(self, caller: Token, server_id: str) -> Server:
        """A live server the caller may see (admins see all), settled to now."""
        with self.lock:
            server = self.servers.get(server_id)
            if server is None or not caller.owns(server.project_id):
                raise NotFound(f"Instance {server_id} could not be found.")
            self._settle(server, self.now())
            if server.deleted:
                raise NotFound(f"Instance {server_id} could not be found.")
            return server

    def find_server_by_number(self, caller: Token, number: int) -> Server:
        """The book's v1.1 integer id: the n-th server of the caller's project."""
        with self.lock:
            now = self.now()
            for server in list(self.servers.values()):
                if server.project_id == caller.project.id and server.number == number:
                    self._settle(server, now)
                    if not server.deleted:
                        return server
        raise NotFound(f"Instance {number} could not be found.")

    def list_servers(
        self,
        caller: Token,
        all_tenants: bool = False,
        project_id: str | None = None,
        include_deleted_since: float | None = None,
    ) -> list[Server]:
        """Servers the caller sees, newest first (Nova's default sort: created desc).

        ``include_deleted_since``: also servers deleted at or after that time (changes-since).
        Further filtering is the caller's job (filters differ by API face).
        """
        if all_tenants and not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed."
            )
        with self.lock:
            now = self.now()
            wanted = None if all_tenants else (project_id or caller.project.id)
            if project_id is not None and caller.is_admin:
                wanted = project_id
            candidates = self.project_servers(wanted)
            busy = self.settle_busy(candidates, now)
            # A deletion that just finished leaves a tombstone, listed below when asked for.
            result = [s for s in candidates if not s.deleted] if busy else candidates
            if include_deleted_since is not None:
                for server in self.deleted_servers.values():
                    if (
                        wanted is None or server.project_id == wanted
                    ) and server.updated >= include_deleted_since:
                        result.append(server)
                result.sort(key=lambda s: s.seq)
            result.reverse()
            return result

    def _require(
        self, server: Server, action: str, vm_states: Iterable[str] | None, task_none: bool = True
    ) -> None:
        if server.locked and action not in ("unlock",):
            raise Conflict(f"Instance {server.id} is locked")
        if task_none and server.task_state is not None:
            raise Conflict(
                f"Cannot '{action}' instance {server.id} while it is in task_state {server.task_state}"
            )
        if vm_states is not None and server.vm_state not in vm_states:
            raise Conflict(
                f"Cannot '{action}' instance {server.id} while it is in vm_state {server.vm_state}"
            )

    def check_personality(self, project_id: str, personality) -> list[dict]:
        """[{"path", "contents" (base64)}]: 400 for bad shapes, 403 over the personality limits."""
        if not isinstance(personality, list):
            raise BadRequest(
                "Invalid input for field/attribute personality. It must be a list of {path, contents}."
            )
        limits = self.quota_limits(project_id)
        if 0 <= limits["injected_files"] < len(personality):
            raise OverQuota(
                f"Personality file limit exceeded: at most {limits['injected_files']} files are allowed."
            )
        result = []
        for item in personality:
            if not isinstance(item, dict) or set(item) - {"path", "contents"} or "path" not in item:
                raise BadRequest(
                    "Invalid personality item: each needs a 'path' and base64 'contents'."
                )
            path, contents = item["path"], item.get("contents", "")
            if not isinstance(path, str) or not path:
                raise BadRequest("Invalid personality path: a non-empty string is required.")
            if not isinstance(contents, str):
                raise BadRequest(f"Personality content for {path} must be a base64 string.")
            if 0 <= limits["injected_file_path_bytes"] < len(path.encode()):
                raise OverQuota(
                    f"Personality file path exceeds maximum {limits['injected_file_path_bytes']} bytes."
                )
            try:
                raw = base64.b64decode(contents.encode(), validate=True)
            except (binascii.Error, ValueError):
                raise BadRequest(
                    f"Personality content for {path} cannot be decoded (not base64)."
                ) from None
            if 0 <= limits["injected_file_content_bytes"] < len(raw):
                raise OverQuota(
                    f"Personality file content exceeds maximum {limits['injected_file_content_bytes']} bytes."
                )
            result.append({"path": path, "contents": contents})
        return result

    # ---------------------------------------------------------------- servers: create
    def create_servers(
        self,
        caller: Token,
        name,
        image_ref,
        flavor_ref,
        metadata=None,
        personality=None,
        access_ipv4=None,
        access_ipv6=None,
        key_name=None,
        description=None,
        tags=None,
        min_count=1,
        max_count=None,
        admin_pass=None,
        user_data=None,
        hostname=None,
        availability_zone=None,
        config_drive=None,
        networked=True,
        networks=None,
        security_groups=None,
        disk_config=None,
        scheduler_hints=None,
        block_devices=None,
    ) -> list[Server]:
        """Boot ``max_count`` servers (as many as quota allows, at least ``min_count``).

        ``networks``: None (auto: the project's private network and public) or Nova's list of
        ``{"uuid"|"port", "fixed_ip"}``; ``security_groups``: names or ids (None: default);
        ``block_devices``: the parsed ``block_device_mapping_v2`` (model.block_devices)."""
        name = check_name(name)
        metadata = check_metadata({} if metadata is None else metadata, -1)
        tags = check_tags(tags) if tags is not None else []
        access_ipv4 = check_ip(access_ipv4, 4, "accessIPv4")
        access_ipv6 = check_ip(access_ipv6, 6, "accessIPv6")
        if key_name is not None and (
            not isinstance(key_name, str) or not 1 <= len(key_name) <= 255
        ):
            raise BadRequest(
                "Invalid input for field/attribute key_name. It must be a string of 1 to 255 characters."
            )
        if description is not None:
            check_name(description, "description", allow_empty=True)
        if admin_pass is not None and not isinstance(admin_pass, str):
            raise BadRequest("Invalid input for field/attribute adminPass. It must be a string.")
        user_data = check_user_data(user_data)
        min_count, max_count = check_counts(min_count, max_count)
        disk_config = "MANUAL" if disk_config is None else check_disk_config(disk_config)
        hints = {} if scheduler_hints is None else check_scheduler_hints(scheduler_hints)
        if availability_zone not in (None, "", "nova"):
            raise BadRequest(
                f"The requested availability zone is not available: {availability_zone!r} "
                "(the local cloud has one zone, 'nova')."
            )
        with self.lock:
            project_id = caller.project.id
            flavor = self.find_flavor(flavor_ref)
            image, devices = self.plan_boot_devices(
                caller, block_devices or [], image_ref, flavor, max_count
            )
            self._check_key_name(caller, key_name)
            if image is not None and flavor.disk and flavor.disk < image.min_disk:
                raise BadRequest("Flavor's disk is too small for requested image.")
            if image is not None and flavor.ram < image.min_ram:
                raise BadRequest("Flavor's memory is too small for requested image.")
            self._check_meta_quota(project_id, len(metadata))
            personality = self.check_personality(project_id, personality or [])
            fit = self._check_compute_quota(project_id, max_count, flavor.vcpus, flavor.ram)
            if fit < min_count:
                raise self._quota_error(project_id, min_count, flavor.vcpus, flavor.ram)
            count = min(fit, max_count)
            plan = self.check_server_networks(caller, networks, count) if networked else []
            groups = self.boot_security_groups(caller, security_groups)
            wanted = hints.get("group")
            if isinstance(wanted, list):  # Nova takes the first of a list
                wanted = wanted[0] if wanted else None
            server_group = self.join_server_group(caller, wanted, count)
            reservation = "r-" + "".join(
                self._rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8)
            )
            created = []
            for index in range(count):
                server_name = name if count == 1 else f"{name}-{index + 1}"
                created.append(
                    self._new_server(
                        caller,
                        server_name,
                        image.id if image is not None else "",
                        flavor.id,
                        metadata=dict(metadata),
                        tags=list(tags),
                        personality=personality,
                        access_ipv4=access_ipv4,
                        access_ipv6=access_ipv6,
                        key_name=key_name,
                        description=description,
                        admin_pass=admin_pass,
                        user_data=user_data,
                        hostname=hostname,
                        reservation_id=reservation,
                        launch_index=index,
                        availability_zone=availability_zone or "nova",
                        pinned_availability_zone=availability_zone or None,
                        disk_config=disk_config,
                        scheduler_hints=dict(hints),
                        config_drive="True" if config_drive else "",
                        networked=networked,
                        plan=plan,
                        group_ids=groups,
                    )
                )
                self.make_boot_devices(caller, created[-1], devices)
            if server_group is not None:
                self.add_group_members(server_group, created)
            return created

    def _new_server(
        self,
        caller: Token,
        name: str,
        image_id: str,
        flavor_id: str,
        active=False,
        plan=None,
        group_ids=None,
        **fields,
    ) -> Server:
        now = self.now()
        project_id = caller.project.id
        number = self._numbers.get(project_id, 0) + 1
        self._numbers[project_id] = number
        self._seq += 1
        admin_pass = fields.pop("admin_pass", None) or "".join(
            self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
            for _ in range(12)
        )
        hostname = fields.pop("hostname", None) or hostname_from(name)
        server = Server(
            id=self._uuid(self._rng),
            seq=self._seq,
            number=number,
            project_id=project_id,
            user_id=caller.user.id,
            name=name,
            image_id=image_id,
            flavor_id=flavor_id,
            created=now,
            updated=now,
            slot=self.allocate_slot(),
            admin_pass=admin_pass,
            hostname=hostname,
            **fields,
        )
        if active:
            server.vm_state, server.status, server.power_state = "active", "ACTIVE", RUNNING
            server.task_state, server.progress, server.launched_at = None, 100, now
        else:
            server.operation = Operation("build", now, now + self.durations["build"])
        self._add_server(server)
        if server.networked:
            if plan is None:
                plan = self.check_server_networks(caller, None, 1, quota=False)
            if group_ids is None:
                group_ids = [self.default_security_group(project_id).id]
            self.plug_server(server, plan, group_ids)
        return server

    def populate_servers(
        self,
        count: int,
        project: str = "openstack",
        name: str = "server-{n}",
        image=None,
        flavor="1",
        metadata: dict | None = None,
        tags: list | None = None,
    ) -> list[str]:
        """Seed ``count`` ACTIVE servers in ``project`` at once, bypassing quota. Returns their ids.

        ``name`` is a format string with ``{n}`` (the project-wide server number).
        """
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_POPULATE:
            raise BadRequest(f"count must be an integer from 0 to {MAX_POPULATE}; got {count!r}")
        if not isinstance(name, str) or "{n" not in name and count > 1:
            raise BadRequest("name must be a format string containing {n}, e.g. 'server-{n}'")
        with self.lock:
            proj = self.find_project(project)
            if proj is None:
                raise NotFound(f"Project {project} could not be found.")
            owner = next((u for u in self.users.values() if u.project_id == proj.id), None)
            if owner is None:
                raise NotFound(f"Project {project} has no user to own servers.")
            caller = Token("", owner, proj, 0.0, 0.0, [], "")
            image_obj = self.find_image(caller, image if image is not None else 3)
            flavor_obj = self.find_flavor(flavor)
            metadata = check_metadata(metadata or {}, -1)
            tags = check_tags(tags or [])
            ids = []
            for _ in range(count):
                number = self._numbers.get(proj.id, 0) + 1
                try:
                    server_name = name.format(n=number)
                except (KeyError, IndexError, ValueError) as exc:
                    raise BadRequest(f"bad name pattern {name!r}: {exc}") from None
                server = self._new_server(
                    caller,
                    server_name,
                    image_obj.id,
                    flavor_obj.id,
                    active=True,
                    metadata=dict(metadata),
                    tags=list(tags),
                )
                ids.append(server.id)
            return ids

    # ---------------------------------------------------------------- servers: changes
    def update_server(
        self,
        caller: Token,
        server_id: str,
        name=None,
        access_ipv4=None,
        access_ipv6=None,
        description=None,
        hostname=None,
        disk_config=None,
        pinned_availability_zone=None,
        fields: Iterable[str] = (),
    ) -> Server:
        """Change the given ``fields`` (names among name, accessIPv4, accessIPv6, description,
        hostname, OS-DCF:diskConfig, pinned_availability_zone)."""
        fields = set(fields)
        with self.lock:
            server = self.get_server(caller, server_id)
            if "name" in fields:
                server.name = check_name(name)
            if "accessIPv4" in fields:
                server.access_ipv4 = check_ip(access_ipv4, 4, "accessIPv4")
            if "accessIPv6" in fields:
                server.access_ipv6 = check_ip(access_ipv6, 6, "accessIPv6")
            if "description" in fields:
                if description is not None:
                    check_name(description, "description", allow_empty=True)
                server.description = description
            if "hostname" in fields:
                server.hostname = hostname_from(check_name(hostname, "hostname"))
            if "OS-DCF:diskConfig" in fields:
                server.disk_config = check_disk_config(disk_config)
            if "pinned_availability_zone" in fields:
                server.pinned_availability_zone = check_repin(server, pinned_availability_zone)
            server.updated = self.now()
            return server

    def delete_server(self, caller: Token, server_id: str) -> None:
        with self.lock:
            server = self.get_server(caller, server_id)
            if server.locked:
                raise Conflict(f"Instance {server.id} is locked")
            if server.operation is not None and server.operation.kind == "delete":
                return
            if server.operation is not None and server.operation.kind == "snapshot":
                image = self.images.get(server.operation.data["image_id"])
                if image is not None and image.operation is server.operation:
                    # The upload never finishes: Glance is left with a dead image, as Nova leaves it.
                    del self.images[image.id]
            server.task_state = "deleting"
            self._start(server, "delete")

    def set_server_metadata(self, caller: Token, server_id: str, metadata, replace: bool) -> dict:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require_metadata_state(server, "update_metadata")
            metadata = check_metadata(metadata, -1)
            merged = dict(metadata) if replace else {**server.metadata, **metadata}
            self._check_meta_quota(server.project_id, len(merged))
            server.metadata = merged
            server.updated = self.now()
            return server.metadata

    def delete_server_metadata_item(self, caller: Token, server_id: str, key: str) -> None:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require_metadata_state(server, "delete_metadata")
            if key not in server.metadata:
                raise NotFound(f"Metadata item {key} was not found")
            del server.metadata[key]
            server.updated = self.now()

    def _require_metadata_state(self, server: Server, action: str) -> None:
        # Nova: metadata may change while a task runs, but not while building or deleting.
        if server.locked:
            raise Conflict(f"Instance {server.id} is locked")
        if server.vm_state not in (
            "active",
            "stopped",
            "paused",
            "suspended",
            "resized",
            "error",
        ) or (server.task_state == "deleting"):
            raise Conflict(
                f"Cannot '{action}' instance {server.id} while it is in vm_state {server.vm_state}"
            )

    def set_tags(self, caller: Token, server_id: str, tags) -> list[str]:
        with self.lock:
            server = self.get_server(caller, server_id)
            server.tags = check_tags(tags)
            server.updated = self.now()
            return server.tags

    def add_tag(self, caller: Token, server_id: str, tag) -> bool:
        """Add ``tag``; True when it was new."""
        with self.lock:
            server = self.get_server(caller, server_id)
            check_tag(tag)
            if tag in server.tags:
                return False
            if len(server.tags) >= MAX_TAGS:
                raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
            server.tags.append(tag)
            server.updated = self.now()
            return True

    def delete_tag(self, caller: Token, server_id: str, tag: str) -> None:
        with self.lock:
            server = self.get_server(caller, server_id)
            if tag not in server.tags:
                raise NotFound(f"Tag '{tag}' could not be found on instance {server_id}.")
            server.tags.remove(tag)
            server.updated = self.now()

    def clear_tags(self, caller: Token, server_id: str) -> None:
        with self.lock:
            server = self.get_server(caller, server_id)
            server.tags = []
            server.updated = self.now()
