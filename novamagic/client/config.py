"""Where the credentials come from.

Order (first match wins): explicit arguments to :func:`novamagic.connect`; a named cloud from
clouds.yaml/secure.yaml (``cloud=`` or ``OS_CLOUD``); the ``OS_*`` environment; and, when nothing
at all is configured, a local cloud started on the spot (announced in one line on stderr).

clouds.yaml and ``OS_*`` are read by openstacksdk's own loader (imported lazily), so they mean
exactly what they mean to the ``openstack`` CLI; like the CLI (osc-lib), the auth type is chosen
from what was given when none is set: a user name means password, a token means token, an
application credential means v3applicationcredential. Explicit arguments are merged over the
chosen cloud, the way the CLI's ``--os-*`` options are.
"""

from __future__ import annotations

import atexit
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

from novamagic.client.errors import ConfigurationError

__all__ = ["AUTH_OPTIONS", "CloudConfig", "load_config"]

# Arguments of connect() that belong in the auth section (names as in clouds.yaml).
AUTH_OPTIONS = (
    "auth_url",
    "username",
    "user_id",
    "password",
    "project_name",
    "project_id",
    "user_domain_name",
    "user_domain_id",
    "project_domain_name",
    "project_domain_id",
    "domain_name",
    "domain_id",
    "token",
    "application_credential_id",
    "application_credential_name",
    "application_credential_secret",
    "system_scope",
)
# Arguments of connect() that sit beside it (names as in clouds.yaml).
CLOUD_OPTIONS = (
    "auth_type",
    "region_name",
    "interface",
    "cacert",
    "cert",
    "key",
    "insecure",
    "verify",
    "identity_api_version",
    "compute_api_version",
    "compute_endpoint_override",
    "image_endpoint_override",
    "api_timeout",
)

_LOCAL_ACCOUNT = {
    "username": "joe",
    "password": "shhh",
    "project_name": "openstack",
    "user_domain_name": "Default",
    "project_domain_name": "Default",
}


@dataclass
class CloudConfig:
    """What connect() needs to build a session. Holds the auth plugin, never prints a secret."""

    source: str  # "arguments", "cloud 'lab' (clouds.yaml)", "OS_* environment", "local cloud"
    auth: Any  # a keystoneauth1 auth plugin
    auth_url: str | None
    auth_type: str
    username: str | None = None
    project: str | None = None
    region_name: str | None = None
    interface: str = "public"
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None
    timeout: float | None = None
    compute_api_version: str | None = None
    compute_endpoint_override: str | None = None
    image_endpoint_override: str | None = None
    cloud_name: str | None = None
    local_cloud: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"CloudConfig(source={self.source!r}, auth_url={self.auth_url!r}, "
            f"auth_type={self.auth_type!r}, username={self.username!r}, project={self.project!r}, "
            f"region_name={self.region_name!r}, interface={self.interface!r}, verify={self.verify!r})"
        )


