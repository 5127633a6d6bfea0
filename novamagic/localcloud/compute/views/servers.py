"""The server view of the compute API: one server as JSON for the negotiated microversion."""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring_ascii as _q

from novamagic.localcloud import model
from novamagic.localcloud.clock import iso_micro, iso_seconds
from novamagic.localcloud.compute.common import dumps, item_links, root_url
from novamagic.localcloud.http import Call
from novamagic.localcloud.model import Server
from novamagic.localcloud.model.rendered import RenderedViews

PROGRESS_STATUSES = frozenset(
    ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
)
HOST_ID_SALT = model.HOST


class ServerView:
    """Renders servers for one request (the microversion and the caller decide the shape).

    Listing 10,000 servers with details must cost little more than sending them, so a server is
    written straight to JSON text from cached fragments (flavor and image per project,
    timestamps) and its ports' addresses instead of building dicts for ``json.dumps``, and a
    listing's renderings are kept for the next listing (:meth:`listing_json`, see
    :mod:`novamagic.localcloud.model.rendered`). ``detail()`` parses that text back for the few
    callers that want a dict, so there is one renderer.
    """

    def __init__(self, call: Call):
        self.call = call
        self.cloud = call.state
        self.root = root_url(call)
        v = call.version
        self.admin = call.token.is_admin
        self.v2_3 = v >= (2, 3)
        self.v2_9 = v >= (2, 9)
        self.v2_16 = v >= (2, 16)
        self.v2_19 = v >= (2, 19)
        self.v2_26 = v >= (2, 26)
        self.v2_47 = v >= (2, 47)
        self.v2_63 = v >= (2, 63)
        self.v2_71 = v >= (2, 71)
        self.v2_73 = v >= (2, 73)
        self.v2_75 = v >= (2, 75)
        self.v2_90 = v >= (2, 90)
        self.v2_96 = v >= (2, 96)
        self.v2_98 = v >= (2, 98)
        self.v2_100 = v >= (2, 100)
        self.v2_54 = v >= (2, 54)
        self._host_ids: dict[str, str] = {}
        self._flavors: dict[tuple[str, str], str] = {}
        self._images: dict[tuple[str, str], str] = {}
        self._volumes: dict[str, list] | None = None  # server id -> its attachments, once
        self._kept: dict[str, tuple] | None = None  # this variant's kept renderings, once
        self._image_extras: dict[str, tuple] = {}
        self._catalogue: dict[tuple[str, str, str], tuple] = {}

    # ------------------------------------------------------------------ fragments
    def host_id(self, project_id: str) -> str:
        host_id = self._host_ids.get(project_id)
        if host_id is None:
            host_id = hashlib.sha224((project_id + HOST_ID_SALT).encode()).hexdigest()
            self._host_ids[project_id] = host_id
        return host_id

    def links(self, s: Server) -> list[dict]:
        return item_links(self.root, s.project_id, "servers", s.id)

    def summary(self, s: Server) -> dict:
        return {"id": s.id, "name": s.name, "links": self.links(s)}

    def _shows_addresses(self, s: Server) -> bool:
        return not (
            s.deleted
            or not s.networked
            or (s.status == "BUILD" and s.task_state == "scheduling")
            or (s.status == "ERROR" and s.launched_at is None)
        )

    def addresses(self, s: Server) -> dict:
        return json.loads(self._addresses_json(s))

    def _addresses_json(self, s: Server, extended: bool = True) -> str:
        """From the server's ports (their fixed IPs, then the floating IPs associated with them);
        ``extended``: with their ``OS-EXT-IPS`` type and MAC (left out of rebuild and update
        answers before 2.75, as in Nova)."""
        if not self._shows_addresses(s):
            return "{}"
        template = _ADDRESS_TEMPLATE if extended else _PLAIN_ADDRESS_TEMPLATE
        return (
            "{"
            + ",".join(
                _q(network)
                + ":["
                + ",".join(
                    (
                        template % (version, addr, kind, mac)
                        if extended
                        else template % (version, addr)
                    )
                    for version, addr, kind, mac in entries
                )
                + "]"
                for network, entries in self.cloud.server_addresses(s)
            )
            + "}"
        )

    def _security_groups_json(self, s: Server) -> str:
        """The ``security_groups`` member, left out (as Nova does) when the ports have none."""
        names = self.cloud.server_security_groups(s) if s.networked else []
        if names == ["default"] or not s.networked:
            return ',"security_groups":[{"name":"default"}]'
        if not names:
            return ""
        return ',"security_groups":' + dumps([{"name": name} for name in names])

    def _flavor_json(self, s: Server) -> str:
        key = (s.flavor_id, s.project_id)
        text = self._flavors.get(key)
        if text is None:
            flavor = self.cloud.flavors.get(s.flavor_id)
            if self.v2_47:
                if flavor is None:
                    body = {
                        "vcpus": 0,
                        "ram": 0,
                        "disk": 0,
                        "ephemeral": 0,
                        "swap": 0,
                        "original_name": s.flavor_id,
                        "extra_specs": {},
                    }
                else:
                    body = {
                        "vcpus": flavor.vcpus,
                        "ram": flavor.ram,
                        "disk": flavor.disk,
                        "ephemeral": flavor.ephemeral,
                        "swap": flavor.swap,
                        "original_name": flavor.name,
                        "extra_specs": flavor.extra_specs,
                    }
            else:
                body = {
                    "id": s.flavor_id,
                    "links": [
                        {
                            "rel": "bookmark",
                            "href": f"{self.root}/{s.project_id}/flavors/{s.flavor_id}",
                        }
                    ],
                }
            text = self._flavors[key] = dumps(body)
        return text

    def _volumes_json(self, s: Server) -> str:
        if self._volumes is None:
            self._volumes = {}
            if not self.cloud.volumes:
                return "[]"  # nothing attached anywhere (nor any volume for a deletion to free)
            self.cloud._settle_volumes()
            for volume in self.cloud.volumes.values():
                pending = volume.operation
                attachments = list(volume.attachments)
                if pending is not None and pending.kind == "volume_attach":
                    attachments.append(pending.data["attachment"])
                for a in attachments:
                    self._volumes.setdefault(a["server_id"], []).append(a)
        attached = self._volumes.get(s.id)
        if not attached:
            return "[]"
        attached = sorted(attached, key=lambda a: a["device"])
        if self.call.at_least("2.3"):
            return dumps([{"id": a["volume_id"],
                           "delete_on_termination": a["delete_on_termination"]}
                          for a in attached])  # fmt: skip
        return dumps([{"id": a["volume_id"]} for a in attached])

    def _image_json(self, s: Server) -> str:
        if not s.image_id:
            return '""'  # booted from a volume: Nova shows an empty string
        key = (s.image_id, s.project_id)
        text = self._images.get(key)
        if text is None:
            body = {
                "id": s.image_id,
                "links": [
                    {"rel": "bookmark", "href": f"{self.root}/{s.project_id}/images/{s.image_id}"}
                ],
            }
            if self.v2_98:
                body["properties"] = self._image_properties(s.image_id)
            text = self._images[key] = dumps(body)
        return text

    def _image_properties(self, image_id: str) -> dict:
        """2.98: the image's properties as Nova keeps them for the server (strings, with the
        image's formats and minimums), as of now: the local cloud keeps no boot-time copy."""
        image = self.cloud.images.get(image_id)
        if image is None:
            return {}
        props = {k: v if isinstance(v, str) else json.dumps(v) for k, v in image.properties.items()}
        props.update(
            container_format=image.container_format or "",
            disk_format=image.disk_format or "",
            min_disk=str(image.min_disk),
            min_ram=str(image.min_ram),
        )
        return props

    def _image_extra(self, s: Server) -> tuple | None:
        """What an admin's view (2.3+) shows of the server's image: its kernel and ramdisk."""
        if not (self.admin and self.v2_3):
            return None
        extra = self._image_extras.get(s.image_id)
        if extra is None:
            image = self.cloud.images.get(s.image_id)
            props = image.properties if image is not None else {}
            extra = self._image_extras[s.image_id] = (
                str(props.get("kernel_id", "")),
                str(props.get("ramdisk_id", "")),
            )
        return extra

    # ------------------------------------------------------------------ the view
    def detail(
        self, s: Server, show: bool = False, basic: bool = False, rebuild: bool = False
    ) -> dict:
        """The view as a dict (parsed from :meth:`detail_json`, the one renderer)."""
        return json.loads(self.detail_json(s, show, basic, rebuild))

    def detail_json(
        self, s: Server, show: bool = False, basic: bool = False, rebuild: bool = False
    ) -> str:
        """The full view as JSON text (``basic``: the trimmed view update/rebuild gave before 2.75;
        ``rebuild``: a rebuild's, which from 2.54 shows ``key_name`` even when trimmed)."""
        return self._render(s, show, basic, rebuild)

    def listing_json(self, servers: list[Server]) -> list[bytes]:
        """The listing's views of ``servers`` as UTF-8, each kept for the next request of the
        same variant (URL root, microversion, admin or not) beside a key of what it was made
        from: the server object and its revision (bumped by any assignment to its fields),
        copies of its containers (changed in place), and this request's fragments of its image,
        flavor and volumes. A view is reused only while that key is equal; networking changes
        drop every kept view instead (see :mod:`novamagic.localcloud.model.rendered`).
        """
        kept = self._kept
        if kept is None:
            cloud = self.cloud
            kept = self._kept = cloud.rendered.variant(
                (self.root, self.call.version, self.admin),
                len(cloud.servers) + len(cloud.deleted_servers),
            )
        catalogue, catalogue_json = self._catalogue, self._catalogue_json
        volumes_json = self._volumes_json if self.cloud.volumes else None
        check, render = RenderedViews.check, self._render
        texts = []
        for s in servers:
            hints, fault = s.scheduler_hints, s.fault
            fragments = catalogue.get((s.image_id, s.flavor_id, s.project_id))
            if fragments is None:
                fragments = catalogue_json(s)
            key = (
                s,
                s.revision,
                s.metadata,
                s.tags,
                dumps(hints) if hints else None,
                dumps(fault) if fault else None,
                fragments,
                volumes_json(s) if volumes_json is not None else "[]",
            )
            entry = kept.get(s.id)
            if entry is not None and entry[0] == key:
                text = entry[1]
                if check:  # the test suite's: is the kept view still true?
                    fresh = render(s, False, False, False).encode()
                    if fresh != text:
                        raise AssertionError(
                            f"a kept view of server {s.id} is stale:\nkept  {text}\nfresh {fresh}"
                        )
            else:
                text = render(s, False, False, False).encode()
                # Copies of the containers: the server's own may change in place (a tag added).
                kept[s.id] = ((s, key[1], dict(s.metadata), list(s.tags), *key[4:]), text)
            texts.append(text)
        return texts

    def _catalogue_json(self, s: Server) -> tuple:
        """What the server's view shows of the catalogue (its image, flavor and, for an admin,
        the image's kernel and ramdisk), one tuple per image, flavor and project a request; the
        very tuple an earlier request made when equal, so a kept view's key compares it by
        identity."""
        key = (s.image_id, s.flavor_id, s.project_id)
        fragments = self._catalogue.get(key)
        if fragments is None:
            fragments = self._catalogue[key] = self.cloud.rendered.canonical(
                (self._image_json(s), self._flavor_json(s), self._image_extra(s))
            )
        return fragments

    def _render(self, s: Server, show: bool, basic: bool, rebuild: bool) -> str:
        trimmed = basic and not self.v2_75
        launched = s.launched_at is not None
        root, project = self.root, s.project_id
        self_href = f"{root}/v2.1/{project}/servers/{s.id}"
        parts = [
            '{"id":',
            _q(s.id),
            ',"name":',
            _q(s.name),
            ',"status":',
            _q(s.status),
            ',"tenant_id":',
            _q(project),
            ',"user_id":',
            _q(s.user_id),
            ',"metadata":',
            dumps(s.metadata) if s.metadata else "{}",
            ',"hostId":',
            _q(self.host_id(project) if launched else ""),
            ',"image":',
            self._image_json(s),
            ',"flavor":',
            self._flavor_json(s),
            ',"created":"',
            _seconds(s.created),
            '","updated":"',
            _seconds(s.updated),
            '","addresses":',
            self._addresses_json(s, extended=not trimmed),
            ',"accessIPv4":',
            _q(s.access_ipv4),
            ',"accessIPv6":',
            _q(s.access_ipv6),
            ',"links":[{"rel":"self","href":',
            _q(self_href),
            '},{"rel":"bookmark","href":',
            _q(f"{root}/{project}/servers/{s.id}"),
            '}],"OS-DCF:diskConfig":',
            _q(s.disk_config),
        ]
        add = parts.append
        if s.status in PROGRESS_STATUSES:
            add(f',"progress":{int(s.progress)}')
        if s.fault is not None and s.status in ("ERROR", "DELETED"):
            fault_body = {
                "code": s.fault["code"],
                "created": _seconds(s.fault["created"]),
                "message": s.fault["message"],
            }
            # Nova shows the traceback to admins, and to owners only for faults below 500
            if s.fault.get("details") and (self.admin or s.fault["code"] != 500):
                fault_body["details"] = s.fault["details"]
            add(',"fault":' + dumps(fault_body))
        if self.v2_9:
            add(',"locked":' + ("true" if s.locked else "false"))
        if self.v2_19:
            add(',"description":' + _js(s.description))
        if self.v2_26:
            add(',"tags":' + (dumps(s.tags) if s.tags else "[]"))
        if self.v2_63:
            add(',"trusted_image_certificates":null')
        if self.v2_73:
            add(',"locked_reason":' + _js(s.locked_reason))
        if trimmed and rebuild and self.v2_54:
            add(',"key_name":' + _js(s.key_name))
        if trimmed and show and self.v2_71:
            add(',"server_groups":' + dumps(self.cloud.groups_of_server(s.id)))
        if self.v2_100:
            add(',"scheduler_hints":' + _hints_json(s.scheduler_hints))
        if not trimmed:
            parts += [
                ',"OS-EXT-AZ:availability_zone":',
                _q(s.availability_zone if launched else ""),
                f',"OS-EXT-STS:power_state":{int(s.power_state)}',
                ',"OS-EXT-STS:task_state":',
                _js(s.task_state),
                ',"OS-EXT-STS:vm_state":',
                _q(s.vm_state),
                ',"OS-SRV-USG:launched_at":',
                _js(_micro(s.launched_at) if launched else None),
                ',"OS-SRV-USG:terminated_at":',
                _js(_micro(s.terminated_at) if s.terminated_at is not None else None),
                ',"config_drive":',
                _q(s.config_drive),
                ',"key_name":',
                _js(s.key_name),
                self._security_groups_json(s),
                ',"os-extended-volumes:volumes_attached":',
                self._volumes_json(s),
            ]
            if self.admin:
                host = _js(model.HOST if launched else None)
                parts += [
                    ',"OS-EXT-SRV-ATTR:host":',
                    host,
                    ',"OS-EXT-SRV-ATTR:hypervisor_hostname":',
                    host,
                    f',"OS-EXT-SRV-ATTR:instance_name":"instance-{s.seq:08x}"',
                ]
                if self.v2_3:
                    image = self.cloud.images.get(s.image_id)
                    props = image.properties if image is not None else {}
                    parts += [
                        ',"OS-EXT-SRV-ATTR:reservation_id":',
                        _q(s.reservation_id),
                        f',"OS-EXT-SRV-ATTR:launch_index":{int(s.launch_index)}',
                        ',"OS-EXT-SRV-ATTR:kernel_id":',
                        _q(props.get("kernel_id", "")),
                        ',"OS-EXT-SRV-ATTR:ramdisk_id":',
                        _q(props.get("ramdisk_id", "")),
                        ',"OS-EXT-SRV-ATTR:root_device_name":"/dev/vda"',
                        ',"OS-EXT-SRV-ATTR:user_data":',
                        _js(s.user_data),
                    ]
                    if not self.v2_90:
                        parts += [',"OS-EXT-SRV-ATTR:hostname":', _q(s.hostname)]
                if self.v2_16:
                    add(',"host_status":' + ('"UP"' if launched else '""'))
            if self.v2_90:
                parts += [',"OS-EXT-SRV-ATTR:hostname":', _q(s.hostname)]
            if self.v2_96:
                add(',"pinned_availability_zone":' + _js(s.pinned_availability_zone))
            if show and self.v2_71:
                add(',"server_groups":' + dumps(self.cloud.groups_of_server(s.id)))
        add("}")
        return "".join(parts)


def _hints_json(hints: dict) -> str:
    """Nova's request spec keeps every hint as a list of values."""
    if not hints:
        return "{}"
    return dumps({k: v if isinstance(v, list) else [v] for k, v in hints.items()})


def _js(value) -> str:
    """A JSON scalar: null, or a quoted and escaped string."""
    return "null" if value is None else _q(value)


_ADDRESS_TEMPLATE = (
    '{"version":%d,"addr":"%s","OS-EXT-IPS:type":"%s","OS-EXT-IPS-MAC:mac_addr":"%s"}'
)
_PLAIN_ADDRESS_TEMPLATE = '{"version":%d,"addr":"%s"}'
_TIME_MEMO: dict[tuple[str, float], str] = {}


def _memo_time(kind: str, fmt, t: float) -> str:
    key = (kind, t)
    text = _TIME_MEMO.get(key)
    if text is None:
        if len(_TIME_MEMO) > 100_000:
            _TIME_MEMO.clear()
        text = _TIME_MEMO[key] = fmt(t)
    return text


def _seconds(t: float) -> str:
    return _memo_time("s", iso_seconds, t)


def _micro(t: float) -> str:
    return _memo_time("u", iso_micro, t)
