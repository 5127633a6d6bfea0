"""The local cloud's WSGI application: routing, authentication, microversions, errors.

How to add a route module (e.g. the book's v1.1 face in ``legacy.py``)
----------------------------------------------------------------------
1. In your module define ``rules() -> list`` returning werkzeug ``Rule`` (or ``Submount``)
   objects made with :func:`route`::

       from novamagic.localcloud.app import route

       def rules():
           return [route("/v1.1/<tenant>/servers", list_servers, ["GET"], face="legacy")]

   ``face`` chooses the error shape and extras: ``"compute"`` (Nova faults, microversion
   negotiation, ``project_id`` path check), ``"legacy"`` (Nova fault shape, no microversions),
   ``"identity"`` (Keystone errors), ``"image"`` (Glance text errors), ``"control"``.
   ``auth=False`` lets a route through without ``X-Auth-Token``.
2. Add the module to ``ROUTE_MODULES`` below (``legacy`` is already there).
3. A handler is ``handler(call: Call, **path_args)`` and returns a werkzeug ``Response``, or
   ``body`` / ``(body, status)`` / ``(body, status, headers)`` (body is JSON-encoded; ``None``
   gives an empty body), e.g. ``return {"servers": [...]}, 200``.
4. Read the caller from ``call.token`` (``.user``, ``.project``, ``.is_admin``), the JSON body
   from ``call.json()`` (400 "Malformed request body" on bad JSON), absolute URLs from
   ``call.base_url``. Call the model through ``call.state`` (a :class:`CloudState`): e.g.
   ``call.state.list_servers(call.token)``, ``call.state.find_server_by_number(call.token, 3)``,
   ``call.state.create_servers(call.token, name, image_ref, flavor_ref, metadata=...)``,
   ``call.state.reboot(call.token, server.id, hard=False)``. Hold ``with call.state.lock:`` while
   you turn several objects into JSON. Model methods raise
   ``errors.BadRequest / Unauthorized / Forbidden / OverQuota / NotFound / Conflict``; let them
   propagate (the app answers in your face's shape) or catch them to word your own message.
   ``errors.nova_fault(status, message)`` builds a Nova-shaped answer directly.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from novamagic.localcloud import errors
from novamagic.localcloud.injection import FaultInjector, drop_connection, injected_message
from novamagic.localcloud.model import CloudState, Token

log = logging.getLogger("novamagic.localcloud")

__all__ = [
    "Endpoint",
    "Call",
    "route",
    "LocalCloudApp",
    "MIN_VERSION",
    "MAX_VERSION",
]

#: Route modules composed into the URL map, in this order.
ROUTE_MODULES = ("identity", "compute", "image", "control", "legacy")

#: The compute microversions honoured (shapes and rules of every version in between).
MIN_VERSION = (2, 1)
MAX_VERSION = (2, 96)

#: Nova's osapi_max_request_body_size.
MAX_BODY = 114688

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")

#: Seconds one request may spend matching a client's regular-expression filter (Nova's ``name``,
#: ``ip`` and ``ip6`` filters are regexes): a catastrophic one such as ``(a|aa)+$`` gets a 400
#: instead of a thread spinning for hours.
REGEX_BUDGET = 1.0


def version_str(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True)
class Endpoint:
    handler: Callable[..., Any]
    face: str = "compute"
    auth: bool = True


def route(path: str, handler, methods, face: str = "compute", auth: bool = True) -> Rule:
    """A werkzeug Rule whose endpoint carries the handler, its face and whether it needs a token."""
    return Rule(path, endpoint=Endpoint(handler, face, auth), methods=list(methods))


class Call:
    """One request as handlers see it."""

    __slots__ = ("request", "app", "state", "token", "version", "request_id", "face")

    def __init__(self, request: Request, app: LocalCloudApp, face: str, request_id: str):
        self.request = request
        self.app = app
        self.state: CloudState = app.state
        self.token: Token | None = None
        self.version: tuple[int, int] = MIN_VERSION
        self.request_id = request_id
        self.face = face

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` as the client reached us (links are absolute, as Nova's)."""
        return self.request.host_url.rstrip("/")

    def at_least(self, version: str) -> bool:
        major, minor = version.split(".")
        return self.version >= (int(major), int(minor))

    def json(self, required: bool = True) -> Any:
        data = self.request.get_data(cache=True)
        if len(data) > MAX_BODY:
            raise RequestEntityTooLarge()
        if not data.strip():
            if required:
                raise errors.BadRequest("The request body is missing; a JSON object is required.")
            return None
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise errors.BadRequest("Malformed request body: it is not valid JSON.") from None
        except RecursionError:  # "[[[[...": a body within MAX_BODY can nest past the stack
            raise errors.BadRequest(
                "Malformed request body: its JSON is nested too deeply."
            ) from None

    def body_dict(self, key: str, required_keys=()) -> dict:
        """The object under ``key`` in a ``{key: {...}}`` body (400 with a clear message otherwise)."""
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise errors.BadRequest(
                f'Invalid request body: expected a JSON object {{"{key}": {{...}}}}.'
            )
        inner = body[key]
        for name in required_keys:
            if name not in inner:
                raise errors.BadRequest(f"'{name}' is a required property of '{key}'.")
        return inner


