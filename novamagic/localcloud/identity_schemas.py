"""Keystone's request bodies as schemas (keystone/auth/schema.py and friends), checked with
:func:`~novamagic.localcloud.model.validation.check_schema` before a handler reads a field.

Each handler of :mod:`novamagic.localcloud.identity` validates its whole body first, so a
wrong type anywhere (``{"auth": "x"}``, a token id ``[1]``, a project id ``[]``) is a 400 that
names the field and the type it must have, never a lookup with a list for a key. Unknown keys
are allowed where Keystone allows them (auth bodies) and refused where it refuses them
(application credentials).
"""

from __future__ import annotations

from novamagic.localcloud.model.validation import MAX_NAME_LENGTH

__all__ = ["TOKEN_ISSUE_V3", "TOKEN_ISSUE_V2", "APP_CREDENTIAL_CREATE"]

STRING = {"type": "string"}
NAME = {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH}
#: Keystone's [identity] max_password_length.
PASSWORD = {"type": "string", "maxLength": 4096}
DOMAIN = {"type": "object", "properties": {"id": STRING, "name": STRING}}
USER_REF = {"type": "object", "properties": {"id": STRING, "name": STRING, "domain": DOMAIN}}
PASSWORD_USER = {
    "type": "object",
    "properties": {"id": STRING, "name": STRING, "password": PASSWORD, "domain": DOMAIN},
}
TOKEN_REF = {"type": "object", "properties": {"id": STRING}, "required": ["id"]}
SCOPE_REF = {"type": "object", "properties": {"id": STRING, "name": STRING, "domain": DOMAIN}}

TOKEN_ISSUE_V3 = {
    "type": "object",
    "required": ["auth"],
    "properties": {
        "auth": {
            "type": "object",
            "required": ["identity"],
            "properties": {
                "identity": {
                    "type": "object",
                    "required": ["methods"],
                    "properties": {
                        "methods": {"type": "array", "items": STRING},
                        "password": {"type": "object", "properties": {"user": PASSWORD_USER}},
                        "token": TOKEN_REF,
                        "application_credential": {
                            "type": "object",
                            "properties": {
                                "id": STRING,
                                "name": STRING,
                                "secret": STRING,
                                "user": USER_REF,
                            },
                        },
                    },
                },
                # an object, or the string "unscoped" (explicit unscoped authentication)
                "scope": {
                    "type": ["object", "string"],
                    "properties": {
                        "project": SCOPE_REF,
                        "domain": SCOPE_REF,
                        "system": {"type": "object"},
                        "OS-TRUST:trust": {"type": "object"},
                    },
                },
            },
        }
    },
}

_V2_CREDENTIALS = {
    "type": "object",
    "properties": {"username": STRING, "userId": STRING, "password": PASSWORD},
}
_V2_TENANT = {"tenantName": STRING, "tenantId": STRING}

#: Both forms /v2.0/tokens answers: the standard ``{"auth": {...}}`` and the book's flat one.
TOKEN_ISSUE_V2 = {
    "type": "object",
    "properties": {
        "auth": {
            "type": "object",
            "properties": {
                "passwordCredentials": _V2_CREDENTIALS,
                "token": TOKEN_REF,
                **_V2_TENANT,
            },
        },
        "passwordCredentials": _V2_CREDENTIALS,
        **_V2_TENANT,
    },
}

APP_CREDENTIAL_CREATE = {
    "type": "object",
    "required": ["application_credential"],
    "properties": {
        "application_credential": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": NAME,
                "description": {"type": ["string", "null"]},
                "secret": {"type": ["string", "null"], "minLength": 1},
                "expires_at": {"type": ["string", "null"]},
                "roles": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"id": STRING, "name": STRING}},
                },
                "unrestricted": {"type": "boolean"},
                "access_rules": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
