"""novamagic: explore, teach and report on an OpenStack Compute (Nova) cloud from Jupyter.

Importing this package is cheap on purpose: pandas, keystoneauth1 and ipywidgets load on first use.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "connect", "load_ipython_extension", "unload_ipython_extension"]


def connect(*args, **kwargs):
    """Connect to a cloud and return a :class:`novamagic.client.Cloud` (see that function)."""
    from novamagic.client import connect as _connect

    return _connect(*args, **kwargs)


def load_ipython_extension(ipython):
    """``%load_ext novamagic``: register the ``%nova`` and ``%%nova_boot`` magics."""
    from novamagic.magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from novamagic.magics import unload_ipython_extension as _unload

    _unload(ipython)
