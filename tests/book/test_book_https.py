"""The book's "What About HTTPS?": the local cloud over TLS, verified against its generated CA,
refusing a client without a certificate when it requires one, and serving one that has it, to
requests, to curl and to http.client (where the book's httplib ``key_file``/``cert_file`` went)."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess

import pytest
import requests
from bookcloud import Standalone, free_port
from bookcurl import book_commands, curl_binary, curl_environment, run_curl

from novamagic.localcloud import LocalCloud, ManualClock

BOOK_CREDENTIALS = {"passwordCredentials": {"username": "joe", "password": "shhh"}}
CA_IN_OUTPUT = re.compile(r"CA certificate: (\S+)")
TOKEN_COMMAND = 1


@pytest.fixture()
def https_cloud():
    with LocalCloud(clock=ManualClock(), tls=True) as cloud:
        yield cloud


@pytest.fixture()
def strict_cloud():
    with LocalCloud(clock=ManualClock(), tls=True, client_cert_required=True) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def token_command():
    """The book's token command (number 1), aimed at a given base URL."""
    (command,) = [c for c in book_commands() if c.number == TOKEN_COMMAND]
    return lambda base_url: command.adjusted(base_url, token=None)


def curl(argv: list[str], tmp_path, *options: str):
    """Run curl with extra TLS ``options``; returns (exit code, stdout) without raising."""
    done = subprocess.run(
        [curl_binary(), *argv[1:], *options, "--silent", "--show-error"],
        capture_output=True,
        text=True,
        env=curl_environment(tmp_path),
        timeout=30,
        check=False,
    )
    return done.returncode, done.stdout


def test_the_cloud_speaks_https_and_its_catalog_says_so(https_cloud):
    assert https_cloud.url.startswith("https://127.0.0.1:")

    response = requests.post(
        f"{https_cloud.url}/v2.0/tokens",
        json=BOOK_CREDENTIALS,
        verify=https_cloud.ca_file,
        timeout=30,
    )

    assert response.status_code == 200
    nova = response.json()["auth"]["serviceCatalog"]["nova"][0]["publicURL"]
    assert nova == f"{https_cloud.url}/v1.1/openstack"


def test_a_client_that_does_not_trust_the_generated_ca_is_refused(https_cloud):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https_cloud.auth_url, timeout=30)


def test_the_books_token_command_works_over_https_with_curl_and_the_ca(
    https_cloud, token_command, tmp_path
):
    argv = token_command(https_cloud.url)

    result = run_curl([*argv, "--cacert", https_cloud.ca_file], curl_environment(tmp_path))

    assert result.status == 200
    assert result.json()["auth"]["token"]["id"]
    code, answer = curl(argv, tmp_path)
    assert (code, answer) == (
        60,
        "",
    )  # curl: "SSL certificate problem: unable to get local issuer certificate"


def test_without_a_client_certificate_the_handshake_is_refused(
    strict_cloud, token_command, tmp_path
):
    # Under TLS 1.3 the server's refusal arrives after the client's first write, so the client
    # sees either the alert ("certificate required") or a closed connection: never an answer.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(strict_cloud.auth_url, verify=strict_cloud.ca_file, timeout=30)

    code, answer = curl(token_command(strict_cloud.url), tmp_path, "--cacert", strict_cloud.ca_file)
    assert code != 0
    assert answer == ""


def test_with_the_learners_certificate_requests_and_curl_get_through(
    strict_cloud, token_command, tmp_path
):
    material = strict_cloud.tls

    response = requests.post(
        f"{strict_cloud.url}/v2.0/tokens",
        json=BOOK_CREDENTIALS,
        verify=material.ca_file,
        cert=(material.client_cert, material.client_key),
        timeout=30,
    )
    assert response.status_code == 200

    result = run_curl(
        [
            *token_command(strict_cloud.url),
            "--cacert",
            material.ca_file,
            "--cert",
            material.client_cert,
            "--key",
            material.client_key,
        ],
        curl_environment(tmp_path),
    )
    assert result.status == 200


def test_the_books_httplib_script_runs_with_an_ssl_context(strict_cloud):
    # The book's HTTPSConnection(url, key_file=..., cert_file=...) is, in today's Python,
    # HTTPSConnection(url, context=...) with the same key and certificate loaded in the context.
    host, port = "127.0.0.1", strict_cloud.port
    context = strict_cloud.tls.client_ssl_context()

    conn1 = http.client.HTTPSConnection(host, port, context=context, timeout=30)
    conn1.request(
        "POST", "/v2.0/tokens", json.dumps(BOOK_CREDENTIALS), {"Content-Type": "application/json"}
    )
    dd1 = json.loads(conn1.getresponse().read())
    conn1.close()
    apitoken = dd1["auth"]["token"]["id"]
    apiurl = dd1["auth"]["serviceCatalog"]["nova"][0]["publicURL"]

    conn2 = http.client.HTTPSConnection(host, port, context=context, timeout=30)
    conn2.request("GET", f"{apiurl}/images", headers={"X-Auth-Token": apitoken})
    response = conn2.getresponse()
    images = json.loads(response.read())["images"]
    conn2.close()

    assert response.status == 200
    assert {"id": 1, "name": "ubuntu-11.04-kernel"}.items() <= images[-1].items()


def test_a_silent_client_does_not_stall_everyone_else(strict_cloud):
    material = strict_cloud.tls
    with socket.create_connection(("127.0.0.1", strict_cloud.port)):  # connects, never says hello
        response = requests.get(
            strict_cloud.auth_url,
            verify=material.ca_file,
            cert=(material.client_cert, material.client_key),
            timeout=10,
        )
    assert response.status_code == 300


def test_the_certificates_are_removed_when_the_cloud_stops():
    cloud = LocalCloud(clock=ManualClock(), tls=True).start()
    directory = cloud.tls.directory
    assert os.path.isfile(cloud.ca_file)

    cloud.stop()

    assert not os.path.exists(directory)


def test_the_standalone_cloud_serves_https_with_tls(tmp_path):
    cloud = Standalone("--port", str(free_port()), "--tls", "--manual-clock")
    try:
        ca_file = cloud.expect(CA_IN_OUTPUT).group(1)
        assert cloud.base_url.startswith("https://")

        response = requests.post(
            f"{cloud.base_url}/v2.0/tokens", json=BOOK_CREDENTIALS, verify=ca_file, timeout=30
        )
        assert response.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(cloud.base_url, timeout=30)
    finally:
        cloud.stop()
    assert cloud.process.returncode == 0
    assert not os.path.exists(ca_file)
