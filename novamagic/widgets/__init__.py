"""Widgets for a notebook: the boot form, the resize panel, the fleet view and the class view.

Each widget is a thin ipywidgets view over a plain-Python model that holds the state and calls
the client (and the frames) — the same functions the magics use::

    from novamagic.widgets import boot_form, resize_panel, fleet_view
    form = boot_form(cloud)               # form.model: BootFormModel; form.widget: the box
    panel = resize_panel(cloud, "web-1")  # panel.model: ResizePanelModel
    fleet = fleet_view(cloud, refresh=10) # fleet.model: FleetModel

Importing this package is cheap: the models import the client, the frames and ipywidgets only
when they are used (``%nova boot-form`` and friends import it when they run). Each widget is a
room of two parts, ``model`` and ``view``: :mod:`novamagic.widgets.boot`,
:mod:`novamagic.widgets.resize`, :mod:`novamagic.widgets.fleet`, :mod:`novamagic.widgets.classroom`
(the instructor's view of a class: ``class_view(cloud, exercises, every=10)``).
"""

from __future__ import annotations

from novamagic.widgets.boot import BootForm, BootFormModel, boot_form
from novamagic.widgets.classroom import ClassModel, ClassView, class_view
from novamagic.widgets.fleet import FleetModel, FleetView, fleet_view
from novamagic.widgets.resize import ResizePanel, ResizePanelModel, resize_panel

__all__ = [
    "BootForm",
    "BootFormModel",
    "ClassModel",
    "ClassView",
    "FleetModel",
    "FleetView",
    "ResizePanel",
    "ResizePanelModel",
    "boot_form",
    "class_view",
    "fleet_view",
    "resize_panel",
]
