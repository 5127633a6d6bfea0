"""clouds.yaml / secure.yaml / OS_* / explicit-argument precedence (temporary files, patched env)."""

from __future__ import annotations

import textwrap

import pytest

from novamagic.client.config import load_config
from novamagic.client.errors import ConfigurationError

CLOUDS = """
clouds:
  lab:
    auth:
      auth_url: http://127.0.0.1:9/lab-identity
      username: lab-user
      project_name: lab-project
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionLab
    compute_api_version: "2.1"
    cacert: /tmp/lab-ca.pem
  appcred:
    auth:
      auth_url: http://127.0.0.1:9/identity
      application_credential_id: cred-id
      application_credential_secret: cred-secret
  book:
    identity_api_version: 2
    auth:
      auth_url: http://127.0.0.1:9/v2.0
      username: joe
      password: shhh
      project_name: openstack
"""
SECURE = """
clouds:
  lab:
    auth:
      password: from-secure-yaml
"""


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean OS_* environment pointing openstacksdk at temporary clouds.yaml/secure.yaml."""
    import os

    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    clouds = tmp_path / "clouds.yaml"
    secure = tmp_path / "secure.yaml"
    clouds.write_text(textwrap.dedent(CLOUDS))
    secure.write_text(textwrap.dedent(SECURE))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(secure))
    return monkeypatch


def _password(config):
    return config.auth._password if hasattr(config.auth, "_password") else config.auth.password


def test_named_cloud_merges_secure_yaml(env):
    config = load_config("lab", start_local=False)
    assert config.auth_url == "http://127.0.0.1:9/lab-identity"
    assert config.username == "lab-user" and config.project == "lab-project"
    assert _password(config) == "from-secure-yaml"
    assert config.region_name == "RegionLab"
    assert config.compute_api_version == "2.1"
    assert config.verify == "/tmp/lab-ca.pem"
    assert "from-secure-yaml" not in repr(config)


def test_os_cloud_selects_the_cloud(env):
    env.setenv("OS_CLOUD", "lab")
    config = load_config(start_local=False)
    assert config.username == "lab-user"
    assert config.source.startswith("cloud 'lab' (OS_CLOUD")


def test_explicit_arguments_beat_the_named_cloud(env):
    config = load_config("lab", password="explicit", interface="internal", start_local=False)
    assert _password(config) == "explicit"
    assert config.interface == "internal"
    assert config.username == "lab-user"  # the rest still from clouds.yaml


def test_named_cloud_beats_os_variables(env):
    env.setenv("OS_AUTH_URL", "http://127.0.0.1:9/env-identity")
    env.setenv("OS_USERNAME", "env-user")
    env.setenv("OS_PASSWORD", "env-password")
    config = load_config("lab", start_local=False)
    assert config.username == "lab-user"
    env.setenv("OS_CLOUD", "lab")
    assert load_config(start_local=False).username == "lab-user"


def test_os_variables_when_no_cloud_is_named(env):
    env.setenv("OS_AUTH_URL", "http://127.0.0.1:9/env-identity")
    env.setenv("OS_USERNAME", "env-user")
    env.setenv("OS_PASSWORD", "env-password")
    env.setenv("OS_PROJECT_NAME", "env-project")
    env.setenv("OS_REGION_NAME", "RegionEnv")
    env.setenv("OS_INTERFACE", "internal")
    env.setenv("OS_COMPUTE_API_VERSION", "2.52")
    env.setenv("OS_CACERT", "/tmp/env-ca.pem")
    env.setenv("OS_CERT", "/tmp/env-cert.pem")
    env.setenv("OS_KEY", "/tmp/env-key.pem")
    config = load_config(start_local=False)
    assert config.source == "OS_* environment"
    assert (config.auth_url, config.username, config.project) == (
        "http://127.0.0.1:9/env-identity",
        "env-user",
        "env-project",
    )
    assert config.region_name == "RegionEnv" and config.interface == "internal"
    assert config.compute_api_version == "2.52"
    assert config.verify == "/tmp/env-ca.pem"
    assert config.cert == ("/tmp/env-cert.pem", "/tmp/env-key.pem")
    # explicit beats OS_*
    assert load_config(username="arg-user", start_local=False).username == "arg-user"


def test_os_insecure_turns_verification_off(env):
    env.setenv("OS_AUTH_URL", "https://127.0.0.1:9/identity")
    env.setenv("OS_USERNAME", "u")
    env.setenv("OS_PASSWORD", "p")
    env.setenv("OS_INSECURE", "true")
    assert load_config(start_local=False).verify is False
    assert load_config(insecure=False, start_local=False).verify is True


def test_auth_type_follows_what_was_given(env):
    from keystoneauth1.identity import generic, v2, v3

    env.setenv("OS_AUTH_URL", "http://127.0.0.1:9/identity")
    env.setenv("OS_TOKEN", "a-token")
    assert isinstance(load_config(start_local=False).auth, generic.Token)
    env.delenv("OS_TOKEN")
    env.setenv("OS_APPLICATION_CREDENTIAL_ID", "cred")
    env.setenv("OS_APPLICATION_CREDENTIAL_SECRET", "secret")
    assert isinstance(load_config(start_local=False).auth, v3.ApplicationCredential)
    assert isinstance(load_config("appcred", start_local=False).auth, v3.ApplicationCredential)
    book = load_config("book", start_local=False)
    assert isinstance(book.auth, v2.Password)
    assert book.auth.tenant_name == "openstack"


def test_a_region_the_cloud_does_not_have_is_refused(env):
    with pytest.raises(ConfigurationError, match="Valid choices are RegionLab"):
        load_config("lab", region_name="RegionX", start_local=False)


def test_unknown_cloud_lists_the_known_ones(env):
    with pytest.raises(ConfigurationError) as info:
        load_config("nope", start_local=False)
    assert "appcred, book, lab" in str(info.value)
    assert "\n" not in str(info.value)


def test_incomplete_credentials_say_what_is_missing(env):
    env.setenv("OS_USERNAME", "u")
    with pytest.raises(ConfigurationError, match="missing auth-url|missing auth_url"):
        load_config(start_local=False)


def test_unknown_option_is_refused(env):
    with pytest.raises(ConfigurationError, match="unknown connect\\(\\) option"):
        load_config(pasword="typo", start_local=False)


def test_nothing_configured(env):
    with pytest.raises(ConfigurationError, match="no cloud configured"):
        load_config(start_local=False)


def test_the_only_cloud_of_clouds_yaml_is_the_default(env, tmp_path):
    only = tmp_path / "only.yaml"
    only.write_text(
        "clouds:\n  solo:\n    auth:\n      auth_url: http://127.0.0.1:9/identity\n"
        "      username: solo\n      password: pw\n"
    )
    env.setenv("OS_CLIENT_CONFIG_FILE", str(only))
    # openstacksdk fixes its search path at import; an empty secure.yaml keeps others out
    (tmp_path / "secure.yaml").write_text("clouds: {}\n")
    config = load_config(start_local=False)
    assert config.username == "solo" and "the only cloud" in config.source


def test_explicit_auth_url_without_any_configuration(env, tmp_path):
    env.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "absent.yaml"))
    env.setenv("OS_CLIENT_SECURE_FILE", str(tmp_path / "absent-secure.yaml"))
    config = load_config(
        auth_url="http://127.0.0.1:9/identity",
        username="u",
        password="p",
        project_name="p",
        start_local=False,
    )
    assert config.source == "arguments" and config.username == "u"
