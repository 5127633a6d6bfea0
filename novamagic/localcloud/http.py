"""What a route handler sees of a request, and the request-side rules every face shares.

:func:`route` makes the URL rules the faces register; :class:`Call` is one request as a handler
reads it (caller, JSON body, microversion); :func:`negotiate_version` and
:func:`check_content_type` are Nova's wsgi checks; :func:`query_limit` and :func:`regex_filter`
read list parameters (:func:`regex_matches` runs the costly ones within a budget); :func:`to_response` turns a handler's return value into a response. The
application (:mod:`novamagic.localcloud.app`) imports the faces, which import this module.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from novamagic.localcloud import errors
from novamagic.localcloud.model import CloudState, Token

__all__ = [
    "Endpoint",
    "Call",
    "route",
    "MIN_VERSION",
    "MAX_VERSION",
    "MAX_BODY",
    "query_limit",
    "regex_filter",
    "regex_matches",
    "RegexFilter",
    "negotiate_version",
    "check_content_type",
    "to_response",
]

#: The compute microversions honoured (shapes and rules of every version in between).
MIN_VERSION = (2, 1)
MAX_VERSION = (2, 104)

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
    """One request as handlers see it. ``app`` is the :class:`~novamagic.localcloud.app.LocalCloudApp`
    (typed loosely: this module sits below the app, which imports the faces that import this)."""

    __slots__ = ("request", "app", "state", "token", "version", "request_id", "face")

    def __init__(self, request: Request, app: Any, face: str, request_id: str):
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


class RegexFilter:
    """A client's regular expression, compiled at once (a bad one raises BadRequest).

    Python's ``re`` cannot be interrupted, so this uses the ``regex`` module (same syntax) with
    its ``timeout``; ``concurrent`` lets other threads run while it matches.
    """

    __slots__ = ("text", "what", "pattern")

    def __init__(self, text, what: str):
        import regex

        self.text, self.what = text, what
        try:
            self.pattern = regex.compile(text)
        except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise errors.BadRequest(
                f"Invalid {what} filter {text!r}: not a regular expression ({exc})."
            ) from None

    def search(self, value: str, deadline: float) -> bool:
        timeout = max(1e-6, deadline - time.monotonic())
        try:
            return self.pattern.search(value, timeout=timeout, concurrent=True) is not None
        except TimeoutError:
            raise errors.BadRequest(
                f"The {self.what} filter {self.text!r} takes too long to match; use a simpler "
                "regular expression."
            ) from None


def regex_filter(text, what: str) -> RegexFilter:
    """A client's regular-expression filter (``name``, ``ip``, ``ip6``); see :func:`regex_matches`."""
    return RegexFilter(text, what)


def regex_matches(call: Call, filters: list[RegexFilter], rows: list[tuple]) -> list[bool]:
    """For each row (per filter, the strings it may match), whether every filter matches one.

    Call it outside the state lock, on strings copied under it: a costly pattern then delays
    only its own request. The matching holds one of the project's slots of the app's
    :class:`~novamagic.localcloud.budget.Budget` (429 when none frees up) and all of it shares
    one :data:`REGEX_BUDGET` (400 past it).
    """
    if not filters:
        return [True] * len(rows)
    with call.app.budget.slot(call.token.project.id, "regular-expression filter"):
        deadline = time.monotonic() + REGEX_BUDGET
        return [
            all(
                any(f.search(v, deadline) for v in texts)
                for f, texts in zip(filters, row, strict=True)
            )
            for row in rows
        ]


class NotAcceptable(Exception):
    """An unsupported microversion (406); ``asked`` is the version the request named, which
    the answer's version headers echo, as Nova's do."""

    def __init__(self, message: str, asked: str):
        super().__init__(message)
        self.asked = asked


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
            f"and maximum is {version_str(MAX_VERSION)}.",
            asked=text,
        )
    return version


def to_response(result) -> Response:
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
