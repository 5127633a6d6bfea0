"""Server actions: reboot, rebuild, resize and its decision, password, stop/start, lock, snapshot.

Each checks the server's state (:meth:`ServerBackend._require`) and starts an operation whose
end the lifecycle table applies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from novamagic.localcloud.errors import BadRequest, OverQuota
from novamagic.localcloud.model.identity import Token
from novamagic.localcloud.model.images import MAX_IMAGES_PER_PROJECT, Image
from novamagic.localcloud.model.lifecycle import NOSTATE, RUNNING, Operation
from novamagic.localcloud.model.servers import Server
from novamagic.localcloud.model.validation import (
    check_disk_config,
    check_ip,
    check_metadata,
    check_name,
    check_user_data,
    hostname_from,
)


class ServerActionBackend:
    """The server actions of :class:`CloudState`."""

    def reboot(self, caller: Token, server_id: str, hard: bool = False) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            if hard:
                self._require(
                    server, "reboot", ("active", "stopped", "error", "paused", "suspended")
                )
                server.status, server.task_state = "HARD_REBOOT", "reboot_started_hard"
                self._start(server, "hard_reboot")
            else:
                self._require(server, "reboot", ("active",))
                server.status, server.task_state = "REBOOT", "reboot_started"
                self._start(server, "reboot")
            return server

    def rebuild(
        self,
        caller: Token,
        server_id: str,
        image_ref,
        name=None,
        admin_pass=None,
        metadata=None,
        personality=None,
        access_ipv4=None,
        access_ipv6=None,
        description=None,
        key_name=None,
        user_data=None,
        hostname=None,
        disk_config=None,
        fields: Iterable[str] = (),
    ) -> Server:
        fields = set(fields)
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "rebuild", ("active", "stopped", "error"))
            image = self.find_image(caller, image_ref)
            if server.boot_volume_id is not None:
                # The root disk is a volume: its image is the volume's (Nova below 2.93, which
                # the local cloud keeps to for every microversion).
                raise BadRequest(
                    "Rebuilding a volume-backed instance is not supported here: its root disk is "
                    f"volume {server.boot_volume_id}; boot a new server from a volume instead."
                )
            flavor = self.flavors[server.flavor_id]
            if flavor.disk and flavor.disk < image.min_disk:
                raise BadRequest("Flavor's disk is too small for requested image.")
            if "metadata" in fields:
                metadata = check_metadata(metadata, -1)
                self._check_meta_quota(server.project_id, len(metadata))
            if "personality" in fields:
                personality = self.check_personality(server.project_id, personality)
            if "name" in fields:
                name = check_name(name)
            ipv4 = check_ip(access_ipv4, 4, "accessIPv4") if "accessIPv4" in fields else None
            ipv6 = check_ip(access_ipv6, 6, "accessIPv6") if "accessIPv6" in fields else None
            if admin_pass is not None and not isinstance(admin_pass, str):
                raise BadRequest(
                    "Invalid input for field/attribute adminPass. It must be a string."
                )
            if "key_name" in fields:  # null unsets the key (2.54)
                self._check_key_name(caller, key_name)
            if "user_data" in fields:
                user_data = check_user_data(user_data)
            if "OS-DCF:diskConfig" in fields:
                disk_config = check_disk_config(disk_config)
            # All checks passed: apply.
            server.image_id = image.id
            if "name" in fields:
                server.name = name
            if "metadata" in fields:
                server.metadata = metadata
            if "personality" in fields:
                server.personality = personality
            if ipv4 is not None:
                server.access_ipv4 = ipv4
            if ipv6 is not None:
                server.access_ipv6 = ipv6
            if "description" in fields:
                server.description = description
            if "key_name" in fields:
                server.key_name = key_name
            if "user_data" in fields:
                server.user_data = user_data
            if "OS-DCF:diskConfig" in fields:
                server.disk_config = disk_config
            if "hostname" in fields and hostname:
                server.hostname = hostname_from(hostname)
            server.admin_pass = admin_pass or "".join(
                self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                for _ in range(12)
            )
            was_stopped = server.vm_state == "stopped"
            server.status, server.task_state, server.vm_state = "REBUILD", "rebuilding", "active"
            server.power_state = NOSTATE
            self._start(server, "rebuild", was_stopped=was_stopped)
            return server

    def resize(self, caller: Token, server_id: str, flavor_ref, disk_config=None) -> Server:
        if disk_config is not None:
            disk_config = check_disk_config(disk_config)
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "resize", ("active", "stopped"))
            flavor = self.find_flavor(flavor_ref)
            current = self.flavors[server.flavor_id]
            if flavor.id == current.id:
                raise BadRequest("When resizing, instances must change flavor!")
            image = self.images.get(server.image_id)
            if image is not None and flavor.disk and flavor.disk < image.min_disk:
                raise BadRequest("Flavor's disk is too small for requested image.")
            extra_cores, extra_ram = flavor.vcpus - current.vcpus, flavor.ram - current.ram
            limits, used = self.quota_limits(server.project_id), self.usage(server.project_id)
            for resource, extra in (("cores", extra_cores), ("ram", extra_ram)):
                limit = limits[resource]
                if extra > 0 and 0 <= limit < used[resource] + extra:
                    raise OverQuota(
                        f"Quota exceeded for {resource}: Requested {extra}, but already used "
                        f"{used[resource]} of {limit} {resource}"
                    )
            was_running = server.vm_state == "active"
            if disk_config is not None:
                server.disk_config = disk_config
            server.status, server.task_state, server.progress = "RESIZE", "resize_prep", 0
            self._start(server, "resize", flavor_id=flavor.id, was_running=was_running)
            return server

    def confirm_resize(self, caller: Token, server_id: str) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "confirmResize", ("resized",))
            server.old_flavor_id = None
            running = server.power_state == RUNNING
            server.vm_state = "active" if running else "stopped"
            server.status = "ACTIVE" if running else "SHUTOFF"
            server.updated = self.now()
            return server

    def revert_resize(self, caller: Token, server_id: str) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "revertResize", ("resized",))
            server.status, server.task_state = "REVERT_RESIZE", "resize_reverting"
            self._start(server, "revert", flavor_id=server.old_flavor_id or server.flavor_id)
            return server

    def change_password(self, caller: Token, server_id: str, admin_pass) -> Server:
        if not isinstance(admin_pass, str):
            raise BadRequest("Invalid input for field/attribute adminPass. It must be a string.")
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "changePassword", ("active",))
            server.admin_pass = admin_pass
            server.updated = self.now()
            return server

    def stop(self, caller: Token, server_id: str) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "stop", ("active", "error"))
            server.task_state = "powering-off"
            self._start(server, "stop")
            return server

    def start(self, caller: Token, server_id: str) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "start", ("stopped",))
            server.task_state = "powering-on"
            self._start(server, "start")
            return server

    def lock_server(self, caller: Token, server_id: str, reason: str | None = None) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            if reason is not None:
                check_name(reason, "locked_reason", allow_empty=True)
            server.locked, server.locked_reason = True, reason
            server.updated = self.now()
            return server

    def unlock_server(self, caller: Token, server_id: str) -> Server:
        with self.lock:
            server = self.get_server(caller, server_id)
            server.locked, server.locked_reason = False, None
            server.updated = self.now()
            return server

    def server_password(self, caller: Token, server_id: str, clear: bool = False) -> str:
        with self.lock:
            server = self.get_server(caller, server_id)
            if clear:
                server.encrypted_password = ""
            return server.encrypted_password

    def create_backup(
        self, caller: Token, server_id: str, name, backup_type, rotation, metadata=None
    ) -> Image:
        """Nova's createBackup: a snapshot typed ``backup_type``, then the server's backups of
        that type beyond the newest ``rotation`` deleted (0: none kept, the new one either).
        Returns the new image (already gone at rotation 0)."""
        if not isinstance(backup_type, str) or not backup_type:
            raise BadRequest(
                "Invalid input for field/attribute backup_type. It must be a non-empty string."
            )
        if isinstance(rotation, str) and rotation.isdigit():
            rotation = int(rotation)
        if isinstance(rotation, bool) or not isinstance(rotation, int) or rotation < 0:
            raise BadRequest(
                f"Invalid input for field/attribute rotation. Value: {rotation!r}. "
                "It must be a whole number of 0 or more."
            )
        extra = check_metadata({} if metadata is None else metadata, -1)
        with self.lock:
            image = self.create_image(
                caller,
                server_id,
                name,
                {**extra, "image_type": "backup", "backup_type": backup_type},
            )
            backups = sorted(
                (
                    i
                    for i in self.images.values()
                    if i.properties.get("instance_uuid") == image.server_id
                    and i.properties.get("image_type") == "backup"
                    and i.properties.get("backup_type") == backup_type
                ),
                key=lambda i: (i.created, i.number),
                reverse=True,
            )
            for old in backups[rotation:]:
                self.delete_image(caller, old.id)
            return image

    def create_image(self, caller: Token, server_id: str, name, metadata=None) -> Image:
        name = check_name(name)
        metadata = check_metadata({} if metadata is None else metadata, -1)
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "createImage", ("active", "stopped", "paused", "suspended"))
            owned = sum(1 for i in self.images.values() if i.owner == server.project_id)
            if owned >= MAX_IMAGES_PER_PROJECT:
                raise OverQuota(
                    f"Quota exceeded for images: the project owns {owned} of at most "
                    f"{MAX_IMAGES_PER_PROJECT}; delete one before taking another snapshot."
                )
            base = self.images.get(server.image_id)
            booter = self.users.get(server.user_id)
            project = self.projects.get(server.project_id)
            # What Nova sets on a snapshot: who took it, and the server's owner and roles at boot.
            properties = {
                "image_type": "snapshot",
                "instance_uuid": server.id,
                "base_image_ref": server.image_id,
                "user_id": caller.user.id,
                "owner_user_name": booter.name if booter else None,
                "owner_project_name": project.name if project else None,
                "boot_roles": ",".join(booter.roles) if booter else None,
                **metadata,
            }
            properties = {k: v for k, v in properties.items() if v is not None}
            self._check_meta_quota(server.project_id, len(metadata))
            now = self.now()
            self._image_number += 1
            op = Operation("snapshot", now, now + self.durations["snapshot"], {})
            image = Image(
                id=self._uuid(self._rng),
                number=self._image_number,
                name=name,
                owner=server.project_id,
                created=now,
                updated=now,
                status="queued",
                size=None,
                disk_format=base.disk_format if base else "qcow2",
                container_format=base.container_format if base else "bare",
                min_disk=self.flavors[server.flavor_id].disk,
                min_ram=base.min_ram if base else 0,
                properties=properties,
                visibility="private",
                server_id=server.id,
                operation=op,
            )
            op.data["image_id"] = image.id
            op.data["size"] = base.size if base and base.size else 1 << 30
            self.images[image.id] = image
            server.operation = op
            server.task_state = "image_snapshot"
            server.updated = now
            # The size is known once the upload finishes; set it now, shown only when active.
            image.size = op.data["size"]
            image.checksum = hashlib.md5(image.id.encode(), usedforsecurity=False).hexdigest()
            return image
