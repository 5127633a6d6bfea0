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
    image_id, public_ipv4, private_ipv4, floating_ipv4, access_ipv4, access_ipv6, key_name, availability_zone,
    host_id, project_id, user_id, locked, fault, created, updated, launched_at.
    Frames read the client's normalised shapes (:mod:`novamagic.client.shapes`); raw API JSON
    is first put in that shape by the client's own normaliser, with ``flavors=`` (a list of
    flavor dicts: fills names and sizes before 2.47, ids from 2.47) and ``images=`` (names).
    ``public_ipv4`` is the first IPv4 address that is floating or sits on a network named like
    "public"/"external"; ``private_ipv4`` the first other IPv4 address; ``floating_ipv4`` the
    first address marked ``OS-EXT-IPS:type: floating`` (missing where the API marks none).
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
``networks_frame(networks, *, subnets=None)``
    id, name, status, external, shared, mtu, subnets (how many), cidrs (from ``subnets=``),
    project_id, created.
``ports_frame(ports)``
    id, name, status, network_id, server_id, device_owner, mac, fixed_ipv4, fixed_ipv6,
    security_groups (how many), project_id, created.
``floating_ips_frame(floating_ips)``
    id, floating_ip, status, fixed_ip, server_id, port_id, network_id, description, project_id,
    created  (``server_id``/``fixed_ip`` missing for a free address).
``security_groups_frame(groups)``
    id, name, description, rules (how many), project_id, created.
``security_group_rules_frame(rules, *, groups=None)``
    id, group, direction, ethertype, protocol, port_min, port_max, remote_ip_prefix,
    remote_group_id, description, group_id  (``group`` named from ``groups=``; a list of groups
    gives their rules).
``keypairs_frame(keypairs)``
    name, type, fingerprint, public_key  (no private key ever: a listing has none).
``actions_frame(actions)``
    request_id, action, start_time, updated_at, message, user_id, server_id  (newest first, as
    ``os-instance-actions`` lists them).
``events_frame(actions)``
    request_id, action, event, result, start_time, finish_time, host_id, details  (one row per
    event of actions that carry ``events``; oldest action first).
``volumes_frame(volumes)``
    id, name, status, size_gb, bootable, volume_type, attached_to (server ids), device,
    image_id (the image it was made from), snapshot_id, project_id, created.
``snapshots_frame(snapshots)``
    id, name, status, size_gb, volume_id, project_id, created.
