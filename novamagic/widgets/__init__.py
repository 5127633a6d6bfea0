"""Widgets for a notebook: the boot form, the resize panel and the fleet view.

Each widget is a thin ipywidgets view over a plain-Python model that holds the state and calls
the client (and the frames) — the same functions the magics use::

    from novamagic.widgets import boot_form, resize_panel, fleet_view
    form = boot_form(cloud)               # form.model: BootFormModel; form.widget: the box
    panel = resize_panel(cloud, "web-1")  # panel.model: ResizePanelModel
    fleet = fleet_view(cloud, refresh=10) # fleet.model: FleetModel

Importing this package is cheap: the models import the client, the frames and ipywidgets only
when they are used (``%nova boot-form`` and friends import it when they run). Each widget is a
room of two parts, ``model`` and ``view``: :mod:`novamagic.widgets.boot`,
:mod:`novamagic.widgets.resize`, :mod:`novamagic.widgets.fleet`.
"""

from __future__ import annotations

from novamagic.widgets.boot import BootForm, BootFormModel, boot_form
from novamagic.widgets.fleet import FleetModel, FleetView, fleet_view
from novamagic.widgets.resize import ResizePanel, ResizePanelModel, resize_panel

__all__ = [
    "BootForm",
    "BootFormModel",
    "FleetModel",
    "FleetView",
    "ResizePanel",
    "ResizePanelModel",
    "boot_form",
    "fleet_view",
    "resize_panel",
]
