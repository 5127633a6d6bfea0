"""The certificates behind the local cloud's HTTPS: a CA, a server and a learner, all verifiable."""

from __future__ import annotations

import ipaddress
import os
import ssl
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from novamagic.localcloud.tls import make_tls_material, server_ssl_context


@pytest.fixture()
def material(tmp_path):
    return make_tls_material(tmp_path / "certs")


def load(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def test_the_ca_signs_a_server_certificate_for_127_0_0_1_and_localhost(material):
    ca, server = load(material.ca_file), load(material.server_cert)

    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def test_the_learners_certificate_is_for_client_authentication_only(material):
    client = load(material.client_cert)

    client.verify_directly_issued_by(load(material.ca_file))
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert client.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_private_keys_are_readable_by_their_owner_only(material):
    for key in (material.server_key, material.client_key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_every_start_makes_a_new_ca(tmp_path):
    first = make_tls_material(tmp_path / "a")
    second = make_tls_material(tmp_path / "b")

    assert load(first.ca_file).public_key() != load(second.ca_file).public_key()


def test_server_contexts_ask_for_a_client_certificate_only_when_required(material):
    assert server_ssl_context(material, client_cert_required=False).verify_mode == ssl.CERT_NONE
    strict = server_ssl_context(material, client_cert_required=True)
    assert strict.verify_mode == ssl.CERT_REQUIRED
    assert strict.minimum_version == ssl.TLSVersion.TLSv1_2


def test_the_client_context_trusts_the_local_ca_only(material):
    context = material.client_ssl_context()

    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "novamagic local cloud CA"),),)
    ]
