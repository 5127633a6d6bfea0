"""The boot form in a real browser: JupyterLab on 127.0.0.1, headless Chromium driven by Playwright.

The notebook logs in to a local cloud started inside its kernel (``%nova login --local``, with a
fast ScaledClock), so a server builds in about a second. The test presses Run All, fills the form,
clicks Boot, waits until the widget shows the server ACTIVE, refreshes the fleet view, asks for a
bulk delete (and says No at the confirm step), and saves screenshots to test-artifacts/. A second
test opens a copy of notebooks/08_fleet_report.ipynb in the same JupyterLab and photographs the
saved ``%nova report`` output. A third opens a copy of the workshop notebook 09 (its local cloud
on a manual clock), runs it all and clicks through it as a class would: Boot, Refresh, Select
shown, Reboot, Yes, Refresh, then Resize and Confirm for each server. The README's copies in docs/img/ are written when missing or with
NOVAMAGIC_UPDATE_DOCS_IMG=1.

Needs Debian's ``chromium`` at /usr/bin/chromium (never a downloaded browser) and the [test]
extra's jupyterlab and playwright. JupyterLab runs in its own process group with a random token,
a temporary root and config directories, and no update or news checks; it is killed at teardown.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMG = ROOT / "docs" / "img"
IMAGE = "cirros-0.6.2-x86_64-disk"
FLEET_REPORT = ROOT / "notebooks" / "08_fleet_report.ipynb"  # committed with its outputs
WORKSHOP = ROOT / "notebooks" / "09_workshop_widgets.ipynb"
STARTUP = 60.0  # seconds JupyterLab may take to start on a busy 2-core machine
UI = 45_000  # milliseconds for the browser to show something

# The notebook the browser opens: written into the server's temporary root by the fixture.
CELLS = [
    ("markdown", "# novamagic widgets in JupyterLab\nA local cloud in this kernel, fast clock."),
    ("code", "%load_ext novamagic\n%nova login --local\n%nova local speed 20"),
    (
        "code",
        f"%%nova_boot --count 3\nname: web-{{n}}\nimage: {IMAGE}\nflavor: m1.small\n"
        "metadata: {role: web}",
    ),
    ("code", f"%%nova_boot --count 2\nname: db-{{n}}\nimage: {IMAGE}\nflavor: m1.medium"),
    ("code", "%nova boot-form"),
    ("code", "%nova fleet"),
    ("code", "%nova servers"),
]

# The instructor's notebook: a classroom cloud in the kernel (three learners and their teacher),
# the teacher logged in through a clouds.yaml, the class view refreshing itself, then a learner
# finishing the exercise while the view is on screen.
CLASS_SETUP = f"""\
import os, pathlib, yaml
from novamagic.client import connect
from novamagic.localcloud import LocalCloud, ScaledClock
people = [dict(name=f"learner-{{n}}", password=f"pw-{{n}}-learner", project=f"class-{{n}}")
          for n in (1, 2, 3)]
people.append(dict(name="teacher", password="teacher-pw", project="staff", roles=["admin"]))
classroom = LocalCloud(seed=4, users=people, clock=ScaledClock(speed=50), token_ttl=86400).start()
def learner(n):
    return connect(auth_url=classroom.auth_url, username=f"learner-{{n}}",
                   password=f"pw-{{n}}-learner", project_name=f"class-{{n}}",
                   user_domain_name="Default", project_domain_name="Default")
teacher = dict(auth_url=classroom.auth_url, username="teacher", password="teacher-pw",
               project_name="staff", user_domain_name="Default", project_domain_name="Default")
pathlib.Path("class-clouds.yaml").write_text(yaml.safe_dump(
    {{"clouds": {{"teacher": {{"auth": teacher, "identity_api_version": 3}}}}}}))
os.environ["OS_CLIENT_CONFIG_FILE"] = "class-clouds.yaml"
pathlib.Path("class-exercises").mkdir(exist_ok=True)
pathlib.Path("class-exercises/first-server.yaml").write_text(
    "exercise: first-server\\ntitle: Boot web-1\\nrequires:\\n"
    "  - server: web-1\\n    status: ACTIVE\\n")
learner(2).create_server("web-1", "{IMAGE}", "m1.tiny", wait=True)
try:
    learner(1).raw("GET", "/servers/web-one")  # a learner's mistake, seen by the teacher
except Exception as mistake:
    print(type(mistake).__name__)
