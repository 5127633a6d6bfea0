"""The local cloud's WSGI application: the URL map, authentication, faults on purpose, errors.

Each face (Keystone, Nova, Glance, the book's v1.1 root, the control API) is a module or package
with a ``rules()`` function; :data:`FACES` composes them, in order, into one werkzeug ``Map``.
What a handler sees of a request (:class:`~novamagic.localcloud.http.Call`, :func:`route`) lives
in :mod:`novamagic.localcloud.http`, so the faces import that and this module imports the faces.

How to add a route module
-------------------------
1. In your module define ``rules() -> list`` returning werkzeug ``Rule`` (or ``Submount``)
   objects made with :func:`~novamagic.localcloud.http.route`::

       from novamagic.localcloud.http import route

       def rules():
           return [route("/v1.1/<tenant>/servers", list_servers, ["GET"], face="legacy")]

   ``face`` chooses the error shape and extras: ``"compute"`` (Nova faults, microversion
   negotiation, ``project_id`` path check), ``"legacy"`` (Nova fault shape, no microversions),
   ``"identity"`` (Keystone errors), ``"image"`` (Glance text errors), ``"network"``
   (Neutron's ``NeutronError`` bodies; an error's ``kind`` is their ``type``), ``"volume"``
   (Cinder: Nova's fault shape, ``volume 3.x`` microversions, ``project_id`` path check),
   ``"control"``.
   ``auth=False`` lets a route through without ``X-Auth-Token``. A new Nova resource is a
   controller module in ``compute/`` whose ``relative_rules()`` ``compute.rules()`` mounts under
   every compute root (see ``compute/__init__.py``).
2. Import the module here and add it to :data:`FACES`.
3. A handler is ``handler(call: Call, **path_args)`` and returns a werkzeug ``Response``, or
   ``body`` / ``(body, status)`` / ``(body, status, headers)`` (body is JSON-encoded; ``None``
   gives an empty body), e.g. ``return {"servers": [...]}, 200``.
4. Read the caller from ``call.token`` (``.user``, ``.project``, ``.is_admin``), the JSON body
   from ``call.json()`` (400 "Malformed request body" on bad JSON), absolute URLs from
   ``call.base_url``. Call the model through ``call.state`` (a :class:`CloudState`), e.g.
   ``call.state.list_servers(call.token)``; hold ``with call.state.lock:`` while you turn
   several objects into JSON. Model methods raise ``errors.BadRequest / Unauthorized /
   Forbidden / OverQuota / NotFound / Conflict``; let them propagate (the app answers in your
   face's shape) or catch them to word your own message. ``errors.nova_fault(status, message)``
   builds a Nova-shaped answer directly.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from novamagic.localcloud import (
    compute,
    control,
    errors,
    identity,
    image,
    legacy,
    network,
    volume,
)
from novamagic.localcloud.activity import ActivityLog
from novamagic.localcloud.budget import Budget
from novamagic.localcloud.http import (
    MAX_BODY,
    MAX_VERSION,
    MIN_VERSION,
    Call,
    Endpoint,
    NotAcceptable,
    UnsupportedMediaType,
    check_content_type,
    negotiate_version,
    route,
    to_response,
    version_str,
)
from novamagic.localcloud.injection import FaultInjector, drop_connection, injected_message
from novamagic.localcloud.model import CloudState
from novamagic.localcloud.persistence import StateFile, StateSaveError

log = logging.getLogger("novamagic.localcloud")

__all__ = [
    "Endpoint",
    "Call",
    "route",
    "LocalCloudApp",
    "MIN_VERSION",
    "MAX_VERSION",
]

#: The faces composed into the URL map, in this order.
FACES = (identity, compute, image, network, volume, control, legacy)
#: Methods that change nothing (lifecycles settled by a read are settled again, the same way,
#: from the saved state and the clock), so a state file is not written after them.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _face_of_path(path: str) -> str:
    if path.startswith(("/identity", "/v3", "/v2.0")) or path in ("", "/"):
        return "identity"
    if path.startswith("/image"):
        return "image"
    if path.startswith("/networking"):
        return "network"
    if path.startswith("/volume"):
        return "volume"
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
        self.budget = Budget()  # slots for costly regex filters, fair between projects
        rules = [rule for face in FACES for rule in face.rules()]
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)
        self.hooks: dict[str, Any] = {}  # set by LocalCloud (e.g. "speed" for a ScaledClock)
        self.durable: StateFile | None = None  # set by LocalCloud when it keeps a state file
        self.activity = ActivityLog()  # what each user did last, for the instructor's view

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
        if self.durable is not None and request.method not in READ_ONLY_METHODS:
            response = self._persist(face, request_id, response)
        if fault is not None and fault.drop == "after":
            drop_connection(environ)
            return Response(b"")(environ, start_response)
        return response(environ, start_response)

    def handle(self, request: Request, request_id: str, face: str) -> Response:
        call = Call(request, self, face, request_id)
        version_text = None  # the version a 406 echoes (the one asked for)
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
            legacy_v2 = face == "compute" and compute.is_legacy_v2(request.path)
            if face == "compute" and not legacy_v2:
                call.version = negotiate_version(request)
            elif face == "volume":
                call.version = volume.negotiate(request)
            if endpoint.auth:
                call.token = self.state.validate_token(request.headers.get("X-Auth-Token"))
                if face == "control" and not self.open_control and not call.token.is_admin:
                    raise errors.Forbidden("The control API needs an admin token in this cloud.")
            if face in ("compute", "volume") and "project_id" in args:
                project_id = args.pop("project_id")
                if project_id != call.token.project.id and not call.token.is_admin:
                    raise errors.BadRequest(
                        f"Malformed request URL: URL's project_id '{project_id}' doesn't match "
                        f"Context's project_id '{call.token.project.id}'"
                    )
            if face == "compute":  # after keystonemiddleware's 401, as in Nova
                check_content_type(request)
            result = endpoint.handler(call, **args)
            response = to_response(result)
        except errors.CloudError as exc:
            status = errors.status_of(exc)
            if face == "volume" and isinstance(exc, errors.OverQuota):
                status = 413  # Cinder's VolumeLimitExceeded / VolumeSizeExceedsAvailableQuota
            response = self._error(face, status, exc.message, request_id, exc.kind)
            if isinstance(exc, errors.TooManyRequests):
                response.headers["Retry-After"] = str(exc.retry_after)
            if isinstance(exc, errors.Unauthorized):
                response.headers["WWW-Authenticate"] = (
                    f'Keystone uri="{request.host_url.rstrip("/")}/identity"'
                )
        except NotAcceptable as exc:
            response = self._error(face, 406, str(exc), request_id)
            version_text = exc.asked
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
        if call.token is not None:
            status = response.status_code
            self.activity.record(
                call.token.user.id, request.method, request.path, status,
                response.get_data() if status >= 400 else b"",
            )  # fmt: skip
        if face == "compute" and not compute.is_legacy_v2(request.path):
            text = version_text or version_str(call.version)
            response.headers["OpenStack-API-Version"] = f"compute {text}"
            response.headers["X-OpenStack-Nova-API-Version"] = text
            response.headers["Vary"] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
        elif face == "volume":
            text = version_text or version_str(max(call.version, volume.MIN_VERSION))
            response.headers["OpenStack-API-Version"] = f"volume {text}"
            response.headers["Vary"] = "OpenStack-API-Version"
        return response

    def _persist(self, face: str, request_id: str, response: Response) -> Response:
        """Commit what the request changed before it is answered: an answered change survives
        a crash. A failed commit is answered 503 (the change is in memory, the file lags)."""
        try:
            self.durable.save(self.state)
        except StateSaveError as exc:
            log.error("%s (%s)", exc, request_id)
            return self._error(
                face,
                503,
                "The local cloud could not write its state file, so this change may not survive "
                "a restart; its log says why.",
                request_id,
            )
        return response

    def refusal(self, path: str, status: int, message: str) -> Response:
        """An answer the HTTP server makes before a request reaches :meth:`handle` (its 414,
        431 and 503), in the error shape of the face ``path`` names."""
        return self._error(_face_of_path(path), status, message, "req-" + str(uuid.uuid4()))

    def _error(self, face: str, status: int, message: str, request_id: str, kind=None) -> Response:
        # 401s come from keystonemiddleware in front of every real service: Keystone's shape.
        if face == "identity" or status == 401:
            response = errors.keystone_error(status, message)
        elif face == "image":
            response = errors.glance_error(status, message)
        elif face == "network":
            response = errors.neutron_error(status, message, kind)
        else:
            response = errors.nova_fault(status, message)
        response.headers["x-openstack-request-id"] = request_id
        if face == "compute":
            response.headers["x-compute-request-id"] = request_id
        return response
