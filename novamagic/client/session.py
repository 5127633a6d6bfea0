"""The one HTTP session: keystoneauth1 for auth, catalog and TLS; retries, history and errors here.

Every call goes through :meth:`HttpSession.request`, which

* sends plain JSON through one pooled ``keystoneauth1.session.Session`` (password v3/v2.0,
  application credential or token plugins, version discovery, TLS verify on by default, CA bundle,
  client certificate and key, a timeout on every call);
* re-authenticates once on a 401 (the token expired or was revoked), then gives up;
* retries connection errors and 502/503/504 with exponential backoff, but only for idempotent
  requests (GET, HEAD, PUT, DELETE): a POST that may have reached the cloud is never re-sent
  blindly — :meth:`novamagic.client.Cloud.create_server` looks its server up by a marker first;
* honours ``Retry-After`` on 413/429 (the cloud refused the request, so any method may retry)
  and on 502/503/504, but only within the call's ``retry_deadline`` (all attempts and pauses of
  one call; default twice the timeout): when the cloud asks for a longer wait than is left, the
  call fails at once with an error naming the wait it asked for;
* records method, path, status, milliseconds, request id and attempt in :attr:`history`;
* tells its :attr:`observers` about every answered request (a :class:`SentRequest`: method, full
  URL, the headers sent without the token, the JSON body with secrets masked, status): what the
  widgets follow servers by and what the magics' explain mode shows as curl;
* turns every failure into a :class:`novamagic.client.errors.NovaError`.

keystoneauth's own request/response logging is switched off for these calls (``log=False``): it
would log bodies at debug level, and bodies carry adminPass; what is logged instead, on the
``novamagic.client.http`` logger, is one line per request without bodies or headers. A filter on
keystoneauth's loggers masks passwords, secrets and tokens in whatever else it logs.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import logging
import random
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from novamagic.client import errors
from novamagic.client.decoding import decode as _decode
from novamagic.client.transport import environment_once_session, read_whole_body

__all__ = ["DEFAULT_TIMEOUT", "History", "HttpSession", "SentRequest", "install_log_redaction"]

log = logging.getLogger("novamagic.client.http")

DEFAULT_TIMEOUT = 60.0
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
LONG_URL = (
    8000  # characters: common front ends (Apache, nginx, eventlet) refuse longer request lines
)


# Headers an observer never sees: the token (a secret) and what any HTTP client adds by itself.
_UNSHOWN_HEADERS = frozenset(
    {"x-auth-token", "user-agent", "accept-encoding", "connection", "content-length", "cookie"}
)
_SECRET_KEYS = frozenset(
    {"password", "adminpass", "admin_pass", "secret", "application_credential_secret", "token",
     "id_token", "access_token", "passwd", "private_key"}
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SentRequest:
    """One answered request as observers see it: never the token, secrets in bodies masked."""

    method: str
    url: str  # with the query string
    headers: dict  # as sent, without X-Auth-Token and transport headers
    body: Any  # the JSON sent (secret values replaced by "********"), or None
    status: int
    thread: str  # the name of the thread that sent it

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "********" if str(k).lower() in _SECRET_KEYS and v is not None else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


class History(collections.deque):
    """The most recent requests, oldest first: dicts with time (epoch seconds), method, path,
    status, ms, request_id, attempt and error (the error class name when no HTTP answer came)."""

    def __init__(self, maxlen: int = 1000):
        super().__init__(maxlen=maxlen)

    def __getitem__(self, index):
        if isinstance(index, slice):  # deque has no slicing; history[-5:] should just work
            return list(self)[index]
        return super().__getitem__(index)

    def last(self, n: int = 10) -> list[dict]:
        return list(self)[-n:]

    def __repr__(self) -> str:
        return f"<History of {len(self)} requests>"


_SECRET_JSON = re.compile(
    r'("(?:password|adminPass|admin_pass|secret|application_credential_secret|token|id_token|'
    r'access_token|passwd|private_key)"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)
_SECRET_HEADER = re.compile(
    r"((?:X-Auth-Token|X-Subject-Token|X-Service-Token):\s*)(?!\{SHA256\})\S+", re.I
)


class _RedactSecrets(logging.Filter):
    """Mask secrets in log records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        masked = _SECRET_HEADER.sub(r"\1***", _SECRET_JSON.sub(r'\1"***"', message))
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_redaction_installed = False