"""
CLASS_CELLS = [
    ("markdown", "# The instructor's view\nThree learners and their teacher on one cloud."),
    ("code", "%load_ext novamagic\n" + CLASS_SETUP),
    ("code", "%nova login teacher"),
    ("code", "%nova class --every 1 --exercises class-exercises"),
    ("code", f'learner(3).create_server("web-1", "{IMAGE}", "m1.tiny", wait=True)["status"]'),
]


def write_notebook(path: Path, cells=CELLS) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_markdown_cell(source)
        if kind == "markdown"
        else nbformat.v4.new_code_cell(source)
        for kind, source in cells
    ]
    nbformat.write(notebook, path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLab:
    """A JupyterLab server in its own process group; ``ready`` is set when it says it runs."""

    def __init__(self, root: Path, home: Path):
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.log: list[str] = []
        self.ready = threading.Event()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "JUPYTER"))}
        env.update(
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
            IPYTHONDIR=str(home / "ipython"),
            OS_CLIENT_CONFIG_FILE=str(home / "no-clouds.yaml"),
            MPLBACKEND="agg",
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ServerApp.open_browser=False",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.news_url=None",
                "--LabApp.extension_manager=readonly",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
            ],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: the kernel dies with it
        )
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            if f"127.0.0.1:{self.port}/lab" in line:
                self.ready.set()
        self.ready.set()  # the server exited: stop waiting, the test says why

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def tail(self) -> str:
        return "\n".join(self.log[-30:])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab for every test here: its startup is most of a test's time."""
    if not CHROMIUM.exists():  # a failure, not a skip: .ci/run installs it
        pytest.fail("this test drives Debian's chromium: apt-get install chromium")
    tmp_path = tmp_path_factory.mktemp("lab")
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    write_notebook(root / "widgets.ipynb")
    write_notebook(root / "classroom.ipynb", CLASS_CELLS)
    shutil.copyfile(FLEET_REPORT, root / FLEET_REPORT.name)  # a copy: Lab may save what it opens
    shutil.copyfile(WORKSHOP, root / WORKSHOP.name)
    if (WORKSHOP.parent / "exercises").is_dir():  # the workshop's %nova check finds them beside it
        shutil.copytree(WORKSHOP.parent / "exercises", root / "exercises")
    # No "official Jupyter news?" toast over the widgets, and no request to fetch any.
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    # Every cell in the page, not only those near the viewport: a long notebook is checked whole.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    server = JupyterLab(root, home)
    try:
        assert server.ready.wait(STARTUP), f"JupyterLab did not start:\n{server.tail()}"
        assert server.process.poll() is None, f"JupyterLab exited:\n{server.tail()}"
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(lab, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.set_default_timeout(UI)
            yield page
            if getattr(request.node, "failed", False):  # what the browser showed, for the log
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / "browser-failure.png", full_page=True)
        finally:
            browser.close()


