"""Nova's os-keypairs API on the compute roots: list, show, import, generate (below 2.92), delete.

Shapes and rules as today's Nova: key pairs belong to a user (an admin may name another with
``user_id`` from 2.10); ``type`` (ssh or x509) appears from 2.2, where create also answers 201
instead of 200 and delete 204 instead of 202; list pages with ``limit``/``marker`` from 2.35;
from 2.92 a public key is required (the cloud no longer generates pairs) and names may also hold
``@`` and ``.``. A generated pair's private key is in the create answer once and kept nowhere.

Fingerprints as Nova computes them: MD5 of the SSH key blob, SHA-1 of an x509 certificate's DER.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from novamagic.localcloud import errors
from novamagic.localcloud.compute import schemas
from novamagic.localcloud.compute.common import check_query, paginate
from novamagic.localcloud.compute.views.keypairs import keypair_detail, keypair_summary
from novamagic.localcloud.http import Call, route

__all__ = ["relative_rules", "ssh_fingerprint", "x509_fingerprint"]

KEY_TYPES = ("ssh", "x509")
MAX_NAME = 255
# Nova's keypair name characters: letters, digits, "_", "-" and space; 2.92 adds "@" and ".".
_NAME_BEFORE_2_92 = re.compile(r"[A-Za-z0-9_\- ]+")
_NAME_FROM_2_92 = re.compile(r"[A-Za-z0-9_\- @.]+")


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def ssh_fingerprint(public_key: str) -> str:
    """Nova's fingerprint of an OpenSSH public key; ValueError if it is not one."""
    serialization.load_ssh_public_key(public_key.strip().encode())  # a real key, or ValueError
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, binascii.Error):
        raise ValueError("not an OpenSSH public key") from None
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(pem: str) -> str:
    """Nova's fingerprint of a PEM certificate; ValueError if it is not one."""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return _colon_hex(certificate.fingerprint(hashes.SHA1()))  # SHA-1: Nova's format


def _fingerprint(public_key: str, key_type: str) -> str:
    try:
        if key_type == "x509":
            return x509_fingerprint(public_key)
        return ssh_fingerprint(public_key)
    except (ValueError, TypeError, UnicodeError):
        raise errors.BadRequest("Keypair data is invalid: failed to generate fingerprint") from None


def _generate(key_type: str, user_id: str) -> tuple[str, str, str]:
    """A new pair as Nova makes it: (public key, private key PEM, fingerprint). RSA 2048."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    if key_type == "x509":
        now = dt.datetime.now(dt.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        public = certificate.public_bytes(serialization.Encoding.PEM).decode()
        return public, private_pem, x509_fingerprint(public)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
        + " Generated-by-Nova"
    )
    return public, private_pem, ssh_fingerprint(public)


# ---------------------------------------------------------------------------- request checks


def _user_id(call: Call, value) -> str | None:
    """``user_id`` (query or body) from 2.10; before that Nova's schema does not know it."""
    if value is None:
        return None
    if not call.at_least("2.10"):
        return None  # a query parameter Nova ignores below 2.10 (the body case is refused earlier)
    if not isinstance(value, str) or not value:
        raise errors.BadRequest("Invalid input for field/attribute user_id. It must be a string.")
    return value


def _check_name(call: Call, name) -> str:
    if not isinstance(name, str):
        raise errors.BadRequest(
            f"Invalid input for field/attribute name. Value: {name!r}. It must be a string."
        )
    if not 1 <= len(name) <= MAX_NAME:
        raise errors.BadRequest(
            "Keypair data is invalid: Keypair name must be string and between 1 and "
            f"{MAX_NAME} characters long"
        )
    if name != name.strip():
        raise errors.BadRequest(
            f"Invalid input for field/attribute name. Value: {name!r}. It may not start or end "
            "with a space."
        )
    modern = call.at_least("2.92")
    pattern = _NAME_FROM_2_92 if modern else _NAME_BEFORE_2_92
    if not pattern.fullmatch(name):
        allowed = "letters, digits, '_', '-', ' '" + (", '@', '.'" if modern else "")
        raise errors.BadRequest(
            f"Keypair data is invalid: Keypair name contains unsafe characters ({allowed} only)"
        )
    return name


