"""Key pairs: public keys registered with compute, owned by one user (Nova keys them per user)."""

from __future__ import annotations

from dataclasses import dataclass

from novamagic.localcloud.errors import BadRequest, Conflict, Forbidden, NotFound, OverQuota
from novamagic.localcloud.model.identity import Token

#: Characters of a public key (an 8192-bit RSA key is about 1,400; a certificate a few KB):
#: with the key_pairs quota (100 per user), a user's keys stay under 2 MB.
MAX_PUBLIC_KEY_LENGTH = 16384


@dataclass(slots=True)
class KeyPair:
    """A public key registered with compute, owned by one user (Nova keys them per user, not
    per project). The private half of a generated pair is never kept."""

    id: int
    name: str
    user_id: str
    public_key: str
    fingerprint: str
    type: str
    created: float


class KeyPairBackend:
    """The key pairs of :class:`CloudState`, by (user id, name)."""

    keypairs: dict[tuple[str, str], KeyPair]
    _keypair_seq: int

    def _reset_keypairs(self) -> None:
        self.keypairs = {}
        self._keypair_seq = 0

    def keypair_owner(self, caller: Token, user_id: str | None, action: str) -> str:
        """The user whose key pairs a call works on: the caller's, or (admin only) another's."""
        if user_id is None or user_id == caller.user.id:
            return caller.user.id
        if not caller.is_admin:
            raise Forbidden(
                f"Policy doesn't allow os_compute_api:os-keypairs:{action} to be performed."
            )
        return user_id

    def list_keypairs(self, caller: Token, user_id: str | None = None) -> list[KeyPair]:
        """The owner's key pairs sorted by name (Nova's order, which its marker relies on)."""
        owner = self.keypair_owner(caller, user_id, "index")
        with self.lock:
            return sorted(
                (k for (uid, _), k in self.keypairs.items() if uid == owner), key=lambda k: k.name
            )

    def get_keypair(self, caller: Token, name: str, user_id: str | None = None) -> KeyPair:
        owner = self.keypair_owner(caller, user_id, "show")
        with self.lock:
            keypair = self.keypairs.get((owner, name))
        if keypair is None:
            raise NotFound(f"Keypair {name} not found for user {owner}")
        return keypair

    def add_keypair(
        self,
        caller: Token,
        name: str,
        public_key: str,
        fingerprint: str,
        key_type: str = "ssh",
        user_id: str | None = None,
    ) -> KeyPair:
        """Register a checked public key (the route parses it and computes its fingerprint)."""
        owner = self.keypair_owner(caller, user_id, "create")
        if len(public_key) > MAX_PUBLIC_KEY_LENGTH:
            raise BadRequest(
                f"Keypair data is invalid: the public key is {len(public_key)} characters long; "
                f"at most {MAX_PUBLIC_KEY_LENGTH} are allowed."
            )
        with self.lock:
            if (owner, name) in self.keypairs:
                raise Conflict(f"Key pair '{name}' already exists.")
            limit = self.quota_limits(caller.project.id)["key_pairs"]
            owned = sum(1 for uid, _ in self.keypairs if uid == owner)
            if 0 <= limit <= owned:
                raise OverQuota("Quota exceeded, too many key pairs.")
            self._keypair_seq += 1
            keypair = KeyPair(
                id=self._keypair_seq,
                name=name,
                user_id=owner,
                public_key=public_key,
                fingerprint=fingerprint,
                type=key_type,
                created=self.now(),
            )
            self.keypairs[(owner, name)] = keypair
            return keypair

    def delete_keypair(self, caller: Token, name: str, user_id: str | None = None) -> None:
        owner = self.keypair_owner(caller, user_id, "delete")
        with self.lock:
            if self.keypairs.pop((owner, name), None) is None:
                raise NotFound(f"Keypair {name} not found for user {owner}")

    def _check_key_name(self, caller: Token, key_name) -> None:
        """A boot or rebuild may only name one of the caller's own key pairs, as in Nova."""
        if key_name is not None and (caller.user.id, key_name) not in self.keypairs:
            raise BadRequest("Invalid key_name provided.")
