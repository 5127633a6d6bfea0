"""novamagic.client: the API client for OpenStack Compute (see :mod:`novamagic.client.cloud`).

``connect(...)`` returns a :class:`Cloud`; errors live in :mod:`novamagic.client.errors`.
This layer imports keystoneauth1 (and, lazily, openstacksdk's config loader) but never IPython,
ipywidgets or pandas.
"""

from __future__ import annotations

import time

from novamagic.client.bulk import BulkResult
from novamagic.client.cloud import MAX_MICROVERSION, Cloud, LocalControl, MetadataAPI, boot_names
from novamagic.client.config import CloudConfig, load_config
from novamagic.client.errors import (
    AmbiguousName,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    ExerciseError,
    Forbidden,
    NotFound,
    NovaError,
    NovaWarning,
    OverLimit,
    QuotaExceeded,
    ServerError,
    Timeout,
    Unauthorized,
    ValidationError,
    WaitCancelled,
    WaitError,
    WaitTimeout,
)
from novamagic.client.exercises import (
    Exercise,
    RequirementResult,
    check_exercise,
    find_exercise,
    load_exercise,
    load_exercises,
)

__all__ = [
    "MAX_MICROVERSION",
    "AmbiguousName",
    "BadRequest",
    "BulkResult",
    "Cloud",
    "CloudConfig",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "Exercise",
    "ExerciseError",
    "Forbidden",
    "LocalControl",
    "MetadataAPI",
    "NotFound",
    "NovaError",
    "NovaWarning",
    "OverLimit",
    "QuotaExceeded",
    "RequirementResult",
    "ServerError",
    "Timeout",
    "Unauthorized",
    "ValidationError",
    "WaitCancelled",
    "WaitError",
    "WaitTimeout",
    "boot_names",
    "check_exercise",
    "connect",
    "find_exercise",
    "load_exercise",
    "load_exercises",
]


def connect(
    cloud: str | None = None,
    *,
    local=None,
    retries: int = 3,
    workers: int = 8,
    sleep=None,
    monotonic=None,
    retry_deadline: float | None = None,
    **options,
) -> Cloud:
    """Connect to a cloud and return a :class:`Cloud` (authenticated, microversion negotiated).

    Credentials: explicit ``options`` > ``cloud=``/``OS_CLOUD`` (clouds.yaml, secure.yaml) >
    ``OS_*`` variables > a local cloud started on the spot. ``options`` use clouds.yaml names:
    auth_url, username, password, project_name, project_id, user_domain_name,
    project_domain_name, token, application_credential_id, application_credential_secret,
    auth_type, region_name, interface, cacert, cert, key, insecure, verify,
    identity_api_version, compute_api_version, compute_endpoint_override,
    image_endpoint_override, api_timeout (full list in :mod:`novamagic.client.config`).
    ``local=True`` starts a local cloud whatever is configured; ``local=lc`` (a running
    :class:`~novamagic.localcloud.LocalCloud`) connects to it as its demo account, trusting its CA
    and presenting the learner certificate when it speaks TLS; when ``lc`` runs on a
    ``ManualClock``, waiting advances that clock instead of sleeping (deterministic notebooks).
    ``retries`` bounds retries of idempotent requests; ``retry_deadline`` (seconds, default twice
    the timeout) bounds one call's attempts and pauses, Retry-After included (a longer wait the
    cloud asks for fails at once, naming it); ``workers`` sizes the bulk pool;
    ``sleep``/``monotonic`` inject a clock (tests; default: real time).
    """
    config = load_config(cloud, local=local, **options)
    if local is not None and local is not True and local is not False:
        from novamagic.localcloud import ManualClock

        clock = local.clock
        if isinstance(clock, ManualClock):
            sleep = sleep or clock.advance
            monotonic = monotonic or clock.now
    return Cloud(
        config,
        retries=retries,
        retry_deadline=retry_deadline,
        workers=workers,
        sleep=sleep or time.sleep,
        monotonic=monotonic or time.monotonic,
    )