def _face_of_path(path: str) -> str:
    if path.startswith(("/identity", "/v3", "/v2.0")) or path in ("", "/"):
        return "identity"
    if path.startswith("/image"):
        return "image"
    if path.startswith("/_localcloud"):
        return "control"
    if path.startswith("/v1.1"):
        return "legacy"
    return "compute"


class LocalCloudApp:
    """The WSGI callable. ``open_control``: any valid token may use the control API."""

    def __init__(self, cloud_state: CloudState, open_control: bool = True, seed=None):
        self.state = cloud_state
        self.open_control = open_control
        self.faults = FaultInjector(cloud_state.seed if seed is None else seed)
        modules = [
            importlib.import_module(f"novamagic.localcloud.{name}") for name in ROUTE_MODULES
        ]
        rules = []
        for module in modules:
            rules.extend(module.rules())
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)
        self.hooks: dict[str, Any] = {}  # set by LocalCloud (e.g. "speed" for a ScaledClock)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        request = Request(environ)
        # One byte over the cap: a chunked body (no Content-Length) that reads past MAX_BODY is
        # too large; at exactly MAX_BODY werkzeug would cut it short silently.
        request.max_content_length = MAX_BODY + 1
        request_id = "req-" + str(uuid.uuid4())
        face = _face_of_path(request.path)
        fault = None
        if face != "control":
            fault = self.faults.pick(request.method, request.path)
        if fault is not None:
            if fault.latency:
                time.sleep(fault.latency)
            if fault.drop == "before":
                drop_connection(environ)
                return Response(b"")(environ, start_response)
            if fault.status is not None:
                response = self._error(
                    face, fault.status, fault.message or injected_message(fault.status), request_id
                )
                if fault.retry_after is not None:
                    response.headers["Retry-After"] = str(fault.retry_after)
                return response(environ, start_response)
        response = self.handle(request, request_id, face)
        if fault is not None and fault.drop == "after":
            drop_connection(environ)
            return Response(b"")(environ, start_response)
        return response(environ, start_response)

    def handle(self, request: Request, request_id: str, face: str) -> Response:
        call = Call(request, self, face, request_id)
        try:
            try:
                if request.content_length is not None and request.content_length > MAX_BODY:
                    raise RequestEntityTooLarge()
                adapter = self.url_map.bind_to_environ(request.environ)
                endpoint, args = adapter.match()
            except MethodNotAllowed as exc:
                response = self._error(
                    face, 405, "The method is not allowed for this URL.", request_id
                )
                response.headers["Allow"] = ", ".join(exc.valid_methods or [])
                return response
            except RouteNotFound:
                return self._error(
                    face, 404, f"The resource could not be found: {request.path}", request_id
                )
            call.face = face = endpoint.face
            if face != "control":
                self.state.clock.on_request()
            if face == "compute":
                call.version = negotiate_version(request)
            if endpoint.auth:
                call.token = self.state.validate_token(request.headers.get("X-Auth-Token"))
                if face == "control" and not self.open_control and not call.token.is_admin:
                    raise errors.Forbidden("The control API needs an admin token in this cloud.")
            if face == "compute" and "project_id" in args:
                project_id = args.pop("project_id")
                if project_id != call.token.project.id and not call.token.is_admin:
                    raise errors.BadRequest(
                        f"Malformed request URL: URL's project_id '{project_id}' doesn't match "
                        f"Context's project_id '{call.token.project.id}'"
                    )
            if face == "compute":  # after keystonemiddleware's 401, as in Nova
                check_content_type(request)
            result = endpoint.handler(call, **args)
            response = _to_response(result)
        except errors.CloudError as exc:
            response = self._error(face, errors.status_of(exc), exc.message, request_id)
            if isinstance(exc, errors.Unauthorized):
                response.headers["WWW-Authenticate"] = (
                    f'Keystone uri="{request.host_url.rstrip("/")}/identity"'
                )
        except NotAcceptable as exc:
            response = self._error(face, 406, str(exc), request_id)
        except UnsupportedMediaType as exc:
            response = self._error(face, 415, str(exc), request_id)
        except RequestEntityTooLarge:
            response = self._error(
                face,
                413,
                f"Request is too large: at most {MAX_BODY} bytes are accepted.",
                request_id,
            )
        except HTTPException as exc:
            response = self._error(face, exc.code or 500, exc.description or exc.name, request_id)
        except Exception:
            log.exception(
                "unexpected error answering %s %s (%s)", request.method, request.path, request_id
            )
            response = self._error(
                face,
                500,
                "Unexpected API Error. The local cloud logged the details; please report it.",
                request_id,
            )
        response.headers["x-openstack-request-id"] = request_id
        if face == "compute":
            response.headers["x-compute-request-id"] = request_id
            text = version_str(call.version)
            response.headers["OpenStack-API-Version"] = f"compute {text}"
            response.headers["X-OpenStack-Nova-API-Version"] = text
            response.headers["Vary"] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
        return response

    def _error(self, face: str, status: int, message: str, request_id: str) -> Response:
        # 401s come from keystonemiddleware in front of every real service: Keystone's shape.
        if face == "identity" or status == 401:
            response = errors.keystone_error(status, message)
        elif face == "image":
            response = errors.glance_error(status, message)
        else:
            response = errors.nova_fault(status, message)
        response.headers["x-openstack-request-id"] = request_id
        if face == "compute":
            response.headers["x-compute-request-id"] = request_id
        return response


