"""One exception hierarchy for everything the client can fail with.

Every error carries ``status`` (HTTP status or None for client-side errors), ``message`` (the
cloud's own words when it gave any), ``request_id``, ``method``, ``url`` and an optional ``hint``
(what a person can do about it). ``str()`` is always one line, so the magic layer can show it as
is; no error ever holds a request body, a token or a password.

    NovaError
      BadRequest (400, 406, 414) ValidationError (client-side, nothing was sent)
      Unauthorized (401)
      Forbidden (403)
      NotFound (404; also a name nothing matched)
      Conflict (409)
      OverLimit (413, 429)
      QuotaExceeded (a Forbidden and an OverLimit: Nova's 403/413 "Quota exceeded ...", and the
                     client's own check before a bulk boot)
      ServerError (5xx)
      ConnectionFailed           (no usable answer: refused, reset, TLS failure)
      Timeout                    (no answer in time)
      AmbiguousName              (a name matched several resources)
      ConfigurationError         (clouds.yaml / OS_* / arguments do not describe a usable cloud)
      ExerciseError              (an exercise file that cannot be read or is malformed)
      WaitError                  (the server went to ERROR while waiting)
        WaitTimeout (also a Timeout: the deadline passed before the status was reached)
        WaitCancelled              (the caller's cancel event stopped the waiting; nothing undone)

    NovaWarning (a UserWarning): the client carried on without something (a name lookup failed)
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

__all__ = [
    "AmbiguousName",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "ExerciseError",
    "Forbidden",
    "NotFound",
    "NovaError",
    "NovaWarning",
    "OverLimit",
    "QuotaExceeded",
    "ServerError",
    "Timeout",
    "Unauthorized",
    "ValidationError",
    "WaitCancelled",
    "WaitError",
    "WaitTimeout",
    "error_from_response",
]

_MAX_MESSAGE = 300


class NovaError(Exception):
    """Base of every error raised by :mod:`novamagic.client`."""

    default_hint: str | None = None
    retry_after: float | None = None  # seconds the cloud asked to wait (Retry-After), if any

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ):
        self.message = _one_line(message) or self.__class__.__name__
        self.status = status
        self.request_id = request_id
        self.method = method
        self.url = url
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(self.message)

    def __str__(self) -> str:
        where = []
        if self.method and self.url:
            where.append(f"{self.method} {_path_of(self.url)}")
        if self.status is not None:
            where.append(f"HTTP {self.status}")
        if self.request_id:
            where.append(self.request_id)
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"

    def __reduce__(self):  # picklable across processes (bulk, papermill)
        return (
            _rebuild,
            (
                self.__class__,
                self.message,
                self.status,
                self.request_id,
                self.method,
                self.url,
                self.hint,
            ),
        )


class NovaWarning(UserWarning):
    """Something went partly wrong and the client carried on (e.g. image names unavailable, so
    a listing shows ids): one line, said once per cloud."""


def _rebuild(cls, message, status, request_id, method, url, hint):
    return cls(message, status=status, request_id=request_id, method=method, url=url, hint=hint)


class BadRequest(NovaError):
    """The cloud refused the request as malformed (400) or the microversion as unsupported (406)."""


class ValidationError(BadRequest):
    """Client-side validation failed against the cloud's reported limits; nothing was sent."""


class Unauthorized(NovaError):
    default_hint = "check the user name, password or credential and the project (clouds.yaml, OS_*)"


class Forbidden(NovaError):
    pass


class NotFound(NovaError):
    pass


class Conflict(NovaError):
    default_hint = "the server is busy or in the wrong state: wait for it (cloud.wait) and retry"


class OverLimit(NovaError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class QuotaExceeded(Forbidden, OverLimit):
    """The project's quota would be exceeded. Today's Nova answers 403 "Quota exceeded for ...",
    older ones 413: one type that ``except Forbidden`` and ``except OverLimit`` both catch."""

    default_hint = "delete servers you no longer need or ask for a larger quota"


class ServerError(NovaError):
    pass


class ConnectionFailed(NovaError):
    default_hint = "is the cloud up and is the auth URL right?"


class Timeout(NovaError):
    pass


class AmbiguousName(NovaError):
    """A name matched several resources; ``matches`` lists them as (name, id) pairs."""

    def __init__(self, message: str, *, matches=(), **kwargs):
        kwargs.setdefault("hint", "use the id instead of the name")
        super().__init__(message, **kwargs)
        self.matches = list(matches)


class ConfigurationError(NovaError):
    pass


class ExerciseError(NovaError):
    """An exercise file that cannot be read or is malformed; nothing was sent. ``source`` (the
    file, or ``<exercise text>``), ``line`` (1-based) and ``key`` say where, when known."""

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None,
        key: str | None = None, **kwargs,
    ):  # fmt: skip
        super().__init__(message, **kwargs)
        self.source, self.line, self.key = source, line, key


