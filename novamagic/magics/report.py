"""``%nova report``'s result: the fleet report's frames and its figure, shown as text or HTML.

Tables as people read them (no ``<NA>``: "–" where there is no limit), a heading that names the
period and the clouds, and the figure as an embedded PNG (so a saved notebook, or the HTML that
``novamagic report`` renders, carries it).
"""

from __future__ import annotations

import html


def _period(start, end) -> str:
    if start is None and end is None:
        return "all usage so far"
    return f"usage from {start or 'the beginning'} to {end or 'now'}"


class Report:
    """Frames ``by_status``, ``by_flavor``, ``totals`` (against quota and hosts), ``servers``,
    ``limits``, ``server_usage``, ``usage_by_flavor``, ``hypervisors``; ``figure`` (matplotlib,
    None without it or with ``--no-plot``), ``notes`` and ``failures`` (one line each)."""

    def __init__(self, data, figure=None, note: str | None = None):
        self.data = data
        self.by_status = data.summary["by_status"]
        self.by_flavor = data.summary["by_flavor"]
        self.totals = data.summary["totals"]
        self.servers = data.servers
        self.limits = data.limits
        self.server_usage = data.server_usage
        self.usage_by_flavor = data.usage_by_flavor
        self.hypervisors = data.hypervisors
        self.volumes_by_project = data.summary.get("volumes_by_project")  # with volumes only
        self.failures = list(data.failures)
        self.notes = list(data.notes) + ([note] if note else [])
        self.figure = figure

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None

    def _heading(self) -> str:
        clouds = f" on {self.data.clouds} clouds" if self.data.clouds > 1 else ""
        return f"Fleet report: {len(self.servers)} servers{clouds}"

    def _shown(self, frame):
        from novamagic.frames import for_display

        return for_display(frame)

    def __repr__(self) -> str:
        return f"<Report: {len(self.servers)} servers>"

    def _lines(self) -> list[str]:
        return [f"failed: {f}" for f in self.failures] + list(self.notes)

    def _repr_pretty_(self, p, cycle):
        parts = [
            self._heading(),
            "",
            self.by_status.to_string(index=False),
            "",
            self.by_flavor.to_string(index=False),
            "",
            self._shown(self.totals).to_string(index=False),
            "",
            f"{_period(self.data.start, self.data.end)}:",
            self._shown(self.usage_by_flavor.round(1)).to_string(index=False),
        ]
        if self.volumes_by_project is not None:
            parts += ["", self.volumes_by_project.to_string(index=False)]
        if self._lines():
            parts += ["", *self._lines()]
        for i, line in enumerate("\n".join(parts).splitlines()):
            if i:
                p.break_()
            p.text(line)

    def _repr_html_(self) -> str:
        def table(frame, caption):
            return (
                f"<div><div><b>{html.escape(caption)}</b></div>"
                f"{self._shown(frame).to_html(index=False)}</div>"
            )

        blocks = [
            f"<h4>{html.escape(self._heading())}</h4>",
            "<div style='display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap'>",
            table(self.by_status, "by status"),
            table(self.by_flavor, "by flavor"),
            table(self.totals, "against quota and hosts"),
            table(self.usage_by_flavor.round(1), _period(self.data.start, self.data.end)),
            *(
                [table(self.volumes_by_project, "volumes by project")]
                if self.volumes_by_project is not None
                else []
            ),
            "</div>",
        ]
        if self.figure is not None:
            blocks.append(_figure_html(self.figure))
        blocks += [f"<p><em>{html.escape(line)}</em></p>" for line in self._lines()]
        return "".join(blocks)


def _figure_html(figure) -> str:
    import base64
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='fleet report' src='data:image/png;base64,{data}'/>"
