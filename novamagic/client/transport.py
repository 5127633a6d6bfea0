"""How the client's bytes travel, below keystoneauth: the requests.Session it is given, and
reading an answer's body. Two costs requests pays on every request that a long listing or a
class of thirty notices, taken out here (see each function).
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["environment_once_session", "read_whole_body"]

#: What requests reads from the environment for each request: the proxy variables (urllib
#: scans every variable for them, twice) and the CA bundle ones.
_REQUESTS_ENVIRONMENT = (
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "REQUEST_METHOD",
)  # fmt: skip
_session_class = None


def environment_once_session():
    """A requests.Session that reads the environment's proxies and CA bundle once per host.

    requests looks them up again for every request: ~0.15 ms of scanning every environment
    variable, a tenth of a small request to a local cloud. The answer is kept per host and per
    value of the variables it depends on (and the count of all of them, for a new oddly-cased
    ``*_proxy``), so a proxy set or changed mid-session still applies from the next request.
    """
    global _session_class
    if _session_class is None:
        import os

        import requests

        class EnvironmentOnceSession(requests.Session):
            def __init__(self):
                super().__init__()
                self._settings: dict = {}

            def merge_environment_settings(self, url, proxies, stream, verify, cert):
                parts = urlsplit(url)
                environ = os.environ
                key = (
                    parts.scheme,
                    parts.netloc,
                    tuple(sorted(proxies.items())) if proxies else (),
                    stream,
                    verify,
                    cert,
                    tuple(sorted(self.proxies.items())) if self.proxies else (),
                    self.stream,
                    self.verify,
                    self.cert,
                    self.trust_env,
                    len(environ),
                    *map(environ.get, _REQUESTS_ENVIRONMENT),
                )
                try:
                    settings = self._settings.get(key)
                except TypeError:  # an unhashable setting: as requests does it
                    return super().merge_environment_settings(url, proxies, stream, verify, cert)
                if settings is None:
                    settings = super().merge_environment_settings(
                        url, dict(proxies or {}), stream, verify, cert
                    )
                    if len(self._settings) >= 64:
                        self._settings.clear()
                    self._settings[key] = settings
                return {**settings, "proxies": dict(settings["proxies"])}

        _session_class = EnvironmentOnceSession
    return _session_class()


def read_whole_body(response) -> None:
    """Read the answer's body in one go and keep it as ``response.content``.

    requests reads a body 10 KB at a time (~200 reads and a join for a 2 MB page of servers,
    as long again as its transfer); one read of the known length is one allocation. A body cut
    off or timed out half-way raises what keystoneauth raises for the same while it reads
    (ConnectFailure, ConnectTimeout), so retries and errors are the same as before.
    """
    from keystoneauth1 import exceptions as ksa_exc
    from urllib3 import exceptions as urllib3_exc

    try:
        body = response.raw.read(decode_content=True)
    except urllib3_exc.ReadTimeoutError as exc:
        response.close()
        raise ksa_exc.ConnectTimeout(f"the answer's body timed out: {exc}") from None
    except (urllib3_exc.HTTPError, OSError) as exc:
        response.close()
        raise ksa_exc.ConnectFailure(f"the answer was cut off: {exc}") from None
    # What requests' own ``content`` would have kept (the attributes it reads them from).
    response._content, response._content_consumed = body or b"", True
    response.raw.release_conn()
