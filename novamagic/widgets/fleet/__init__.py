"""The fleet view: every server at a glance, with bulk reboot and delete behind a confirm step.

``FleetModel`` refreshes through ``cloud.servers()`` and ``cloud.limits()`` into the same frames
``%nova servers`` and ``%nova report`` show (``servers_frame``, ``limits_frame``,
``fleet_summary``); it filters, keeps a selection, and runs ``cloud.reboot_servers`` /
``cloud.delete_servers`` only after ``confirm_pending()``. ``FleetView`` is the ipywidgets view
(status colours, a filter box, a usage chart by flavor against the limits);
``fleet_view(cloud=None, refresh=None, ...)`` builds one (``%nova fleet``).

The room has two parts: ``model`` (state and client calls) and ``view`` (ipywidgets).
"""

from __future__ import annotations

from novamagic.widgets.fleet.model import FleetModel, PendingAction
from novamagic.widgets.fleet.view import FleetView, fleet_view

__all__ = ["FleetModel", "FleetView", "PendingAction", "fleet_view"]
