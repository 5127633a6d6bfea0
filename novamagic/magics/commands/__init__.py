"""The ``%nova`` subcommands and the ``%%nova_boot`` handler, one room per kind of work.

Each handler is: arguments -> one client call (``nova.cloud.<operation>``) -> a frame or a small
result object. Heavy modules (pandas via novamagic.frames, the client, yaml, tqdm, matplotlib,
ipywidgets) are imported inside the handlers so ``%load_ext novamagic`` stays cheap.

Importing this package registers every subcommand; the order of the imports below is the order of
``%nova help`` (and of the help saved in notebook 01), so it is kept by hand.
"""

from __future__ import annotations

# isort: off
from novamagic.magics.commands import help  # noqa: F401 - each import registers its subcommands
from novamagic.magics.commands import session  # noqa: F401
from novamagic.magics.commands import listings  # noqa: F401
from novamagic.magics.commands import metadata  # noqa: F401
from novamagic.magics.commands import changes  # noqa: F401
from novamagic.magics.commands import network  # noqa: F401
from novamagic.magics.commands import volumes  # noqa: F401
from novamagic.magics.commands import diagnosis  # noqa: F401
from novamagic.magics.commands import capacity  # noqa: F401
from novamagic.magics.commands import tools  # noqa: F401
from novamagic.magics.commands import local  # noqa: F401
from novamagic.magics.commands import boot_cell  # noqa: F401
from novamagic.magics.commands import widgets  # noqa: F401
from novamagic.magics.commands import classroom  # noqa: F401
from novamagic.magics.commands import instructor  # noqa: F401
# isort: on

from novamagic.magics.registry import mark_exportable  # noqa: E402 - after every room registered

mark_exportable(
    "servers", "flavors", "images", "addresses", "limits", "history", "usage", "hypervisors",
    "networks", "ports", "floating-ips", "security-groups", "rules", "keypairs", "events",
)  # fmt: skip
