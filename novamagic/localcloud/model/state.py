"""The local cloud's model: identity, flavors, images, servers, quotas and their lifecycles.

No HTTP here. Every public method takes the caller (a :class:`Token`) where access matters,
works under one re-entrant lock, and raises a typed :class:`CloudError` subclass on bad input
or a wrong state; each route module (compute, image, identity, the book's v1.1 face) words the
HTTP answer its own way.

Lifecycles are computed lazily from the injected clock: an action records an :class:`Operation`
(kind, start, end) and every read "settles" the resource, applying whatever finished before
``clock.now()``. Nothing runs in the background, so a ManualClock gives exact, repeatable states.

Determinism: ids come from RNGs seeded with ``seed`` (one stream for identity, one for
resources, so ``reset()`` replays the same resource ids), addresses are handed out in sequence.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import random
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from novamagic.localcloud.clock import Clock, ManualClock
from novamagic.localcloud.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    OverQuota,
    Unauthorized,
)

# --------------------------------------------------------------------------------------------
# Constants (Nova's names and values)

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
}

# power_state values as Nova reports them in OS-EXT-STS:power_state
NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED = 0, 1, 3, 4, 6, 7

DEFAULT_QUOTAS = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 5,  # the book's maxServerMeta / maxImageMeta
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    # The proxy quotas Nova reported before microversion 2.36 (never enforced here).
    "floating_ips": 10,
    "fixed_ips": -1,
    "security_groups": 10,
    "security_group_rules": 20,
    "networks": 3,
}
SETTABLE_QUOTAS = frozenset(DEFAULT_QUOTAS)
MAX_TAGS = 50
MAX_TAG_LENGTH = 60
MAX_NAME_LENGTH = 255
MAX_TOMBSTONES = 20_000  # deleted servers remembered for changes-since
#: populate_servers() at most: a benchmark's fleet, not a count that would run for hours.
MAX_POPULATE = 100_000

SERVER_STATUSES = frozenset(
    "ACTIVE BUILD DELETED ERROR HARD_REBOOT MIGRATING PASSWORD PAUSED REBOOT REBUILD RESCUE "
    "RESIZE REVERT_RESIZE SHELVED SHELVED_OFFLOADED SHUTOFF SOFT_DELETED SUSPENDED UNKNOWN "
    "VERIFY_RESIZE".split()
)

#: Server metadata that makes the local cloud fail an operation on purpose (tests of error
#: paths): ``localcloud:fail`` = build | reboot | rebuild | resize | snapshot | delete. The
#: operation runs its usual time, then the server is ERROR with a ``fault`` (a failed snapshot
#: leaves the server ACTIVE and the image ``killed``).
FAIL_KEY = "localcloud:fail"
FAIL_ON = {k: k for k in ("build", "reboot", "rebuild", "resize", "snapshot", "delete")}

FLAVORS = [
    # id, name, ram MiB, vcpus, disk GiB
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
]

IMAGES = [
    # number, name, disk_format, container_format, size bytes, min_disk, min_ram, properties
    (1, "ubuntu-11.04-kernel", "aki", "aki", 4_594_688, 0, 0, {}),
    (2, "ubuntu-11.04-initrd", "ari", "ari", 2_099_031, 0, 0, {}),
    (
        3,
        "ubuntu-11.04-server",
        "ami",
        "ami",
        1_476_395_008,
        0,
        0,
        {"kernel_id": "@1", "ramdisk_id": "@2", "architecture": "x86_64"},
    ),
    (4, "cirros-0.6.2-x86_64-disk", "qcow2", "bare", 21_430_272, 0, 0, {"os_distro": "cirros"}),
    (
        5,
        "ubuntu-22.04-server-cloudimg-amd64",
        "qcow2",
        "bare",
        683_016_192,
        3,
        512,
        {"os_distro": "ubuntu", "os_version": "22.04"},
    ),
]

DEFAULT_USERS = [
    {"name": "joe", "password": "shhh", "project": "openstack", "roles": ["member", "reader"]},
    {"name": "admin", "password": "admin", "project": "admin", "roles": ["admin", "member"]},
]

HOST = "localcloud-1"


# --------------------------------------------------------------------------------------------
# Entities


@dataclass(slots=True)
class Project:
    id: str
    name: str
    domain_id: str = "default"
    description: str = ""


@dataclass(slots=True)
class User:
    id: str
    name: str
    password: str = field(repr=False)
    project_id: str
    roles: list[str]
    domain_id: str = "default"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(slots=True)
class Token:
    id: str = field(repr=False)
    user: User
    project: Project
    issued_at: float
    expires_at: float
    methods: list[str]
    audit_id: str
    app_credential_id: str | None = None
    # The same instants on the real clock, as reported to clients: keystoneauth compares a
    # token's expiry with its own clock, and a 2012 ManualClock expiry would make it
    # re-authenticate before every call. Validity itself is judged on the cloud's clock.
    wall_issued_at: float = 0.0
    wall_expires_at: float = 0.0

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    @property
    def project_id(self) -> str:
        return self.project.id


@dataclass(slots=True)
class AppCredential:
    id: str
    name: str
    secret: str = field(repr=False)
    user_id: str
    project_id: str
    roles: list[str]
    expires_at: float | None
    description: str | None


@dataclass(slots=True)
class KeyPair:
    """A public key registered with compute, owned by one user (Nova keys them per user, not
    per project). The private half of a generated pair is never kept."""

    id: int
    name: str
    user_id: str
    public_key: str
    fingerprint: str
    type: str
    created: float


@dataclass(slots=True)
class Flavor:
    id: str
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None
    extra_specs: dict = field(default_factory=dict)


@dataclass(slots=True)
class Image:
    id: str
    number: int
    name: str
    owner: str | None  # project id; None for the seeded public catalogue
    created: float
    updated: float
    status: str  # glance: queued | saving | active | deleted
    size: int | None
    disk_format: str
    container_format: str
    min_disk: int = 0
    min_ram: int = 0
    properties: dict = field(default_factory=dict)
    visibility: str = "public"
    server_id: str | None = None  # snapshots: the server they came from
    operation: Operation | None = None
    checksum: str | None = None


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


@dataclass(slots=True, eq=False)
class Server:
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
    config_drive: str = ""
    networked: bool = True  # False when booted with networks "none"
    deleted: bool = False


# --------------------------------------------------------------------------------------------
# Address pools: every server gets slot n, i.e. the n-th address of each of four pools, so
# addresses are sequential, deterministic and never collide among live servers.


class AddressPools:
    PRIVATE_V4 = int(ipaddress.IPv4Address("10.0.0.3"))
    PRIVATE_V4_SIZE = (1 << 24) - 3 - 1  # 10.0.0.3 .. 10.255.255.254
    PUBLIC_V4 = int(ipaddress.IPv4Address("172.24.4.10"))
    PUBLIC_V4_SIZE = int(ipaddress.IPv4Address("172.31.255.254")) - PUBLIC_V4 + 1
    PRIVATE_V6 = int(ipaddress.IPv6Address("fd8e:1f01:a11c::10"))
    PUBLIC_V6 = int(ipaddress.IPv6Address("2001:db8::10"))
    SIZE = min(PRIVATE_V4_SIZE, PUBLIC_V4_SIZE)

    def __init__(self):
        self._next = 0
        self._used: set[int] = set()

    def allocate(self) -> int:
        if len(self._used) >= self.SIZE:
            raise OverQuota("No more IP addresses available in the local cloud's pools.")
        slot = self._next
        while slot in self._used:
            slot = (slot + 1) % self.SIZE
        self._used.add(slot)
        self._next = (slot + 1) % self.SIZE
        return slot

    def release(self, slot: int) -> None:
        self._used.discard(slot)

    @classmethod
    def addresses(cls, slot: int) -> dict[str, list[tuple[int, str, str]]]:
        """``{network: [(version, address, mac), ...]}`` for a slot (inet_ntop: fast, RFC 5952)."""
        low = f"{(slot >> 8) & 0xFF:02x}:{slot & 0xFF:02x}"
        mac_private = f"fa:16:3e:{(slot >> 16) & 0xFF:02x}:{low}"
        mac_public = f"fa:16:3e:{0x80 | ((slot >> 16) & 0x7F):02x}:{low}"
        return {
            "private": [
                (4, _ntop(socket.AF_INET, cls.PRIVATE_V4 + slot, 4), mac_private),
                (6, _ntop(socket.AF_INET6, cls.PRIVATE_V6 + slot, 16), mac_private),
            ],
            "public": [
                (4, _ntop(socket.AF_INET, cls.PUBLIC_V4 + slot, 4), mac_public),
                (6, _ntop(socket.AF_INET6, cls.PUBLIC_V6 + slot, 16), mac_public),
            ],
        }


def _ntop(family: int, number: int, size: int) -> str:
    return socket.inet_ntop(family, number.to_bytes(size, "big"))


# --------------------------------------------------------------------------------------------
# Validation helpers (shared by every face)


def check_name(value, field_name: str = "name", allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. Value: {value!r}. It must be a string."
        )
    if not allow_empty and not value.strip():
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. It must not be empty or blank."
        )
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. It is {len(value)} characters long; "
            f"at most {MAX_NAME_LENGTH} are allowed."
        )
    return value


def check_metadata(metadata, limit: int, what: str = "metadata") -> dict[str, str]:
    """Keys 1..255 characters, values 0..255, strings only; at most ``limit`` items (403)."""
    if not isinstance(metadata, dict):
        raise BadRequest(
            f"Invalid input for field/attribute {what}. It must be an object of string keys and values."
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise BadRequest(
                f"Invalid {what} key {key!r}: keys are strings of 1 to 255 characters."
            )
        if not isinstance(value, str) or len(value) > 255:
            raise BadRequest(
                f"Invalid {what} value for {key!r}: values are strings of at most 255 characters."
            )
    if limit >= 0 and len(metadata) > limit:
        raise OverQuota(
            f"Quota exceeded for metadata_items: Requested {len(metadata)}, but limit is {limit} metadata items."
        )
    return dict(metadata)


def check_ip(value, version: int, field_name: str) -> str:
    if value is None or value == "":
        return ""
    try:
        if not isinstance(value, str):
            raise ValueError
        address = ipaddress.ip_address(value)
        if address.version != version:
            raise ValueError
    except ValueError:
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. Value: {value!r} is not a valid IPv{version} address."
        ) from None
    return str(address)


def check_tag(tag) -> str:
    if not isinstance(tag, str) or not 1 <= len(tag) <= MAX_TAG_LENGTH or "/" in tag or "," in tag:
        raise BadRequest(
            f"Invalid tag {tag!r}: tags are strings of 1 to {MAX_TAG_LENGTH} characters without '/' or ','."
        )
    return tag


def check_tags(tags) -> list[str]:
    if not isinstance(tags, list):
        raise BadRequest("Invalid input for field/attribute tags. It must be a list of strings.")
    result: list[str] = []
    for tag in tags:
        check_tag(tag)
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    return result


def ref_to_id(ref) -> str:
    """An id or a URL ending in the id (Nova accepts both for imageRef and flavorRef)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return str(ref)
    if not isinstance(ref, str) or not ref.strip():
        raise BadRequest(f"Invalid reference {ref!r}: give an id or a URL ending in the id.")
    return ref.rstrip("/").rsplit("/", 1)[-1]


