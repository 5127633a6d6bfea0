"""The kinds of an exercise's requirement: how each is read from YAML, said in words and checked.

A requirement is a mapping whose one *kind* key names the resource, plus that kind's options:

    server: NAME              status, flavor, image, metadata (list of keys, or {key: value})
    snapshot_of: SERVER       name (the image's); met once the snapshot is ACTIVE
    floating_ip_on: SERVER    -
    keypair: NAME             -
    volume_attached_to: SERVER  volume (its name or id); met once the volume is in-use

Checks read through :class:`Resources` (each listing once per check, GETs only) and answer
``(met, detail)``: what was found, or what is missing or wrong; never how to do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from novamagic.client.errors import ConfigurationError
from novamagic.client.shapes import floating_addresses

__all__ = ["KINDS", "Requirement", "Resources", "parse_requirement"]

#: Nova's server statuses (what ``status:`` may ask for).
STATUSES = (
    "ACTIVE", "BUILD", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED", "REBOOT",
    "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF",
    "SOFT_DELETED", "SUSPENDED", "VERIFY_RESIZE",
)  # fmt: skip


class Resources:
    """What a check reads, listed once: the session's project, or ``project_id`` (an admin's
    view of a learner's project)."""

    def __init__(self, cloud, project_id: str | None = None):
        self.cloud = cloud
        self.project_id = project_id
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, read):
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def servers(self) -> list[dict]:
        def read():
            if self.project_id is None:
                return self.cloud.servers()
            found = self.cloud.servers(all_projects=True, project_id=self.project_id)
            # Another project's servers never count, whatever a cloud does with the filter.
            return [s for s in found if s.get("tenant_id", self.project_id) == self.project_id]

        return self._once("servers", read)

    def servers_named(self, name: str) -> list[dict]:
        return [s for s in self.servers() if s.get("name") == name]

    def no_server(self, name: str) -> str:
        near = sorted(
            {s["name"] for s in self.servers() if (s.get("name") or "").lower() == name.lower()}
        )
        return f"no server named {name}" + (f" (there is {', '.join(near)})" if near else "")

    def images(self) -> list[dict]:
        # Unfiltered: a snapshot is known by its instance_uuid (a server of the project).
        return self._once("images", self.cloud.images)

    def floating_ips(self) -> list[dict] | None:
        """None when the cloud has no networking service."""

        def read():
            try:
                if self.project_id is None:
                    return self.cloud.floating_ips()
                return self.cloud.floating_ips(project_id=self.project_id)
            except ConfigurationError:
                return None

        return self._once("floating_ips", read)

    def volumes(self) -> list[dict] | None:
        """None when the cloud has no block storage."""

        def read():
            if not self.cloud.has_block_storage():
                return None
            if self.project_id is None:
                return self.cloud.volumes()
            return self.cloud.volumes(all_tenants=1, project_id=self.project_id)

        return self._once("volumes", read)

    def keypair_names(self) -> set[str]:
        def read():
            if self.project_id is None:
                return {k["name"] for k in self.cloud.keypairs()}
            # Key pairs belong to users: those of the users who booted the project's servers
            # (an admin may list another user's from 2.10), and those its servers were given.
            names = {s["key_name"] for s in self.servers() if s.get("key_name")}
            if self.cloud._supports("2.10"):
                for user_id in sorted({s["user_id"] for s in self.servers() if s.get("user_id")}):
                    data = self.cloud.raw(
                        "GET", "/os-keypairs", params={"user_id": user_id}, microversion="2.10"
                    )
                    names |= {e.get("keypair", e)["name"] for e in data.get("keypairs") or []}
            return names

        return self._once("keypairs", read)


# ------------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class Requirement:
    """One line of ``requires:``; ``name`` is the value of its kind key, ``line`` its line."""

    kind: ClassVar[str]
    options: ClassVar[tuple[str, ...]] = ()
    name: str
    line: int | None = None

    def describe(self) -> str:
        raise NotImplementedError

    def check(self, resources: Resources) -> tuple[bool, str]:
        raise NotImplementedError


