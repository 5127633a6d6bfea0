"""The local cloud's errors: the types its model raises, and the bodies each service answers with.

The model raises a :class:`CloudError` subclass whose ``message`` is one line for the user; the
app turns it into a status (:func:`status_of`) and a body in the shape of the face that was called.

python-novaclient and openstacksdk read Nova faults as ``{name: {"message", "code"}}`` and crash
or lose the message on any other shape, so every compute error goes through :func:`nova_fault`.
Keystone (and keystonemiddleware in front of Nova) answers ``{"error": {"code", "title",
"message"}}``; Glance answers plain text; Neutron answers ``{"NeutronError": {"type", "message",
"detail"}}``, where ``type`` is the name of Neutron's exception (an error's ``kind``).
"""

from __future__ import annotations

import json
import re

from werkzeug.wrappers import Response

__all__ = [
    "CloudError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "OverQuota",
    "NotFound",
    "Conflict",
    "TooManyRequests",
    "NOVA_FAULT_NAMES",
    "one_line",
    "status_of",
    "nova_fault",
    "keystone_error",
    "glance_error",
    "neutron_error",
    "json_response",
    "typed",
]


class CloudError(Exception):
    """Base of every error the model raises; ``message`` is one line meant for the user.

    ``kind`` names the error the way Neutron's body does (``NetworkNotFound``); None lets the
    face pick a name from the status."""

    kind: str | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(CloudError):
    """The request itself is wrong (missing field, bad value, unknown action...)."""


class Unauthorized(CloudError):
    """No, a bad or an expired credential or token."""


class Forbidden(CloudError):
    """The caller may not do this (policy)."""


class OverQuota(Forbidden):
    """A quota or a limit (instances, cores, ram, metadata items, personality) would be exceeded."""


class NotFound(CloudError):
    """No such resource visible to the caller."""


class Conflict(CloudError):
    """The resource is in a state that does not allow this action now (wait and retry)."""


class TooManyRequests(CloudError):
    """Too much expensive work at once (429); ``retry_after`` seconds go in ``Retry-After``."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


#: Nova's fault names by status (nova.api.openstack.wsgi.Fault); anything else is computeFault.
NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

KEYSTONE_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

_STATUS = {
    BadRequest: 400,
    Unauthorized: 401,
    OverQuota: 403,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyRequests: 429,
}


def status_of(error: CloudError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(message: str) -> str:
    """Escape control characters (often echoed from the caller's input): a fault is one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)


def typed(cls: type[CloudError], kind: str, message: str) -> CloudError:
    """An error of ``cls`` (its status) that Neutron's face names ``kind``."""
    error = cls(message)
    error.kind = kind
    return error


def json_response(body, status: int = 200, headers=None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def nova_fault(status: int, message: str, headers=None) -> Response:
    """``{"badRequest": {"message": ..., "code": 400}}`` and friends."""
    name = NOVA_FAULT_NAMES.get(status, "computeFault")
    return json_response({name: {"message": one_line(message), "code": status}}, status, headers)


def keystone_error(status: int, message: str, headers=None) -> Response:
    title = KEYSTONE_TITLES.get(status, "Error")
    return json_response(
        {"error": {"code": status, "title": title, "message": one_line(message)}}, status, headers
    )


def glance_error(status: int, message: str, headers=None) -> Response:
    title = KEYSTONE_TITLES.get(status, "Error")
    return Response(
        f"{status} {title}\n\n{one_line(message)}\n\n",
        status=status,
        headers=headers,
        content_type="text/plain",
    )


#: Neutron's exception names for errors that carry no ``kind`` of their own.
NEUTRON_TYPES = {
    400: "HTTPBadRequest",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    413: "HTTPRequestEntityTooLarge",
    415: "HTTPUnsupportedMediaType",
    500: "HTTPInternalServerError",
    503: "HTTPServiceUnavailable",
}


def neutron_error(status: int, message: str, kind: str | None = None, headers=None) -> Response:
    """``{"NeutronError": {"type": "NetworkNotFound", "message": ..., "detail": ""}}``."""
    body = {
        "NeutronError": {
            "type": kind or NEUTRON_TYPES.get(status, "HTTPError"),
            "message": one_line(message),
            "detail": "",
        }
    }
    return json_response(body, status, headers)