def hostname_from(name: str) -> str:
    """Nova's sanitize_hostname: lowercase, [a-z0-9-] only, at most 63 characters."""
    text = re.sub(r"[ _.]", "-", name.lower())
    text = re.sub(r"[^\w-]+", "", text, flags=re.ASCII)
    text = text.strip("-")[:63].strip("-")
    return text or "server"


# --------------------------------------------------------------------------------------------
# The cloud


class CloudState:
    """All the resources of one local cloud. Thread-safe; see the module docstring."""

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int | None = None,
        users: list[dict] | None = None,
        token_ttl: float = 3600.0,
        quotas: dict | None = None,
        durations: dict | None = None,
    ):
        self.clock = clock or ManualClock()
        self.seed = seed if seed is not None else secrets.randbits(32)
        self.token_ttl = float(token_ttl)
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        self.durations = {**DURATIONS, **(durations or {})}
        unknown = set(self.durations) - set(DURATIONS)
        if unknown:
            raise ValueError(f"unknown durations {sorted(unknown)}; known: {sorted(DURATIONS)}")
        self.default_quotas = {**DEFAULT_QUOTAS, **(quotas or {})}
        unknown = set(self.default_quotas) - SETTABLE_QUOTAS
        if unknown:
            raise ValueError(f"unknown quotas {sorted(unknown)}; known: {sorted(SETTABLE_QUOTAS)}")
        self.lock = threading.RLock()
        self._identity_rng = random.Random(f"{self.seed}:identity")
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.app_credentials: dict[str, AppCredential] = {}
        for spec in users if users is not None else DEFAULT_USERS:
            self.add_user(**spec)
        self._reset_resources()

    # ---------------------------------------------------------------- helpers
    def _uuid(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def now(self) -> float:
        return self.clock.now()

    def _reset_resources(self) -> None:
        with self.lock:
            self._rng = random.Random(f"{self.seed}:resources")
            self._seq = 0
            self._numbers: dict[str, int] = {}
            self.flavors: dict[str, Flavor] = {}
            self.images: dict[str, Image] = {}
            self.servers: dict[str, Server] = {}  # insertion order == creation order
            self.deleted_servers: dict[str, Server] = {}  # tombstones for changes-since
            self.quotas: dict[str, dict[str, int]] = {}
            self.keypairs: dict[tuple[str, str], KeyPair] = {}  # by (user id, name)
            self._keypair_seq = 0
            self.pools = AddressPools()
            now = self.now()
            for flavor_id, name, ram, vcpus, disk in FLAVORS:
                self.flavors[flavor_id] = Flavor(
                    flavor_id, name, ram, vcpus, disk, description=None
                )
            by_number: dict[int, str] = {}
            self._image_number = 0
            for (
                number,
                name,
                disk_format,
                container_format,
                size,
                min_disk,
                min_ram,
                props,
            ) in IMAGES:
                image_id = self._uuid(self._rng)
                by_number[number] = image_id
                properties = {
                    k: (by_number[int(v[1:])] if v.startswith("@") else v) for k, v in props.items()
                }
                self.images[image_id] = Image(
                    id=image_id,
                    number=number,
                    name=name,
                    owner=None,
                    created=now,
                    updated=now,
                    status="active",
                    size=size,
                    disk_format=disk_format,
                    container_format=container_format,
                    min_disk=min_disk,
                    min_ram=min_ram,
                    properties=properties,
                    checksum=hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
                )
                self._image_number = max(self._image_number, number)

    def reset(self) -> None:
        """Back to the seeded catalogue with no servers or key pairs; identity (users, tokens)
        is kept."""
        self._reset_resources()

    # ---------------------------------------------------------------- identity
    def add_user(
        self, name: str, password: str, project: str = "openstack", roles=("member",), **extra
    ) -> User:
        if extra:
            raise ValueError(
                f"unknown user fields {sorted(extra)}; allowed: name, password, project, roles"
            )
        if not isinstance(name, str) or not name:
            raise ValueError("a user needs a non-empty name")
        if not isinstance(password, str) or not password:
            raise ValueError(f"user {name!r} needs a non-empty password")
        if isinstance(roles, str):
            roles = [roles]
        with self.lock:
            if any(u.name == name for u in self.users.values()):
                raise ValueError(f"user {name!r} is defined twice")
            proj = self.find_project(project)
            if proj is None:
                proj = Project(
                    id=uuid.UUID(int=self._identity_rng.getrandbits(128)).hex, name=project
                )
                self.projects[proj.id] = proj
            user = User(
                id=uuid.UUID(int=self._identity_rng.getrandbits(128)).hex,
                name=name,
                password=password,
                project_id=proj.id,
                roles=list(roles),
            )
            self.users[user.id] = user
            return user

    def find_project(self, ref: str | None) -> Project | None:
        if ref is None:
            return None
        project = self.projects.get(ref)
        if project is None:
            project = next((p for p in self.projects.values() if p.name == ref), None)
        return project

    def find_user(self, name: str | None = None, user_id: str | None = None) -> User | None:
        if user_id is not None:
            return self.users.get(user_id)
        return next((u for u in self.users.values() if u.name == name), None)

    def _issue(
        self, user: User, project: Project, methods: list[str], expires_at=None, app_cred=None
    ) -> Token:
        now, wall_now = self.now(), time.time()
        expiry = now + self.token_ttl if expires_at is None else expires_at
        token = Token(
            id="gAAAAA" + secrets.token_urlsafe(48),
            user=user,
            project=project,
            issued_at=now,
            expires_at=expiry,
            methods=methods,
            audit_id=secrets.token_urlsafe(16)[:22],
            app_credential_id=app_cred,
            wall_issued_at=wall_now,
            wall_expires_at=wall_now + (expiry - now),
        )
        with self.lock:
            # Forget expired tokens now and then so a long-running classroom cloud stays small.
            if len(self.tokens) > 1000:
                for key in [k for k, t in self.tokens.items() if t.expires_at <= now]:
                    del self.tokens[key]
            self.tokens[token.id] = token
        return token

    def _scope(self, user: User, project_ref: str | None, by_id: bool = False) -> Project:
        if project_ref is None:
            project = self.projects[user.project_id]
        else:
            project = self.projects.get(project_ref) if by_id else self.find_project(project_ref)
        # A user holds roles on their own project only; admins may scope to any project.
        if project is None or (project.id != user.project_id and not user.is_admin):
            raise Unauthorized(f"User {user.name} has no access to project {project_ref}.")
        return project

    def authenticate_password(
        self,
        password: str,
        user_name: str | None = None,
        user_id: str | None = None,
        project: str | None = None,
        project_is_id: bool = False,
    ) -> Token:
        with self.lock:
            user = self.find_user(user_name, user_id)
            if (
                user is None
                or not isinstance(password, str)
                or not secrets.compare_digest(user.password.encode(), password.encode())
            ):
                raise Unauthorized("The request you have made requires authentication.")
            return self._issue(user, self._scope(user, project, project_is_id), ["password"])

    def authenticate_token(
        self, token_id: str, project: str | None = None, project_is_id=False
    ) -> Token:
        with self.lock:
            old = self.validate_token(token_id)
            if old.app_credential_id is not None:
                raise Forbidden("Application credential tokens cannot be rescoped.")
            scope = (
                old.project if project is None else self._scope(old.user, project, project_is_id)
            )
            return self._issue(
                old.user, scope, sorted(set(old.methods) | {"token"}), expires_at=old.expires_at
            )

    def authenticate_app_credential(
        self, secret: str, cred_id=None, name=None, user: User | None = None
    ) -> Token:
        with self.lock:
            cred = None
            if cred_id is not None:
                cred = self.app_credentials.get(cred_id)
            elif name is not None and user is not None:
                cred = next(
                    (
                        c
                        for c in self.app_credentials.values()
                        if c.name == name and c.user_id == user.id
                    ),
                    None,
                )
            if (
                cred is None
                or not isinstance(secret, str)
                or not secrets.compare_digest(cred.secret.encode(), secret.encode())
            ):
                raise Unauthorized("The request you have made requires authentication.")
            if cred.expires_at is not None and cred.expires_at <= self.now():
                raise Unauthorized("The application credential has expired.")
            expiry = self.now() + self.token_ttl
            if cred.expires_at is not None:
                expiry = min(expiry, cred.expires_at)
            return self._issue(
                self.users[cred.user_id],
                self.projects[cred.project_id],
                ["application_credential"],
                expiry,
                cred.id,
            )

    def validate_token(self, token_id: str | None) -> Token:
        if not token_id:
            raise Unauthorized("The request you have made requires authentication.")
        token = self.tokens.get(token_id)
        if token is None or token.expires_at <= self.now():
            raise Unauthorized("The request you have made requires authentication.")
        if token.user.id not in self.users:
            raise Unauthorized("The request you have made requires authentication.")
        return token

    def revoke_token(self, token_id: str) -> None:
        with self.lock:
            if self.tokens.pop(token_id, None) is None:
                raise NotFound("Could not find token.")

    def create_app_credential(
        self,
        caller: Token,
        user_id: str,
        name,
        secret=None,
        expires_at: float | None = None,
        description=None,
    ) -> AppCredential:
        if caller.user.id != user_id:
            raise Forbidden(
                "You are not authorized to create application credentials for another user."
            )
        name = check_name(name, "name")
        if secret is None:
            secret = secrets.token_urlsafe(48)
        if not isinstance(secret, str) or not secret:
            raise BadRequest("Invalid input for field 'secret': a non-empty string is required.")
        with self.lock:
            if any(c.name == name and c.user_id == user_id for c in self.app_credentials.values()):
                raise Conflict(
                    f"Duplicate entry: an application credential named {name!r} already exists."
                )
            cred = AppCredential(
                id=uuid.uuid4().hex,
                name=name,
                secret=secret,
                user_id=user_id,
                project_id=caller.project.id,
                roles=list(caller.user.roles),
                expires_at=expires_at,
                description=description,
            )
            self.app_credentials[cred.id] = cred
            return cred

    def list_app_credentials(self, caller: Token, user_id: str) -> list[AppCredential]:
        if caller.user.id != user_id and not caller.is_admin:
            raise Forbidden(
                "You are not authorized to list another user's application credentials."
            )
        return [c for c in self.app_credentials.values() if c.user_id == user_id]

    # ---------------------------------------------------------------- flavors
    def list_flavors(self) -> list[Flavor]:
        return list(self.flavors.values())

    def get_flavor(self, flavor_id) -> Flavor:
        flavor = self.flavors.get(str(flavor_id))
        if flavor is None:
            raise NotFound(f"Flavor {flavor_id} could not be found.")
        return flavor

    def find_flavor(self, ref) -> Flavor:
        """For flavorRef: an id or a URL (400 rather than 404 when missing, as Nova)."""
        flavor = self.flavors.get(ref_to_id(ref))
        if flavor is None:
            raise BadRequest(f"Invalid flavorRef provided: flavor {ref} could not be found.")
        return flavor

    # ---------------------------------------------------------------- images
    def _settle_image(self, image: Image, now: float) -> None:
        op = image.operation
        if op is None:
            return
        fraction = op.fraction(now)
        if fraction >= 1.0:
            server = self.servers.get(image.server_id or "")
            if server is not None and server.operation is op:
                self._settle(server, now)  # settles (or fails) this image too
                if image.operation is None:
                    return
            image.status = "active"
            image.updated = op.end
            image.operation = None
        elif fraction >= 0.25 and image.status == "queued":
            image.status = "saving"
            image.updated = op.start + (op.end - op.start) * 0.25

    def _image_visible(self, caller: Token, image: Image) -> bool:
        return image.visibility == "public" or image.owner == caller.project.id or caller.is_admin

    def list_images(self, caller: Token) -> list[Image]:
        with self.lock:
            now = self.now()
            result = []
            for image in self.images.values():
                if image.status == "deleted" or not self._image_visible(caller, image):
                    continue
                self._settle_image(image, now)
                result.append(image)
            return result

    def get_image(self, caller: Token, image_id: str) -> Image:
        with self.lock:
            image = self.images.get(image_id)
            if image is None or image.status == "deleted" or not self._image_visible(caller, image):
                raise NotFound(f"Image {image_id} could not be found.")
            self._settle_image(image, self.now())
            return image

    def find_image_by_number(self, caller: Token, number: int) -> Image:
        with self.lock:
            for image in self.images.values():
                if (
                    image.number == number
                    and image.status != "deleted"
                    and self._image_visible(caller, image)
                ):
                    self._settle_image(image, self.now())
                    return image
        raise NotFound(f"Image {number} could not be found.")

    def find_image(self, caller: Token, ref) -> Image:
        """For imageRef: an id or URL, or a book-style number; 400 when missing or not active."""
        key = ref_to_id(ref)
        try:
            if key.isdigit():
                image = self.find_image_by_number(caller, int(key))
            else:
                image = self.get_image(caller, key)
        except NotFound:
            raise BadRequest(f"Can not find requested image {ref}.") from None
        if image.status != "active":
            raise BadRequest(f"Image {image.id} is not active.")
        return image

    def delete_image(self, caller: Token, image_id: str) -> None:
        with self.lock:
            image = self.get_image(caller, image_id)
            if image.owner != caller.project.id and not caller.is_admin:
                raise Forbidden("You are not permitted to delete this image.")
            image.status = "deleted"
            image.updated = self.now()
            image.operation = None
            del self.images[image.id]

    def set_image_metadata(self, caller: Token, image_id: str, metadata, replace: bool) -> dict:
        with self.lock:
            image = self._own_image(caller, image_id)
            metadata = check_metadata(metadata, -1)
            merged = dict(metadata) if replace else {**image.properties, **metadata}
            self._check_meta_quota(caller.project.id, len(merged))
            image.properties = merged
            image.updated = self.now()
            return image.properties

    def set_image_metadata_item(self, caller: Token, image_id: str, key: str, value) -> dict:
        return self.set_image_metadata(caller, image_id, {key: value}, replace=False)

    def delete_image_metadata_item(self, caller: Token, image_id: str, key: str) -> None:
        with self.lock:
            image = self._own_image(caller, image_id)
            if key not in image.properties:
                raise NotFound(f"Metadata item {key} was not found.")
            del image.properties[key]
            image.updated = self.now()

    def _own_image(self, caller: Token, image_id: str) -> Image:
        image = self.get_image(caller, image_id)
        if image.owner != caller.project.id and not caller.is_admin:
            raise Forbidden("You are not permitted to modify this image's metadata.")
        return image

    # ---------------------------------------------------------------- key pairs
    def keypair_owner(self, caller: Token, user_id: str | None, action: str) -> str:
        """The user whose key pairs a call works on: the caller's, or (admin only) another's."""
        if user_id is None or user_id == caller.user.id:
            return caller.user.id
        if not caller.is_admin:
            raise Forbidden(
                f"Policy doesn't allow os_compute_api:os-keypairs:{action} to be performed."
            )
        return user_id

    def list_keypairs(self, caller: Token, user_id: str | None = None) -> list[KeyPair]:
        """The owner's key pairs sorted by name (Nova's order, which its marker relies on)."""
        owner = self.keypair_owner(caller, user_id, "index")
        with self.lock:
            return sorted(
                (k for (uid, _), k in self.keypairs.items() if uid == owner),
                key=lambda k: k.name,
            )

    def get_keypair(self, caller: Token, name: str, user_id: str | None = None) -> KeyPair:
        owner = self.keypair_owner(caller, user_id, "show")
        with self.lock:
            keypair = self.keypairs.get((owner, name))
        if keypair is None:
            raise NotFound(f"Keypair {name} not found for user {owner}")
        return keypair

    def add_keypair(
        self,
        caller: Token,
        name: str,
        public_key: str,
        fingerprint: str,
        key_type: str = "ssh",
        user_id: str | None = None,
    ) -> KeyPair:
        """Register a checked public key (the route parses it and computes its fingerprint)."""
        owner = self.keypair_owner(caller, user_id, "create")
        with self.lock:
            if (owner, name) in self.keypairs:
                raise Conflict(f"Key pair '{name}' already exists.")
            limit = self.quota_limits(caller.project.id)["key_pairs"]
            owned = sum(1 for uid, _ in self.keypairs if uid == owner)
            if 0 <= limit <= owned:
                raise OverQuota("Quota exceeded, too many key pairs.")
            self._keypair_seq += 1
            keypair = KeyPair(
                id=self._keypair_seq,
                name=name,
                user_id=owner,
                public_key=public_key,
                fingerprint=fingerprint,
                type=key_type,
                created=self.now(),
            )
            self.keypairs[(owner, name)] = keypair
            return keypair

    def delete_keypair(self, caller: Token, name: str, user_id: str | None = None) -> None:
        owner = self.keypair_owner(caller, user_id, "delete")
        with self.lock:
            if self.keypairs.pop((owner, name), None) is None:
                raise NotFound(f"Keypair {name} not found for user {owner}")

    def _check_key_name(self, caller: Token, key_name) -> None:
        """A boot or rebuild may only name one of the caller's own key pairs, as in Nova."""
        if key_name is not None and (caller.user.id, key_name) not in self.keypairs:
            raise BadRequest("Invalid key_name provided.")

    # ---------------------------------------------------------------- quotas
    def quota_limits(self, project_id: str) -> dict[str, int]:
        return {**self.default_quotas, **self.quotas.get(project_id, {})}

    def usage(self, project_id: str) -> dict[str, int]:
        with self.lock:
            instances = cores = ram = 0
            for server in self.servers.values():
                if server.project_id == project_id:
                    flavor = self.flavors.get(server.flavor_id)
                    instances += 1
                    if flavor is not None:
                        cores += flavor.vcpus
                        ram += flavor.ram
            return {"instances": instances, "cores": cores, "ram": ram}

    def set_quotas(self, caller: Token, project_id: str, values: dict) -> dict[str, int]:
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed."
            )
        if not isinstance(values, dict):
            raise BadRequest("Invalid input for field/attribute quota_set. It must be an object.")
        clean = {}
        for key, value in values.items():
            if key == "force":
                continue
            if key not in SETTABLE_QUOTAS:
                raise BadRequest(
                    f"Invalid input for field/attribute quota_set. Additional properties are not allowed ({key!r} was unexpected)"
                )
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400, Infinity
                raise BadRequest(f"Quota value {value!r} for {key} must be an integer.") from None
            if isinstance(value, bool) or number < -1:
                raise BadRequest(f"Quota limit {value!r} for {key} must be -1 (unlimited) or more.")
            clean[key] = number
        with self.lock:
            self.quotas.setdefault(project_id, {}).update(clean)
            return self.quota_limits(project_id)

    def delete_quotas(self, caller: Token, project_id: str) -> None:
        if not caller.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed."
            )
        with self.lock:
            self.quotas.pop(project_id, None)

    def _check_meta_quota(self, project_id: str, count: int) -> None:
        limit = self.quota_limits(project_id)["metadata_items"]
        if 0 <= limit < count:
            raise OverQuota(
                f"Quota exceeded for metadata_items: Requested {count}, but limit is {limit} metadata items."
            )

    def _check_compute_quota(self, project_id: str, instances: int, cores: int, ram: int) -> int:
        """How many of ``instances`` (each ``cores``/``ram``) fit; raises if none would."""
        limits = self.quota_limits(project_id)
        used = self.usage(project_id)
        fit = instances
        for resource, each in (("instances", 1), ("cores", cores), ("ram", ram)):
            limit = limits[resource]
            if limit < 0 or each == 0:
                continue
            fit = min(fit, (limit - used[resource]) // each)
        return fit

    def _quota_error(self, project_id: str, count: int, cores: int, ram: int) -> OverQuota:
        limits = self.quota_limits(project_id)
        used = self.usage(project_id)
        for resource, requested in (
            ("instances", count),
            ("cores", cores * count),
            ("ram", ram * count),
        ):
            limit = limits[resource]
            if 0 <= limit < used[resource] + requested:
                return OverQuota(
                    f"Quota exceeded for {resource}: Requested {requested}, but already used "
                    f"{used[resource]} of {limit} {resource}"
                )
        return OverQuota("Quota exceeded.")

    # ---------------------------------------------------------------- servers: lifecycle
    def _settle(self, server: Server, now: float) -> None:
        """Apply whatever the server's current operation has achieved by ``now``."""
        op = server.operation
        if op is None:
            return
        if now < op.end:
            if op.kind == "build":
                server.progress = int(op.fraction(now) * 100)
                server.task_state = (
                    "scheduling"
                    if op.fraction(now) < 0.1
                    else ("networking" if op.fraction(now) < 0.2 else "spawning")
                )
            elif op.kind == "snapshot":
                server.task_state = (
                    "image_snapshot" if op.fraction(now) < 0.5 else "image_uploading"
                )
            elif op.kind == "resize":
                fraction = op.fraction(now)
                server.progress = int(fraction * 100)
                server.task_state = (
                    "resize_prep"
                    if fraction < 0.1
                    else "resize_migrating"
                    if fraction < 0.5
                    else "resize_migrated"
                    if fraction < 0.7
                    else "resize_finish"
                )
            elif op.kind == "rebuild":
                server.task_state = "rebuilding" if op.fraction(now) < 0.2 else "rebuild_spawning"
            return
        server.operation = None
        server.updated = op.end
        server.task_state = None
        server.progress = 100 if server.status in ("BUILD", "RESIZE") else server.progress
        kind = op.kind
        failing = server.metadata.get(FAIL_KEY)
        if failing is not None and FAIL_ON.get(failing) == kind.replace("hard_", ""):
            self._fail(server, op)
        elif kind == "build":
            server.vm_state, server.status, server.power_state = "active", "ACTIVE", RUNNING
            server.launched_at = op.end
        elif kind in ("reboot", "hard_reboot", "start", "rebuild", "revert"):
            server.vm_state, server.status, server.power_state = "active", "ACTIVE", RUNNING
            if kind == "rebuild":
                server.launched_at = op.end
            if kind == "revert":
                server.flavor_id = op.data["flavor_id"]
                server.old_flavor_id = None
        elif kind == "stop":
            server.vm_state, server.status, server.power_state = "stopped", "SHUTOFF", SHUTDOWN
        elif kind == "resize":
            server.vm_state, server.status = "resized", "VERIFY_RESIZE"
            server.power_state = RUNNING if op.data.get("was_running", True) else SHUTDOWN
            server.old_flavor_id = server.flavor_id
            server.flavor_id = op.data["flavor_id"]
        elif kind == "snapshot":
            image = self.images.get(op.data["image_id"])
            if image is not None and image.operation is op:
                self._settle_image(image, now)
        elif kind == "delete":
            self._finish_delete(server, op.end)

    def _fail(self, server: Server, op: Operation) -> None:
        """End ``op`` the way Nova ends a failed operation (metadata localcloud:fail asked for it)."""
        what = {
            "build": "Build",
            "reboot": "Reboot",
            "hard_reboot": "Reboot",
            "rebuild": "Rebuild",
            "resize": "Resize",
            "delete": "Deletion",
            "snapshot": "Snapshot",
        }[op.kind]
        message = (
            f"{what} of instance {server.id} {'aborted' if op.kind == 'build' else 'failed'}: "
            "the local cloud was asked to fail it "
            f"(metadata {FAIL_KEY}={server.metadata.get(FAIL_KEY)})."
        )
        server.fault = {"code": 500, "created": op.end, "message": message}
        if op.kind == "snapshot":
            # Nova keeps the server running and the failed upload leaves a dead image behind.
            image = self.images.get(op.data["image_id"])
            if image is not None:
                image.status, image.operation, image.updated = "killed", None, op.end
            return
        server.vm_state, server.status, server.power_state = "error", "ERROR", NOSTATE
        if op.kind == "build":
            server.progress = 0

    def _finish_delete(self, server: Server, when: float) -> None:
        server.deleted = True
        server.vm_state, server.status, server.power_state = "deleted", "DELETED", NOSTATE
        server.task_state = None
        server.terminated_at = when
        server.updated = when
        self.servers.pop(server.id, None)
        self.pools.release(server.slot)
        self.deleted_servers[server.id] = server
        if len(self.deleted_servers) > MAX_TOMBSTONES:
            # Forget the oldest deletions so a long-running classroom cloud stays small.
            for stale in list(self.deleted_servers)[: MAX_TOMBSTONES // 10]:
                del self.deleted_servers[stale]

    def _start(self, server: Server, kind: str, **data) -> Operation:
        now = self.now()
        op = Operation(kind, now, now + self.durations[kind], data)
        server.operation = op
        server.updated = now
        return op

    def _visible(self, caller: Token, server: Server) -> bool:
        return server.project_id == caller.project.id or caller.is_admin

    def get_server(self, caller: Token, server_id: str) -> Server:
        """A live server the caller may see (admins see all), settled to now."""
        with self.lock:
            server = self.servers.get(server_id)
            if server is None or not (server.project_id == caller.project.id or caller.is_admin):
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
            if wanted is None:
                candidates = list(self.servers.values())
            else:
                candidates = [s for s in self.servers.values() if s.project_id == wanted]
            busy = [s for s in candidates if s.operation is not None]
            for server in busy:
                self._settle(server, now)
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
    ) -> list[Server]:
        """Boot ``max_count`` servers (as many as quota allows, at least ``min_count``)."""
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
        min_count, max_count = _counts(min_count, max_count)
        if availability_zone not in (None, "", "nova"):
            raise BadRequest(
                f"The requested availability zone is not available: {availability_zone!r} "
                "(the local cloud has one zone, 'nova')."
            )
        with self.lock:
            project_id = caller.project.id
            image = self.find_image(caller, image_ref)
            flavor = self.find_flavor(flavor_ref)
            self._check_key_name(caller, key_name)
            if flavor.disk and flavor.disk < image.min_disk:
                raise BadRequest("Flavor's disk is too small for requested image.")
            if flavor.ram < image.min_ram:
                raise BadRequest("Flavor's memory is too small for requested image.")
            self._check_meta_quota(project_id, len(metadata))
            personality = self.check_personality(project_id, personality or [])
            fit = self._check_compute_quota(project_id, max_count, flavor.vcpus, flavor.ram)
            if fit < min_count:
                raise self._quota_error(project_id, min_count, flavor.vcpus, flavor.ram)
            count = min(fit, max_count)
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
                        image.id,
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
                        config_drive="True" if config_drive else "",
                        networked=networked,
                    )
                )
            return created

    def _new_server(
        self, caller: Token, name: str, image_id: str, flavor_id: str, active=False, **fields
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
            slot=self.pools.allocate(),
            admin_pass=admin_pass,
            hostname=hostname,
            **fields,
        )
        if active:
            server.vm_state, server.status, server.power_state = "active", "ACTIVE", RUNNING
            server.task_state, server.progress, server.launched_at = None, 100, now
        else:
            server.operation = Operation("build", now, now + self.durations["build"])
        self.servers[server.id] = server
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
        fields: Iterable[str] = (),
    ) -> Server:
        """Change the given ``fields`` (names among name, accessIPv4, accessIPv6, description, hostname)."""
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
        fields: Iterable[str] = (),
    ) -> Server:
        fields = set(fields)
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "rebuild", ("active", "stopped", "error"))
            image = self.find_image(caller, image_ref)
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
            if "hostname" in fields and hostname:
                server.hostname = hostname_from(hostname)
            server.admin_pass = admin_pass or "".join(
                self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                for _ in range(12)
            )
            server.status, server.task_state, server.vm_state = "REBUILD", "rebuilding", "active"
            server.power_state = NOSTATE
            self._start(server, "rebuild")
            return server

    def resize(self, caller: Token, server_id: str, flavor_ref) -> Server:
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

    def create_image(self, caller: Token, server_id: str, name, metadata=None) -> Image:
        name = check_name(name)
        metadata = check_metadata({} if metadata is None else metadata, -1)
        with self.lock:
            server = self.get_server(caller, server_id)
            self._require(server, "createImage", ("active", "stopped", "paused", "suspended"))
            base = self.images.get(server.image_id)
            properties = {
                "image_type": "snapshot",
                "instance_uuid": server.id,
                "base_image_ref": server.image_id,
                **metadata,
            }
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

    # ---------------------------------------------------------------- server metadata and tags
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

    # ---------------------------------------------------------------- dump
    def dump(self) -> dict[str, Any]:
        """A JSON-able picture of everything (no passwords, no tokens)."""
        from novamagic.localcloud.clock import iso_micro_z

        with self.lock:
            now = self.now()
            for server in list(self.servers.values()):
                self._settle(server, now)
            for image in list(self.images.values()):
                self._settle_image(image, now)
            return {
                "seed": self.seed,
                "clock": self.clock.describe(),
                "projects": [{"id": p.id, "name": p.name} for p in self.projects.values()],
                "users": [
                    {"id": u.id, "name": u.name, "project_id": u.project_id, "roles": list(u.roles)}
                    for u in self.users.values()
                ],
                "flavors": [
                    {"id": f.id, "name": f.name, "ram": f.ram, "vcpus": f.vcpus, "disk": f.disk}
                    for f in self.flavors.values()
                ],
                "images": [
                    {
                        "id": i.id,
                        "number": i.number,
                        "name": i.name,
                        "status": i.status,
                        "owner": i.owner,
                        "properties": dict(i.properties),
                    }
                    for i in self.images.values()
                ],
                "servers": [
                    {
                        "id": s.id,
                        "number": s.number,
                        "name": s.name,
                        "project_id": s.project_id,
                        "status": s.status,
                        "vm_state": s.vm_state,
                        "task_state": s.task_state,
                        "flavor_id": s.flavor_id,
                        "image_id": s.image_id,
                        "metadata": dict(s.metadata),
                        "tags": list(s.tags),
                        "created": iso_micro_z(s.created),
                    }
                    for s in self.servers.values()
                ],
                "quotas": {pid: dict(q) for pid, q in self.quotas.items()},
                "keypairs": [
                    {
                        "name": k.name,
                        "user_id": k.user_id,
                        "type": k.type,
                        "fingerprint": k.fingerprint,
                    }
                    for k in self.keypairs.values()
                ],
            }


def _counts(min_count, max_count) -> tuple[int, int]:
    def as_int(value, what):
        if isinstance(value, bool):
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            )
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400, Infinity
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            ) from None
        if (
            number < 1
            or (isinstance(value, str) and not value.strip().isdigit())
            or (isinstance(value, float) and value != number)
        ):
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            )
        return number

    low = as_int(1 if min_count is None else min_count, "min_count")
    high = as_int(low if max_count is None else max_count, "max_count")
    if low > high:
        raise BadRequest(f"min_count ({low}) must be <= max_count ({high}).")
    return low, high
