"""The data of a fleet report, from one cloud or many: servers, limits, usage over a period and
the hosts, gathered per cloud in one login each and summed (``%nova report`` draws it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from novamagic.frames.capacity import hypervisors_frame, server_usage_frame, usage_by_flavor
from novamagic.frames.catalogue import limits_frame
from novamagic.frames.fleet import Failure, fetch_across
from novamagic.frames.report import fleet_summary
from novamagic.frames.servers import servers_frame
from novamagic.frames.volumes import volumes_frame


@dataclass
class ReportData:
    """``summary`` (fleet_summary's frames: by_status, by_flavor, totals), ``servers``,
    ``limits``, ``server_usage`` and ``usage_by_flavor`` over ``start``..``end``,
    ``hypervisors``, ``volumes`` (empty without block storage); ``notes`` (what could not be read, e.g. hosts without an admin role) and
    ``failures`` (clouds that did not answer); ``clouds``: how many answered."""

    summary: dict
    servers: pd.DataFrame
    limits: pd.DataFrame
    server_usage: pd.DataFrame
    usage_by_flavor: pd.DataFrame
    hypervisors: pd.DataFrame
    volumes: pd.DataFrame | None = None
    start: Any = None
    end: Any = None
    notes: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    clouds: int = 1


def _bundle(cloud, *, start, end, all_projects: bool, notes: list) -> dict:
    from novamagic.client import Forbidden, NotFound

    found = {
        "servers": servers_frame(cloud.servers(all_projects=all_projects)),
        "limits": limits_frame(cloud.limits()),
        "volumes": volumes_frame(cloud.volumes() if cloud.has_block_storage() else []),
    }
    try:
        found["server_usage"] = server_usage_frame(
            cloud.usage(start, end, all_projects=all_projects)
        )
    except NotFound:  # a cloud without os-simple-tenant-usage
        found["server_usage"] = server_usage_frame([])
        notes.append("this cloud has no usage accounting (os-simple-tenant-usage)")
    try:
        found["hypervisors"] = hypervisors_frame(cloud.hypervisors())
    except Forbidden:  # a member's report: against quota only, and it says so
        found["hypervisors"] = hypervisors_frame([])
        note = (
            "capacity against hosts needs an admin role (os-hypervisors); shown against quota only"
        )
        if note not in notes:
            notes.append(note)
    return found


def _empty() -> dict:
    return {
        "servers": servers_frame([]),
        "limits": limits_frame({}),
        "server_usage": server_usage_frame([]),
        "hypervisors": hypervisors_frame([]),
        "volumes": volumes_frame([]),
    }


def gather_report(
    cloud=None,
    *,
    clouds=None,
    regions=None,
    all_regions: bool = False,
    start=None,
    end=None,
    all_projects: bool = False,
    connect=None,
) -> ReportData:
    """The report's data from ``cloud`` (one session), or from ``clouds`` / ``regions`` /
    ``all_regions`` as :func:`~novamagic.frames.fleet.fetch_across` takes them, concurrently.
    Usage is over ``start``..``end`` (default: all so far); limits are summed over the clouds."""
    notes: list[str] = []

    def fetch(target):
        return _bundle(target, start=start, end=end, all_projects=all_projects, notes=notes)

    if clouds is None and not regions and not all_regions:
        found, failures, answered = fetch(cloud), [], 1
    else:
        merged = fetch_across(
            clouds if clouds is not None else [("this session", cloud)],
            fetch,
            empty=_empty,
            regions=regions,
            all_regions=all_regions,
            connect=connect,
        )
        found, failures, answered = merged.frame, merged.failures, merged.answered
    limits = found["limits"]
    if answered > 1 and len(limits):  # several projects' quotas: their sums (unlimited stays so)
        limits = (
            limits.groupby("name", sort=False)[["used", "max"]]
            .sum(min_count=1)
            .reset_index()
            .astype({"name": "string", "used": "Int64", "max": "Int64"})
        )
        unlimited = (
            found["limits"].groupby("name", sort=False)["max"].apply(lambda m: m.isna().any())
        )
        limits.loc[limits["name"].map(unlimited).fillna(False).astype(bool), "max"] = pd.NA
    # Cinder's own maxima, from the one session (many clouds' volume quotas are not summed).
    single = clouds is None and not regions and not all_regions
    volume_limits = cloud.volume_limits() if single and len(found["volumes"]) else None
    summary = fleet_summary(
        found["servers"],
        limits,
        found["hypervisors"],
        volumes=found["volumes"],
        volume_limits=volume_limits,
    )
    return ReportData(
        summary=summary,
        servers=found["servers"],
        limits=limits,
        server_usage=found["server_usage"],
        usage_by_flavor=usage_by_flavor(found["server_usage"]),
        hypervisors=found["hypervisors"],
        volumes=found["volumes"],
        start=start,
        end=end,
        notes=notes,
        failures=failures,
        clouds=answered,
    )