def test_boot_form_boots_a_server_in_jupyterlab(lab, page):
    from playwright.sync_api import expect

    expect.set_options(timeout=UI)  # assertions wait as long as actions (the default is 5 s)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(lab.url("lab/tree/widgets.ipynb"))
    kernel_idle = page.get_by_role("button", name=re.compile(r"^Python 3 \(ipykernel\) \| Idle"))
    expect(kernel_idle).to_be_visible(timeout=UI)

    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

    form = page.locator(".novamagic-boot-form").first
    expect(form.locator("button.nm-boot-button")).to_be_disabled()
    page.locator(".nm-boot-name input").fill("demo-1")
    page.locator(".nm-boot-image select").select_option(label=IMAGE)
    page.locator(".nm-boot-flavor select").select_option(
        label="m1.tiny — 1 vCPU, 512 MB RAM, 1 GB disk"
    )
    boot = page.locator("button.nm-boot-button")
    expect(boot).to_be_enabled()
    boot.click()

    status = page.locator(".nm-boot-status")
    expect(status).to_contain_text("demo-1", timeout=UI)
    expect(status).to_contain_text("ACTIVE", timeout=UI)
    expect(page.locator(".nm-boot-result")).to_contain_text("demo-1")
    page.screenshot(path=ARTIFACTS / "jupyterlab-boot-form-page.png", full_page=True)
    form.screenshot(path=ARTIFACTS / "boot-form.png")

    fleet = page.locator(".novamagic-fleet").first
    fleet.scroll_into_view_if_needed()
    page.locator("button.nm-fleet-refresh").click()
    rows = page.locator(".nm-fleet-rows")
    expect(rows).to_contain_text("demo-1")
    expect(page.locator(".nm-fleet-info")).to_contain_text("6 servers")
    expect(rows).not_to_contain_text("BUILD", timeout=UI)  # every server up before the picture
    for name in ("web-1", "web-2"):  # tick two rows, ask to delete them: the confirm step shows
        row = rows.locator(".widget-hbox").filter(has_text=name)
        row.locator("input[type=checkbox]").check()
    expect(page.locator(".nm-fleet-info")).to_contain_text("2 selected")
    page.locator("button.nm-fleet-delete").click()
    expect(fleet).to_contain_text("Delete 2 servers: web-1, web-2?")
    fleet.screenshot(path=ARTIFACTS / "fleet-view.png")
    page.locator("button.nm-fleet-no").click()
    expect(fleet).not_to_contain_text("Delete 2 servers")
    expect(page.locator(".nm-fleet-info")).to_contain_text("6 servers")

    for name in ("boot-form.png", "fleet-view.png"):
        keep_for_readme(name)

    # %nova servers, as the CLI shows it: six columns that fit the output area at 1280 px
    listing = page.locator(".jp-OutputArea-output").filter(has=page.locator("table.dataframe"))
    table = listing.last
    table.scroll_into_view_if_needed()
    expect(table.locator("thead th")).to_have_text(
        ["", "id", "name", "status", "networks", "image", "flavor"]
    )
    expect(table.locator("tbody tr")).to_have_count(5)  # Run All's web-1..3 and db-1..2
    expect(table).not_to_contain_text("<NA>")
    widths = table.evaluate("out => [out.scrollWidth, out.clientWidth]")
    assert widths[0] <= widths[1], f"%nova servers overflows its output area at 1280 px: {widths}"
    table.screenshot(path=ARTIFACTS / "servers-listing.png")
    # With the file browser closed (as when a teacher projects), every row is one line.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()  # collapse
    first_row = table.locator("tbody tr").first
    expect(page.locator("#jp-left-stack")).to_be_hidden()
    height = first_row.evaluate("tr => tr.getBoundingClientRect().height")
    assert height < 40, f"a row wraps ({height} px high) in a 1280 px window"
    table.screenshot(path=ARTIFACTS / "servers-listing-presenting.png")