def _create_body(call: Call) -> dict:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("keypair"), dict):
        raise errors.BadRequest('Invalid request body: expected a JSON object {"keypair": {...}}.')
    if set(body) != {"keypair"}:
        extra = ", ".join(repr(k) for k in sorted(set(body) - {"keypair"}))
        raise errors.BadRequest(
            f"Invalid input for field/attribute body. Additional properties are not allowed ({extra})"
        )
    spec = body["keypair"]
    allowed = schemas.KEYPAIR_CREATE.at(call)
    extra = sorted(set(spec) - allowed)
    if extra:
        raise errors.BadRequest(
            "Invalid input for field/attribute keypair. Additional properties are not allowed "
            f"({', '.join(repr(k) for k in extra)} {'was' if len(extra) == 1 else 'were'} unexpected)"
        )
    if "name" not in spec:
        raise errors.BadRequest(
            "Invalid input for field/attribute keypair. 'name' is a required property."
        )
    if call.at_least("2.92") and "public_key" not in spec:
        raise errors.BadRequest(
            "Invalid input for field/attribute keypair. 'public_key' is a required property: "
            "from microversion 2.92 the cloud no longer generates key pairs; import a public key "
            "(or ask for microversion 2.91 or lower)."
        )
    return spec


# ---------------------------------------------------------------------------- handlers


def list_keypairs(call: Call):
    args = call.request.args
    check_query(call, {"user_id", "limit", "marker"})
    keypairs = call.state.list_keypairs(call.token, _user_id(call, args.get("user_id")))
    body: dict = {}
    if call.at_least("2.35"):
        keypairs, links = paginate(call, keypairs, lambda k: k.name)
        if links:
            body["keypairs_links"] = links
    body["keypairs"] = [{"keypair": keypair_summary(call, k)} for k in keypairs]
    return body


def show_keypair(call: Call, name: str):
    check_query(call, {"user_id"})
    user_id = _user_id(call, call.request.args.get("user_id"))
    return {"keypair": keypair_detail(call, call.state.get_keypair(call.token, name, user_id))}


def create_keypair(call: Call):
    spec = _create_body(call)
    name = _check_name(call, spec["name"])
    key_type = spec.get("type", "ssh")
    if key_type not in KEY_TYPES:
        raise errors.BadRequest(
            f"Invalid input for field/attribute type. Value: {key_type!r}. "
            f"It must be one of {list(KEY_TYPES)}."
        )
    user_id = _user_id(call, spec.get("user_id"))
    private_key = None
    if "public_key" in spec:
        public_key = spec["public_key"]
        if not isinstance(public_key, str):
            raise errors.BadRequest(
                "Invalid input for field/attribute public_key. It must be a string."
            )
        fingerprint = _fingerprint(public_key, key_type)
    else:
        owner = call.state.keypair_owner(call.token, user_id, "create")
        with call.state.lock:  # refuse a taken name before spending time on a new RSA key
            if (owner, name) in call.state.keypairs:
                raise errors.Conflict(f"Key pair '{name}' already exists.")
        public_key, private_key, fingerprint = _generate(key_type, owner)
    keypair = call.state.add_keypair(call.token, name, public_key, fingerprint, key_type, user_id)
    view = {**keypair_summary(call, keypair), "user_id": keypair.user_id}
    if private_key is not None:
        view["private_key"] = private_key
    return {"keypair": view}, 201 if call.at_least("2.2") else 200


def delete_keypair(call: Call, name: str):
    user_id = _user_id(call, call.request.args.get("user_id"))
    call.state.delete_keypair(call.token, name, user_id)
    return None, 204 if call.at_least("2.2") else 202


def relative_rules() -> list:
    return [
        route("/os-keypairs", list_keypairs, ["GET"]),
        route("/os-keypairs", create_keypair, ["POST"]),
        route("/os-keypairs/<name>", show_keypair, ["GET"]),
        route("/os-keypairs/<name>", delete_keypair, ["DELETE"]),
    ]
