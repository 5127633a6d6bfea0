"""The boot form: pick an image and a flavor, name the server, press Boot, watch it come up.

``BootFormModel`` holds the form's state and checks it with the client's own validators and the
limits the cloud reports (``cloud.limits()``); ``submit()`` boots and waits through
``cloud.create_servers`` (its progress hook fills the rows; Cancel is its ``cancel`` event) in a
background thread. ``BootForm`` is the thin ipywidgets view over it;
``boot_form(cloud=None, ...)`` builds one (``%nova boot-form``).

The room has two parts: ``model`` (state and client calls) and ``view`` (ipywidgets).
"""

from __future__ import annotations

from novamagic.widgets.boot.model import BootFormModel, FileRow, MetadataRow, ServerRow
from novamagic.widgets.boot.view import BootForm, boot_form

__all__ = ["BootForm", "BootFormModel", "FileRow", "MetadataRow", "ServerRow", "boot_form"]