class WaitError(NovaError):
    """The server reached ERROR (or another unexpected final state) while being waited for."""

    def __init__(self, message: str, *, server=None, **kwargs):
        super().__init__(message, **kwargs)
        self.server = server


class WaitTimeout(WaitError, Timeout):
    """The deadline passed before the server reached the status with no task in progress."""


class WaitCancelled(WaitError):
    """The caller cancelled the waiting (``cancel=`` was set): the waiting stopped, nothing else.

    Whatever was sent before stays sent and goes on in the cloud; nothing is undone or deleted.
    ``server`` is the last state seen (None when the cancel came before the first poll).
    """

    default_hint = "nothing was undone: cloud.wait(server, ...) follows it again"


_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: BadRequest,
    409: Conflict,
    413: OverLimit,
    414: BadRequest,
    429: OverLimit,
}

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    414: "URI Too Long",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_class_for(status: int) -> type[NovaError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return NovaError


def fault_message(body: bytes | str | None, content_type: str = "") -> str | None:
    """The human message of a Nova, Keystone or Glance fault body, or None.

    Nova:     {"itemNotFound": {"message": "...", "code": 404}}
    Keystone: {"error": {"message": "...", "code": 401, "title": "Unauthorized"}}
    Glance and proxies: plain text or a small HTML page.
    """
    if not body:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = body.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("message"), str):
                return data["message"]
            for value in data.values():
                if isinstance(value, dict):
                    msg = value.get("message") or value.get("title")
                    if isinstance(msg, str):
                        return msg
            return None
    if "html" in content_type or text.startswith("<"):
        text = re.sub(r"<[^>]+>", " ", text)
    return text or None


#: How Nova ("Quota exceeded for cores") and Cinder ("exceeds allowed gigabytes quota",
#: "exceeded for quota 'volumes'") word a quota refusal.
_QUOTA_WORDS = re.compile(r"quota exceeded|exceeds allowed \w+ quota|exceeded for quota")


def error_from_response(response, method: str, url: str) -> NovaError:
    """Build the right :class:`NovaError` from a failed ``requests.Response``."""
    status = response.status_code
    headers = response.headers
    message = fault_message(response.content, headers.get("Content-Type", ""))
    if not message:
        message = _REASONS.get(status, f"HTTP {status}")
    request_id = headers.get("x-openstack-request-id") or headers.get("x-compute-request-id")
    cls = error_class_for(status)
    if status in (403, 413) and _QUOTA_WORDS.search(message.lower()):
        cls = QuotaExceeded
    kwargs = dict(status=status, request_id=request_id, method=method, url=url)
    asked = retry_after_seconds(headers.get("Retry-After"))
    if cls is OverLimit:
        kwargs["retry_after"] = asked
        if "quota" not in message.lower():
            kwargs["hint"] = "the cloud is rate limiting: slow down and retry later"
    elif cls is QuotaExceeded:  # its own hint first: a Retry-After note is added to it
        kwargs.update(retry_after=asked, hint=QuotaExceeded.default_hint)
    if asked is not None:  # how long the cloud asked to wait, whatever the status
        wait = f"the cloud asked to wait {describe_seconds(asked)} before retrying (Retry-After)"
        kwargs["hint"] = f"{kwargs['hint']}; {wait}" if kwargs.get("hint") else wait
    if status == 414:
        kwargs["hint"] = (
            f"the request URL was {len(getattr(response, 'url', None) or url)} characters "
            "long, more than the cloud takes: "
            "use shorter filters (fewer names in one regex)"
        )
    if cls is BadRequest and status == 406:
        kwargs["hint"] = "pin another microversion: connect(..., compute_api_version=...)"
    error = cls(message, **kwargs)
    error.retry_after = asked
    return error


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def describe_seconds(seconds: float) -> str:
    """``1000000000`` -> ``"1000000000 s (about 31.7 years)"``: the figure as sent, and its size."""
    whole = seconds == int(seconds) and seconds < 1e15
    text = f"{int(seconds)} s" if whole else f"{seconds:.3g} s"
    if seconds < 120:
        return text
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= 2 * size:
            return f"{text} (about {seconds / size:.1f} {unit})"
    return f"{text} (about {seconds / 60:.1f} minutes)"


def _one_line(text) -> str:
    text = " ".join(str(text).split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")
