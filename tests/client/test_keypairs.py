"""Key pairs: list, show, import, generate (the private key returned once, masked in reprs,
never in the history or the logs), boot with one, delete."""

from __future__ import annotations

import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from novamagic.client import NotFound, ValidationError


@pytest.fixture
def keypair_names(cloud, names):
    """Unique key pair names for this test (Nova's charset: no dots); deleted afterwards."""
    made: list[str] = []

    def make(suffix: str) -> str:
        made.append(names(suffix))
        return made[-1]

    yield make
    for name in made:
        try:
            cloud.delete_keypair(name)
        except NotFound:
            pass


def test_generate_returns_the_private_key_once_and_masks_it(cloud, keypair_names, caplog):
    name = keypair_names("gen")
    with caplog.at_level(logging.DEBUG):
        created = cloud.create_keypair(name)
    secret = str(created["private_key"])
    assert secret.startswith("-----BEGIN") and "PRIVATE KEY-----" in secret
    assert created["name"] == name and created["fingerprint"] and created["public_key"]
    body = secret.splitlines()[1]
    assert body not in repr(created) and "private key" in repr(created)
    assert body not in str(list(cloud.history)) and body not in caplog.text
    listed = {k["name"]: k for k in cloud.keypairs()}
    assert listed[name]["fingerprint"] == created["fingerprint"]
    assert "private_key" not in listed[name]
    shown = cloud.keypair(name)
    assert shown["public_key"] == created["public_key"] and "private_key" not in shown


def test_import_a_public_key_and_boot_with_it(cloud, keypair_names, boot):
    public = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    name = keypair_names("imported")
    created = cloud.create_keypair(name, public_key=public + "\n")
    assert created["public_key"].split()[:2] == public.split()[:2]
    assert "private_key" not in created
    server = boot("keyed", key_name=name)
    assert server["key_name"] == name


def test_delete_and_refusals(cloud, keypair_names):
    name = keypair_names("gone")
    cloud.create_keypair(name)
    cloud.delete_keypair(name)
    assert name not in {k["name"] for k in cloud.keypairs()}
    with pytest.raises(NotFound):
        cloud.keypair(name)
    with pytest.raises(NotFound):
        cloud.delete_keypair(name)
    before = len(cloud.history)
    with pytest.raises(ValidationError, match="key pair name must be a non-empty string"):
        cloud.create_keypair("")
    with pytest.raises(ValidationError, match="public_key must be the text of a public key"):
        cloud.create_keypair(keypair_names("blank"), public_key="  ")
    assert len(cloud.history) == before  # refused before anything was sent
