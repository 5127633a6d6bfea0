"""Durable state: the whole local cloud in one SQLite file (``--state FILE``).

:mod:`.codec` turns the model's objects into tagged JSON and back (an allow-list of the model's
classes; never pickle); :mod:`.store` keeps that JSON in SQLite, one row per attribute of
:class:`~novamagic.localcloud.model.CloudState`, committed before each change is answered, and
refuses any file that is not a state file it can read.
"""

from novamagic.localcloud.persistence.store import (
    StateFile,
    StateFileError,
    StateSaveError,
    origin_of,
)

__all__ = ["StateFile", "StateFileError", "StateSaveError", "origin_of"]
