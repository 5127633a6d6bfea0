"""The connection every part of :class:`~novamagic.client.cloud.Cloud` stands on.

Authenticates (keystoneauth1, through :class:`~novamagic.client.session.HttpSession`), finds the
compute and image endpoints in the catalog, negotiates the compute microversion (or checks a
pinned one), and sends compute requests at a microversion, following every page of a listing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from novamagic.client.config import CloudConfig
from novamagic.client.control import LocalControl
from novamagic.client.errors import ConfigurationError, NotFound, ValidationError
from novamagic.client.masking import mask_secrets
from novamagic.client.session import HttpSession

if TYPE_CHECKING:
    from novamagic.client.cloud import Cloud

#: The highest microversion whose shapes the client normalises.
MAX_MICROVERSION = "2.96"


def version_tuple(text: str | None) -> tuple[int, int]:
    """``"2.96"`` -> ``(2, 96)`` (comparable)."""
    major, _, minor = str(text).partition(".")
    return int(major), int(minor or 0)


def version_string(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


class ConnectionMixin:
    """Endpoints, microversions, requests and pagination."""

    config: CloudConfig
    _http: HttpSession
    _control: LocalControl | None
    compute_url: str
    image_url: str | None
    api: str
    microversion: str | None
    min_microversion: str | None
    max_microversion: str | None

    def _connect(self) -> None:
        config = self.config
        self._http.access()  # authenticate now, so bad credentials fail in connect()
        compute = config.compute_endpoint_override or self._http.endpoint(
            "compute", interface=config.interface, region_name=config.region_name
        )
        if not compute:
            raise ConfigurationError(
                f"the service catalog of {config.auth_url} has no compute endpoint "
                f"(interface {config.interface!r}, region {config.region_name!r})",
                hint="check region_name/interface, or pass compute_endpoint_override=",
            )
        self.compute_url = compute.rstrip("/")
        self._negotiate()
        self.image_url = self._glance_root()

    def _negotiate(self) -> None:
        """Read the compute version document; choose (or check the pinned) microversion."""
        document = None
        try:
            document = self._http.json(
                "GET", self.compute_url + "/", headers={"Accept": "application/json"}
            )
        except NotFound:
            document = None
        version = None
        if isinstance(document, Mapping):
            version = document.get("version")
            if version is None and isinstance(document.get("versions"), list):
                # an unversioned endpoint: take v2.1 and its URL
                for entry in document["versions"]:
                    if entry.get("id") == "v2.1":
                        version = entry
                        for link in entry.get("links", []):
                            if link.get("rel") == "self":
                                self.compute_url = link["href"].rstrip("/")
        path = urlsplit(self.compute_url).path
        version_id = (version or {}).get("id") or ("v1.1" if "/v1.1" in path else "v2.1")
        pinned = self.config.compute_api_version
        if pinned in ("", "2", "2.latest", "latest", "2.0", "1.1"):
            pinned = None
        if version_id in ("v1.1", "v2.0") or (version and not version.get("version")):
            self.api = version_id if version_id in ("v1.1", "v2.0") else "v2.0"
            if pinned:
                raise ConfigurationError(
                    f"compute_api_version {pinned} asks for a microversion, but this cloud's "
                    f"compute endpoint ({self.compute_url}) is {self.api}, which has none"
                )
            return
        self.api = "v2.1"
        lowest = version_tuple(version.get("min_version") or "2.1") if version else (2, 1)
        highest = version_tuple(version.get("version")) if version else (2, 1)
        self.min_microversion, self.max_microversion = (
            version_string(lowest),
            version_string(highest),
        )
        if pinned:
            try:
                wanted = version_tuple(pinned)
            except ValueError:
                raise ConfigurationError(
                    f"compute_api_version {pinned!r} is not a version like '2.1' or '2.latest'"
                ) from None
            if not lowest <= wanted <= highest:
                raise ConfigurationError(
                    f"compute_api_version {pinned} is outside what this cloud offers "
                    f"({version_string(lowest)} to {version_string(highest)})"
                )
            self.microversion = version_string(wanted)
            self.microversion_pinned = True
        else:
            self.microversion = version_string(
                max(lowest, min(highest, version_tuple(MAX_MICROVERSION)))
            )

    def _glance_root(self) -> str | None:
        url = self.config.image_endpoint_override or self._http.endpoint(
            "image", interface=self.config.interface, region_name=self.config.region_name
        )
        if not url:
            return None
        url = url.rstrip("/")
        if url.endswith("/v2"):
            url = url[:-3]
        elif re.search(r"/v1(\.\d+)?$", url):  # Glance v1 (the book's): use the compute proxy
            return None
        return url

    def _headers(self, microversion: str | None) -> dict:
        if microversion is None:
            return {"Accept": "application/json"}
        return {
            "Accept": "application/json",
            "OpenStack-API-Version": f"compute {microversion}",
            "X-OpenStack-Nova-API-Version": microversion,
        }

    def _at_most(self, version: str) -> str | None:
        """The session's microversion, stepped down to ``version`` for an API removed later."""
        if self.microversion is None:
            return None
        return version_string(min(version_tuple(self.microversion), version_tuple(version)))

    def _microversion_for_files(self) -> str | None:
        """The microversion a request with files (personality) goes out at: this session's, or
        2.56 where 2.57 removed them. A pinned session is never left (a pin is a promise), and
        a cloud that no longer offers 2.56 is told plainly."""
        at = self.microversion
        if at is None or version_tuple(at) < (2, 57):
            return at
        if self.microversion_pinned:
            raise ValidationError(
                f"files (personality) were removed in compute microversion 2.57 and this "
                f"session is pinned to {at}: pin 2.56 or lower (compute_api_version) to send "
                "files, or use user_data"
            )
        if version_tuple(self.min_microversion) > (2, 56):
            raise ValidationError(
                "this cloud's compute API no longer accepts files (personality was removed in "
                f"microversion 2.57; it offers {self.min_microversion} and up): use user_data "
                "instead"
            )
        return "2.56"

    def _supports(self, version: str, at: str | None = None) -> bool:
        at = at or self.microversion
        return at is not None and version_tuple(at) >= version_tuple(version)

    def _url(self, path: str) -> str:
        return path if "://" in path else self.compute_url + path

    def _compute(
        self,
        method: str,
        path: str,
        *,
        json=None,
        params=None,
        microversion=None,
        **kwargs,
    ) -> Any:
        """A compute request at ``microversion`` (default: the session's; None on v1.1/v2.0)."""
        mv = microversion or self.microversion
        return self._http.json(
            method, self._url(path), json=json, params=params, headers=self._headers(mv), **kwargs
        )

    def _action(self, server_ref, body: dict, *, microversion=None) -> Any:
        server_id = self._server_id(server_ref)
        return self._compute(
            "POST",
            f"/servers/{quote(server_id, safe='')}/action",
            json=body,
            microversion=microversion,
        )

    def observe_requests(self, callback) -> None:
        """Call ``callback(request)`` after every answered request, from the thread that sent it.

        ``request`` is a :class:`novamagic.client.session.SentRequest` (method, url, headers
        without the token, body with secrets masked, status, thread): widgets follow servers by
        it, the magics' explain mode shows it as curl.
        """
        self._http.observers.append(callback)

    def unobserve_requests(self, callback) -> None:
        if callback in self._http.observers:
            self._http.observers.remove(callback)

    @contextlib.contextmanager
    def recording(self):
        """Collect the requests sent inside the ``with`` block, in order (a list of
        :class:`~novamagic.client.session.SentRequest`): the calling thread's and its bulk
        workers', not the widgets' own background reads. Never a token; secrets masked."""
        sent: list = []

        def keep(request) -> None:
            if not request.thread.startswith(("novamagic-follow", "novamagic-fleet-refresh")):
                sent.append(request)

        self.observe_requests(keep)
        try:
            yield sent
        finally:
            self.unobserve_requests(keep)

    def close(self) -> None:
        """Close the HTTP session (and stop the local cloud if connect() started one)."""
        http = getattr(self, "_http", None)
        if http is not None:
            http.close()
        local = self.config.local_cloud
        if local is not None:
            local.stop()

    def __enter__(self) -> Cloud:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f"{self.config.username or '?'}@{self.config.project or '?'}"
        version = self.microversion or self.api
        return f"<Cloud {who} {self.config.auth_url} compute {version}>"

    def whoami(self) -> dict:
        access = self._http.access()
        expires = getattr(access, "expires", None)
        return {
            "user_id": access.user_id,
            "username": access.username,
            "project_id": access.project_id,
            "project_name": access.project_name,
            "auth_url": self.config.auth_url,
            "compute_url": self.compute_url,
            "image_url": self.image_url,
            "api": self.api,
            "microversion": self.microversion,
            "region": self.config.region_name,
            "expires": expires.isoformat() if expires else None,
            "source": self.config.source,
            "session_tag": self.session_tag,
        }

    def raw(self, method: str, path: str, json=None, *, params=None, microversion=None) -> Any:
        """One request to the compute API (or any absolute URL) through this session: the JSON
        as answered, except that secret fields (adminPass, a generated private_key, passwords,
        tokens) are :class:`~novamagic.client.masking.Secret` strings: masked when shown or
        pickled, the value for ``str()``."""
        data = self._compute(
            method.upper(), path, json=json, params=params, microversion=microversion
        )
        return mask_secrets(data)

    @property
    def control(self) -> LocalControl:
        if self._control is None:
            parts = urlsplit(self.config.auth_url or self.compute_url)
            control = LocalControl(self._http, f"{parts.scheme}://{parts.netloc}")
            control.status()  # fails with a clear error on a cloud that is not local
            self._control = control
        return self._control

    def _paginate(
        self,
        url: str,
        key: str,
        params: dict,
        *,
        limit=None,
        page_size=1000,
        microversion=None,
        links_key=None,
        glance=False,
    ) -> list:
        result: list = []
        for page in self._pages(
            url,
            key,
            params,
            limit=limit,
            page_size=page_size,
            microversion=microversion,
            links_key=links_key,
            glance=glance,
        ):
            result.extend(page)
        return result

    def _pages(
        self,
        url: str,
        key: str,
        params: dict,
        *,
        limit=None,
        page_size=1000,
        microversion=None,
        links_key=None,
        glance=False,
    ):
        """Each page of a listing as it arrives (every next link followed, at most ``limit``
        items in all), so a caller can let a page go before the next one is fetched."""
        params = {k: v for k, v in params.items() if v is not None}
        params["limit"] = min(page_size, limit) if limit else page_size
        headers = self._headers(self.microversion if microversion is None else microversion)
        if glance:
            headers = {"Accept": "application/json"}
        seen_markers = set()
        count = 0
        while True:
            data = self._http.json("GET", url, params=params, headers=headers) or {}
            page = data.get(key) or []
            if limit and count + len(page) >= limit:
                yield page[: limit - count]
                return
            count += len(page)
            if glance:
                href = data.get("next")
            else:
                href = next(
                    (
                        link.get("href")
                        for link in data.get(links_key or f"{key}_links", ())
                        if link.get("rel") == "next"
                    ),
                    None,
                )
            del data
            if page:
                yield page
            if not href or not page:
                return
            # Follow the marker on *our* URL: next links name whatever host the cloud thinks it is.
            params = dict(parse_qsl(urlsplit(href).query))
            marker = params.get("marker")
            if marker is None or marker in seen_markers:
                return
            seen_markers.add(marker)
            if limit:
                params["limit"] = min(page_size, limit - count)