@dataclass(frozen=True)
class ServerRequirement(Requirement):
    kind: ClassVar[str] = "server"
    options: ClassVar[tuple[str, ...]] = ("status", "flavor", "image", "metadata")
    status: str | None = None
    flavor: str | None = None
    image: str | None = None
    metadata: tuple[tuple[str, str | None], ...] = ()  # (key, value or None: any value)

    def describe(self) -> str:
        parts = [f"server {self.name}"]
        if self.status:
            parts.append(f"is {self.status}")
        if self.flavor:
            parts.append(f"on {self.flavor}")
        if self.image:
            parts.append(f"from image {self.image}")
        if self.metadata:
            keys = ", ".join(k if v is None else f"{k}={v}" for k, v in self.metadata)
            parts.append(f"with metadata {keys}")
        return " ".join(parts) if len(parts) > 1 else f"server {self.name} exists"

    def problems(self, server: dict) -> list[str]:
        found = []
        if self.status and server.get("status") != self.status:
            found.append(f"{self.name} is {server.get('status')}")
        flavor = server.get("flavor") or {}
        if self.flavor and self.flavor not in (flavor.get("name"), flavor.get("id")):
            found.append(f"{self.name} runs on {flavor.get('name') or flavor.get('id')}")
        image = server.get("image") or {}
        if self.image and self.image not in (image.get("name"), image.get("id")):
            booted = image.get("name") or image.get("id") or "a volume"
            found.append(f"{self.name} was booted from {booted}")
        metadata = server.get("metadata") or {}
        for key, value in self.metadata:
            if key not in metadata:
                found.append(f"{self.name} has no metadata {key}")
            elif value is not None and metadata[key] != value:
                found.append(f"metadata {key} of {self.name} is {metadata[key]!r}, not {value!r}")
        return found

    def check(self, resources: Resources) -> tuple[bool, str]:
        servers = resources.servers_named(self.name)
        if not servers:
            return False, resources.no_server(self.name)
        problems, server = min(((self.problems(s), s) for s in servers), key=lambda p: len(p[0]))
        if not problems:
            flavor = (server.get("flavor") or {}).get("name")
            return True, f"{self.name} is {server.get('status')}" + (
                f" on {flavor}" if flavor else ""
            )
        detail = "; ".join(problems)
        if len(servers) > 1:
            detail += f" (the closest of {len(servers)} servers named {self.name})"
        return False, detail


@dataclass(frozen=True)
class SnapshotRequirement(Requirement):
    kind: ClassVar[str] = "snapshot_of"
    options: ClassVar[tuple[str, ...]] = ("name",)
    image_name: str | None = None

    def describe(self) -> str:
        named = f" named {self.image_name}" if self.image_name else ""
        return f"a snapshot of {self.name}{named} is ACTIVE"

    def check(self, resources: Resources) -> tuple[bool, str]:
        servers = resources.servers_named(self.name)
        if not servers:
            return False, resources.no_server(self.name)
        ids = {s["id"] for s in servers}
        snapshots = [i for i in resources.images() if (i.get("server") or {}).get("id") in ids]
        if self.image_name:
            others = sorted(i.get("name") or i["id"] for i in snapshots)
            snapshots = [i for i in snapshots if i.get("name") == self.image_name]
            if not snapshots:
                also = f" (its snapshots: {', '.join(others)})" if others else ""
                return False, f"no snapshot of {self.name} named {self.image_name}{also}"
        if not snapshots:
            return False, f"no image is a snapshot of {self.name}"
        active = [i for i in snapshots if i.get("status") == "ACTIVE"]
        if active:
            return True, f"{active[0].get('name') or active[0]['id']} is ACTIVE"
        first = snapshots[0]
        return False, f"the snapshot {first.get('name') or first['id']} is {first.get('status')}"


@dataclass(frozen=True)
class FloatingIPRequirement(Requirement):
    kind: ClassVar[str] = "floating_ip_on"

    def describe(self) -> str:
        return f"{self.name} has a floating IP"

    def check(self, resources: Resources) -> tuple[bool, str]:
        servers = resources.servers_named(self.name)
        if not servers:
            return False, resources.no_server(self.name)
        for server in servers:
            addresses = floating_addresses(server)
            if addresses:
                return True, f"{self.name} has {addresses[0]}"
        ids = {s["id"] for s in servers}
        fips = resources.floating_ips()
        if fips is None:
            return False, f"{self.name} has no floating IP (this cloud has no networking service)"
        attached = [f for f in fips if f.get("server_id") in ids]
        if attached:
            return True, f"{self.name} has {attached[0].get('floating_ip_address')}"
        return False, f"{self.name} has no floating IP"


@dataclass(frozen=True)
class KeyPairRequirement(Requirement):
    kind: ClassVar[str] = "keypair"

    def describe(self) -> str:
        return f"key pair {self.name} exists"

    def check(self, resources: Resources) -> tuple[bool, str]:
        if self.name in resources.keypair_names():
            return True, f"key pair {self.name} found"
        if resources.project_id is not None and not resources.servers():
            return False, (
                f"no key pair named {self.name} (key pairs belong to users; this project has "
                "no server to find its users by)"
            )
        return False, f"no key pair named {self.name}"


