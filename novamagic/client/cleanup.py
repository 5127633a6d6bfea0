"""This session's resources: the servers it booted, the images it made, the floating IPs,
security groups and rules it created (``expose`` among them), its volumes and snapshots, and
their cleanup."""

from __future__ import annotations

from novamagic.client.boot import MARKER_KEY, SESSION_TAG_PREFIX
from novamagic.client.bulk import BulkResult, run_bulk


class CleanupMixin:
    """session_servers, session_images and cleanup."""

    def session_servers(self) -> list[dict]:
        """The servers this session booted: by its session tag from 2.52 (every boot is tagged),
        else by the metadata marker its boots carry (one full listing)."""
        if self._supports("2.52"):
            return self.servers(tags=self.session_tag)
        prefix = self.session_tag[len(SESSION_TAG_PREFIX) :] + "/"
        return [
            server
            for server in self.servers()
            if str((server.get("metadata") or {}).get(MARKER_KEY, "")).startswith(prefix)
        ]

    def session_images(self) -> list[dict]:
        """The images (snapshots) this session created with :meth:`create_image` and that still
        exist: by id, and by the metadata marker where one fitted (one listing)."""
        with self._lock:
            ids = set(self._session_image_ids)
        return [
            image
            for image in self.images()
            if image["id"] in ids
            or (image.get("metadata") or {}).get(MARKER_KEY) == self.session_tag
        ]

    def cleanup(
        self, *, dry_run: bool = False, wait: bool = False, timeout: float = 600.0
    ) -> BulkResult:
        """Delete everything this session created: first its networking (floating IPs, rules,
        security groups: :meth:`session_network_resources`), then its servers and images
        (:meth:`session_servers`, :meth:`session_images`), concurrently. Each entry also says
        ``"kind"`` ("floating_ip", "security_group_rule", "security_group", "server",
        "image", "snapshot" or "volume": those last two once the servers let them go) and
        ``"name"``; ``"item"`` is the id. ``dry_run=True`` deletes nothing and lists what would
        go (every entry with ``"ok": False`` and no error). ``wait=True`` waits until each
        deleted server is gone, so a listing right after no longer shows it."""
        network = self._cleanup_network(dry_run)
        targets = [("server", s) for s in self.session_servers()]
        targets += [("image", i) for i in self.session_images()]
        # after the servers: a volume goes once its server has let it go, snapshots before it
        storage = [("snapshot", s) for s in self.session_snapshots()]
        storage += [("volume", v) for v in self.session_volumes()]

        def delete(target):
            kind, resource = target
            if kind == "server":
                self.delete_server(resource["id"], wait=wait, timeout=timeout)
            else:
                self.delete_image(resource["id"])
                with self._lock:
                    self._session_image_ids.discard(resource["id"])

        if dry_run:
            outcomes = BulkResult(
                {"item": t, "ok": False, "result": None, "error": None} for t in targets + storage
            )
        else:
            outcomes = run_bulk(delete, targets, workers=self.workers)
            for kind in ("snapshot", "volume"):
                items = [t for t in storage if t[0] == kind]
                outcomes += run_bulk(lambda t: self._delete_session_volume(*t), items,
                                     workers=self.workers)  # fmt: skip
        result = BulkResult(
            {k: entry[k] for k in ("item", "ok", "result", "error", "kind", "name")}
            for entry in network
        )
        for entry in outcomes:
            kind, resource = entry["item"]
            result.append(
                {**entry, "item": resource["id"], "kind": kind, "name": resource.get("name")}
            )
        return result
