"""The report's charts, drawn on matplotlib axes the caller owns (a bare Figure or pyplot's).

One colour rule for every capacity chart (``%nova report`` and notebook 08's own): a bar at or
over the threshold is orange, under it green, and the threshold is a dashed line. Every chart
names its axes, so a picture pasted into a ticket still says what it counts.
"""

from __future__ import annotations

import pandas as pd

#: Percent of a limit at which a resource counts as nearly full.
THRESHOLD_PERCENT = 80.0
OVER, UNDER, NEUTRAL = "#dd8452", "#55a868", "#4c72b0"


def threshold_colours(percents, threshold: float = THRESHOLD_PERCENT) -> list[str]:
    """The colour of each bar: OVER at or above ``threshold``, UNDER below it."""
    return [OVER if float(p) >= threshold else UNDER for p in percents]


def status_chart(ax, by_status: pd.DataFrame) -> None:
    """Horizontal bars of servers per status (long names such as VERIFY_RESIZE stay readable)."""
    ax.barh(by_status["status"].astype(str), by_status["servers"].astype(int), color=NEUTRAL)
    ax.invert_yaxis()  # the first status of the table on top, as in the table
    ax.set_title("servers by status")
    ax.set_xlabel("servers")
    ax.set_ylabel("status")


def capacity_chart(
    ax,
    totals: pd.DataFrame,
    *,
    percent: str = "percent",
    used: str = "used",
    limit: str = "max",
    threshold: float = THRESHOLD_PERCENT,
    title: str = "% of limit used",
    xlabel: str = "% of the project's limit in use",
) -> None:
    """Bars of ``percent`` per resource, coloured by ``threshold``, each labelled "used of limit";
    resources without a limit are left out (nothing to be a percent of)."""
    shown = totals.dropna(subset=[percent])
    values = shown[percent].astype(float)
    ax.barh(shown["resource"].astype(str), values, color=threshold_colours(values, threshold))
    ax.invert_yaxis()
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, max(100.0, float(values.max()) if len(values) else 100.0))
    for y, (part, most) in enumerate(zip(shown[used], shown[limit], strict=True)):
        ax.text(1, y, f"{int(part):,} of {int(most):,}", va="center", color="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("resource")


def usage_chart(ax, by_flavor: pd.DataFrame, *, title: str = "vCPU-hours by flavor") -> None:
    """Horizontal bars of vCPU-hours per flavor over the report's period."""
    ax.barh(by_flavor["flavor"].astype(str), by_flavor["vcpu_hours"].astype(float), color=NEUTRAL)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("vCPU-hours")
    ax.set_ylabel("flavor")
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # matplotlib is there: ax is its own

    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))  # 1.5M, not 1.5 and a "1e6" aside


def _compact(value: float, _position=None) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"