@dataclass(frozen=True)
class VolumeRequirement(Requirement):
    kind: ClassVar[str] = "volume_attached_to"
    options: ClassVar[tuple[str, ...]] = ("volume",)
    volume: str | None = None

    def describe(self) -> str:
        what = f"volume {self.volume}" if self.volume else "a volume"
        return f"{what} is attached to {self.name}"

    def check(self, resources: Resources) -> tuple[bool, str]:
        servers = resources.servers_named(self.name)
        if not servers:
            return False, resources.no_server(self.name)
        volumes = resources.volumes()
        if volumes is None:
            return False, "this cloud has no block storage"
        if self.volume:
            volumes = [v for v in volumes if self.volume in (v.get("name"), v.get("id"))]
            if not volumes:
                return False, f"no volume named {self.volume}"
        ids = {s["id"] for s in servers}
        attached = [
            v for v in volumes if any(a.get("server_id") in ids for a in v.get("attachments") or ())
        ]
        if not attached:
            if self.volume:
                return False, f"{self.volume} is {volumes[0].get('status')}, not on {self.name}"
            return False, f"no volume is attached to {self.name}"
        done = [v for v in attached if v.get("status") == "in-use"]
        volume = (done or attached)[0]
        label = volume.get("name") or volume["id"]
        if not done:
            return False, f"{label} is {volume.get('status')}"
        device = next(
            (a.get("device") for a in volume["attachments"] if a.get("server_id") in ids), None
        )
        return True, f"{label} is attached" + (f" at {device}" if device else "")


_KIND_TYPES = {
    t.kind: t
    for t in (
        ServerRequirement,
        SnapshotRequirement,
        FloatingIPRequirement,
        KeyPairRequirement,
        VolumeRequirement,
    )
}
#: The kind keys, in the order the docs give them.
KINDS = tuple(_KIND_TYPES)


# ------------------------------------------------------------------------------------- parsing


def _scalar(reader, node, key: str, what: str) -> str:
    import yaml

    if (
        not isinstance(node, yaml.ScalarNode)
        or node.tag.endswith((":null", ":bool", ":float"))
        or not str(node.value).strip()
    ):
        raise reader.fail(node, key, f"must be {what}")
    return str(node.value)


def _metadata(reader, node) -> tuple[tuple[str, str | None], ...]:
    import yaml

    allowed = "a list of keys ([owner, role]) or a mapping of key: value"
    if isinstance(node, yaml.SequenceNode) and node.value:
        keys = tuple(
            (_scalar(reader, n, "metadata", f"a key name; {allowed}"), None) for n in node.value
        )
        return keys
    if isinstance(node, yaml.MappingNode) and node.value:
        pairs = []
        for key, _key_node, value_node in reader.mapping(node, "metadata", "metadata"):
            if (
                not isinstance(value_node, yaml.ScalarNode)
                or value_node.tag != "tag:yaml.org,2002:str"
            ):
                raise reader.fail(
                    value_node, key, "a metadata value must be text (quote it: '1', 'true')"
                )
            pairs.append((key, value_node.value))
        return tuple(pairs)
    raise reader.fail(node, "metadata", f"must be {allowed}")


def parse_requirement(reader, node, items) -> Requirement:
    """One requirement from its ``(key, key node, value node)`` items; ``reader.fail`` makes
    the error naming the line and key."""
    kinds = [(key, key_node, value) for key, key_node, value in items if key in _KIND_TYPES]
    allowed_kinds = ", ".join(KINDS)
    if not kinds:
        key = items[0][0] if items else None
        at = items[0][1] if items else node
        raise reader.fail(
            at, key, f"not a kind of requirement; a requirement starts with one of: {allowed_kinds}"
        )
    if len(kinds) > 1:
        second = kinds[1]
        raise reader.fail(
            second[1],
            second[0],
            f"a requirement has one kind and this one is already {kinds[0][0]}; "
            "start a new list item (- ...) for it",
        )
    kind, kind_node, value = kinds[0]
    cls = _KIND_TYPES[kind]
    name = _scalar(reader, value, kind, "a resource name")
    options: dict[str, Any] = {}
    for key, key_node, value_node in items:
        if key == kind:
            continue
        if key not in cls.options:
            allowed = ", ".join(cls.options) or "no other key"
            raise reader.fail(key_node, key, f"not an option of {kind}; allowed: {allowed}")
        if key == "metadata":
            options["metadata"] = _metadata(reader, value_node)
        elif key == "status":
            status = _scalar(reader, value_node, key, "a server status").upper()
            if status not in STATUSES:
                raise reader.fail(
                    value_node,
                    key,
                    f"{value_node.value!r} is not a server status; allowed: {', '.join(STATUSES)}",
                )
            options["status"] = status
        else:
            field = "image_name" if (cls is SnapshotRequirement and key == "name") else key
            options[field] = _scalar(reader, value_node, key, f"a {key} name")
    return cls(name=name, line=kind_node.start_mark.line + 1, **options)
