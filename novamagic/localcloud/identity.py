"""Keystone: version discovery, v3 tokens (password, token, application credential), v2.0 tokens.

Both the standard v2.0 form (``{"auth": {"passwordCredentials": ...}}`` -> ``access``) and the
book's form (``{"passwordCredentials": ...}`` -> ``auth`` with a catalog keyed by service name)
are answered at ``/v2.0/tokens``. Every catalog points back at this server, so the auth URL is
the only switch a client needs.

Token lifetimes are judged on the cloud's clock (tick past ``token_ttl`` and the token answers
401), but v3 and standard v2.0 bodies report ``issued_at``/``expires_at`` on the real clock:
keystoneauth compares them with its own clock and would otherwise re-authenticate before every
call on a ManualClock that starts in 2012. The book's form reports cloud time, as the book shows.
"""

from __future__ import annotations

import hashlib

from novamagic.localcloud import errors, model
from novamagic.localcloud.clock import iso_micro_z, iso_seconds, parse_time
from novamagic.localcloud.http import Call, route
from novamagic.localcloud.identity_schemas import (
    APP_CREDENTIAL_CREATE,
    TOKEN_ISSUE_V2,
    TOKEN_ISSUE_V3,
)
from novamagic.localcloud.model.validation import check_schema

DOMAIN = {"id": "default", "name": "Default"}
REGION = "RegionOne"
INTERFACES = ("public", "internal", "admin")
SERVICES = (
    # type, name, path below the server's root
    ("compute", "nova", "/compute/v2.1"),
    ("image", "glance", "/image"),
    ("network", "neutron", "/networking"),
    # devstack's two names for Cinder v3; the URL needs no project id from microversion 3.67
    ("block-storage", "cinder", "/volume/v3"),
    ("volumev3", "cinderv3", "/volume/v3"),
    ("identity", "keystone", "/identity"),
)


def _id(*parts: str) -> str:
    return hashlib.sha1(":".join(parts).encode(), usedforsecurity=False).hexdigest()[:32]


def _prefix(call: Call) -> str:
    """``http://host:port/identity`` or ``http://host:port`` (whichever the client used)."""
    path = call.request.path
    return call.base_url + ("/identity" if path.startswith("/identity") else "")


# --------------------------------------------------------------------------- discovery


def _v3(prefix: str) -> dict:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{prefix}/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


def _v2(prefix: str) -> dict:
    return {
        "id": "v2.0",
        "status": "deprecated",
        "updated": "2016-08-04T00:00:00Z",
        "links": [
            {"rel": "self", "href": f"{prefix}/v2.0/"},
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}
        ],
    }


def versions(call: Call):
    prefix = _prefix(call)
    return {"versions": {"values": [_v3(prefix), _v2(prefix)]}}, 300


def version_v3(call: Call):
    return {"version": _v3(_prefix(call))}


def version_v2(call: Call):
    return {"version": _v2(_prefix(call))}


# --------------------------------------------------------------------------- catalogs


def _endpoint_id(regions, region: str, *parts: str) -> str:
    # The first region's ids are those of a one-region cloud: a regions= option changes no id.
    return _id("endpoint", *parts) if region == regions[0] else _id("endpoint", *parts, region)


def catalog_v3(base_url: str, regions=(REGION,)) -> list[dict]:
    """``regions``: each gets every endpoint (one state behind them all: the option is for
    clients that walk a catalogue's regions, not for separate clouds)."""
    return [
        {
            "type": kind,
            "name": name,
            "id": _id("service", kind),
            "endpoints": [
                {
                    "id": _endpoint_id(regions, region, kind, interface),
                    "interface": interface,
                    "region": region,
                    "region_id": region,
                    "url": base_url + path,
                }
                for region in regions
                for interface in INTERFACES
            ],
        }
        for kind, name, path in SERVICES
    ]


def catalog_v2(base_url: str, regions=(REGION,)) -> list[dict]:
    return [
        {
            "type": kind,
            "name": name,
            "endpoints": [
                {
                    "id": _endpoint_id(regions, region, kind),
                    "region": region,
                    "publicURL": base_url + path,
                    "internalURL": base_url + path,
                    "adminURL": base_url + path,
                }
                for region in regions
            ],
            "endpoints_links": [],
        }
        for kind, name, path in SERVICES
    ]


