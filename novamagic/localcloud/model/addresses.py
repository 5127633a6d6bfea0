"""Address pools: every server gets slot n, i.e. the n-th address of each of four pools, so
addresses are sequential, deterministic and never collide among live servers."""

from __future__ import annotations

import ipaddress
import socket

from novamagic.localcloud.errors import OverQuota


class AddressPools:
    PRIVATE_V4 = int(ipaddress.IPv4Address("10.0.0.3"))
    PRIVATE_V4_SIZE = (1 << 24) - 3 - 1  # 10.0.0.3 .. 10.255.255.254
    PUBLIC_V4 = int(ipaddress.IPv4Address("172.24.4.10"))
    PUBLIC_V4_SIZE = int(ipaddress.IPv4Address("172.31.255.254")) - PUBLIC_V4 + 1
    PRIVATE_V6 = int(ipaddress.IPv6Address("fd8e:1f01:a11c::10"))
    PUBLIC_V6 = int(ipaddress.IPv6Address("2001:db8::10"))
    SIZE = min(PRIVATE_V4_SIZE, PUBLIC_V4_SIZE)

    def __init__(self):
        self._next = 0
        self._used: set[int] = set()

    def allocate(self) -> int:
        if len(self._used) >= self.SIZE:
            raise OverQuota("No more IP addresses available in the local cloud's pools.")
        slot = self._next
        while slot in self._used:
            slot = (slot + 1) % self.SIZE
        self._used.add(slot)
        self._next = (slot + 1) % self.SIZE
        return slot

    def release(self, slot: int) -> None:
        self._used.discard(slot)

    @classmethod
    def addresses(cls, slot: int) -> dict[str, list[tuple[int, str, str]]]:
        """``{network: [(version, address, mac), ...]}`` for a slot (inet_ntop: fast, RFC 5952)."""
        low = f"{(slot >> 8) & 0xFF:02x}:{slot & 0xFF:02x}"
        mac_private = f"fa:16:3e:{(slot >> 16) & 0xFF:02x}:{low}"
        mac_public = f"fa:16:3e:{0x80 | ((slot >> 16) & 0x7F):02x}:{low}"
        return {
            "private": [
                (4, _ntop(socket.AF_INET, cls.PRIVATE_V4 + slot, 4), mac_private),
                (6, _ntop(socket.AF_INET6, cls.PRIVATE_V6 + slot, 16), mac_private),
            ],
            "public": [
                (4, _ntop(socket.AF_INET, cls.PUBLIC_V4 + slot, 4), mac_public),
                (6, _ntop(socket.AF_INET6, cls.PUBLIC_V6 + slot, 16), mac_public),
            ],
        }


def _ntop(family: int, number: int, size: int) -> str:
    return socket.inet_ntop(family, number.to_bytes(size, "big"))
