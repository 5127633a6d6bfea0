"""``novamagic report``: notebook 08 run with parameters (papermill) and rendered as one
self-contained HTML page (nbconvert; plots embedded as data: URIs, no code cells by default).

    novamagic report --cloud lab --cloud prod --start 2026-11-01 -o report.html

With no ``--cloud`` and no ``OS_CLOUD`` the notebook reports on its own seeded local cloud. A cell
that fails ends the command with status 1 and that cell's error in one line (the executed
notebook is kept with ``--keep-notebook`` to see the rest). Needs the ``report`` extra
(``pip install 'novamagic[report]'``: papermill, nbconvert, ipykernel, matplotlib).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
from pathlib import Path

#: The notebook the report runs: notebook 08 of this checkout.
REPORT_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_fleet_report.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: JupyterLab's page without what it loads from CDNs (require.js and the widgets' manager,
#: MathJax, Mermaid):
#: the report needs none, and it opens the same offline, from a mail or a ticket.
TEMPLATE = (
    "{%- extends 'index.html.j2' -%}"
    "{% block html_head_js %}{% endblock %}"
    "{% block html_head_js_mathjax %}{% endblock %}"
    "{% block html_head_js_mermaidjs %}{% endblock %}"
    "{% block jupyter_widgets %}{% endblock %}"
)


class ReportError(Exception):
    """What stops the command, in one line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="novamagic", description="novamagic's commands")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="run the fleet report notebook with parameters and render it as HTML",
        description=__doc__.split("\n\n")[0],
    )
    report.add_argument("--cloud", action="append", default=[], metavar="NAME",
                        help="a clouds.yaml cloud (repeat for several; default OS_CLOUD or a local cloud)")  # fmt: skip
    report.add_argument("--region", action="append", default=[], metavar="NAME",
                        help="a region of each cloud (repeat for several)")  # fmt: skip
    report.add_argument("--all-regions", action="store_true", help="every region of each catalog")
    report.add_argument("--all-projects", action="store_true",
                        help="every project's servers and usage (admins)")  # fmt: skip
    report.add_argument("--start", help="usage from this ISO 8601 date or time")
    report.add_argument("--end", help="usage up to this date or time")
    report.add_argument("--threshold", type=float, default=80.0, metavar="PERCENT",
                        help="bars at or over this %% of a limit are orange (default 80)")  # fmt: skip
    report.add_argument("-o", "--output", default="report.html", metavar="FILE.html")
    report.add_argument("--notebook", type=Path, default=REPORT_NOTEBOOK,
                        help="the report notebook (default: notebook 08)")  # fmt: skip
    report.add_argument("--keep-notebook", type=Path, metavar="FILE.ipynb",
                        help="also save the executed notebook here")  # fmt: skip
    report.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML")
    report.add_argument("--timeout", type=float, default=600.0, help="seconds per cell (600)")
    return parser


def parameters(args) -> dict:
    """The notebook's parameters cell, from the command line."""
    return {
        "clouds": list(args.cloud),
        "regions": ["all"] if args.all_regions else list(args.region),
        "projects": "all" if args.all_projects else "mine",
        "start": args.start,
        "end": args.end,
        "threshold": args.threshold,
    }


def _one_line(text: str) -> str:
    lines = [line.strip() for line in ANSI.sub("", text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def execute(notebook: Path, params: dict, output: Path, timeout: float):
    """Run ``notebook`` with ``params`` into ``output``; a failing cell is a ReportError."""
    try:
        import papermill
        from papermill.exceptions import PapermillExecutionError
    except ImportError:
        raise ReportError(
            "the report needs papermill and nbconvert: pip install 'novamagic[report]'"
        ) from None
    if not notebook.is_file():
        raise ReportError(f"no report notebook at {notebook}: give one with --notebook")
    # papermill warns of parameters it cannot see in the cell (its guess at `x = []  # note`);
    # they are injected all the same, so the warnings would only bury the command's one line.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    try:
        return papermill.execute_notebook(
            str(notebook), str(output), parameters=params, kernel_name="python3",
            progress_bar=False, cwd=str(output.parent), execution_timeout=timeout,
        )  # fmt: skip
    except PapermillExecutionError as exc:
        cell = f"cell {exc.exec_count}" if exc.exec_count else f"cell #{exc.cell_index}"
        error = _one_line(exc.evalue) or _one_line("\n".join(exc.traceback or []))
        raise ReportError(f"{cell} failed: {exc.ename}: {error}") from None


def render(executed: Path, show_code: bool) -> tuple[str, int, int]:
    """The executed notebook as one HTML page (images inline); its tables and images counted."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file="report.html.j2",
        extra_loaders=[DictLoader({"report.html.j2": TEMPLATE})],
        embed_images=True,
    )
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = not show_code
    page, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    return page, page.count("<table"), page.count("data:image/png;base64,")


def report(args) -> int:
    output = Path(args.output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"-o {args.output}: the report is HTML; name a .html file")
    with tempfile.TemporaryDirectory(prefix="novamagic-report-") as work:
        executed = Path(work) / "report.ipynb"
        try:
            execute(args.notebook, parameters(args), executed, args.timeout)
        finally:
            if args.keep_notebook and executed.exists():
                args.keep_notebook.write_bytes(executed.read_bytes())
        page, tables, images = render(executed, args.show_code)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    print(f"{output}: {tables} tables, {images} plots")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return report(args)
    except ReportError as exc:
        print(f"novamagic {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # -o in a folder that cannot be written, ...
        print(f"novamagic {args.command}: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