def load_config(
    cloud: str | None = None,
    *,
    config_files=None,
    secure_files=None,
    start_local=True,
    local=None,
    **options,
) -> CloudConfig:
    """Resolve connect()'s arguments into a :class:`CloudConfig` (see the module docstring).

    openstacksdk's own search path (``OS_CLIENT_CONFIG_FILE``, ./clouds.yaml,
    ~/.config/openstack, /etc/openstack) applies unless ``config_files``/``secure_files`` are given.
    ``local=True`` starts a local cloud whatever is configured; ``local=<a running LocalCloud>``
    connects to that one (its demo account, its CA and learner certificate when it speaks TLS).
    """
    unknown = set(options) - set(AUTH_OPTIONS) - set(CLOUD_OPTIONS)
    if unknown:
        allowed = ", ".join(AUTH_OPTIONS + CLOUD_OPTIONS)
        raise ConfigurationError(
            f"unknown connect() option(s): {', '.join(sorted(unknown))}; allowed: cloud, {allowed}"
        )
    explicit_auth = {k: v for k, v in options.items() if k in AUTH_OPTIONS and v is not None}
    explicit = {k: v for k, v in options.items() if k in CLOUD_OPTIONS and v is not None}

    if local is not None and local is not False:
        if cloud or any(k in explicit_auth for k in ("auth_url", "username", "token")):
            raise ConfigurationError(
                "local= connects to a local cloud as its demo account; it cannot be combined "
                "with cloud=, auth_url=, username= or token="
            )
        return _local_cloud_config(None, explicit, local=None if local is True else local)

    loader = _make_loader(config_files, secure_files)
    # default_cloud is OS_CLOUD, else "envvars" when OS_* are set, else the only cloud of
    # clouds.yaml (as for the CLI); "defaults" is openstacksdk's placeholder when there is none.
    named = cloud or loader.default_cloud
    if named == "defaults" and "defaults" not in _file_clouds(loader):
        named = None
    if not named and "auth_url" not in explicit_auth:
        if not start_local:
            raise ConfigurationError(
                "no cloud configured: pass cloud=NAME (clouds.yaml), set OS_CLOUD or OS_* "
                "variables, or give auth_url="
            )
        return _local_cloud_config(loader, explicit)

    kwargs: dict[str, Any] = dict(explicit)
    if explicit_auth:
        kwargs["auth"] = explicit_auth
    if "insecure" in kwargs:  # both keys, so an OS_INSECURE of the chosen cloud cannot win
        kwargs["insecure"] = _truthy(kwargs["insecure"])
        kwargs["verify"] = not kwargs["insecure"]
    if "api_timeout" in kwargs:
        kwargs["api_timeout"] = float(kwargs["api_timeout"])

    from keystoneauth1 import exceptions as ksa_exc
    from openstack import exceptions as sdk_exc

    try:
        with warnings.catch_warnings():
            # openstacksdk warns about its InfluxDB metrics support on every load: not ours to show
            warnings.filterwarnings("ignore", message=".*InfluxDB.*")
            region = loader.get_one(cloud=named, **kwargs)
    except sdk_exc.ConfigException as exc:
        message = str(exc).rstrip(".")
        if "not found" in message:
            clouds = _file_clouds(loader)
            message += (
                f"; clouds.yaml has: {', '.join(clouds)}" if clouds else "; no clouds.yaml found"
            )
        raise ConfigurationError(message) from None
    except ksa_exc.MissingRequiredOptions as exc:
        names = ", ".join(o.dest for o in exc.options)
        raise ConfigurationError(
            f"incomplete credentials ({_source(named, cloud)}): missing {names}"
        ) from None
    except ksa_exc.NoMatchingPlugin as exc:
        raise ConfigurationError(
            f"unknown auth_type {exc.name!r} ({_source(named, cloud)})"
        ) from None
    except TypeError as exc:  # a plugin given an option it does not take
        raise ConfigurationError(
            f"credentials do not fit auth_type ({_source(named, cloud)}): {exc}"
        ) from None

    from novamagic.client.auth import skip_discovery

    conf = region.config
    auth = conf.get("auth") or {}
    verify, cert = region.get_requests_verify_args()
    compute_version = conf.get("compute_api_version")
    if compute_version is not None:
        compute_version = str(compute_version)
    return CloudConfig(
        source=_source(named, cloud, explicit_auth, loader),
        auth=skip_discovery(region.get_auth()),
        auth_url=auth.get("auth_url"),
        auth_type=conf.get("auth_type") or "password",
        username=auth.get("username") or auth.get("user_id"),
        project=auth.get("project_name") or auth.get("project_id") or auth.get("tenant_name"),
        region_name=conf.get("region_name") or None,
        interface=conf.get("interface") or "public",
        verify=verify,
        cert=cert,
        timeout=float(conf["api_timeout"]) if conf.get("api_timeout") else None,
        compute_api_version=compute_version,
        compute_endpoint_override=conf.get("compute_endpoint_override"),
        image_endpoint_override=conf.get("image_endpoint_override"),
        cloud_name=named if named != "envvars" else None,
    )


