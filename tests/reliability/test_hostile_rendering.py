"""Hostile server names and metadata (HTML, very long, unicode) are rendered safely.

Servers are booted on a local cloud with names and metadata that are markup, then shown the
ways a notebook shows them: the DataFrames' HTML (what Jupyter renders for ``%nova servers``),
the magics' rich results, and every widget (the fleet view, the resize panel, the boot form):
their live HTML widgets and their static HTML. The markup must arrive escaped, never live.
"""

from __future__ import annotations

import html

import pytest

from novamagic import frames
from tests.reliability.conftest import IMAGE, client_for

#: Markup that would run or restyle if rendered raw. Each fits Nova's 255-character names.
PAYLOADS = [
    "<script>alert('name')</script>",
    '<img src=x onerror="alert(1)">',
    "</td></tr></table><h1>broken out</h1>",
    '"><svg onload=alert(2)>',
    "<style>body{display:none}</style>",
    "javascript:alert(3)//<a href=x>",
]
LONG = "w" * 200 + "<b>tail</b>"
UNICODE = "\u202eevil\u202c-名前-😀-<i>ü</i>"
NAMES = [*PAYLOADS, LONG, UNICODE]
RAW_MARKERS = [
    "<script",
    "<img",
    "<h1>",
    "<svg",
    "<style>body",
    "<a href",
    "<b>tail",
    "<i>ü",
    "<b>key",
]


def _assert_escaped(markup: str, where: str) -> int:
    for marker in RAW_MARKERS:
        assert marker not in markup, f"{where} renders {marker!r} raw"
    return markup.count("&lt;")


@pytest.fixture
def hostile(make_cloud):
    cloud = make_cloud(quotas={"instances": 50, "cores": 100, "ram": 100_000})
    client = client_for(cloud)
    servers = []
    for n, name in enumerate(NAMES):
        server = client.create_server(
            name,
            IMAGE,
            "m1.tiny",
            metadata={"<b>key</b>": PAYLOADS[n % len(PAYLOADS)], "note": UNICODE},
        )
        servers.append(server)
    for server in servers:
        client.wait(server["id"])
    yield client, servers
    client.close()


def test_dataframe_html_escapes_hostile_names_and_metadata(hostile, figures):
    client, servers = hostile
    listed = client.servers()
    assert {s["name"] for s in listed} == set(NAMES)
    frame = frames.servers_frame(listed, flavors=client.flavors())
    escaped = _assert_escaped(frame._repr_html_(), "servers_frame._repr_html_")
    escaped += _assert_escaped(frame.to_html(), "servers_frame.to_html")
    for server in servers:
        meta = frames.metadata_frame(client.server_metadata.get(server["id"]))
        escaped += _assert_escaped(meta._repr_html_(), "metadata_frame._repr_html_")
    assert "&lt;script&gt;alert(" in frame.to_html()  # shown, as text
    figures.add("rendering", "hostile names/metadata in DataFrame HTML: escaped '<'", escaped)


def test_magics_results_escape_hostile_names(hostile, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    client, servers = hostile
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    nova = shell.magics_manager.registry["NovaMagics"]
    nova.progress = False
    nova.set_cloud(client)
    try:
        for line in ("servers", f"show {servers[0]['id']}", f"meta list {servers[1]['id']}"):
            result = shell.run_line_magic("nova", line)
            data, _metadata = shell.display_formatter.format(result)
            markup = data.get("text/html", "")
            assert markup, f"%nova {line} has an HTML rendering"
            _assert_escaped(markup, f"%nova {line}")
    finally:
        shell.extension_manager.unload_extension("novamagic")


def _widget_markup(widget) -> list[str]:
    """Every HTML string inside a widget tree (HTML widgets' values, descriptions, tooltips)."""
    import ipywidgets

    found = []
    stack = [widget]
    while stack:
        node = stack.pop()
        if isinstance(node, (ipywidgets.HTML, ipywidgets.HTMLMath)):
            found.append(node.value)
        for attribute in ("description", "tooltip", "placeholder"):
            value = getattr(node, attribute, None)
            if isinstance(value, str) and getattr(node, "description_allow_html", False):
                found.append(value)
        stack.extend(getattr(node, "children", ()) or ())
    return found


def test_widgets_escape_hostile_names_and_metadata(hostile, figures):
    from novamagic.widgets import boot_form, fleet_view, resize_panel

    client, servers = hostile
    fleet = fleet_view(client)
    fleet.model.wait(30)
    panel = resize_panel(client, servers[0]["id"])
    panel.model.wait(30)
    form = boot_form(client, name=PAYLOADS[1])
    form.model.wait(30)
    checked = 0
    for view, what in ((fleet, "fleet view"), (panel, "resize panel"), (form, "boot form")):
        markup = [view._repr_html_(), *_widget_markup(view.widget)]
        for piece in markup:
            _assert_escaped(piece, what)
        checked += len(markup)
    assert any(html.escape(PAYLOADS[0]) in piece for piece in _widget_markup(fleet.widget)) or (
        html.escape(PAYLOADS[0]) in fleet._repr_html_()
    ), "the fleet view shows the hostile name, as text"
    figures.add("rendering", "widget HTML pieces checked (fleet, resize, boot form)", checked)
