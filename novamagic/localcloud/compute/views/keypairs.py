"""The key pair views of the compute API (summary for lists and create, detail for show)."""

from __future__ import annotations

from novamagic.localcloud import model
from novamagic.localcloud.clock import iso_micro
from novamagic.localcloud.http import Call


def keypair_summary(call: Call, keypair: model.KeyPair) -> dict:
    view = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if call.at_least("2.2"):
        view["type"] = keypair.type
    return view


def keypair_detail(call: Call, keypair: model.KeyPair) -> dict:
    return {
        **keypair_summary(call, keypair),
        "user_id": keypair.user_id,
        "deleted": False,
        "created_at": iso_micro(keypair.created),
        "updated_at": None,
        "deleted_at": None,
        "id": keypair.id,
    }
