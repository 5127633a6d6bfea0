"""The instructor's class view: one row per learner, refreshing itself.

``ClassModel`` reads :func:`novamagic.client.classroom.class_status` (servers and states, quota
use, last activity, errors in the last minutes, exercises passed) into
:func:`novamagic.frames.classroom.class_frame`; ``ClassView`` is its ipywidgets face;
``class_view(cloud=None, exercises=(), every=10)`` builds one (``%nova class``).

The room has two parts: ``model`` (state and client calls) and ``view`` (ipywidgets).
"""

from __future__ import annotations

from novamagic.widgets.classroom.model import ClassModel
from novamagic.widgets.classroom.view import ClassView, class_view

__all__ = ["ClassModel", "ClassView", "class_view"]
