"""The local cloud's model: every resource and its lifecycle, with no HTTP.

One room per resource, composed into :class:`CloudState` (see :mod:`.state`): ``identity``
(projects, users, tokens, application credentials), ``flavors``, ``images``, ``keypairs``,
``quotas``, ``servers`` (with their metadata and tags), ``actions`` (what a server can be asked to
do), ``lifecycle`` (operations over cloud time, as a transition table), ``instance_actions``
(what was asked and its events), ``console`` (boot logs), Neutron's ``networks`` (and subnets),
``ports``, ``secgroups``, ``floatingips`` and ``netquotas``, ``usage`` (os-simple-tenant-usage
over a period), ``hypervisors`` (the compute host and availability zones), ``addresses`` (the
address pools)
and ``validation`` (the checks every face shares).
"""

from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.flavors import Flavor
from novamagic.localcloud.model.hypervisors import Hypervisor, HypervisorUse
from novamagic.localcloud.model.identity import DEFAULT_USERS, AppCredential, Project, Token, User
from novamagic.localcloud.model.images import Image
from novamagic.localcloud.model.keypairs import KeyPair
from novamagic.localcloud.model.lifecycle import DURATIONS, FAIL_KEY, TRANSITIONS, Operation
from novamagic.localcloud.model.quotas import DEFAULT_QUOTAS
from novamagic.localcloud.model.servers import HOST, SERVER_STATUSES, Server
from novamagic.localcloud.model.state import CloudState
from novamagic.localcloud.model.usage import ServerUsage
from novamagic.localcloud.model.validation import ref_to_id

__all__ = [
    "DEFAULT_QUOTAS",
    "DEFAULT_USERS",
    "DURATIONS",
    "FAIL_KEY",
    "HOST",
    "SERVER_STATUSES",
    "TRANSITIONS",
    "AddressPools",
    "AppCredential",
    "CloudState",
    "Flavor",
    "Hypervisor",
    "HypervisorUse",
    "Image",
    "KeyPair",
    "Operation",
    "Project",
    "Server",
    "ServerUsage",
    "Token",
    "User",
    "ref_to_id",
]
