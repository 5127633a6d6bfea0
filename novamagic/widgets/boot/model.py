"""The state of the boot widget, with no ipywidgets: :class:`BootFormModel`.

It checks, calls the client in a background thread and tells its observers; the view
(:mod:`novamagic.widgets.boot.view`) only draws it, so tests and scripts drive it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from novamagic.widgets._base import (
    BackgroundModel,
    Busy,
    errors_html,
    esc,
    find,
    flavor_label,
    html_table,
    missing,
    one_line,
    resolve_cloud,
    status_badge,
    validation_error,
)

__all__ = ["BootFormModel", "FileRow", "MetadataRow", "ServerRow"]

FIELDS = (
    "name",
    "image",
    "flavor",
    "count",
    "metadata",
    "files",
    "access_ipv4",
    "access_ipv6",
    "key_name",
    "networks",
    "security_groups",
    "floating_ip",
    "boot_volume_size",
)
DEFAULT_MAX_COUNT = 100  # when the cloud reports no instance limit
# The result table once a boot ends (the progress table above it already shows the ids).
RESULT_COLUMNS = (
    "name",
    "status",
    "flavor",
    "vcpus",
    "ram_mb",
    "image",
    "private_ipv4",
    "public_ipv4",
    "floating_ipv4",
)


@dataclass(eq=False)
class MetadataRow:
    key: str = ""
    value: str = ""


@dataclass(eq=False)
class FileRow:
    """A file to inject: ``contents`` is text (typed inline) or bytes (uploaded)."""

    path: str = ""
    contents: str | bytes = ""
    source: str = "inline"  # or the uploaded file's name

    @property
    def data(self) -> bytes:
        return self.contents.encode("utf-8") if isinstance(self.contents, str) else self.contents


@dataclass(eq=False)
class ServerRow:
    """One server of a boot, as the progress table shows it."""

    name: str
    id: str | None = None
    status: str = "requested"
    task: str | None = None
    progress: int = 0
    error: str | None = None
    finished: bool = False
    server: dict | None = field(default=None, repr=False)

    @property
    def percent(self) -> int:
        return 100 if self.finished else max(0, min(99, int(self.progress or 0)))


class BootFormModel(BackgroundModel):
    """The boot form's state and checks; no widgets. ``submit()`` boots in the background.

    Fields: name, image, flavor (an id or name of the loaded lists), count, metadata (rows of
    key/value), files (rows of path/contents), access_ipv4, access_ipv6, key_name, networks and
    security_groups (names; empty: the cloud's choice and ``default``), floating_ip (give each
    server one once it is ACTIVE; needs ``wait``), boot_volume_size (GB: boot from a new volume
    made from the image, what a 0 GB flavor needs; 0 boots from the image). ``errors()``
    says what is wrong with each; ``phase`` is idle, booting, waiting, done, cancelled or failed.
    """

    def __init__(
        self,
        cloud=None,
        *,
        wait: bool = True,
        timeout: float = 600.0,
        load: bool = True,
        **fields,
    ):
        super().__init__()
        self.cloud = resolve_cloud(cloud)
        self.wait_active = wait
        self.timeout = timeout
        self.images: list[dict] = []
        self.flavors: list[dict] = []
        self.limits: dict = {}
        self.key_names: list[str] = []  # the user's key pairs (the key name picker)
        self.network_names: list[str] = []  # empty on a cloud without Neutron
        self.group_names: list[str] = []
        self.networking = False
        self.block_storage = False
        self.name = ""
        self.image: str | None = None
        self.flavor: str | None = None
        self.count = 1
        self.metadata: list[MetadataRow] = []
        self.files: list[FileRow] = []
        self.access_ipv4 = ""
        self.access_ipv6 = ""
        self.key_name = ""
        self.networks: list[str] = []
        self.security_groups: list[str] = []
        self.floating_ip = False
        self.boot_volume_size = 0
        self.phase = "idle"
        self.rows: list[ServerRow] = []
        self.result = None  # a servers DataFrame once a boot ends
        self._rows_lock = threading.Lock()
        if load:
            self.load()
        self.set(**fields)

    # --- choices and limits --------------------------------------------------------------------

    def load(self) -> None:
        """Read the images, flavors, key pairs and limits the pickers and checks use."""
        from novamagic.client import Forbidden, NotFound

        cloud = self.cloud
        self.images = sorted(
            (i for i in cloud.images() if i.get("status") == "ACTIVE"),
            key=lambda i: str(i.get("name") or ""),
        )
        self.flavors = sorted(
            cloud.flavors(),
            key=lambda f: (f.get("ram") or 0, f.get("vcpus") or 0, f.get("disk") or 0),
        )
        self.limits = dict(cloud.limits().get("absolute") or {})
        try:
            self.key_names = sorted(str(k["name"]) for k in cloud.keypairs())
        except (NotFound, Forbidden):  # a cloud without os-keypairs, or a policy hiding them
            self.key_names = []
        self._load_networking()
        self.block_storage = cloud.has_block_storage()
        self.changed()

    def _load_networking(self) -> None:
        from novamagic.client import NovaError

        cloud = self.cloud
        self.networking = cloud.has_networking()
        if not self.networking:
            self.network_names, self.group_names = [], []
            return
        try:
            self.network_names = sorted({str(n["name"]) for n in cloud.networks() if n.get("name")})
            project = cloud.whoami()["project_id"]
            self.group_names = sorted(
                {str(g["name"]) for g in cloud.security_groups() if g.get("project_id") == project}
            )
        except NovaError:  # the pickers stay empty; the boot's own checks still apply
            self.network_names, self.group_names = [], []

    def _limit(self, key: str) -> int | None:
        value = self.limits.get(key)
        return value if isinstance(value, int) and value >= 0 else None

    @property
    def max_metadata(self) -> int | None:
        return self._limit("maxServerMeta")

    @property
    def max_files(self) -> int | None:
        return self._limit("maxPersonality")

    @property
    def max_file_size(self) -> int | None:
        return self._limit("maxPersonalitySize")

    @property
    def max_count(self) -> int:
        return max(1, self._limit("maxTotalInstances") or DEFAULT_MAX_COUNT)

    @property
    def can_add_metadata(self) -> bool:
        return self.max_metadata is None or len(self.metadata) < self.max_metadata

    @property
    def can_add_file(self) -> bool:
        return self.max_files is None or len(self.files) < self.max_files

    def image_doc(self) -> dict | None:
        return find(self.images, self.image)

    def flavor_doc(self) -> dict | None:
        return find(self.flavors, self.flavor)

    # --- editing -------------------------------------------------------------------------------

    def set(self, **fields) -> None:
        """Set fields by name; metadata takes a dict or pairs, files a {path: contents} dict."""
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown boot form fields {sorted(unknown)}; known: {list(FIELDS)}")
        for key, value in fields.items():
            if value is None:
                continue
            if key == "metadata":
                pairs = value.items() if isinstance(value, Mapping) else value
                self.metadata = [MetadataRow(str(k), str(v)) for k, v in pairs]
            elif key == "files":
                items = value.items() if isinstance(value, Mapping) else value
                self.files = [FileRow(str(p), c) for p, c in items]
            elif key == "count":
                self.count = value
            elif key in ("networks", "security_groups"):
                setattr(self, key, [value] if isinstance(value, str) else [str(v) for v in value])
            else:
                setattr(self, key, value)
        if fields:
            self.changed()

    def add_metadata(self, key: str = "", value: str = "") -> MetadataRow:
        if not self.can_add_metadata:
            raise validation_error(
                f"this cloud allows at most {self.max_metadata} metadata items (maxServerMeta)"
            )
        row = MetadataRow(key, value)
        self.metadata.append(row)
        self.changed()
        return row

    def remove_metadata(self, row: MetadataRow) -> None:
        self.metadata.remove(row)
        self.changed()

    def add_file(self, path: str = "", contents: str | bytes = "", source="inline") -> FileRow:
        if not self.can_add_file:
            raise validation_error(
                f"this cloud allows at most {self.max_files} files (maxPersonality)"
            )
        row = FileRow(path, contents, source)
        self.files.append(row)
        self.changed()
        return row

    def remove_file(self, row: FileRow) -> None:
        self.files.remove(row)
        self.changed()

    # --- checks --------------------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        """What is wrong, by field (empty when the form can be submitted)."""
        from novamagic.client import NovaError, boot_names, validate

        problems: dict[str, str] = {}

        def check(key, call, *args, **kwargs):
            try:
                call(*args, **kwargs)
            except NovaError as exc:
                problems[key] = exc.message

        count = self.count
        count_ok = (
            isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= self.max_count
        )
        if not str(self.name or "").strip():
            problems["name"] = "give the server a name"
        else:  # every name the boot would give, by the client's rule
            check("name", boot_names, self.name, count if count_ok else 1)
        image, flavor = self.image_doc(), self.flavor_doc()
        if image is None:
            problems["image"] = (
                "pick an image" if not self.image else f"no image {self.image!r} on this cloud"
            )
        if flavor is None:
            problems["flavor"] = (
                "pick a flavor" if not self.flavor else f"no flavor {self.flavor!r} on this cloud"
            )
        if image is not None and flavor is not None:
            check("flavor", validate.check_image_fits_flavor, image, flavor)
        if not count_ok:
            problems["count"] = f"count must be a whole number from 1 to {self.max_count}"
        keys = [row.key for row in self.metadata]
        if any(not key for key in keys):
            problems["metadata"] = f"metadata row {keys.index('') + 1} has no key"
        elif len(set(keys)) != len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            problems["metadata"] = f"metadata key {twice!r} appears twice"
        else:
            check("metadata", validate.check_metadata, self.metadata_dict(), self.limits)
        paths = [row.path for row in self.files]
        if any(not p for p in paths):
            problems["files"] = f"file {paths.index('') + 1} has no path"
        elif len(set(paths)) != len(paths):
            problems["files"] = "two files have the same path"
        else:
            check(
                "files",
                validate.check_personality,
                [(row.path, row.data) for row in self.files],
                self.limits,
            )
        if self.access_ipv4:
            check("access_ipv4", validate.check_access_ips, ipv4=self.access_ipv4)
        if self.access_ipv6:
            check("access_ipv6", validate.check_access_ips, ipv6=self.access_ipv6)
        if self.key_name and len(self.key_name) > validate.MAX_NAME:
            problems["key_name"] = f"a key name has at most {validate.MAX_NAME} characters"
        elif self.key_name and self.key_names and self.key_name not in self.key_names:
            problems["key_name"] = (
                f"no key pair {self.key_name!r} on this cloud; "
                f"pick one of {', '.join(self.key_names)}"
            )
        problems.update(self._networking_errors())
        size = self.boot_volume_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems["boot_volume_size"] = (
                "the boot volume's size is a whole number of GB (0: none)"
            )
        elif size and not self.block_storage:
            problems["boot_volume_size"] = "this cloud has no block storage: boot from the image"
        elif flavor is not None and flavor.get("disk") == 0 and not size:
            problems["boot_volume_size"] = (
                f"{flavor.get('name')} has a 0 GB disk: boot from a volume (give its size in GB)"
            )
        return problems

    def _networking_errors(self) -> dict[str, str]:
        problems = {}
        for key, known, kind in (("networks", self.network_names, "network"),
                                 ("security_groups", self.group_names, "security group")):  # fmt: skip
            unknown = [n for n in getattr(self, key) if known and n not in known]
            if getattr(self, key) and not self.networking:
                problems[key] = f"this cloud has no networking service: leave the {kind}s out"
            elif unknown:
                problems[key] = f"no {kind} {unknown[0]!r}; pick from {', '.join(known)}"
        if self.floating_ip and not self.networking:
            problems["floating_ip"] = "this cloud has no networking service, so no floating IPs"
        elif self.floating_ip and not self.wait_active:
            problems["floating_ip"] = "a floating IP needs the form to wait for ACTIVE (wait=True)"
        return problems

    @property
    def valid(self) -> bool:
        return not self.errors()

    def metadata_dict(self) -> dict[str, str]:
        return {row.key: row.value for row in self.metadata}

    def names(self) -> list[str]:
        """The names a boot gives, by the client's one rule (``novamagic.client.boot_names``:
        the name, or name-1..name-N; ``{n}`` in the name counts instead)."""
        from novamagic.client import boot_names

        return boot_names(self.name, self.count)

    # --- booting -------------------------------------------------------------------------------

    def submit(self, **fields) -> BootFormModel:
        """Set ``fields``, check the form, and boot in the background (``wait()`` for the end).

        Raises the client's ValidationError (nothing sent) when a field is wrong.
        """
        if self.busy:
            raise Busy("a boot is still running: wait for it or press Cancel")
        self.set(**fields)
        problems = self.errors()
        if problems:
            raise validation_error("; ".join(f"{k}: {v}" for k, v in problems.items()))
        image, flavor = self.image_doc(), self.flavor_doc()
        options: dict[str, Any] = {}
        if self.metadata:
            options["metadata"] = self.metadata_dict()
        if self.files:
            options["files"] = {row.path: row.data for row in self.files}
        if self.access_ipv4:
            options["access_ipv4"] = self.access_ipv4
        if self.access_ipv6:
            options["access_ipv6"] = self.access_ipv6
        if self.key_name:
            options["key_name"] = self.key_name
        if self.networks:
            options["networks"] = list(self.networks)
        if self.security_groups:
            options["security_groups"] = list(self.security_groups)
        if self.boot_volume_size:
            options["boot_volume_size"] = self.boot_volume_size
        names = self.names()
        self.rows = [ServerRow(name) for name in names]
        self.result = None
        self.phase = "booting"
        self.start(partial(self._boot, names, image["id"], flavor["id"], options), "boot")
        return self

    def _boot(self, names, image_id, flavor_id, options) -> None:
        completed = False
        try:
            self.cloud.create_servers(
                names,
                image_id,
                flavor_id,
                wait=self.wait_active,
                timeout=self.timeout,
                progress=self._on_progress,
                cancel=self.cancel_event,
                **options,
            )
            if self.floating_ip and not self.cancelled:
                self._give_floating_ips()
            completed = True
        finally:
            self._finish(completed)

    def _give_floating_ips(self) -> None:
        """A floating IP for each ACTIVE server (a refusal, e.g. quota, is that row's error)."""
        from novamagic.client import NovaError

        for row in self.rows:
            if row.server is None or row.server.get("status") != "ACTIVE":
                continue
            try:
                self.cloud.attach_floating_ip(row.id)
                self._update_row(row, self.cloud.server(row.id))
            except NovaError as exc:
                row.error = f"booted, but no floating IP: {one_line(exc)}"
            self.changed()

    def _on_progress(self, event: dict) -> None:
        """The client's per-server progress hook: one row per server."""
        row = next(row for row in self.rows if row.name == event["name"])
        if event["server"] is not None:
            self._update_row(row, event["server"])
        if event["stage"] == "cancelled":  # Cancel: the form says so once, not on every row
            if row.id is None:
                row.status = "not sent"
        elif event["error"] is not None:
            row.error = one_line(event["error"])
            if row.id is None:
                row.status = "refused"
        row.finished = row.finished or event["done"]
        if event["stage"] == "polled" and self.phase == "booting":
            self.phase = "waiting"
        self.changed()

    def _update_row(self, row: ServerRow, server: dict) -> None:
        with self._rows_lock:
            row.server = server
            row.id = str(server.get("id"))
            # A boot's stub (many servers waited for together) has no status yet: keep the row's.
            row.status = str(server.get("status") or row.status or "?")
            row.task = server.get("OS-EXT-STS:task_state")
            if isinstance(server.get("progress"), int):
                row.progress = server["progress"]

    def _finish(self, completed: bool) -> None:
        from novamagic import frames

        servers = [row.server for row in self.rows if row.server is not None]
        self.result = frames.servers_frame(servers)
        failed = [row for row in self.rows if row.error]
        if not completed and not self.cancelled:
            self.phase = "failed"  # the run's own error says why (set by BackgroundModel)
            return
        if self.cancelled:
            self.phase = "cancelled"
            self.error = (
                "stopped waiting; the servers keep booting and nothing was deleted "
                "(%nova wait NAME, or the fleet view, follows them)"
            )
        elif failed and len(failed) == len(self.rows):
            self.phase = "failed"
        else:
            self.phase = "done"
        if failed and not self.cancelled:
            first = failed[0]
            self.error = (
                first.error
                if len(self.rows) == 1
                else f"{len(failed)} of {len(self.rows)} failed; {first.name}: {first.error}"
            )

    @property
    def progress(self) -> int:
        """Overall progress, 0..100 (a server that is up, failed or refused counts as done)."""
        if not self.rows:
            return 0
        return sum(row.percent for row in self.rows) // len(self.rows)

    # --- representations -----------------------------------------------------------------------

    def summary(self) -> dict[str, str]:
        image, flavor = self.image_doc(), self.flavor_doc()
        return {
            "name": self.name or "-",
            "image": (image or {}).get("name") or (self.image or "-"),
            "flavor": flavor_label(flavor) if flavor else (self.flavor or "-"),
            "count": str(self.count),
            "metadata": ", ".join(f"{r.key}={r.value}" for r in self.metadata) or "-",
            "files": ", ".join(f"{r.path} ({len(r.data)} bytes)" for r in self.files) or "-",
            "access IPs": " ".join(a for a in (self.access_ipv4, self.access_ipv6) if a) or "-",
            "key name": self.key_name or "-",
            "networks": ", ".join(self.networks) or "(the cloud's choice)",
            "security groups": ", ".join(self.security_groups) or "default",
            "floating IP": "yes, once ACTIVE" if self.floating_ip else "no",
            # only when asked: the saved notebooks' summaries of image boots stay as they were
            **(
                {"boot volume": f"{self.boot_volume_size} GB from the image"}
                if self.boot_volume_size
                else {}
            ),
        }

    def rows_html(self) -> str:
        if not self.rows:
            return ""
        return html_table(
            ("server", "id", "status", "progress", "error"),
            (
                (
                    esc(row.name),
                    esc(row.id or "-"),
                    status_badge(row.status, row.task),
                    f"{row.percent}%",
                    errors_html(row.error),
                )
                for row in self.rows
            ),
            escape=False,
        )

    def result_html(self) -> str:
        if self.result is None or not len(self.result):
            return ""
        frame = self.result[list(RESULT_COLUMNS)]
        rows = [["-" if missing(v) else v for v in row] for row in frame.itertuples(index=False)]
        return html_table(RESULT_COLUMNS, rows)

    def to_html(self) -> str:
        summary = html_table(("field", "value"), self.summary().items())
        parts = [f"<div><b>Boot form</b> — {esc(self.phase)}</div>", summary]
        if self.rows:
            parts.append(self.rows_html())
        if self.error:
            parts.append(f"<div>{errors_html(self.error)}</div>")
        return '<div class="novamagic-boot-form">' + "".join(parts) + "</div>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        summary = self.summary()
        text = f"<BootForm {self.phase}: {summary['name']!r} x{summary['count']}, {summary['image']}, {summary['flavor']}"
        if self.rows:
            text += "; " + ", ".join(f"{row.name} {row.status}" for row in self.rows)
        if self.error:
            text += f"; {self.error}"
        return text + ">"