def query_limit(args, default: int, maximum: int) -> int:
    """The ``limit`` query parameter of a list call (Nova's and Glance's paging): ``default`` when
    absent, capped at ``maximum``; not an integer, or negative, raises BadRequest."""
    if "limit" not in args:
        return default
    try:
        limit = int(args["limit"])
    except ValueError:
        raise errors.BadRequest(f"limit param must be an integer; got {args['limit']!r}.") from None
    if limit < 0:
        raise errors.BadRequest(f"limit param must be positive; got {limit}.")
    return min(limit, maximum)


def regex_filter(text, what: str) -> Callable[[str], bool]:
    """A client's regular expression as ``search(value) -> bool``, all calls of one request
    sharing one time budget (:data:`REGEX_BUDGET`); bad or too costly patterns raise BadRequest.

    Python's ``re`` cannot be interrupted, so this uses the ``regex`` module (same syntax) with
    its ``timeout``.
    """
    import regex

    try:
        pattern = regex.compile(text)
    except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise errors.BadRequest(
            f"Invalid {what} filter {text!r}: not a regular expression ({exc})."
        ) from None
    deadline = None

    def search(value: str) -> bool:
        nonlocal deadline
        now = time.monotonic()
        if deadline is None:
            deadline = now + REGEX_BUDGET
        try:
            return pattern.search(value, timeout=max(1e-6, deadline - now)) is not None
        except TimeoutError:
            raise errors.BadRequest(
                f"The {what} filter {text!r} takes too long to match; use a simpler regular "
                "expression."
            ) from None

    return search


class NotAcceptable(Exception):
    """An unsupported microversion (406)."""


class UnsupportedMediaType(Exception):
    """A request labelled with a Content-Type the compute API does not read (415)."""


#: What Nova's wsgi layer reads as a request body (nova.api.openstack.wsgi).
JSON_CONTENT_TYPES = frozenset({"application/json", "application/vnd.openstack.compute+json"})


def check_content_type(request: Request) -> None:
    """Refuse a compute request whose Content-Type is neither JSON nor absent, as Nova does.

    Like Nova, this looks at the header alone (a body-less request labelled as a form is refused
    too), and an empty label or ``text/plain`` (some HTTP stacks' default) counts as none. The
    book's /v1.1 root (face ``legacy``) skips this: its curl commands label JSON as a form.
    """
    if "Content-Type" not in request.headers:
        return
    mimetype = request.mimetype  # lower-cased, parameters such as charset dropped
    if mimetype in ("", "text/plain") or mimetype in JSON_CONTENT_TYPES:
        return
    raise UnsupportedMediaType("Unsupported Content-Type")


def negotiate_version(request: Request) -> tuple[int, int]:
    """The compute microversion asked for by ``OpenStack-API-Version`` or the legacy header."""
    text = None
    header = request.headers.get("OpenStack-API-Version")
    if header:
        for part in header.split(","):
            words = part.strip().split()
            if len(words) == 2 and words[0].lower() == "compute":
                text = words[1]
    if text is None:
        text = request.headers.get("X-OpenStack-Nova-API-Version")
    if text is None:
        return MIN_VERSION
    text = text.strip()
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text)
    if not match:
        raise errors.BadRequest(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable(
            f"Version {text} is not supported by the API. Minimum is {version_str(MIN_VERSION)} "
            f"and maximum is {version_str(MAX_VERSION)}."
        )
    return version


def _to_response(result) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = 200, None
    if isinstance(result, tuple):
        if len(result) == 2:
            result, status = result
        else:
            result, status, headers = result
    if result is None:
        return Response(b"", status=status, headers=headers)
    return errors.json_response(result, status, headers)
