"""Flavors: the seeded m1.* catalogue (the book's five sizes), and any a cloud adds.

``LocalCloud(flavors=[...])`` adds flavors after the seed, e.g. :data:`VOLUME_FLAVOR`, a 0 GB
root disk as many clouds offer: such a flavor boots only from a volume, as in today's Nova.
The default catalogue stays the book's five, which the chapters' saved outputs show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from novamagic.localcloud.errors import BadRequest, NotFound
from novamagic.localcloud.model.validation import ref_to_id

FLAVORS = [
    # id, name, ram MiB, vcpus, disk GiB
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
]

#: A flavor with no root disk: servers of it must boot from a volume.
VOLUME_FLAVOR = {"id": "6", "name": "m1.volume", "ram": 2048, "vcpus": 1, "disk": 0}
MAX_EXTRA_FLAVORS = 50


def check_extra_flavors(specs) -> list[tuple[str, str, int, int, int]]:
    """``flavors=``: a list of ``{"name", "ram", "vcpus", "disk", "id"?}`` (ValueError otherwise)."""
    if specs is None:
        return []
    if not isinstance(specs, list) or len(specs) > MAX_EXTRA_FLAVORS:
        raise ValueError(f"flavors must be a list of at most {MAX_EXTRA_FLAVORS} dicts")
    taken = {f[0] for f in FLAVORS} | {f[1] for f in FLAVORS}
    out = []
    for number, spec in enumerate(specs, start=len(FLAVORS) + 1):
        if not isinstance(spec, dict) or set(spec) - {"id", "name", "ram", "vcpus", "disk"}:
            raise ValueError("each flavor is a dict of name, ram (MiB), vcpus, disk (GB), id")
        flavor_id, name = str(spec.get("id", number)), spec.get("name")
        numbers = [spec.get(k) for k in ("ram", "vcpus", "disk")]
        if not isinstance(name, str) or not name or name in taken or flavor_id in taken:
            raise ValueError(f"flavor name and id must be new and non-empty: {spec!r}")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
            raise ValueError(f"flavor ram, vcpus and disk must be integers >= 0: {spec!r}")
        taken |= {flavor_id, name}
        out.append((flavor_id, name, *numbers))
    return out


@dataclass(slots=True)
class Flavor:
    id: str
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None
    extra_specs: dict = field(default_factory=dict)


class FlavorBackend:
    """The flavors of :class:`CloudState` (read-only: the catalogue is seeded)."""

    flavors: dict[str, Flavor]
    extra_flavors: list = []

    def _reset_flavors(self) -> None:
        self.flavors = {
            flavor_id: Flavor(flavor_id, name, ram, vcpus, disk, description=None)
            for flavor_id, name, ram, vcpus, disk in [*FLAVORS, *self.extra_flavors]
        }

    def list_flavors(self) -> list[Flavor]:
        return list(self.flavors.values())

    def get_flavor(self, flavor_id) -> Flavor:
        flavor = self.flavors.get(str(flavor_id))
        if flavor is None:
            raise NotFound(f"Flavor {flavor_id} could not be found.")
        return flavor

    def find_flavor(self, ref) -> Flavor:
        """For flavorRef: an id or a URL (400 rather than 404 when missing, as Nova)."""
        flavor = self.flavors.get(ref_to_id(ref))
        if flavor is None:
            raise BadRequest(f"Invalid flavorRef provided: flavor {ref} could not be found.")
        return flavor