def catalog_book(base_url: str, project: model.Project) -> dict:
    """The book's catalog: service name -> list of regions (nova at /v1.1/<project name>)."""

    def entry(url: str) -> dict:
        return {"adminURL": url, "region": REGION, "internalURL": url, "publicURL": url}

    return {
        "glance": [entry(base_url + "/image")],
        "identity": [entry(base_url + "/v2.0")],
        "nova": [entry(f"{base_url}/v1.1/{project.name}")],
    }


# --------------------------------------------------------------------------- v3 tokens


def _role(name: str) -> dict:
    return {"id": _id("role", name), "name": name}


def token_body(call: Call, token: model.Token, catalog: bool = True) -> dict:
    body = {
        "methods": list(token.methods),
        "user": {
            "id": token.user.id,
            "name": token.user.name,
            "domain": dict(DOMAIN),
            "password_expires_at": None,
        },
        "audit_ids": [token.audit_id],
        "expires_at": iso_micro_z(token.wall_expires_at),
        "issued_at": iso_micro_z(token.wall_issued_at),
        "project": {"id": token.project.id, "name": token.project.name, "domain": dict(DOMAIN)},
        "is_domain": False,
        "roles": [_role(r) for r in token.user.roles],
    }
    if catalog:
        body["catalog"] = catalog_v3(call.base_url, call.state.regions)
    if token.app_credential_id is not None:
        cred = call.state.app_credentials.get(token.app_credential_id)
        body["application_credential"] = {
            "id": token.app_credential_id,
            "name": cred.name if cred else None,
            "restricted": True,
        }
    return {"token": body}