def _make_loader(config_files, secure_files):
    from openstack.config import loader as sdk_loader

    class _CLIConfig(sdk_loader.OpenStackConfig):
        """openstacksdk's loader with the CLI's (osc-lib's) choice of a default auth type."""

        def auth_config_hook(self, config):
            auth = config.get("auth") or {}

            def given(key):
                return config.get(key) or auth.get(key)

            # openstacksdk fills auth_type "password" into an OS_* cloud before this hook runs;
            # a password plugin without a user cannot work, so that default is not a choice.
            chosen = config.get("auth_type")
            if chosen == "password" and not (given("username") or given("user_id")):
                chosen = None
            if not chosen:
                version = str(config.get("identity_api_version") or "")
                prefix = "v3" if version == "3" else "v2" if version.startswith("2") else ""
                if given("username") or given("user_id"):
                    chosen = f"{prefix}password"
                elif given("application_credential_secret"):
                    chosen = "v3applicationcredential"
                elif given("token"):
                    chosen = f"{prefix}token"
                else:
                    chosen = "password"
            config["auth_type"] = chosen
            if str(config.get("auth_type", "")).startswith("v2"):
                # v2 plugins take tenant_*, and no domains (as osc-lib does)
                auth = config.setdefault("auth", {})
                for old, new in (("project_name", "tenant_name"), ("project_id", "tenant_id")):
                    if old in auth:
                        auth.setdefault(new, auth.pop(old))
                for key in (
                    "project_domain_id",
                    "project_domain_name",
                    "user_domain_id",
                    "user_domain_name",
                ):
                    auth.pop(key, None)
            return config

    return _CLIConfig(
        config_files=config_files,
        secure_files=secure_files,
        override_defaults={"auth_type": None},
        load_envvars=True,
    )


def _file_clouds(loader) -> list[str]:
    if not loader.config_filename:
        return []
    return sorted(c for c in loader.cloud_config.get("clouds", {}) if c != loader.envvar_key)


def _source(named, cloud, explicit_auth=None, loader=None) -> str:
    also = " and arguments" if explicit_auth else ""
    if named == "envvars":
        return "OS_* environment" + also
    if named:
        if cloud:
            how = "cloud="
        elif os.environ.get("OS_CLOUD"):
            how = "OS_CLOUD"
        else:
            how = "the only cloud"
        return f"cloud {named!r} ({how}, clouds.yaml){also}"
    return "arguments"


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _local_cloud_config(loader, explicit, local=None) -> CloudConfig:
    """Describe how to reach ``local`` (a running LocalCloud), or start one for this process."""
    from keystoneauth1.identity import v3

    from novamagic.localcloud import LocalCloud

    started = None
    verify, cert = True, None
    if local is None:
        local = started = LocalCloud().start()
        atexit.register(local.stop)
        if loader is not None:
            clouds = _file_clouds(loader)
            also = (
                f" (clouds.yaml has {', '.join(clouds)}: pass cloud=NAME to use one)"
                if clouds
                else ""
            )
            print(
                f"novamagic: no cloud configured; started a local cloud at {local.auth_url}{also}",
                file=sys.stderr,
            )
    elif not isinstance(local, LocalCloud):
        raise ConfigurationError(f"local= takes True or a LocalCloud, not {type(local).__name__}")
    elif not local.running:
        raise ConfigurationError("local=: that LocalCloud is not running; call its start() first")
    elif local.tls is not None:
        verify = local.tls.ca_file
        if local.client_cert_required:
            cert = (local.tls.client_cert, local.tls.client_key)
    compute_version = explicit.get("compute_api_version")
    return CloudConfig(
        source="local cloud",
        auth=v3.Password(auth_url=local.auth_url, **_LOCAL_ACCOUNT),
        auth_url=local.auth_url,
        auth_type="v3password",
        username=_LOCAL_ACCOUNT["username"],
        project=_LOCAL_ACCOUNT["project_name"],
        region_name=explicit.get("region_name"),
        interface=explicit.get("interface", "public"),
        timeout=float(explicit["api_timeout"]) if explicit.get("api_timeout") else None,
        verify=verify,
        cert=cert,
        compute_api_version=str(compute_version) if compute_version else None,
        local_cloud=started,  # stopped by Cloud.close() only when connect() started it
    )