def install_log_redaction() -> None:
    """Attach the secret-masking filter to keystoneauth's and our loggers (idempotent)."""
    global _redaction_installed
    if _redaction_installed:
        return
    redact = _RedactSecrets()
    # Without any logging set up, Python prints keystoneauth's warnings (e.g. "Failed to discover
    # available identity versions") on stderr next to our one-line error; a NullHandler keeps
    # them for whoever configures logging, and out of notebooks otherwise.
    keystoneauth = logging.getLogger("keystoneauth")
    if not keystoneauth.handlers:
        keystoneauth.addHandler(logging.NullHandler())
    for name in (
        "keystoneauth",
        "keystoneauth.session",
        "keystoneauth.identity",
        "keystoneauth.identity.base",
        "keystoneauth.discover",
        "novamagic.client",
        "novamagic.client.http",
    ):
        logging.getLogger(name).addFilter(redact)
    _redaction_installed = True


@functools.cache
def _distribution_version() -> str:
    """novamagic's version for the User-Agent, from the installed distribution: the client
    stays importable without the package root (the notebook face's entry point)."""
    from importlib import metadata

    try:
        return metadata.version("novamagic")
    except metadata.PackageNotFoundError:
        return "unknown"


class HttpSession:
    """keystoneauth1 session plus retries, history and error mapping (see the module docstring)."""

    def __init__(
        self,
        auth,
        *,
        verify: bool | str = True,
        cert=None,
        timeout: float | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep=time.sleep,
        monotonic=time.monotonic,
        history_size: int = 1000,
        retry_deadline: float | None = None,
    ):
        from keystoneauth1 import session as ks_session

        install_log_redaction()
        self.ks = ks_session.Session(
            auth=auth,
            session=environment_once_session(),
            verify=verify,
            cert=cert,
            timeout=timeout or DEFAULT_TIMEOUT,
            app_name="novamagic",
            app_version=_distribution_version(),
        )
        self.retries = retries
        # One call's attempts and pauses end within this; a Retry-After beyond it fails at once.
        self.retry_deadline = (
            float(retry_deadline) if retry_deadline is not None else 2.0 * self.ks.timeout
        )
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.monotonic = monotonic
        self.history = History(history_size)
        #: Callables given a :class:`SentRequest` after every answered request (any thread).
        self.observers: list = []
        self._lock = threading.Lock()
        self._rng = random.Random()

    # -- auth and catalog -------------------------------------------------------------------

    def endpoint(self, service_type: str, *, interface="public", region_name=None) -> str | None:
        """The catalog URL of a service, or None when the catalog has none."""
        from keystoneauth1 import exceptions as ksa_exc

        plain = self._one_catalog_url(service_type, interface, region_name)
        if plain is not None:
            return plain
        try:
            return self.ks.get_endpoint(
                service_type=service_type, interface=interface, region_name=region_name
            )
        except ksa_exc.EndpointNotFound:
            return None
        except ValueError:
            # keystoneauth's "Programming error choosing an endpoint": a type listed under
            # several aliases (block-storage, volumev3) whose endpoints the region or
            # interface filtered out all; there is none to use.
            return None
        except ksa_exc.ClientException as exc:
            raise self._auth_error(exc) from None

    def _one_catalog_url(self, service_type, interface, region_name) -> str | None:
        """The URL when a v3 catalog lists exactly one endpoint of this very type, interface
        and region: the common case, read without keystoneauth's deep copy of the whole catalog
        per lookup. Anything else (aliases, several matches, v2 catalogs) is keystoneauth's."""
        auth_ref = getattr(self.ks.auth, "auth_ref", None)
        catalog = getattr(auth_ref, "_data", {}).get("token", {}).get("catalog")
        if not isinstance(catalog, list) or not isinstance(interface, str):
            return None
        found = [
            endpoint.get("url")
            for service in catalog
            if isinstance(service, dict) and service.get("type") == service_type
            for endpoint in service.get("endpoints") or ()
            if isinstance(endpoint, dict)
            and endpoint.get("interface") == interface
            and (
                region_name is None
                or region_name in (endpoint.get("region"), endpoint.get("region_id"))
            )
        ]
        return found[0] if len(found) == 1 and isinstance(found[0], str) else None

    def access(self):
        """The keystoneauth AccessInfo of the current token (authenticating if needed)."""
        from keystoneauth1 import exceptions as ksa_exc

        try:
            return self.ks.auth.get_access(self.ks)
        except ksa_exc.ClientException as exc:
            raise self._auth_error(exc) from None

    def invalidate(self) -> None:
        self.ks.invalidate()

    def close(self) -> None:
        self.ks.session.close()

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict | None = None,
        params: dict | None = None,
        idempotent: bool | None = None,
        retries: int | None = None,
        raise_for_status: bool = True,
        gone_ok: bool = False,
    ):
        """Send one request (with the retries the module docstring allows); return the response.

        Raises a :class:`NovaError` for a 4xx/5xx answer (unless ``raise_for_status=False``), for
        a connection failure and for a timeout. ``gone_ok``: a 404 on a retried DELETE means an
        earlier attempt whose answer was lost did the job, so it counts as success.
        """
        from keystoneauth1 import exceptions as ksa_exc

        if idempotent is None:
            idempotent = method in IDEMPOTENT
        retries = self.retries if retries is None else retries
        deadline = self.monotonic() + self.retry_deadline
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            started = self.monotonic()
            try:
                response = self.ks.request(
                    url,
                    method,
                    json=json,
                    headers=headers,
                    params=params,
                    raise_exc=False,
                    allow_reauth=False,
                    log=False,
                    connect_retries=0,
                    stream=True,  # the body is read below, at once
                )
                read_whole_body(response)
            except (
                ksa_exc.ConnectTimeout,
                ksa_exc.ConnectFailure,
                ksa_exc.SSLError,
                ksa_exc.UnknownConnectionError,
            ) as exc:
                error = self._connection_error(exc, method, url)
                length = len(url) + len(urlencode(params or {}, doseq=True))
                if length > LONG_URL:  # not "is the cloud up?": the URL is the likely cause
                    error.hint = (
                        f"the request URL was {length} characters long: clouds refuse or drop "
                        "URLs that long (HTTP 414); use shorter filters"
                    )
                self._record(
                    method, url, params, None, started, None, attempt, type(error).__name__
                )
                if idempotent and attempt <= retries and not isinstance(exc, ksa_exc.SSLError):
                    if self._pause_within(deadline, self._backoff_delay(attempt)):
                        continue
                raise error from None
            except ksa_exc.ClientException as exc:  # authentication failed before sending
                self._record(method, url, params, None, started, None, attempt, "Unauthorized")
                raise self._auth_error(exc) from None

            status = response.status_code
            request_id = response.headers.get("x-openstack-request-id") or response.headers.get(
                "x-compute-request-id"
            )
            self._record(method, url, params, status, started, request_id, attempt, None)
            if self.observers:
                self._notify(method, response, json, status)
            if status < 400:
                return response
            if status == 404 and gone_ok and attempt > 1:
                return response
            if status == 401 and not reauthenticated:
                # the token expired or was revoked: get a new one and try once more
                reauthenticated = True
                self._invalidate_if_current(response.request.headers.get("X-Auth-Token"))
                continue
            retryable = (status in (413, 429)) or (status in RETRY_STATUSES and idempotent)
            if retryable and attempt <= retries:
                asked = errors.retry_after_seconds(response.headers.get("Retry-After"))
                delay = asked
                if delay is None and status != 413:
                    delay = self._backoff_delay(attempt)
                if delay is not None and self._pause_within(deadline, delay):
                    continue
                if asked is not None and raise_for_status:
                    error = errors.error_from_response(response, method, url)
                    error.hint = (
                        f"{error.hint}, more than is left of this call's "
                        f"{self.retry_deadline:g} s retry deadline: try again later"
                    )
                    raise error
            if not raise_for_status:
                return response
            raise errors.error_from_response(response, method, url)

    def json(self, method: str, url: str, **kwargs) -> Any:
        """:meth:`request`, then the decoded JSON body (None when there is none)."""
        response = self.request(method, url, **kwargs)
        content = response.content
        if not content:
            return None
        try:
            return _decode(content)
        except ValueError:
            raise errors.ServerError(
                "the cloud answered with a body that is not JSON",
                status=response.status_code,
                method=method,
                url=url,
                request_id=response.headers.get("x-openstack-request-id")
                or response.headers.get("x-compute-request-id"),
            ) from None

    # -- helpers ------------------------------------------------------------------------------

    def _invalidate_if_current(self, rejected_token: str | None) -> None:
        """Drop the token the cloud rejected, unless another thread has already replaced it.

        Bulk threads that meet one expired token together would otherwise each authenticate
        again. keystoneauth's identity plugins refresh under their own lock; holding it here too
        makes check-and-invalidate atomic with respect to a refresh.
        """
        import contextlib

        auth = self.ks.auth
        with getattr(auth, "_lock", None) or contextlib.nullcontext():
            current = getattr(getattr(auth, "auth_ref", None), "auth_token", None)
            if current is None or rejected_token is None or current == rejected_token:
                self.ks.invalidate()

    def _backoff_delay(self, attempt: int) -> float:
        delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return delay * (0.5 + self._rng.random() / 2)  # jitter so parallel clients spread out

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _pause_within(self, deadline: float, seconds: float) -> bool:
        """Pause ``seconds`` and say True, or say False when that would pass ``deadline``."""
        if self.monotonic() + seconds > deadline:
            return False
        self._pause(seconds)
        return True

    def _notify(self, method, response, body, status) -> None:
        sent = response.request
        headers = {
            k: v for k, v in (sent.headers or {}).items() if k.lower() not in _UNSHOWN_HEADERS
        }
        request = SentRequest(
            method, sent.url, headers, _masked(body), status, threading.current_thread().name
        )
        for observer in list(self.observers):
            try:
                observer(request)
            except Exception:  # an observer's bug must not fail the request
                log.exception("a request observer failed")

    def _record(self, method, url, params, status, started, request_id, attempt, error) -> None:
        ms = round((self.monotonic() - started) * 1000.0, 1)
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, urlencode(params or {}, doseq=True)) if q)
        path = parts.path + (f"?{query}" if query else "")
        entry = {
            "time": time.time(),
            "method": method,
            "path": path,
            "status": status,
            "ms": ms,
            "request_id": request_id,
            "attempt": attempt,
            "error": error,
        }
        self.history.append(entry)  # deque.append is atomic: bulk threads need no lock
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.1f ms (%s) attempt %d",
                method,
                path,
                status if status is not None else error,
                ms,
                request_id,
                attempt,
            )

    def _connection_error(self, exc, method, url) -> errors.NovaError:
        from keystoneauth1 import exceptions as ksa_exc

        if isinstance(exc, ksa_exc.ConnectTimeout):
            return errors.Timeout(
                f"no answer within {self.ks.timeout:g} s",
                method=method,
                url=url,
                hint="the cloud is slow or unreachable; pass api_timeout= for a longer timeout",
            )
        if isinstance(exc, ksa_exc.SSLError):
            return errors.ConnectionFailed(
                f"TLS failure: {_short(exc)}",
                method=method,
                url=url,
                hint="pass cacert= (or OS_CACERT) for a private CA, cert=/key= for a client certificate",
            )
        return errors.ConnectionFailed(f"connection failed: {_short(exc)}", method=method, url=url)

    def _auth_error(self, exc) -> errors.NovaError:
        from keystoneauth1 import exceptions as ksa_exc

        auth_url = getattr(self.ks.auth, "auth_url", None)
        if isinstance(exc, ksa_exc.HttpError):
            cls = errors.error_class_for(exc.http_status or 500)
            message = exc.message or str(exc)
            message = re.sub(r"\s*\(HTTP \d+\).*$", "", message)  # keystoneauth's own suffix
            return cls(
                f"authentication failed: {message}",
                status=exc.http_status,
                request_id=exc.request_id,
                method=exc.method or "POST",
                url=exc.url or auth_url,
            )
        if isinstance(
            exc,
            (
                ksa_exc.ConnectTimeout,
                ksa_exc.ConnectFailure,
                ksa_exc.SSLError,
                ksa_exc.UnknownConnectionError,
            ),
        ):
            if isinstance(exc, ksa_exc.ConnectTimeout):  # say which cloud did not answer
                return errors.Timeout(
                    f"{auth_url} timed out: no answer within {self.ks.timeout:g} s",
                    url=auth_url,
                    hint="the cloud is slow or unreachable; pass api_timeout= for a longer timeout",
                )
            return self._connection_error(exc, "POST", auth_url)
        if isinstance(exc, ksa_exc.DiscoveryFailure) and _TLS_TROUBLE.search(str(exc)):
            return self._connection_error(ksa_exc.SSLError(str(exc)), "GET", auth_url)
        if isinstance(exc, ksa_exc.DiscoveryFailure) and "Connection refused" in str(exc):
            return errors.ConnectionFailed(
                f"connection refused by {urlsplit(auth_url or '').netloc or auth_url}",
                url=auth_url,
            )
        if isinstance(exc, ksa_exc.DiscoveryFailure):
            return errors.ConnectionFailed(
                f"identity version discovery failed: {_short(exc)}",
                url=auth_url,
                hint="check the auth URL (it should point at Keystone, e.g. .../identity or :5000)",
            )
        if isinstance(exc, ksa_exc.EndpointNotFound):
            return errors.NotFound(f"endpoint not found: {_short(exc)}", url=auth_url)
        return errors.Unauthorized(f"authentication failed: {_short(exc)}", url=auth_url)


_TLS_TROUBLE = re.compile(r"SSL|TLS|certificate", re.I)
_TLS_REASON = re.compile(
    r"(certificate verify failed[^(\]'\"]*|alert certificate required|"
    r"certificate required|wrong version number|handshake failure|unknown ca)",
    re.I,
)


def _short(exc) -> str:
    text = str(exc)
    reason = _TLS_REASON.search(text) if _TLS_TROUBLE.search(text) else None
    if reason:  # the one clause of a TLS failure a person can act on
        return reason.group(1).strip()
    # requests nests its causes; the last clause is the one a person can act on
    text = re.sub(r"<urllib3[^>]*>", "", text)
    return " ".join(text.split())[:200]
