"""Identity: projects, users, tokens and application credentials (what Keystone keeps).

A user holds roles on their own project only; an admin may scope to any project and sees all.
Tokens are checked on the cloud's clock but report expiry on the real clock (see :class:`Token`).
"""

from __future__ import annotations

import collections
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from novamagic.localcloud.model.validation import check_name

#: Application credentials one user may hold (Keystone's [application_credential] user_limit).
MAX_APP_CREDENTIALS_PER_USER = 100
#: Characters of an application credential's description (Keystone stores any text; a
#: classroom cloud keeps a learner's 600 credentials from holding 112 KB each).
MAX_DESCRIPTION_LENGTH = 255
#: Live tokens kept per user: past it the user's oldest is revoked (a client holding it gets
#: a 401 and authenticates again). Keystone's tokens cost nothing stored; ours do, and a loop
#: of logins would otherwise grow the cloud for a whole token lifetime.
MAX_TOKENS_PER_USER = 500

DEFAULT_USERS = [
    {"name": "joe", "password": "shhh", "project": "openstack", "roles": ["member", "reader"]},
    {"name": "admin", "password": "admin", "project": "admin", "roles": ["admin", "member"]},
]


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

    def owns(self, project_id: str | None) -> bool:
        """Whether the caller may see and change what ``project_id`` owns: its own project's
        resources, or any as an admin (Nova's and Glance's owner-or-admin rule)."""
        return project_id == self.project.id or self.user.is_admin

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


class IdentityBackend:
    """Projects, users, tokens and application credentials of :class:`CloudState`."""

    lock: threading.RLock
    token_ttl: float
    projects: dict[str, Project]
    users: dict[str, User]
    tokens: dict[str, Token]
    app_credentials: dict[str, AppCredential]
    _identity_rng: random.Random
    _tokens_by_user: dict[str, collections.deque[str]]  # token ids, oldest first

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
            # When the cloud's clock will reach the expiry: at --speed 10 an hour-long token
            # ends after 6 real minutes, and the expiry a client reads must say so.
            wall_expires_at=wall_now + self.clock.real_seconds(expiry - now),
        )
        with self.lock:
            # Forget expired tokens now and then so a long-running classroom cloud stays small.
            if len(self.tokens) > 1000:
                for key in [k for k, t in self.tokens.items() if t.expires_at <= now]:
                    del self.tokens[key]
            self.tokens[token.id] = token
            mine = self._tokens_by_user.setdefault(user.id, collections.deque())
            mine.append(token.id)
            if len(mine) > MAX_TOKENS_PER_USER:
                live = collections.deque(t for t in mine if t in self.tokens)
                while len(live) > MAX_TOKENS_PER_USER:
                    del self.tokens[live.popleft()]
                self._tokens_by_user[user.id] = live
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
        # Ended when the cloud's clock passes its expiry, or the real clock passes the expiry
        # the client was told (a clock slowed down after the issue cannot stretch it).
        if token is None or token.expires_at <= self.now() or token.wall_expires_at <= time.time():
            raise Unauthorized("The request you have made requires authentication.")
        if token.user.id not in self.users:
            raise Unauthorized("The request you have made requires authentication.")
        return token

    def subject_token(self, caller: Token, token_id: str | None, action: str) -> Token:
        """The token a validate, check or revoke names (``X-Subject-Token``), for a caller who
        may touch it: its own user or an admin (Keystone's admin_or_token_subject). Holding
        another learner's token id is no leave to read or revoke it: 403. Unknown: 401."""
        token = self.validate_token(token_id)
        if token.user.id != caller.user.id and not caller.is_admin:
            raise Forbidden(
                f"You are not authorized to perform the requested action: identity:{action}."
            )
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
        if description is not None and (
            not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH
        ):
            raise BadRequest(
                "Invalid input for field 'description': a string of at most "
                f"{MAX_DESCRIPTION_LENGTH} characters is allowed."
            )
        with self.lock:
            owned = sum(1 for c in self.app_credentials.values() if c.user_id == user_id)
            if owned >= MAX_APP_CREDENTIALS_PER_USER:
                raise Forbidden(
                    "Unable to create additional application credentials, maximum of "
                    f"{MAX_APP_CREDENTIALS_PER_USER} already exceeded for user."
                )
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
