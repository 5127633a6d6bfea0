"""``novamagic.localcloud``: an embedded OpenStack (Keystone v3/v2.0, Nova v2.1, Glance v2) on 127.0.0.1.

What moto is for AWS: real OpenStack clients (openstacksdk, python-novaclient, the ``openstack``
CLI) work against it unmodified, given only its auth URL. See ``docs/architecture.md``.
"""

from novamagic.localcloud.clock import ManualClock, ScaledClock
from novamagic.localcloud.server import LocalCloud

__all__ = ["LocalCloud", "ManualClock", "ScaledClock"]
