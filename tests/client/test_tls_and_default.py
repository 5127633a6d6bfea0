"""TLS (CA bundle, client certificate) through the ordinary options, and the local cloud default."""

from __future__ import annotations

import os

import pytest

from novamagic.client import ConnectionFailed, connect
from tests.client.conftest import LOCAL_ACCOUNT, now_clock


@pytest.fixture
def tls_cloud(localcloud_factory):
    return localcloud_factory(clock=now_clock(), tls=True, client_cert_required=True)


def test_ca_bundle_and_client_certificate_as_arguments(tls_cloud):
    tls = tls_cloud.tls
    with connect(
        auth_url=tls_cloud.auth_url,
        cacert=tls.ca_file,
        cert=tls.client_cert,
        key=tls.client_key,
        **LOCAL_ACCOUNT,
    ) as cloud:
        assert cloud.compute_url.startswith("https://127.0.0.1:")
        assert cloud.flavors()


def test_ca_bundle_and_client_certificate_from_os_variables(tls_cloud, monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(tmp_path / "none-secure.yaml"))
    (tmp_path / "none-secure.yaml").write_text("clouds: {}\n")
    env = {
        "OS_AUTH_URL": tls_cloud.auth_url,
        "OS_USERNAME": "joe",
        "OS_PASSWORD": "shhh",
        "OS_PROJECT_NAME": "openstack",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_CACERT": tls_cloud.tls.ca_file,
        "OS_CERT": tls_cloud.tls.client_cert,
        "OS_KEY": tls_cloud.tls.client_key,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with connect() as cloud:
        assert cloud.config.source == "OS_* environment"
        assert cloud.whoami()["username"] == "joe"


def test_verification_is_on_by_default(tls_cloud):
    with pytest.raises(ConnectionFailed) as info:
        connect(auth_url=tls_cloud.auth_url, **LOCAL_ACCOUNT)
    assert "TLS" in str(info.value) and "cacert" in info.value.hint
    assert "\n" not in str(info.value)


def test_a_required_client_certificate_missing_is_a_clear_error(tls_cloud):
    with pytest.raises(ConnectionFailed):
        connect(
            auth_url=tls_cloud.auth_url, cacert=tls_cloud.tls.ca_file, retries=0, **LOCAL_ACCOUNT
        )


def test_nothing_configured_starts_a_local_cloud(monkeypatch, tmp_path, capsys):
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(tmp_path / "none-secure.yaml"))
    (tmp_path / "none-secure.yaml").write_text("clouds: {}\n")
    cloud = connect()
    try:
        notice = capsys.readouterr().err.strip().splitlines()
        assert len(notice) == 1 and "started a local cloud at http://127.0.0.1:" in notice[0]
        assert cloud.config.source == "local cloud"
        assert cloud.whoami()["username"] == "joe"
        started = cloud.config.local_cloud
        assert started.running
    finally:
        cloud.close()
    assert not started.running
