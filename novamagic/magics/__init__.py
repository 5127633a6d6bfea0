"""IPython magics for OpenStack Compute: ``%load_ext novamagic``, then ``%nova help``.

``%nova SUBCOMMAND [options] [-o NAME]`` (each has ``--help``; every one returns its result):
login, logout, use, whoami; servers, flavors, images, show, addresses, limits, history;
meta / image-meta (list | get | set | update | delete); rename, access-ip, password, reboot,
rebuild, resize, confirm-resize, revert-resize, snapshot, start, stop, delete, delete-image,
wait; raw METHOD PATH [JSON]; report; cleanup [--yes]; local (status | reset | tick | advance |
speed | fault | faults | state). ``%%nova_boot`` boots servers from a YAML spec in the cell.
Settings: ``%config NovaMagics`` (timeout, default_cloud, progress, max_rows, short_errors,
completion_ttl) or ``[tool.novamagic]`` in pyproject.toml. New subcommands:
:mod:`novamagic.magics.registry`.

Loading is cheap on purpose: it registers the magics and the completion hook, and reads
``[tool.novamagic]`` from pyproject.toml. The subcommands' modules (the rooms of
:mod:`novamagic.magics.commands`) load when a subcommand is first used, and with them pandas,
keystoneauth1, requests, openstacksdk and ipywidgets; the frame display limit is installed by
the first ``%nova`` (only frames the magics made are limited, so none exists before it).
"""

from __future__ import annotations

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    from novamagic.magics.completion import make_matcher
    from novamagic.magics.config import apply_pyproject, find_pyproject
    from novamagic.magics.core import NovaMagics

    magics = NovaMagics(shell=ipython)
    apply_pyproject(magics, find_pyproject())
    ipython.register_magics(magics)
    matcher = make_matcher(magics)
    magics.completion_matcher = matcher  # kept to remove it again on unload
    ipython.Completer.custom_matchers.append(matcher)


def unload_ipython_extension(ipython) -> None:
    from novamagic.magics.core import NovaMagics
    from novamagic.magics.rendering import uninstall_frame_display

    magics = ipython.magics_manager.registry.pop("NovaMagics", None)
    for kind, name in (("line", "nova"), ("cell", "nova_boot")):
        ipython.magics_manager.magics[kind].pop(name, None)
    if isinstance(magics, NovaMagics):
        magics.set_cloud(None)
        if magics in ipython.configurables:
            ipython.configurables.remove(magics)
    matcher = getattr(magics, "completion_matcher", None)
    if matcher in ipython.Completer.custom_matchers:
        ipython.Completer.custom_matchers.remove(matcher)
    uninstall_frame_display(ipython)
