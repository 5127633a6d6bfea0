"""The resize panel: Nova's three-step dance (resize, verify, confirm or revert) made obvious.

``ResizePanelModel`` holds the chosen server and target flavor, shows what changes (vCPUs, RAM,
disk), refuses a server that is not ACTIVE with the reason, and runs
``cloud.resize(..., wait=True)`` (to VERIFY_RESIZE), then ``cloud.confirm_resize(..., wait=True)``
or ``cloud.revert_resize(..., wait=True)`` in a background thread, each one client call with the
panel's Cancel as its ``cancel`` event. ``ResizePanel`` is the ipywidgets view;
``resize_panel(cloud=None, server=None, ...)`` builds one (``%nova resize-panel [SERVER]``).

The room has two parts: ``model`` (state and client calls) and ``view`` (ipywidgets).
"""

from __future__ import annotations

from novamagic.widgets.resize.model import ResizePanelModel
from novamagic.widgets.resize.view import ResizePanel, resize_panel

__all__ = ["ResizePanel", "ResizePanelModel", "resize_panel"]
