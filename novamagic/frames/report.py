"""The numbers behind ``%nova report``: pure pandas on the servers and limits frames."""

from __future__ import annotations

import re

import pandas as pd

from novamagic.frames.columns import FLOAT, INT, STRING


def fleet_summary(
    servers: pd.DataFrame,
    limits: pd.DataFrame | None = None,
    hypervisors: pd.DataFrame | None = None,
    volumes: pd.DataFrame | None = None,
    volume_limits: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Aggregate a servers frame (and a limits and a hypervisors frame) into the frames of
    ``%nova report``.

    ``by_status``: status, servers.  ``by_flavor``: flavor, servers, vcpus, ram_mb, disk_gb.
    ``totals``: resource (instances, cores, ram_mb, disk_gb), used (summed from the servers),
    max (from limits, ``<NA>`` when unlimited or unknown: Nova has no disk quota), percent
    (Float64), then the hosts: host_used and host_total (summed over the hypervisors: what
    every project's servers hold of them; ``<NA>`` without a hypervisors frame) and
    host_percent. A ``volumes`` frame with rows adds ``volumes`` and ``volume_gb`` to totals
    (max from Cinder's absolute ``volume_limits``) and ``volumes_by_project`` (project_id,
    volumes, gigabytes).
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
        .groupby("flavor", sort=False)[["servers", "vcpus", "ram_mb", "disk_gb"]]
        .sum(min_count=0)
        .reset_index()
        .pipe(sort_naturally, "flavor")
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
    host_used, host_total = {}, {}
    if hypervisors is not None and len(hypervisors):
        for resource, (used_col, total_col) in HOST_COLUMNS.items():
            if used_col is not None and hypervisors[total_col].notna().any():
                host_used[resource] = int(hypervisors[used_col].sum())
                host_total[resource] = int(hypervisors[total_col].sum())
    totals["host_used"] = pd.array([host_used.get(k) for k in used], dtype=INT)
    totals["host_total"] = pd.array([host_total.get(k) for k in used], dtype=INT)
    hosted = totals["host_total"].where(totals["host_total"] > 0)
    totals["host_percent"] = (totals["host_used"] * 100 / hosted).astype(FLOAT).round(1)
    return {"by_status": by_status, "by_flavor": by_flavor, "totals": totals, **extra}


#: Each totals resource as the hypervisors frame has it: (its use, its size); instances have
#: no size on a host (running_vms counts them, but nothing caps them).
HOST_COLUMNS = {
    "instances": (None, "running_vms"),
    "cores": ("vcpus_used", "vcpus"),
    "ram_mb": ("ram_mb_used", "ram_mb"),
    "disk_gb": ("disk_gb_used", "disk_gb"),
}


def natural_key(text) -> tuple:
    """A sort key reading runs of digits as numbers: legacy-1, legacy-9, legacy-10."""
    if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
        return ((2, 0, ""),)  # missing names last
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.split(r"(\d+)", str(text))
        if part
    )


def sort_naturally(frame: pd.DataFrame, by, *, ascending=True) -> pd.DataFrame:
    """``frame.sort_values(by)`` with text columns in natural order (numbers in names as
    numbers), other columns as pandas sorts them; stable, so ties keep their order."""

    def key(column: pd.Series) -> pd.Series:
        if column.dtype == "string" or column.dtype == object:
            return column.map(natural_key)
        return column

    return frame.sort_values(by, ascending=ascending, key=key, kind="stable")


def for_display(frame: pd.DataFrame, missing: str = "–") -> pd.DataFrame:
    """A copy to show people: missing values as ``missing`` instead of ``<NA>`` (pandas'
    ``na_rep`` leaves the nullable dtypes' ``pd.NA`` alone); numbers stay as they were."""
    shown = frame.astype(object)
    return shown.where(frame.notna(), missing)
