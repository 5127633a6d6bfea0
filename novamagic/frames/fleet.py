"""Many clouds and regions at once: the same listing from each, fetched concurrently (threads:
the work is waiting on HTTP), merged into one frame with ``cloud`` and ``region`` columns.

A cloud that fails (to connect, or to answer) is one :class:`Failure` line; the others still
come back. Clouds named here (clouds.yaml names) are connected and closed here; ``Cloud``
objects passed in are the caller's and stay open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Clouds (or regions) queried at once: enough for a fleet of clouds, few enough to be polite.
MAX_WORKERS = 8


@dataclass(frozen=True)
class Failure:
    """One cloud (or one region of it) that did not answer, and why, in one line."""

    cloud: str
    region: str | None
    error: str

    def __str__(self) -> str:
        where = f"{self.cloud} ({self.region})" if self.region else self.cloud
        return f"{where}: {self.error}"


@dataclass
class Merged:
    """``frame``: every answering cloud's rows, ``cloud`` and ``region`` first (a dict of such
    frames when the fetch gave several kinds); ``failures``: the clouds that did not answer.
    ``ok`` when none failed."""

    frame: Any
    failures: list[Failure] = field(default_factory=list)
    answered: int = 0  # the clouds (and regions) whose rows are in ``frame``

    @property
    def ok(self) -> bool:
        return not self.failures


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _label(cloud: Any, index: int) -> str:
    config = getattr(cloud, "config", None)
    return (
        getattr(config, "cloud_name", None) or getattr(config, "source", None) or f"cloud-{index}"
    )


def fetch_across(
    clouds: Iterable[Any],
    fetch: Callable[[Any], Any],
    *,
    empty: Callable[[], Any] | None = None,
    regions: Iterable[str] | None = None,
    all_regions: bool = False,
    connect: Callable[..., Any] | None = None,
    workers: int = MAX_WORKERS,
) -> Merged:
    """``fetch(cloud) -> frame`` on every cloud (a clouds.yaml name, a ``Cloud``, or a
    ``(label, Cloud)`` pair naming it in the ``cloud`` column) and region
    (``regions``: these; ``all_regions``: each compute region of its catalog; else the cloud's
    own), concurrently; one frame with ``cloud`` and ``region`` columns, and the failures.
    ``fetch`` may return a dict of frames (a report's several listings from one login): each
    kind is merged on its own. ``empty()`` gives the columns when no cloud answers."""
    if connect is None:
        from novamagic.client import connect
    refs = list(clouds)
    regions = list(regions or [])
    opened: list[Any] = []
    failures: list[Failure] = []

    def open_cloud(index: int, ref: Any) -> tuple[str, Any]:
        if isinstance(ref, tuple):  # (label, Cloud)
            return ref
        if not isinstance(ref, str):
            return _label(ref, index), ref
        cloud = connect(ref, **({"region_name": regions[0]} if regions else {}))
        opened.append(cloud)
        return ref, cloud

    def targets_of(label: str, cloud: Any) -> list[tuple[str, str | None, Any]]:
        here = cloud.region
        out = []
        for region in cloud.regions() if all_regions else regions or [here]:
            if region is None or region == here:
                out.append((label, here, cloud))
                continue
            try:
                other = cloud.in_region(region)
            except Exception as exc:  # noqa: BLE001 - one region's failure is one line
                failures.append(Failure(label, region, _one_line(exc)))
                continue
            opened.append(other)
            out.append((label, region, other))
        return out

    def run(target: tuple[str, str | None, Any]):
        label, region, cloud = target
        found = fetch(cloud)
        for frame in found.values() if isinstance(found, dict) else [found]:
            _mark(frame, label, region)
        return found

    frames: list[pd.DataFrame] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(refs) or 1))) as pool:
            # Connect (and find each cloud's regions) concurrently: logging in is most of the wait.
            def connected(item):
                label, cloud = open_cloud(*item)
                return targets_of(label, cloud)

            targets = []
            for (index, ref), outcome in zip(
                enumerate(refs), pool.map(_capture(connected), enumerate(refs)), strict=True
            ):
                if isinstance(outcome, BaseException):
                    name = (
                        ref
                        if isinstance(ref, str)
                        else ref[0]
                        if isinstance(ref, tuple)
                        else _label(ref, index)
                    )
                    where = regions[0] if regions and isinstance(ref, str) else None
                    failures.append(Failure(name, where, _one_line(outcome)))
                else:
                    targets.extend(outcome)
            for target, outcome in zip(targets, pool.map(_capture(run), targets), strict=True):
                if isinstance(outcome, BaseException):
                    failures.append(Failure(target[0], target[1], _one_line(outcome)))
                else:
                    frames.append(outcome)
    finally:
        for cloud in opened:
            try:
                cloud.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
    answered = len(frames)
    if not frames:
        frames = [empty() if empty is not None else pd.DataFrame()]
        for frame in frames[0].values() if isinstance(frames[0], dict) else frames:
            _mark(frame, None, None)
    if isinstance(frames[0], dict):  # a bundle of frames per cloud: merged kind by kind
        merged = {key: pd.concat([f[key] for f in frames], ignore_index=True) for key in frames[0]}
        return Merged(merged, failures, answered)
    return Merged(pd.concat(frames, ignore_index=True), failures, answered)


def _mark(frame: pd.DataFrame, label: str | None, region: str | None) -> None:
    frame.insert(0, "region", pd.array([region] * len(frame), dtype="string"))
    frame.insert(0, "cloud", pd.array([label] * len(frame), dtype="string"))


def servers_across(
    clouds: Iterable[Any], *, regions=None, all_regions=False, connect=None, **filters
) -> Merged:
    """``Cloud.servers(**filters)`` from each cloud and region, as one servers frame with
    ``cloud`` and ``region`` first (the Python face of ``%nova servers --cloud A --cloud B``)."""
    from novamagic.frames.servers import servers_frame

    return fetch_across(
        clouds,
        lambda cloud: servers_frame(cloud.servers(**filters)),
        empty=lambda: servers_frame([]),
        regions=regions,
        all_regions=all_regions,
        connect=connect,
    )


def _capture(function):
    """``function`` returning its exception instead of raising it (pool.map stops at one)."""

    def captured(argument):
        try:
            return function(argument)
        except Exception as exc:  # noqa: BLE001 - reported as that cloud's failure line
            return exc

    return captured
