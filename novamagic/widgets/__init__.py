"""Widgets for a notebook: the boot form, the resize panel and the fleet view.

Each widget is a thin ipywidgets view over a plain-Python model that holds the state and calls
the client (and the frames) — the same functions the magics use::

    from novamagic.widgets import boot_form, resize_panel, fleet_view
    form = boot_form(cloud)               # form.model: BootFormModel; form.widget: the box
    panel = resize_panel(cloud, "web-1")  # panel.model: ResizePanelModel
    fleet = fleet_view(cloud, refresh=10) # fleet.model: FleetModel

Importing this package is cheap (``%load_ext novamagic`` imports ``novamagic.widgets.magics``):
the models (modules boot, resize, fleet) load on first attribute access and ipywidgets only
when a view is built.
"""

from __future__ import annotations

import importlib

__all__ = [
    "BootForm",
    "BootFormModel",
    "FleetModel",
    "FleetView",
    "ResizePanel",
    "ResizePanelModel",
    "boot",
    "fleet_view",
    "resize_panel",
]

_HOMES = {
    "BootForm": "boot",
    "BootFormModel": "boot",
    "boot_form": "boot",
    "ResizePanel": "resize",
    "ResizePanelModel": "resize",
    "resize_panel": "resize",
    "FleetModel": "fleet",
    "FleetView": "fleet",
    "fleet_view": "fleet",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'novamagic.widgets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"novamagic.widgets.{home}"), name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
