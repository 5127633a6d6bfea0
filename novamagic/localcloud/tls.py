"""HTTPS for the local cloud: a throwaway certificate authority, its certificates, server contexts.

The book's "What About HTTPS?" section and its ``key_file=``/``cert_file=`` examples need a
server that speaks TLS, a CA a learner can point a client at, and a client certificate to
present when the server asks for one. ``make_tls_material(directory)`` writes all of it as
PEM files into ``directory`` (the local cloud passes a temporary directory it removes on stop):

* ``ca.crt``                       - the CA certificate: ``curl --cacert``, ``requests(verify=)``
* ``server.crt`` / ``server.key``  - the server's certificate (127.0.0.1 and localhost) and key
* ``client.crt`` / ``client.key``  - the learner's certificate and key: ``curl --cert/--key``,
  ``requests(cert=(crt, key))``, ``ssl.SSLContext.load_cert_chain(crt, key)``

Keys are ECDSA P-256: quick to generate at every start, accepted by curl, requests and ssl.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TLSMaterial", "make_tls_material", "server_ssl_context"]

SERVER_NAMES = ("localhost",)
SERVER_ADDRESSES = ("127.0.0.1",)
LEARNER_NAME = "novamagic learner"
VALIDITY = dt.timedelta(days=365)
# Certificates start a little in the past, so a client whose clock lags still accepts them.
BACKDATE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TLSMaterial:
    """Paths (as strings, which every TLS client accepts) of the PEM files of one local cloud."""

    directory: str
    ca_file: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str

    def client_ssl_context(self, *, with_client_cert: bool = True) -> ssl.SSLContext:
        """A client-side context that trusts this CA and, by default, presents the learner's
        certificate: what ``http.client.HTTPSConnection(host, port, context=...)`` takes today in
        place of the book's ``key_file=``/``cert_file=`` arguments."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if with_client_cert:
            context.load_cert_chain(certfile=self.client_cert, keyfile=self.client_key)
        return context


def make_tls_material(directory: str | os.PathLike[str]) -> TLSMaterial:
    """Create a CA, a server certificate for 127.0.0.1 and localhost, and a learner's client
    certificate, all signed by that CA, as PEM files in ``directory`` (created if missing)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "novamagic local cloud CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in SERVER_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_ADDRESSES]
    server_key, server_cert = _issue(
        ca_cert,
        ca_key,
        common_name=SERVER_NAMES[0],
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        now=now,
        alt_names=alt_names,
    )
    client_key, client_cert = _issue(
        ca_cert, ca_key, common_name=LEARNER_NAME, usage=ExtendedKeyUsageOID.CLIENT_AUTH, now=now
    )

    material = TLSMaterial(
        directory=str(folder),
        ca_file=str(folder / "ca.crt"),
        server_cert=str(folder / "server.crt"),
        server_key=str(folder / "server.key"),
        client_cert=str(folder / "client.crt"),
        client_key=str(folder / "client.key"),
    )
    _write(material.ca_file, _cert_pem(ca_cert))
    _write(material.server_cert, _cert_pem(server_cert))
    _write(material.server_key, _key_pem(server_key), private=True)
    _write(material.client_cert, _cert_pem(client_cert))
    _write(material.client_key, _key_pem(client_key), private=True)
    return material


def server_ssl_context(material: TLSMaterial, client_cert_required: bool) -> ssl.SSLContext:
    """The server's TLS context: its certificate, TLS 1.2 or newer, and, when
    ``client_cert_required``, a handshake that fails unless the client presents a certificate
    signed by the local CA."""
    context = _LazyHandshakeContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=material.server_cert, keyfile=material.server_key)
    if client_cert_required:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=material.ca_file)
    return context


class _LazyHandshakeContext(ssl.SSLContext):
    """Defers each handshake to the connection's first read.

    A threaded server that wraps its listening socket would otherwise handshake inside
    ``accept()``, in the one thread that accepts everybody: a single client that connects and
    stays silent would stall the whole classroom. Deferred, the handshake runs (and fails, for a
    client without a certificate) in that connection's own request thread.
    """

    def wrap_socket(self, sock, *args, **kwargs):  # type: ignore[override]
        kwargs["do_handshake_on_connect"] = False
        return super().wrap_socket(sock, *args, **kwargs)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key, now: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _issue(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    common_name: str,
    usage: x509.ObjectIdentifier,
    now: dt.datetime,
    alt_names: list[x509.GeneralName] | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        _builder(subject, ca_cert.subject, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: str, data: bytes, *, private: bool = False) -> None:
    # Private keys are readable by their owner only, from the moment the file exists.
    mode = 0o600 if private else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