``attachments_frame(attachments)``
    server_id, volume_id, device, delete_on_termination  (a server's ``os-volume_attachments``).
``usage_frame(usages)``
    project_id, servers, hours, vcpu_hours, ram_mb_hours, disk_gb_hours, start, stop  (one row
    per project of ``Cloud.usage()``: resource-hours over the period).
``server_usage_frame(usages)``
    project_id, server_id, name, flavor, vcpus, ram_mb, disk_gb, hours, vcpu_hours, state,
    started_at, ended_at, uptime_s  (one row per server; a deleted one's state is "terminated").
``usage_by_flavor(server_usage)``
    flavor, servers, hours, vcpu_hours, ram_mb_hours, disk_gb_hours  (over the period).
``hypervisors_frame(hypervisors)``
    id, name, state, status, type, host_ip, vcpus, vcpus_used, ram_mb, ram_mb_used, disk_gb,
    disk_gb_used, running_vms.
``zones_frame(zones)``
    zone, available, hosts  (availability zones; ``hosts`` missing where the listing hides them).
``fleet_summary(servers, limits=None, hypervisors=None, volumes=None, volume_limits=None)``
    The numbers behind ``%nova report``: a dict of frames ``by_status`` (status, servers),
    ``by_flavor`` (flavor, servers, vcpus, ram_mb, disk_gb) and ``totals`` (resource, used, max,
    percent, host_used, host_total, host_percent) — pure pandas on the frames above; flavors in
    natural order. With a volumes frame that has rows, ``totals`` also counts ``volumes`` and
    ``volume_gb`` (max from Cinder's absolute ``volume_limits``) and ``volumes_by_project``
    (project_id, volumes, gigabytes) is added.
``class_frame(rows)``
    learner, project, servers, states, instances_used, instances_limit, cores_used, cores_limit,
    ram_mb_used, ram_mb_limit, requests, idle_s, last_request, errors, last_error, passed,
    passed_count, project_id  (the instructor's view: one row per learner of
    ``novamagic.client.classroom.class_status``, in natural order; unlimited is missing).
``for_display(frame, missing="–")``
    A copy for people to read: missing values as ``missing``, never ``<NA>``.
``servers_across(clouds, *, regions=None, all_regions=False, **filters)``, ``fetch_across(...)``
    The same listing from many clouds and regions, concurrently: a ``Merged`` with ``frame``
    (``cloud`` and ``region`` first) and ``failures`` (one line per cloud that did not answer).
``gather_report(cloud, *, clouds=None, regions=None, all_regions=False, start=None, end=None,
all_projects=False)``
    A ``ReportData``: the fleet summary (against quota and hosts), servers, limits, usage over
    the period (per server and by flavor), hypervisors, notes and failures, one login per cloud.
``export_frame(frame, path)``
    A frame to .csv, .json, .xlsx (openpyxl) or .parquet (pyarrow), by extension; a missing
    writer is an ``ExportError`` naming the package.
``sort_naturally(frame, by)``, ``natural_key(text)``
    Sorting with numbers in names read as numbers (legacy-1, legacy-9, legacy-10).
``status_chart(ax, by_status)``, ``capacity_chart(ax, totals, threshold=THRESHOLD_PERCENT)``,
``usage_chart(ax, usage_by_flavor)``
    The report's charts on matplotlib axes: labelled axes, one colour rule by threshold.

Importing this package imports none of its modules (nor pandas): each name above loads its
module when first read (``frames.servers_frame``, ``from novamagic.frames import ...``), so the
first ``%nova servers`` pays for the servers frame, not for the report's, the charts' or the
fleet's modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names, for readers and type checkers; __getattr__ loads them
    from novamagic.frames.activity import actions_frame, events_frame, history_frame, outcomes_frame
    from novamagic.frames.capacity import (
        hypervisors_frame,
        server_usage_frame,
        usage_by_flavor,
        usage_frame,
        zones_frame,
    )
    from novamagic.frames.catalogue import flavors_frame, images_frame, limits_frame, metadata_frame
    from novamagic.frames.classroom import class_frame
    from novamagic.frames.columns import (
        ACTION_COLUMNS,
        ADDRESS_COLUMNS,
        CLASS_COLUMNS,
        EVENT_COLUMNS,
        FLAVOR_COLUMNS,
        FLOATING_IP_COLUMNS,
        HISTORY_COLUMNS,
        HYPERVISOR_COLUMNS,
        IMAGE_COLUMNS,
        KEYPAIR_COLUMNS,
        LIMIT_COLUMNS,
        METADATA_COLUMNS,
        NETWORK_COLUMNS,
        OUTCOME_COLUMNS,
        PORT_COLUMNS,
        RULE_COLUMNS,
        SECURITY_GROUP_COLUMNS,
        SERVER_COLUMNS,
        SERVER_USAGE_COLUMNS,
        SNAPSHOT_COLUMNS,
        USAGE_COLUMNS,
        VOLUME_COLUMNS,
    )
    from novamagic.frames.export import ExportError, export_frame
    from novamagic.frames.fleet import Failure, Merged, fetch_across, servers_across
    from novamagic.frames.fleet_report import ReportData, gather_report
    from novamagic.frames.network import (
        floating_ips_frame,
        keypairs_frame,
        networks_frame,
        ports_frame,
        security_group_rules_frame,
        security_groups_frame,
    )
    from novamagic.frames.plots import THRESHOLD_PERCENT, capacity_chart, status_chart, usage_chart
    from novamagic.frames.report import fleet_summary, for_display, natural_key, sort_naturally
    from novamagic.frames.servers import addresses_frame, servers_frame
    from novamagic.frames.volumes import attachments_frame, snapshots_frame, volumes_frame

#: module of this package -> the names it gives
_MODULES: dict[str, tuple[str, ...]] = {
    "activity": ("actions_frame", "events_frame", "history_frame", "outcomes_frame"),
    "capacity": (
        "hypervisors_frame",
        "server_usage_frame",
        "usage_by_flavor",
        "usage_frame",
        "zones_frame",
    ),
    "catalogue": ("flavors_frame", "images_frame", "limits_frame", "metadata_frame"),
    "classroom": ("class_frame",),
    "columns": (
        "ACTION_COLUMNS",
        "ADDRESS_COLUMNS",
        "CLASS_COLUMNS",
        "EVENT_COLUMNS",
        "FLAVOR_COLUMNS",
        "FLOATING_IP_COLUMNS",
        "HISTORY_COLUMNS",
        "HYPERVISOR_COLUMNS",
        "IMAGE_COLUMNS",
        "KEYPAIR_COLUMNS",
        "LIMIT_COLUMNS",
        "METADATA_COLUMNS",
        "NETWORK_COLUMNS",
        "OUTCOME_COLUMNS",
        "PORT_COLUMNS",
        "RULE_COLUMNS",
        "SECURITY_GROUP_COLUMNS",
        "SERVER_COLUMNS",
        "SERVER_USAGE_COLUMNS",
        "SNAPSHOT_COLUMNS",
        "USAGE_COLUMNS",
        "VOLUME_COLUMNS",
    ),
    "export": ("ExportError", "export_frame"),
    "fleet": ("Failure", "Merged", "fetch_across", "servers_across"),
    "fleet_report": ("ReportData", "gather_report"),
    "network": (
        "floating_ips_frame",
        "keypairs_frame",
        "networks_frame",
        "ports_frame",
        "security_group_rules_frame",
        "security_groups_frame",
    ),
    "plots": ("THRESHOLD_PERCENT", "capacity_chart", "status_chart", "usage_chart"),
    "report": ("fleet_summary", "for_display", "natural_key", "sort_naturally"),
    "servers": ("addresses_frame", "servers_frame"),
    "volumes": ("attachments_frame", "snapshots_frame", "volumes_frame"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}


def _load(module: str):
    """Import one module of this package (plain import statements: tests/test_architecture.py
    reads the import graph from the source)."""
    if module == "activity":
        from novamagic.frames import activity as loaded
    elif module == "capacity":
        from novamagic.frames import capacity as loaded
    elif module == "catalogue":
        from novamagic.frames import catalogue as loaded
    elif module == "classroom":
        from novamagic.frames import classroom as loaded
    elif module == "columns":
        from novamagic.frames import columns as loaded
    elif module == "export":
        from novamagic.frames import export as loaded
    elif module == "fleet":
        from novamagic.frames import fleet as loaded
    elif module == "fleet_report":
        from novamagic.frames import fleet_report as loaded
    elif module == "network":
        from novamagic.frames import network as loaded
    elif module == "plots":
        from novamagic.frames import plots as loaded
    elif module == "report":
        from novamagic.frames import report as loaded
    elif module == "servers":
        from novamagic.frames import servers as loaded
    elif module == "volumes":
        from novamagic.frames import volumes as loaded
    else:
        raise LookupError(f"no module {module!r} in novamagic.frames")
    return loaded


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_load(module), name)
    globals()[name] = value  # read once: later reads are plain attribute lookups
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ACTION_COLUMNS",
    "CLASS_COLUMNS",
    "ADDRESS_COLUMNS",
    "EVENT_COLUMNS",
    "ExportError",
    "Failure",
    "FLAVOR_COLUMNS",
    "FLOATING_IP_COLUMNS",
    "HISTORY_COLUMNS",
    "HYPERVISOR_COLUMNS",
    "IMAGE_COLUMNS",
    "KEYPAIR_COLUMNS",
    "LIMIT_COLUMNS",
    "METADATA_COLUMNS",
    "Merged",
    "NETWORK_COLUMNS",
    "OUTCOME_COLUMNS",
    "PORT_COLUMNS",
    "RULE_COLUMNS",
    "ReportData",
    "SECURITY_GROUP_COLUMNS",
    "SERVER_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "VOLUME_COLUMNS",
    "SERVER_USAGE_COLUMNS",
    "THRESHOLD_PERCENT",
    "USAGE_COLUMNS",
    "actions_frame",
    "addresses_frame",
    "capacity_chart",
    "class_frame",
    "events_frame",
    "export_frame",
    "fetch_across",
    "flavors_frame",
    "gather_report",
    "fleet_summary",
    "for_display",
    "floating_ips_frame",
    "history_frame",
    "hypervisors_frame",
    "images_frame",
    "keypairs_frame",
    "limits_frame",
    "metadata_frame",
    "natural_key",
    "networks_frame",
    "outcomes_frame",
    "ports_frame",
    "security_group_rules_frame",
    "security_groups_frame",
    "server_usage_frame",
    "servers_across",
    "servers_frame",
    "snapshots_frame",
    "volumes_frame",
    "attachments_frame",
    "sort_naturally",
    "status_chart",
    "usage_by_flavor",
    "usage_chart",
    "usage_frame",
    "zones_frame",
]
