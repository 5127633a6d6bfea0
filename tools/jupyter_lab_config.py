"""JupyterLab settings for the README's main-job command (``jupyter lab --config=...``).

JupyterLab refuses to start as root unless told to; containers (Docker, CI, Binder builds) often
run as root, a workstation never should. So the permission follows who runs it: the one README
command works in both, and a normal user keeps JupyterLab's safety check.
"""

import os

c = get_config()  # noqa: F821 - traitlets' config loader defines it

c.ServerApp.allow_root = os.geteuid() == 0
