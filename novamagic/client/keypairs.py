"""Key pairs: list, show, import or generate (below microversion 2.92), delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from novamagic.client import validate
from novamagic.client.connection import version_tuple
from novamagic.client.errors import ValidationError
from novamagic.client.masking import PrivateKey

__all__ = ["KeyPairsMixin", "PrivateKey"]


class KeyPairsMixin:
    """The user's key pairs."""

    def keypairs(self) -> list[dict]:
        """The user's key pairs: name, public_key, fingerprint (and type from 2.2)."""
        if self._supports("2.35"):  # pages from 2.35
            entries = self._paginate(self._url("/os-keypairs"), "keypairs", {})
        else:
            entries = self._compute("GET", "/os-keypairs").get("keypairs") or []
        return [entry.get("keypair", entry) for entry in entries]

    def keypair(self, name: str) -> dict:
        """One key pair with details (user_id, created_at, ...)."""
        validate.check_name(name, "key pair name")
        return self._compute("GET", f"/os-keypairs/{quote(name, safe='')}")["keypair"]

    def create_keypair(self, name: str, public_key: str | None = None) -> dict:
        """Import ``public_key`` (an OpenSSH public key) under ``name``, or, without one, have
        the cloud generate a pair (it does below microversion 2.92; this call steps down to
        2.91 for it). A generated pair's ``private_key`` is in the returned dict once: masked in
        its repr (``str()`` gives the PEM to save), never logged, kept in no history or cache.
        """
        validate.check_name(name, "key pair name")
        body: dict[str, Any] = {"name": name}
        microversion = self.microversion
        if public_key is not None:
            if not isinstance(public_key, str) or not public_key.strip():
                raise ValidationError(
                    "public_key must be the text of a public key, e.g. id_rsa.pub"
                )
            body["public_key"] = public_key.strip()
        elif self._supports("2.92"):
            if version_tuple(self.min_microversion) > (2, 91):
                raise ValidationError(
                    "this cloud no longer generates key pairs (microversion 2.92 removed it): "
                    "pass public_key= (e.g. the text of ~/.ssh/id_ed25519.pub)"
                )
            microversion = "2.91"
        data = self._compute(
            "POST", "/os-keypairs", json={"keypair": body}, microversion=microversion
        )
        keypair = data["keypair"]
        if keypair.get("private_key"):
            keypair["private_key"] = PrivateKey(keypair["private_key"])
        return keypair

    def delete_keypair(self, name: str) -> None:
        validate.check_name(name, "key pair name")
        self._http.request(
            "DELETE",
            self._url(f"/os-keypairs/{quote(name, safe='')}"),
            headers=self._headers(self.microversion),
            gone_ok=True,
        )
