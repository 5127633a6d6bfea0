"""Keystone password auth without the version-discovery round trip, where it cannot matter.

keystoneauth's generic password plugin GETs the auth URL to learn Keystone's versions before it
asks for a token: one more round trip on every login. When the credentials name a domain (or a
default domain), that discovery can only end in v3, which every Keystone of the last decade
serves at ``AUTH_URL/v3`` (or at the auth URL itself when it ends in ``/v3``). So ask there
first, and fall back to keystoneauth's own discovery when nothing answers there (a 404: a
Keystone with another layout), so what authenticates before still does.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.identity import generic

__all__ = ["skip_discovery"]

_VERSIONED = re.compile(r"/v\d+(\.\d+)?$")


class V3FirstPassword(generic.Password):
    """:class:`keystoneauth1.identity.generic.Password`, trying v3 before discovering."""

    _v3_guess_failed = False

    def _v3_url(self) -> str | None:
        path = urlsplit(self.auth_url).path.rstrip("/")
        if path.endswith("/v3"):
            return self.auth_url
        if _VERSIONED.search(path):  # another version named: keystoneauth decides
            return None
        return self.auth_url.rstrip("/") + "/v3"

    def _v3_is_the_only_outcome(self) -> bool:
        # discovery picks v3 whenever a domain is named (v2 has none), and prefers it when a
        # default domain is given
        return bool(self._has_domain_scope or self._default_domain_id or self._default_domain_name)

    def get_auth_ref(self, session):
        if self._plugin is None and not self._v3_guess_failed and self._v3_is_the_only_outcome():
            url = self._v3_url()
            plugin = self.create_plugin(session, (3, 0), url) if url else None
            if plugin is not None:
                try:
                    reference = plugin.get_auth_ref(session)
                except (ksa_exc.NotFound, ksa_exc.MethodNotAllowed):
                    self._v3_guess_failed = True  # not there: discover, as keystoneauth does
                else:
                    self._plugin = plugin
                    return reference
        return super().get_auth_ref(session)


def skip_discovery(auth):
    """``auth``, made to try v3 first when it is keystoneauth's generic password plugin."""
    if type(auth) is generic.Password:
        # the loader (openstacksdk's, keystoneauth's) built it: keep every option it was given
        auth.__class__ = V3FirstPassword
    return auth