def _need(mapping, key: str, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise errors.BadRequest(
            f"Expecting to find {key} in {where}. The server could not comply with the request since it is either malformed or otherwise incorrect."
        )
    return mapping[key]


def _check_domain(ref) -> None:
    """Only the Default domain exists; naming another one fails authentication."""
    domain = ref.get("domain") if isinstance(ref, dict) else None
    if domain is None:
        return
    if not isinstance(domain, dict) or (
        domain.get("id", "default") != "default" or domain.get("name", "Default") != "Default"
    ):
        raise errors.Unauthorized("The request you have made requires authentication.")


def _project_scope(auth: dict) -> tuple[str | None, bool]:
    scope = auth.get("scope")
    if scope is None or scope == "unscoped":
        return None, False
    if not isinstance(scope, dict) or "project" not in scope:
        raise errors.Unauthorized(
            "The local cloud only issues project-scoped tokens; scope to a project."
        )
    project = scope["project"]
    if not isinstance(project, dict):
        raise errors.BadRequest("Invalid scope: project must be an object with an id or a name.")
    _check_domain(project)
    if "id" in project:
        return project["id"], True
    return _need(project, "name", "scope.project"), False


def issue_v3(call: Call):
    body = call.json()
    check_schema(body, TOKEN_ISSUE_V3)  # every field's type, before any is looked up
    auth = _need(body, "auth", "request body")
    identity = _need(auth, "identity", "auth")
    methods = _need(identity, "methods", "identity")
    if not isinstance(methods, list) or not methods:
        raise errors.BadRequest('identity.methods must be a non-empty list such as ["password"].')
    project, by_id = _project_scope(auth)
    cloud = call.state
    if "password" in methods:
        user = _need(_need(identity, "password", "identity"), "user", "identity.password")
        _check_domain(user)
        token = cloud.authenticate_password(
            _need(user, "password", "identity.password.user"),
            user_name=user.get("name"),
            user_id=user.get("id"),
            project=project,
            project_is_id=by_id,
        )
    elif "token" in methods:
        ref = _need(identity, "token", "identity")
        token = cloud.authenticate_token(_need(ref, "id", "identity.token"), project, by_id)
    elif "application_credential" in methods:
        ref = _need(identity, "application_credential", "identity")
        if auth.get("scope") is not None:
            raise errors.Unauthorized("Application credentials cannot request a scope.")
        user = None
        if "id" not in ref:
            user_ref = _need(ref, "user", "identity.application_credential")
            user = cloud.find_user(user_ref.get("name"), user_ref.get("id"))
            if user is None:
                raise errors.Unauthorized("The request you have made requires authentication.")
        token = cloud.authenticate_app_credential(
            _need(ref, "secret", "identity.application_credential"),
            cred_id=ref.get("id"),
            name=ref.get("name"),
            user=user,
        )
    else:
        raise errors.Unauthorized(
            f"Unsupported authentication methods {methods}; use password, token or application_credential."
        )
    nocatalog = "nocatalog" in call.request.args
    return token_body(call, token, catalog=not nocatalog), 201, {"X-Subject-Token": token.id}


def validate_v3(call: Call):
    subject = call.request.headers.get("X-Subject-Token")
    action = "check_token" if call.request.method == "HEAD" else "validate_token"
    try:
        token = call.state.subject_token(call.token, subject, action)
    except errors.Unauthorized:
        raise errors.NotFound(
            f"Could not find token: {'<none given>' if not subject else '<the given token>'}."
        ) from None
    nocatalog = "nocatalog" in call.request.args
    return token_body(call, token, catalog=not nocatalog), 200, {"X-Subject-Token": token.id}


def revoke_v3(call: Call):
    subject = call.request.headers.get("X-Subject-Token")
    if not subject:
        raise errors.BadRequest("X-Subject-Token header is required.")
    try:
        call.state.subject_token(call.token, subject, "revoke_token")
    except errors.Unauthorized:
        raise errors.NotFound("Could not find token: <the given token>.") from None
    call.state.revoke_token(subject)
    return None, 204


def auth_catalog(call: Call):
    return {
        "catalog": catalog_v3(call.base_url, call.state.regions),
        "links": {"self": call.request.base_url, "previous": None, "next": None},
    }


def auth_projects(call: Call):
    project = call.state.projects[call.token.user.project_id]
    return {
        "projects": [
            {
                "id": project.id,
                "name": project.name,
                "domain_id": "default",
                "enabled": True,
                "is_domain": False,
                "description": project.description,
                "parent_id": "default",
                "links": {},
            }
        ],
        "links": {"self": call.request.base_url, "previous": None, "next": None},
    }


def _app_cred_body(cred: model.AppCredential, with_secret: bool) -> dict:
    body = {
        "id": cred.id,
        "name": cred.name,
        "description": cred.description,
        "user_id": cred.user_id,
        "project_id": cred.project_id,
        "roles": [_role(r) for r in cred.roles],
        "expires_at": iso_micro_z(cred.expires_at) if cred.expires_at is not None else None,
        "unrestricted": False,
        "access_rules": [],
    }
    if with_secret:
        body["secret"] = cred.secret
    return body


def create_app_credential(call: Call, user_id: str):
    body = call.json()
    check_schema(body, APP_CREDENTIAL_CREATE)
    ref = body["application_credential"]
    expires = ref.get("expires_at")
    if expires is not None:
        try:
            expires = parse_time(expires)
        except (ValueError, OverflowError):
            raise errors.BadRequest(
                f"Invalid expires_at {ref['expires_at']!r}: use ISO 8601, e.g. 2030-01-01T00:00:00Z."
            ) from None
    cred = call.state.create_app_credential(
        call.token, user_id, ref["name"], ref.get("secret"), expires, ref.get("description")
    )
    return {"application_credential": _app_cred_body(cred, with_secret=True)}, 201


def list_app_credentials(call: Call, user_id: str):
    creds = call.state.list_app_credentials(call.token, user_id)
    return {
        "application_credentials": [_app_cred_body(c, False) for c in creds],
        "links": {"self": call.request.base_url, "previous": None, "next": None},
    }


# --------------------------------------------------------------------------- v2.0 tokens


def _fmt_seconds(t: float) -> str:
    return iso_seconds(t)[:-1]  # the book's "2015-02-05T00:00:00" (no zone)


def issue_v2(call: Call):
    body = call.json()
    check_schema(body, TOKEN_ISSUE_V2)
    cloud = call.state
    if "passwordCredentials" in body:
        # The book's form: {"passwordCredentials": {"username", "password"}, "tenantName"?}
        creds = body["passwordCredentials"]
        token = cloud.authenticate_password(
            _need(creds, "password", "passwordCredentials"),
            user_name=_need(creds, "username", "passwordCredentials"),
            project=body.get("tenantName") or body.get("tenantId"),
        )
        return {
            "auth": {
                "token": {"id": token.id, "expires": _fmt_seconds(token.expires_at)},
                "serviceCatalog": catalog_book(call.base_url, token.project),
            }
        }
    auth = _need(body, "auth", "request body")
    project, by_id = auth.get("tenantName"), False
    if auth.get("tenantId"):
        project, by_id = auth["tenantId"], True
    if "passwordCredentials" in auth:
        creds = auth["passwordCredentials"]
        token = cloud.authenticate_password(
            _need(creds, "password", "passwordCredentials"),
            user_name=creds.get("username"),
            user_id=creds.get("userId"),
            project=project,
            project_is_id=by_id,
        )
    elif "token" in auth:
        token = cloud.authenticate_token(_need(auth["token"], "id", "auth.token"), project, by_id)
    else:
        raise errors.BadRequest("Expecting passwordCredentials or token in auth.")
    return {
        "access": {
            "token": {
                "id": token.id,
                "expires": iso_micro_z(token.wall_expires_at)[:-8] + "Z",
                "issued_at": iso_micro_z(token.wall_issued_at)[:-1],
                "audit_ids": [token.audit_id],
                "tenant": {
                    "id": token.project.id,
                    "name": token.project.name,
                    "enabled": True,
                    "description": token.project.description or None,
                },
            },
            "serviceCatalog": catalog_v2(call.base_url, call.state.regions),
            "user": {
                "id": token.user.id,
                "name": token.user.name,
                "username": token.user.name,
                "roles": [{"name": r} for r in token.user.roles],
                "roles_links": [],
            },
            "metadata": {"is_admin": 0, "roles": [_id("role", r) for r in token.user.roles]},
        }
    }


def tenants_v2(call: Call):
    project = call.state.projects[call.token.user.project_id]
    return {
        "tenants": [
            {
                "id": project.id,
                "name": project.name,
                "enabled": True,
                "description": project.description or None,
            }
        ],
        "tenants_links": [],
    }


def rules():
    out = [route("/", versions, ["GET"], face="identity", auth=False)]
    for prefix in ("", "/identity"):
        if prefix:
            out.append(route(prefix, versions, ["GET"], face="identity", auth=False))
        out += [
            route(f"{prefix}/v3", version_v3, ["GET"], face="identity", auth=False),
            route(f"{prefix}/v3/auth/tokens", issue_v3, ["POST"], face="identity", auth=False),
            route(f"{prefix}/v3/auth/tokens", validate_v3, ["GET"], face="identity"),
            route(f"{prefix}/v3/auth/tokens", revoke_v3, ["DELETE"], face="identity"),
            route(f"{prefix}/v3/auth/catalog", auth_catalog, ["GET"], face="identity"),
            route(f"{prefix}/v3/auth/projects", auth_projects, ["GET"], face="identity"),
            route(
                f"{prefix}/v3/users/<user_id>/application_credentials",
                create_app_credential,
                ["POST"],
                face="identity",
            ),
            route(
                f"{prefix}/v3/users/<user_id>/application_credentials",
                list_app_credentials,
                ["GET"],
                face="identity",
            ),
            route(f"{prefix}/v2.0", version_v2, ["GET"], face="identity", auth=False),
            route(f"{prefix}/v2.0/tokens", issue_v2, ["POST"], face="identity", auth=False),
            route(f"{prefix}/v2.0/tenants", tenants_v2, ["GET"], face="identity"),
        ]
    return out


__all__ = ["rules", "catalog_v3", "catalog_v2", "catalog_book", "token_body"]
