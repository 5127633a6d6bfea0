"""Flavors: the seeded m1.* catalogue (the book's five sizes)."""

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

    def _reset_flavors(self) -> None:
        self.flavors = {
            flavor_id: Flavor(flavor_id, name, ram, vcpus, disk, description=None)
            for flavor_id, name, ram, vcpus, disk in FLAVORS
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
