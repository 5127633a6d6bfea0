"""JSON from the compute API -> pandas DataFrames with documented, stable columns (no HTTP here).

Every function takes the plain JSON the client returns (today's v2.1 shapes at any microversion,
or the book's v1.1 shapes) and returns a frame whose columns, order and dtypes never depend on
which microversion or API root answered, and which has the same columns when the input is empty.
Values the answering API does not carry are missing (``<NA>``/``NaT``), never a different column set.

Dtypes: ``string`` for text, ``Int64`` for counts and sizes, ``Float64`` for fractions and
milliseconds, ``boolean`` for flags, ``datetime64[us, UTC]`` for timestamps (naive timestamps,
as in ``OS-SRV-USG:launched_at``, are UTC). All nullable, so missing values are ``pd.NA``/``NaT``.

Frames (columns in order; ``SERVER_COLUMNS`` etc. hold the same specs as data):

``servers_frame(servers, *, flavors=None, images=None)``
    id, name, status, task_state, progress, flavor, flavor_id, vcpus, ram_mb, disk_gb, image,
    image_id, public_ipv4, private_ipv4, access_ipv4, access_ipv6, key_name, availability_zone,
    host_id, project_id, user_id, locked, fault, created, updated, launched_at.
    Frames read the client's normalised shapes (:mod:`novamagic.client.shapes`); raw API JSON
    is first put in that shape by the client's own normaliser, with ``flavors=`` (a list of
    flavor dicts: fills names and sizes before 2.47, ids from 2.47) and ``images=`` (names).
    ``public_ipv4`` is the first IPv4 address that is floating or sits on a network named like
    "public"/"external"; ``private_ipv4`` the first other IPv4 address.
``flavors_frame(flavors)``
    id, name, vcpus, ram_mb, disk_gb, ephemeral_gb, swap_mb, rxtx_factor, is_public, disabled,
    description.
``images_frame(images)``
    id, name, status, progress, min_disk_gb, min_ram_mb, size_bytes, visibility, server_id,
    created, updated.  Compute-API (``minDisk``) and Glance v2 (``min_disk``) shapes both work;
    status is upper case either way.
``addresses_frame(servers_or_addresses, *, server=None, server_id=None)``
    server, network, version, address, type, server_id, mac  (one row per address; ``type`` is
    "fixed"/"floating" where the API says so).  Takes a list of servers, one server, or the bare
    ``{network: [address, ...]}`` mapping of ``GET /servers/{id}/ips``.
``metadata_frame(metadata)``
    key, value  (sorted by key, so reruns give the same frame).
``limits_frame(limits)``
    name, used, max  (absolute limits; ``max`` is ``<NA>`` when unlimited, i.e. -1).
    Names: instances, cores, ram_mb, server_meta, image_meta, personality, personality_bytes,
    keypairs, server_groups, server_group_members, security_groups, security_group_rules,
    floating_ips, then any other limit the cloud reports, in snake case.
``history_frame(history)``
    time, method, path, status, ms, request_id, attempt, error  (``attempt`` counts retries from 1;
    ``error`` names the failure when no HTTP answer came).
``outcomes_frame(results)``
    item, ok, status, error, request_id  (one row per item of a bulk operation: the client's
    ``BulkResult`` of ``{"item", "ok", "result", "error"}`` dicts).
``fleet_summary(servers, limits=None)``
    The numbers behind ``%nova report``: a dict of frames ``by_status`` (status, servers),
    ``by_flavor`` (flavor, servers, vcpus, ram_mb, disk_gb) and ``totals`` (resource, used, max,
    percent) — pure pandas on the two frames above.
"""

from novamagic.frames.activity import history_frame, outcomes_frame
from novamagic.frames.catalogue import flavors_frame, images_frame, limits_frame, metadata_frame
from novamagic.frames.columns import (
    ADDRESS_COLUMNS,
    FLAVOR_COLUMNS,
    HISTORY_COLUMNS,
    IMAGE_COLUMNS,
    LIMIT_COLUMNS,
    METADATA_COLUMNS,
    OUTCOME_COLUMNS,
    SERVER_COLUMNS,
)
from novamagic.frames.report import fleet_summary
from novamagic.frames.servers import addresses_frame, servers_frame

__all__ = [
    "ADDRESS_COLUMNS",
    "FLAVOR_COLUMNS",
    "HISTORY_COLUMNS",
    "IMAGE_COLUMNS",
    "LIMIT_COLUMNS",
    "METADATA_COLUMNS",
    "OUTCOME_COLUMNS",
    "SERVER_COLUMNS",
    "addresses_frame",
    "flavors_frame",
    "fleet_summary",
    "history_frame",
    "images_frame",
    "limits_frame",
    "metadata_frame",
    "outcomes_frame",
    "servers_frame",
]
