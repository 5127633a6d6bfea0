"""Nova's ``os-availability-zone``: the zones anyone may boot into, and for admins ``/detail``
with the internal zone and each zone's hosts and services."""

from __future__ import annotations

from novamagic.localcloud.http import Call, route


def index(call: Call):
    return {"availabilityZoneInfo": call.state.availability_zones(call.token, detail=False)}


def detail(call: Call):
    return {"availabilityZoneInfo": call.state.availability_zones(call.token, detail=True)}


def relative_rules() -> list:
    return [
        route("/os-availability-zone", index, ["GET"]),
        route("/os-availability-zone/detail", detail, ["GET"]),
    ]
