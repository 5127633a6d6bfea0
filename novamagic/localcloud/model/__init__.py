"""The local cloud's model: every resource and its lifecycle, with no HTTP (see ``state``)."""

from novamagic.localcloud.model.state import *  # noqa: F403  (split per resource next)
from novamagic.localcloud.model.state import (  # noqa: F401
    DEFAULT_QUOTAS,
    DEFAULT_USERS,
    HOST,
    SERVER_STATUSES,
    AddressPools,
    AppCredential,
    CloudState,
    Flavor,
    Image,
    KeyPair,
    Project,
    Server,
    Token,
    User,
    ref_to_id,
)