def test_fleet_report_renders_in_jupyterlab(lab, page):
    """The report notebook's saved ``%nova report`` output, as JupyterLab shows it: no kernel run."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI)
    ARTIFACTS.mkdir(exist_ok=True)
    # Wide enough for the report's three tables side by side (the overflow check below says so).
    page.set_viewport_size({"width": 1600, "height": 1600})
    page.goto(lab.url(f"lab/tree/{FLEET_REPORT.name}"))
    heading = page.locator("h4", has_text=re.compile(r"^Fleet report: \d+ "))
    report = page.locator(".jp-OutputArea-output").filter(has=heading)
    expect(report).to_have_count(1)
    cell = page.locator(".jp-CodeCell").filter(has=report)  # the magic and its output: the picture
    cell.scroll_into_view_if_needed()
    expect(cell.locator(".jp-InputArea")).to_contain_text("%nova report")
    expect(heading).to_have_text(re.compile(r"^Fleet report: \d+ servers$"))

    tables = report.locator("table")
    expect(tables).to_have_count(4)  # by status, by flavor, against quota and hosts, usage
    for table, header, row in zip(
        tables.all(),
        (
            "status servers",
            "flavor servers vcpus ram_mb disk_gb",
            "resource used max percent host_used host_total host_percent",
            "flavor servers hours vcpu_hours ram_mb_hours disk_gb_hours",
        ),
        ("ACTIVE", "m1.small", "instances", "m1.large"),
        strict=True,
    ):
        expect(table.locator("thead th")).to_have_text(header.split())
        expect(table.locator("tbody")).to_contain_text(row)
    plot = report.locator("img[alt='fleet report']")
    expect(plot).to_be_visible()
    # A data: URI that failed to decode still "shows" as a broken-image box: ask for its pixels.
    assert plot.evaluate("img => img.complete && img.naturalWidth") > 0, "the plot did not load"

    widths = report.evaluate("out => [out.scrollWidth, out.clientWidth]")
    assert widths[0] <= widths[1], f"the report overflows its output area: {widths}"
    cell.screenshot(path=ARTIFACTS / "fleet-report.png")
    keep_for_readme("fleet-report.png")


def test_the_novamagic_report_page_renders_in_a_browser(lab, page, tmp_path):
    """``novamagic report``'s HTML, opened from a file as a recipient would: its tables, its
    plots decoded, nothing fetched from the network; the screenshot is the shared report."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI)
    ARTIFACTS.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(tmp_path / "none.yaml")  # nothing configured: local
    done = subprocess.run(
        [sys.executable, "-m", "novamagic", "report", "-o", str(tmp_path / "report.html")],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto((tmp_path / "report.html").as_uri())
    expect(page.locator("h4", has_text="Fleet report: 303 servers")).to_be_visible()
    expect(page.get_by_text("against quota and hosts")).to_be_visible()
    plots = page.locator("img")
    assert plots.count() >= 3
    for i in range(plots.count()):
        assert plots.nth(i).evaluate("img => img.complete && img.naturalWidth") > 0
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []  # self-contained
    page.screenshot(path=ARTIFACTS / "report-html.png", full_page=True)


def keep_for_readme(name: str) -> None:
    """Copy a screenshot to docs/img/ when missing or on request (NOVAMAGIC_UPDATE_DOCS_IMG=1),
    so a plain test run leaves the committed PNGs alone."""
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    if os.environ.get("NOVAMAGIC_UPDATE_DOCS_IMG") == "1" or not (DOCS_IMG / name).exists():
        shutil.copyfile(ARTIFACTS / name, DOCS_IMG / name)


def test_workshop_notebook_runs_all_and_then_clicks_through_on_its_manual_clock(lab, page):
    """Notebook 09 as a class uses it: Run All leaves each step right, then every click finishes
    on its own although the cloud's clock moves only while something waits."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI)
    ARTIFACTS.mkdir(exist_ok=True)
    # reset: only this notebook open (the other tests' tabs would bring their kernels' buttons)
    page.goto(lab.url(f"lab/tree/{WORKSHOP.name}") + "&reset")
    kernel_idle = page.get_by_role("button", name=re.compile(r"^Python 3 \(ipykernel\) \| Idle"))
    expect(kernel_idle).to_be_visible(timeout=UI)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

    forms = page.locator(".widget-vbox.novamagic-boot-form")
    panel = page.locator(".widget-vbox.novamagic-resize-panel")
    fleets = page.locator(".widget-vbox.novamagic-fleet")
    expect(fleets).to_have_count(2)  # exercise 4's fleet and the one after the cleanup
    expect(fleets.nth(1).locator(".nm-fleet-info")).to_contain_text("0 servers")
    expect(kernel_idle).to_be_visible()
    notebook = page.locator(".jp-Notebook")

    # After Run All, each step shows its own state.
    expect(forms).to_have_count(2)
    invalid = forms.nth(1)  # the "invalid input is marked" step has a form of its own
    expect(invalid).to_contain_text("give the server a name")
    expect(invalid.locator("button.nm-boot-button")).to_be_disabled()
    expect(forms.nth(0).locator(".nm-boot-status")).to_contain_text("web-2")
    fleet = fleets.nth(0)
    expect(fleet.locator(".nm-fleet-info")).to_contain_text("2 servers")  # as it was, not 0
    expect(panel.locator(".nm-resize-note")).to_contain_text("web-2 is gone (deleted)")
    expect(notebook).not_to_contain_text("<NA>")  # no table of missing values anywhere
    expect(notebook).not_to_contain_text("NotFound")
    page.screenshot(path=ARTIFACTS / "workshop-run-all.png", full_page=True)

    # Boot: the form waits for its servers itself.
    form = forms.nth(0)
    status = form.locator(".nm-boot-status")
    before = status.locator("tbody tr td:nth-child(2)").all_inner_texts()  # ids of Run All's boot
    form.locator("button.nm-boot-button").click()
    for old_id in before:
        expect(status).not_to_contain_text(old_id)
    expect(status.locator("tbody tr")).to_have_count(2)
    for index in range(2):
        expect(status.locator("tbody tr").nth(index)).to_contain_text("ACTIVE100%")

    # Refresh, Select shown, Reboot, Yes: the fleet waits until both are ACTIVE again.
    rows = fleet.locator(".nm-fleet-rows")
    fleet.locator("button.nm-fleet-refresh").click()
    expect(rows.locator(".widget-hbox")).to_have_count(2)
    fleet.locator("button.nm-fleet-select-shown").click()
    expect(fleet.locator(".nm-fleet-info")).to_contain_text("2 selected")
    fleet.locator("button.nm-fleet-reboot").click()
    expect(fleet).to_contain_text("Reboot 2 servers: web-1, web-2?")
    fleet.locator("button.nm-fleet-yes").click()
    expect(fleet.locator(".nm-fleet-last-action")).to_have_text(
        "rebooting: 2 of 2 server(s) back ACTIVE"
    )
    expect(rows).not_to_contain_text("REBOOT")
    results = fleet.locator(".nm-fleet-results")
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results).not_to_contain_text("<NA>")
    fleet.locator("button.nm-fleet-refresh").click()
    expect(rows).not_to_contain_text("REBOOT")
    fleet.screenshot(path=ARTIFACTS / "workshop-fleet-rebooted.png")

    # Resize and Confirm each server in the panel, which has followed the new servers.
    picker = panel.locator(".nm-resize-server select")
    for name in ("web-1", "web-2"):
        # as a learner does: pick, look at what the panel says, pick, look, click
        picker.select_option(label=f"{name} (ACTIVE)")
        expect(panel.locator(".nm-resize-current")).to_contain_text(f"{name} (")
        panel.locator(".nm-resize-target select").select_option(
            label="m1.small — 1 vCPU, 2048 MB RAM, 20 GB disk"
        )
        expect(panel.locator(".nm-resize-change")).to_contain_text("RAM 512 MB → 2048 MB")
        panel.locator("button.nm-resize-button").click()
        expect(panel.locator(".nm-resize-phase")).to_contain_text("verify")
        expect(picker.locator("option:checked")).to_have_text(f"{name} (VERIFY_RESIZE)")
        expect(panel.locator(".nm-resize-change")).to_contain_text("RAM 512 MB → 2048 MB")
        if name == "web-1":
            panel.screenshot(path=ARTIFACTS / "workshop-resize-verify.png")
        panel.locator("button.nm-resize-confirm").click()
        expect(panel.locator(".nm-resize-final")).to_contain_text("Final flavor (kept): m1.small")
        expect(picker.locator("option:checked")).to_have_text(f"{name} (ACTIVE)")

    fleet.locator("button.nm-fleet-refresh").click()
    for name in ("web-1", "web-2"):
        row = rows.locator(".widget-hbox").filter(has_text=name)
        expect(row).to_contain_text("ACTIVE")
        expect(row).to_contain_text("m1.small")
    expect(rows).not_to_contain_text("m1.tiny")
    expect(rows).not_to_contain_text("REBOOT")
    expect(notebook).not_to_contain_text("NotFound")
    for widget in page.locator(".widget-vbox[class*=novamagic-]").all():
        expect(widget).not_to_contain_text("<NA>")
    widths = fleet.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the fleet overflows its output area at 1280 px: {widths}"
    fleet.screenshot(path=ARTIFACTS / "workshop-fleet-resized.png")
    panel.screenshot(path=ARTIFACTS / "workshop-resize-confirmed.png")


def test_the_instructor_view_follows_the_class_in_jupyterlab(lab, page):
    """``%nova class`` as a teacher sees it: a row per learner, a learner's error in red, the
    passes per exercise, and a learner who finishes while the view is on screen counted without
    a click (the view refreshes itself)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=UI)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(lab.url("lab/tree/classroom.ipynb") + "&reset")
    kernel_idle = page.get_by_role("button", name=re.compile(r"^Python 3 \(ipykernel\) \| Idle"))
    expect(kernel_idle).to_be_visible(timeout=UI)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()

    view = page.locator(".widget-vbox.novamagic-class")
    expect(view).to_have_count(1)
    rows = view.locator(".nm-class-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("learner-1")
    expect(rows.nth(0)).to_contain_text("Instance web-one could not be found")
    expect(rows.nth(1)).to_contain_text("✔ first-server")
    expect(view.locator(".nm-class-info")).to_contain_text("3 learners")
    expect(view.locator(".nm-class-info")).to_contain_text("(every 1 s)")
    # learner-3 boots after the view was drawn: the timer brings it in, nobody clicks
    expect(view.locator(".nm-class-passes")).to_contain_text("first-server 2/3")
    expect(rows.nth(2)).to_contain_text("ACTIVE")
    expect(kernel_idle).to_be_visible()
    notebook = page.locator(".jp-Notebook")
    expect(notebook).not_to_contain_text("<NA>")
    expect(notebook).not_to_contain_text("Traceback")
    expect(view).not_to_contain_text("teacher-pw")
    widths = view.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the class view overflows its output area at 1280 px: {widths}"
    view.screenshot(path=ARTIFACTS / "class-view.png")
    keep_for_readme("class-view.png")
    view.locator("button.nm-class-auto").click()  # the teacher stops the timer
    expect(view.locator(".nm-class-info")).not_to_contain_text("every")
