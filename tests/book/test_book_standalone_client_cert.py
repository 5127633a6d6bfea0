"""``python -m novamagic.localcloud --tls [--client-cert-required]``: the printed CA, client
certificate and key paths are what a learner passes as the book's cert_file and key_file."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import requests
from bookcloud import Standalone, free_port

BOOK_CREDENTIALS = {"passwordCredentials": {"username": "joe", "password": "shhh"}}


def printed_path(cloud: Standalone, label: str) -> str:
    return cloud.expect(re.compile(rf"^{re.escape(label)}: (\S+)$")).group(1)


def tls_material(cloud: Standalone) -> tuple[str, str, str]:
    """The CA, client certificate and client key paths, in the order the banner prints them."""
    return (
        printed_path(cloud, "CA certificate"),
        printed_path(cloud, "client certificate (cert_file)"),
        printed_path(cloud, "client key (key_file)"),
    )


def test_client_cert_required_refuses_without_and_serves_with_the_printed_pair():
    cloud = Standalone(
        "--port", str(free_port()), "--tls", "--client-cert-required", "--manual-clock"
    )
    try:
        ca_file, cert_file, key_file = tls_material(cloud)
        cloud.expect(re.compile(r"^client certificates: required"))
        cloud.expect(re.compile(r"^Press Ctrl-C"))
        with open(cert_file) as cert, open(key_file) as key:
            assert "BEGIN CERTIFICATE" in cert.read() and "PRIVATE KEY" in key.read()
        assert os.stat(key_file).st_mode & 0o077 == 0  # the learner's key is private

        with pytest.raises(requests.exceptions.SSLError):
            requests.post(
                f"{cloud.base_url}/v2.0/tokens", json=BOOK_CREDENTIALS, verify=ca_file, timeout=30
            )
        answer = requests.post(
            f"{cloud.base_url}/v2.0/tokens",
            json=BOOK_CREDENTIALS,
            verify=ca_file,
            cert=(cert_file, key_file),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["auth"]["token"]["id"]
        # paths only: neither the key's contents nor any password is printed
        printed = cloud.printed
        assert "PRIVATE KEY" not in printed and "BEGIN" not in printed
        assert "shhh" not in printed and "admin'" in printed  # accounts named, not their secrets
        assert "password" not in printed.lower()
    finally:
        cloud.stop()
    assert cloud.process.returncode == 0
    assert not os.path.exists(key_file)  # removed with the cloud's temporary directory


def test_plain_tls_prints_the_pair_and_does_not_demand_it():
    cloud = Standalone("--port", str(free_port()), "--tls", "--manual-clock")
    try:
        ca_file, cert_file, key_file = tls_material(cloud)
        cloud.expect(re.compile(r"^client certificates: accepted, not required"))
        for cert in (None, (cert_file, key_file)):
            answer = requests.post(
                f"{cloud.base_url}/v2.0/tokens",
                json=BOOK_CREDENTIALS,
                verify=ca_file,
                cert=cert,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
    finally:
        cloud.stop()
    assert cloud.process.returncode == 0


def test_client_cert_required_without_tls_is_refused_with_a_reason():
    done = subprocess.run(
        [sys.executable, "-m", "novamagic.localcloud", "--port", "0", "--client-cert-required"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--client-cert-required needs --tls" in done.stderr
    assert "Traceback" not in done.stderr
