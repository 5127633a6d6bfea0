"""The numbers behind ``%nova report``: pure pandas on the servers and limits frames."""

from __future__ import annotations

import pandas as pd

from novamagic.frames.columns import FLOAT, INT, STRING


def fleet_summary(
    servers: pd.DataFrame,
    limits: pd.DataFrame | None = None,
    volumes: pd.DataFrame | None = None,
    volume_limits: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Aggregate a servers frame (and a limits frame) into the frames of ``%nova report``.

    ``by_status``: status, servers.  ``by_flavor``: flavor, servers, vcpus, ram_mb, disk_gb.
    ``totals``: resource (instances, cores, ram_mb, disk_gb), used (summed from the servers),
    max (from limits, ``<NA>`` when unlimited or unknown), percent (Float64). A ``volumes``
    frame with rows adds ``volumes`` and ``volume_gb`` to totals (max from Cinder's absolute
    ``volume_limits``) and ``volumes_by_project`` (project_id, volumes, gigabytes).
    """
    by_status = (
        servers.groupby("status", dropna=False, sort=True)
        .size()
        .rename("servers")
        .reset_index()
        .astype({"status": STRING, "servers": INT})
    )
    flavor = servers["flavor"].fillna(servers["flavor_id"]).fillna("?")
    by_flavor = (
        servers.assign(flavor=flavor, servers=1)
        .groupby("flavor", sort=True)[["servers", "vcpus", "ram_mb", "disk_gb"]]
        .sum(min_count=0)
        .reset_index()
        .astype({"flavor": STRING, "servers": INT, "vcpus": INT, "ram_mb": INT, "disk_gb": INT})
    )
    used = {
        "instances": len(servers),
        "cores": servers["vcpus"].sum(),
        "ram_mb": servers["ram_mb"].sum(),
        "disk_gb": servers["disk_gb"].sum(),
    }
    maxima = {}
    if limits is not None and len(limits):
        maxima = dict(zip(limits["name"], limits["max"], strict=True))
    extra = {}
    if volumes is not None and len(volumes):
        used.update(volumes=len(volumes), volume_gb=volumes["size_gb"].sum())
        cinder = volume_limits or {}
        for name, key in (("volumes", "maxTotalVolumes"), ("volume_gb", "maxTotalVolumeGigabytes")):
            if isinstance(cinder.get(key), int) and cinder[key] >= 0:
                maxima[name] = cinder[key]
        extra["volumes_by_project"] = (
            volumes.assign(project_id=volumes["project_id"].fillna("?"), volumes=1)
            .groupby("project_id", sort=True)[["volumes", "size_gb"]]
            .sum(min_count=0)
            .rename(columns={"size_gb": "gigabytes"})
            .reset_index()
            .astype({"project_id": STRING, "volumes": INT, "gigabytes": INT})
        )
    totals = pd.DataFrame(
        {
            "resource": pd.array(list(used), dtype=STRING),
            "used": pd.array([int(v) for v in used.values()], dtype=INT),
            "max": pd.array([maxima.get(k) for k in used], dtype=INT),
        }
    )
    capped = totals["max"].where(totals["max"] > 0)  # a zero quota gives no meaningful percent
    totals["percent"] = (totals["used"] * 100 / capped).astype(FLOAT).round(1)
    return {"by_status": by_status, "by_flavor": by_flavor, "totals": totals, **extra}
