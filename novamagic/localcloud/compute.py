"""Nova's compute API v2.1 with microversions up to ``app.MAX_VERSION``.

Mounted at ``/compute/v2.1`` and ``/v2.1``, each with and without ``/{project_id}``. Shapes
follow today's Nova for the negotiated microversion; the version-dependent changes honoured
here (those touching these endpoints) are:

2.3 extended attributes (admin) · 2.9 ``locked`` · 2.16 ``host_status`` (admin) · 2.19
``description`` · 2.26 tags API and ``tags`` · 2.36 image proxy API gone, limits and quotas
trimmed · 2.37 ``networks`` required at boot · 2.38 invalid status filter is 400 · 2.39
``maxImageMeta`` gone · 2.45 createImage answers ``{"image_id"}`` without Location · 2.47 the
flavor embedded in the server · 2.52 tags at boot · 2.55 flavor ``description`` · 2.57
personality rejected, ``user_data`` at rebuild, personality limits gone · 2.61 flavor
``extra_specs`` · 2.63 ``trusted_image_certificates`` · 2.66 ``changes-before`` · 2.71
``server_groups`` · 2.73 ``locked_reason`` and the ``locked`` filter · 2.75 full server bodies
from update/rebuild, flavor ``swap`` 0, unknown list parameters rejected · 2.90 ``hostname``
(create/update/rebuild, shown to all) · 2.96 ``pinned_availability_zone``.
"""

from __future__ import annotations

import hashlib
import json
import operator
from json.encoder import encode_basestring_ascii as _q
from urllib.parse import urlencode

from werkzeug.routing import Submount
from werkzeug.wrappers import Response

from novamagic.localcloud import errors, model
from novamagic.localcloud.app import (
    MAX_VERSION,
    MIN_VERSION,
    Call,
    query_limit,
    regex_filter,
    route,
    version_str,
)
from novamagic.localcloud.clock import iso_micro, iso_seconds, parse_time
from novamagic.localcloud.model import AddressPools, Server

MAX_LIMIT = 1000  # Nova's osapi_max_limit
_ID = operator.attrgetter("id")
PROGRESS_STATUSES = frozenset(
    ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
)
GLANCE_TO_NOVA = {
    "queued": "SAVING",
    "saving": "SAVING",
    "active": "ACTIVE",
    "killed": "ERROR",
    "deleted": "DELETED",
}
GLANCE_PROGRESS = {"queued": 25, "saving": 50, "active": 100}
HOST_ID_SALT = model.HOST

# Query parameters Nova's servers list schema knows (rejected when unknown from 2.75 on).
SERVER_LIST_PARAMS = frozenset(
    """user_id project_id tenant_id launch_index image_ref image kernel_id ramdisk_id hostname
    key_name power_state vm_state task_state host node flavor reservation_id launched_at
    terminated_at availability_zone name display_name description display_description
    locked_by uuid root_device_name config_drive access_ip_v4 access_ip_v6 auto_disk_config
    progress sort_key sort_dir all_tenants soft_deleted deleted status changes-since
    changes-before ip ip6 tag tags tags-any not-tags not-tags-any limit marker locked
    created_at updated_at""".split()
)
SORT_KEYS = {
    "created_at": lambda s: (s.created, s.seq),
    "updated_at": lambda s: (s.updated, s.seq),
    "display_name": lambda s: (s.name, s.seq),
    "hostname": lambda s: (s.hostname, s.seq),
    "uuid": lambda s: s.id,
    "launched_at": lambda s: (s.launched_at or 0.0, s.seq),
    "vm_state": lambda s: (s.vm_state, s.seq),
    "task_state": lambda s: (s.task_state or "", s.seq),
    "power_state": lambda s: (s.power_state, s.seq),
}


# ============================================================================ helpers


def _root(call: Call) -> str:
    """``http://host:port/compute`` or ``http://host:port`` as the client reached compute."""
    return call.base_url + ("/compute" if call.request.path.startswith("/compute") else "")


def _links(root: str, project_id: str, collection: str, item_id: str) -> list[dict]:
    return [
        {"rel": "self", "href": f"{root}/v2.1/{project_id}/{collection}/{item_id}"},
        {"rel": "bookmark", "href": f"{root}/{project_id}/{collection}/{item_id}"},
    ]


def _bool_param(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "1", "true", "t", "yes", "y", "on"):
        return True
    if lowered in ("0", "false", "f", "no", "n", "off"):
        return False
    raise errors.BadRequest(f"Invalid value {value!r} for {name}: use true or false.")


def _time_param(value: str, name: str) -> float:
    try:
        return parse_time(value)
    except (ValueError, OverflowError):
        raise errors.BadRequest(
            f"Invalid input for query parameters {name}. Value: {value}. It is not an ISO 8601 date-time "
            "such as 2012-03-21T00:00:00Z."
        ) from None


def paginate(call: Call, items: list, id_of) -> tuple[list, list]:
    """Nova's limit/marker paging: (page, links). A full page gets a ``next`` link."""
    args = call.request.args
    limit = query_limit(args, MAX_LIMIT, MAX_LIMIT)
    start = 0
    marker = args.get("marker")
    if marker is not None:
        try:
            start = list(map(id_of, items)).index(marker) + 1
        except ValueError:
            raise errors.BadRequest(f"marker [{marker}] not found") from None
    page = items[start : start + limit]
    links = []
    if page and len(page) == limit:
        params = [(k, v) for k, v in args.items(multi=True) if k not in ("marker", "limit")]
        params += [("limit", str(limit)), ("marker", id_of(page[-1]))]
        href = f"{call.base_url}{call.request.path}?{urlencode(params)}"
        links = [{"rel": "next", "href": href}]
    return page, links


def _check_body_keys(body: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise errors.BadRequest(
            f"Invalid input for field/attribute {where}. Additional properties are not allowed "
            f"({', '.join(repr(k) for k in extra)} {'was' if len(extra) == 1 else 'were'} unexpected)"
        )


# ============================================================================ views


class ServerView:
    """Renders servers for one request (the microversion and the caller decide the shape).

    Listing 10,000 servers with details must stay well under a second and a half, so a server is
    written straight to JSON text from cached fragments (addresses per slot, flavor and image
    per project, timestamps) instead of building dicts for ``json.dumps``. ``detail()`` parses
    that text back for the few callers that want a dict, so there is one renderer.
    """

    def __init__(self, call: Call):
        self.call = call
        self.cloud = call.state
        self.root = _root(call)
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
        self._host_ids: dict[str, str] = {}
        self._flavors: dict[tuple[str, str], str] = {}
        self._images: dict[tuple[str, str], str] = {}

    # ------------------------------------------------------------------ fragments
    def host_id(self, project_id: str) -> str:
        host_id = self._host_ids.get(project_id)
        if host_id is None:
            host_id = hashlib.sha224((project_id + HOST_ID_SALT).encode()).hexdigest()
            self._host_ids[project_id] = host_id
        return host_id

    def links(self, s: Server) -> list[dict]:
        return _links(self.root, s.project_id, "servers", s.id)

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

    def _addresses_json(self, s: Server) -> str:
        if not self._shows_addresses(s):
            return "{}"
        text = _ADDRESS_JSON.get(s.slot)
        if text is None:
            nets = AddressPools.addresses(s.slot)
            text = (
                "{"
                + ",".join(
                    f'"{network}":['
                    + ",".join(
                        _ADDRESS_TEMPLATE % (version, addr, mac) for version, addr, mac in entries
                    )
                    + "]"
                    for network, entries in nets.items()
                )
                + "}"
            )
            if len(_ADDRESS_JSON) < 200_000:
                _ADDRESS_JSON[s.slot] = text
        return text

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
            text = self._flavors[key] = _dumps(body)
        return text

    def _image_json(self, s: Server) -> str:
        key = (s.image_id, s.project_id)
        text = self._images.get(key)
        if text is None:
            body = {
                "id": s.image_id,
                "links": [
                    {"rel": "bookmark", "href": f"{self.root}/{s.project_id}/images/{s.image_id}"}
                ],
            }
            text = self._images[key] = _dumps(body)
        return text

    # ------------------------------------------------------------------ the view
    def detail(self, s: Server, show: bool = False, basic: bool = False) -> dict:
        """The view as a dict (parsed from :meth:`detail_json`, the one renderer)."""
        return json.loads(self.detail_json(s, show, basic))

    def detail_json(self, s: Server, show: bool = False, basic: bool = False) -> str:
        """The full view as JSON text (``basic``: the trimmed view update/rebuild gave before 2.75)."""
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
            _dumps(s.metadata) if s.metadata else "{}",
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
            self._addresses_json(s),
            ',"accessIPv4":',
            _q(s.access_ipv4),
            ',"accessIPv6":',
            _q(s.access_ipv6),
            ',"links":[{"rel":"self","href":',
            _q(self_href),
            '},{"rel":"bookmark","href":',
            _q(f"{root}/{project}/servers/{s.id}"),
            '}],"OS-DCF:diskConfig":"MANUAL"',
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
            add(',"fault":' + _dumps(fault_body))
        if self.v2_9:
            add(',"locked":' + ("true" if s.locked else "false"))
        if self.v2_19:
            add(',"description":' + _js(s.description))
        if self.v2_26:
            add(',"tags":' + (_dumps(s.tags) if s.tags else "[]"))
        if self.v2_63:
            add(',"trusted_image_certificates":null')
        if self.v2_73:
            add(',"locked_reason":' + _js(s.locked_reason))
        if not basic or self.v2_75:
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
                ',"security_groups":[{"name":"default"}],"os-extended-volumes:volumes_attached":[]',
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
                add(',"pinned_availability_zone":null')
            if show and self.v2_71:
                add(',"server_groups":[]')
        add("}")
        return "".join(parts)


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _js(value) -> str:
    """A JSON scalar: null, or a quoted and escaped string."""
    return "null" if value is None else _q(value)


_ADDRESS_JSON: dict[int, str] = {}
_ADDRESS_TEMPLATE = (
    '{"version":%d,"addr":"%s","OS-EXT-IPS:type":"fixed","OS-EXT-IPS-MAC:mac_addr":"%s"}'
)
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


# ============================================================================ servers


def _list_servers(call: Call, detail: bool):
    args = call.request.args
    if call.at_least("2.75"):
        unknown = sorted(set(args) - SERVER_LIST_PARAMS)
        if unknown:
            raise errors.BadRequest(
                f"Invalid input for query parameters {unknown[0]}. Additional properties are not allowed "
                f"({', '.join(repr(k) for k in unknown)} unexpected)"
            )
    all_tenants = (
        _bool_param(args["all_tenants"], "all_tenants") if "all_tenants" in args else False
    )
    project_id = args.get("project_id") or args.get("tenant_id")
    if project_id and not call.token.is_admin:
        project_id = None  # Nova ignores a project filter it does not allow
    changes_since = (
        _time_param(args["changes-since"], "changes-since") if "changes-since" in args else None
    )
    changes_before = None
    if "changes-before" in args and call.at_least("2.66"):
        changes_before = _time_param(args["changes-before"], "changes-before")
        if changes_since is not None and changes_since > changes_before:
            raise errors.BadRequest(
                "The value of changes-since must be less than or equal to changes-before."
            )
    filters = []
    if "name" in args:
        name_matches = regex_filter(args["name"], "name")
        filters.append(lambda s: name_matches(s.name))
    if "status" in args:
        wanted = {v.strip().upper() for v in args.getlist("status")}
        unknown = wanted - model.SERVER_STATUSES
        if unknown:
            if call.at_least("2.38"):
                raise errors.BadRequest(
                    f"Invalid status value {sorted(unknown)[0]}; allowed: {', '.join(sorted(model.SERVER_STATUSES))}."
                )
            wanted -= unknown
        filters.append(lambda s: s.status in wanted)
    if "image" in args:
        image_id = model.ref_to_id(args["image"])
        filters.append(lambda s: s.image_id == image_id)
    if "flavor" in args:
        flavor_id = model.ref_to_id(args["flavor"])
        filters.append(lambda s: s.flavor_id == flavor_id)
    if changes_since is not None:
        filters.append(lambda s: s.updated >= changes_since)
    if changes_before is not None:
        filters.append(lambda s: s.updated <= changes_before)
    if "locked" in args and call.at_least("2.73"):
        locked = _bool_param(args["locked"], "locked")
        filters.append(lambda s: s.locked == locked)
    if "key_name" in args:
        filters.append(lambda s, k=args["key_name"]: s.key_name == k)
    if "ip" in args or "ip6" in args:
        for key, version in (("ip", 4), ("ip6", 6)):
            if key in args:
                ip_matches = regex_filter(args[key], key)
                filters.append(
                    lambda s, p=ip_matches, v=version: any(
                        a[0] == v and p(a[1])
                        for entries in AddressPools.addresses(s.slot).values()
                        for a in entries
                    )
                )
    if call.at_least("2.26"):
        for key in ("tags", "tags-any", "not-tags", "not-tags-any", "tag"):
            if key not in args:
                continue
            tags = {t for t in args[key].split(",") if t}
            if key in ("tags", "tag"):
                filters.append(lambda s, t=tags: t.issubset(s.tags))
            elif key == "tags-any":
                filters.append(lambda s, t=tags: not t.isdisjoint(s.tags))
            elif key == "not-tags":
                filters.append(lambda s, t=tags: not t.issubset(s.tags))
            else:
                filters.append(lambda s, t=tags: t.isdisjoint(s.tags))
    sort_key = args.get("sort_key")
    if sort_key is not None and sort_key not in SORT_KEYS:
        raise errors.BadRequest(
            f"Invalid sort_key {sort_key!r}; allowed: {', '.join(sorted(SORT_KEYS))}."
        )
    sort_dir = args.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort_dir {sort_dir!r}; allowed: asc, desc.")

    with call.state.lock:
        servers = call.state.list_servers(
            call.token, all_tenants, project_id, include_deleted_since=changes_since
        )
        if filters:
            servers = [s for s in servers if all(f(s) for f in filters)]
        if sort_key is not None or sort_dir == "asc":
            servers.sort(key=SORT_KEYS[sort_key or "created_at"], reverse=sort_dir == "desc")
        page, links = paginate(call, servers, _ID)
        view = ServerView(call)
        if not detail:
            body = {"servers": [view.summary(s) for s in page]}
            if links:
                body["servers_links"] = links
            return body
        items = ",".join([view.detail_json(s) for s in page])
    tail = f',"servers_links":{_dumps(links)}' if links else ""
    return Response(f'{{"servers":[{items}]{tail}}}', content_type="application/json")


def list_servers(call: Call):
    return _list_servers(call, detail=False)


def list_servers_detail(call: Call):
    return _list_servers(call, detail=True)


def show_server(call: Call, server_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        text = ServerView(call).detail_json(server, show=True)
    return Response(f'{{"server":{text}}}', content_type="application/json")


CREATE_KEYS = {
    "name",
    "imageRef",
    "flavorRef",
    "metadata",
    "personality",
    "accessIPv4",
    "accessIPv6",
    "key_name",
    "min_count",
    "max_count",
    "adminPass",
    "user_data",
    "availability_zone",
    "config_drive",
    "security_groups",
    "networks",
    "block_device_mapping",
    "block_device_mapping_v2",
    "return_reservation_id",
    "OS-DCF:diskConfig",
}


def _networks(call: Call, value, present: bool) -> bool:
    """True when the server gets networks. 'auto'/'none' or a list naming private/public."""
    if not present:
        if call.at_least("2.37"):
            raise errors.BadRequest(
                'Invalid input for field/attribute server. \'networks\' is a required property (since microversion 2.37): use "auto" or "none".'
            )
        return True
    if value in ("auto", "none"):
        if not call.at_least("2.37"):
            raise errors.BadRequest(
                f"Invalid input for field/attribute networks. Value {value!r} needs microversion 2.37 or later; give a list."
            )
        return value == "auto"
    if not isinstance(value, list):
        raise errors.BadRequest(
            'Invalid input for field/attribute networks: use "auto", "none" or a list of {"uuid": ...}.'
        )
    for item in value:
        if not isinstance(item, dict) or set(item) - {"uuid", "port", "fixed_ip", "tag"}:
            raise errors.BadRequest(
                "Invalid network entry: each is an object with 'uuid' (and optionally 'fixed_ip')."
            )
        if "port" in item:
            raise errors.BadRequest(
                'The local cloud has no Networking service, so no ports: use networks "auto".'
            )
        if "uuid" in item and item["uuid"] not in (
            NETWORK_IDS["private"],
            NETWORK_IDS["public"],
            "private",
            "public",
        ):
            raise errors.BadRequest(f"Network {item['uuid']} could not be found.")
    return True


NETWORK_IDS = {
    "private": "c0ffee00-0000-4000-8000-000000000001",
    "public": "c0ffee00-0000-4000-8000-000000000002",
}


def create_server(call: Call):
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("server"), dict):
        raise errors.BadRequest('Invalid request body: expected a JSON object {"server": {...}}.')
    spec = body["server"]
    allowed = set(CREATE_KEYS)
    if call.at_least("2.19"):
        allowed.add("description")
    if call.at_least("2.52"):
        allowed.add("tags")
    if call.at_least("2.57"):
        allowed.discard("personality")
    if call.at_least("2.63"):
        allowed.add("trusted_image_certificates")
    if call.at_least("2.74"):
        allowed |= {"host", "hypervisor_hostname"}
    if call.at_least("2.90"):
        allowed.add("hostname")
    _check_body_keys(spec, allowed, "server")
    for required in ("name", "flavorRef"):
        if required not in spec:
            raise errors.BadRequest(
                f"Invalid input for field/attribute server. '{required}' is a required property."
            )
    if "imageRef" not in spec:
        raise errors.BadRequest(
            "Invalid input for field/attribute server. 'imageRef' is required (the local cloud boots from images only)."
        )
    networked = _networks(call, spec.get("networks"), "networks" in spec)
    servers = call.state.create_servers(
        call.token,
        name=spec["name"],
        image_ref=spec["imageRef"],
        flavor_ref=spec["flavorRef"],
        metadata=spec.get("metadata"),
        personality=spec.get("personality"),
        access_ipv4=spec.get("accessIPv4"),
        access_ipv6=spec.get("accessIPv6"),
        key_name=spec.get("key_name"),
        description=spec.get("description"),
        tags=spec.get("tags"),
        min_count=spec.get("min_count", 1),
        max_count=spec.get("max_count"),
        admin_pass=spec.get("adminPass"),
        user_data=spec.get("user_data"),
        hostname=spec.get("hostname"),
        availability_zone=spec.get("availability_zone"),
        config_drive=spec.get("config_drive"),
        networked=networked,
    )
    first = servers[0]
    if spec.get("return_reservation_id"):
        return {"reservation_id": first.reservation_id}, 202
    root = _root(call)
    links = _links(root, first.project_id, "servers", first.id)
    result = {
        "server": {
            "id": first.id,
            "links": links,
            "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [{"name": "default"}],
            "adminPass": first.admin_pass,
        }
    }
    return result, 202, {"Location": links[0]["href"]}


def update_server(call: Call, server_id: str):
    spec = call.body_dict("server")
    allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
    if call.at_least("2.19"):
        allowed.add("description")
    if call.at_least("2.90"):
        allowed.add("hostname")
    _check_body_keys(spec, allowed, "server")
    with call.state.lock:
        server = call.state.update_server(
            call.token,
            server_id,
            name=spec.get("name"),
            access_ipv4=spec.get("accessIPv4"),
            access_ipv6=spec.get("accessIPv6"),
            description=spec.get("description"),
            hostname=spec.get("hostname"),
            fields=spec.keys(),
        )
        return {"server": ServerView(call).detail(server, show=True, basic=True)}


def delete_server(call: Call, server_id: str):
    call.state.delete_server(call.token, server_id)
    return None, 204


# ---------------------------------------------------------------------------- actions


def _action_reboot(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "type" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute reboot. 'type' is a required property: SOFT or HARD."
        )
    kind = arg["type"]
    if (
        not isinstance(kind, str)
        or kind.upper() not in ("SOFT", "HARD")
        or kind not in (kind.upper(), kind.lower(), kind.capitalize())
    ):
        raise errors.BadRequest(f"Invalid reboot type {kind!r}: use SOFT or HARD.")
    call.state.reboot(call.token, server_id, hard=kind.upper() == "HARD")
    return None, 202


def _action_change_password(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "adminPass" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute changePassword. 'adminPass' is a required property."
        )
    _check_body_keys(arg, {"adminPass"}, "changePassword")
    call.state.change_password(call.token, server_id, arg["adminPass"])
    return None, 202


def _action_rebuild(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "imageRef" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute rebuild. 'imageRef' is a required property."
        )
    allowed = {
        "imageRef",
        "name",
        "adminPass",
        "metadata",
        "personality",
        "accessIPv4",
        "accessIPv6",
        "preserve_ephemeral",
        "OS-DCF:diskConfig",
    }
    if call.at_least("2.19"):
        allowed.add("description")
    if call.at_least("2.54"):
        allowed.add("key_name")
    if call.at_least("2.57"):
        allowed.discard("personality")
        allowed.add("user_data")
    if call.at_least("2.63"):
        allowed.add("trusted_image_certificates")
    if call.at_least("2.90"):
        allowed.add("hostname")
    _check_body_keys(arg, allowed, "rebuild")
    with call.state.lock:
        server = call.state.rebuild(
            call.token,
            server_id,
            arg["imageRef"],
            name=arg.get("name"),
            admin_pass=arg.get("adminPass"),
            metadata=arg.get("metadata"),
            personality=arg.get("personality"),
            access_ipv4=arg.get("accessIPv4"),
            access_ipv6=arg.get("accessIPv6"),
            description=arg.get("description"),
            key_name=arg.get("key_name"),
            user_data=arg.get("user_data"),
            hostname=arg.get("hostname"),
            fields=arg.keys(),
        )
        body = ServerView(call).detail(server, show=True, basic=True)
        body["adminPass"] = server.admin_pass
        return {"server": body}, 202


def _action_resize(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "flavorRef" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute resize. 'flavorRef' is a required property."
        )
    _check_body_keys(arg, {"flavorRef", "OS-DCF:diskConfig"}, "resize")
    call.state.resize(call.token, server_id, arg["flavorRef"])
    return None, 202


def _action_confirm_resize(call: Call, server_id: str, arg):
    call.state.confirm_resize(call.token, server_id)
    return None, 204


def _action_revert_resize(call: Call, server_id: str, arg):
    call.state.revert_resize(call.token, server_id)
    return None, 202


def _action_create_image(call: Call, server_id: str, arg):
    if not isinstance(arg, dict) or "name" not in arg:
        raise errors.BadRequest(
            "Invalid input for field/attribute createImage. 'name' is a required property."
        )
    _check_body_keys(arg, {"name", "metadata"}, "createImage")
    image = call.state.create_image(call.token, server_id, arg["name"], arg.get("metadata"))
    if call.at_least("2.45"):
        return {"image_id": image.id}, 202
    location = f"{_root(call)}/v2.1/{call.token.project.id}/images/{image.id}"
    return None, 202, {"Location": location}


def _action_start(call: Call, server_id: str, arg):
    call.state.start(call.token, server_id)
    return None, 202


def _action_stop(call: Call, server_id: str, arg):
    call.state.stop(call.token, server_id)
    return None, 202


def _action_lock(call: Call, server_id: str, arg):
    reason = None
    if isinstance(arg, dict) and arg:
        if not call.at_least("2.73"):
            raise errors.BadRequest("lock takes no arguments before microversion 2.73.")
        _check_body_keys(arg, {"locked_reason"}, "lock")
        reason = arg.get("locked_reason")
    call.state.lock_server(call.token, server_id, reason)
    return None, 202


def _action_unlock(call: Call, server_id: str, arg):
    call.state.unlock_server(call.token, server_id)
    return None, 202


ACTIONS = {
    "reboot": _action_reboot,
    "changePassword": _action_change_password,
    "rebuild": _action_rebuild,
    "resize": _action_resize,
    "confirmResize": _action_confirm_resize,
    "revertResize": _action_revert_resize,
    "createImage": _action_create_image,
    "os-start": _action_start,
    "os-stop": _action_stop,
    "lock": _action_lock,
    "unlock": _action_unlock,
}


def server_action(call: Call, server_id: str):
    body = call.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest(
            'Invalid action body: expected one action, e.g. {"reboot": {"type": "SOFT"}}; '
            f"known actions: {', '.join(sorted(ACTIONS))}."
        )
    ((name, arg),) = body.items()
    handler = ACTIONS.get(name)
    if handler is None:
        raise errors.BadRequest(
            f"There is no such action: {name}. Known actions: {', '.join(sorted(ACTIONS))}."
        )
    return handler(call, server_id, arg)


# ---------------------------------------------------------------------------- ips


def server_ips(call: Call, server_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        addresses = ServerView(call).addresses(server)
        return {
            "addresses": {
                net: [{"version": a["version"], "addr": a["addr"]} for a in entries]
                for net, entries in addresses.items()
            }
        }


def server_ips_network(call: Call, server_id: str, network: str):
    body = server_ips(call, server_id)["addresses"]
    if network not in body:
        raise errors.NotFound("Instance is not a member of specified network")
    return {network: body[network]}


# ---------------------------------------------------------------------------- metadata


def _meta_body(call: Call) -> dict:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
        raise errors.BadRequest(
            'Malformed request body: expected {"metadata": {"key": "value", ...}}.'
        )
    return body["metadata"]


def _meta_item_body(call: Call, key: str) -> str:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict):
        raise errors.BadRequest('Malformed request body: expected {"meta": {"key": "value"}}.')
    meta = body["meta"]
    if len(meta) > 1:
        raise errors.BadRequest("Request body contains too many items: give exactly one key.")
    if key not in meta:
        raise errors.BadRequest(
            "Request body and URI mismatch: the key in the body must be the key in the URL."
        )
    return meta[key]


def get_server_metadata(call: Call, server_id: str):
    with call.state.lock:
        return {"metadata": dict(call.state.get_server(call.token, server_id).metadata)}


def replace_server_metadata(call: Call, server_id: str):
    with call.state.lock:
        return {
            "metadata": dict(
                call.state.set_server_metadata(
                    call.token, server_id, _meta_body(call), replace=True
                )
            )
        }


def update_server_metadata(call: Call, server_id: str):
    with call.state.lock:
        return {
            "metadata": dict(
                call.state.set_server_metadata(
                    call.token, server_id, _meta_body(call), replace=False
                )
            )
        }


def get_server_metadata_item(call: Call, server_id: str, key: str):
    with call.state.lock:
        metadata = call.state.get_server(call.token, server_id).metadata
        if key not in metadata:
            raise errors.NotFound("Metadata item was not found")
        return {"meta": {key: metadata[key]}}


def set_server_metadata_item(call: Call, server_id: str, key: str):
    value = _meta_item_body(call, key)
    call.state.set_server_metadata(call.token, server_id, {key: value}, replace=False)
    return {"meta": {key: value}}


def delete_server_metadata_item(call: Call, server_id: str, key: str):
    call.state.delete_server_metadata_item(call.token, server_id, key)
    return None, 204


# ---------------------------------------------------------------------------- tags (2.26)


def _tags_version(call: Call) -> None:
    if not call.at_least("2.26"):
        raise errors.NotFound("The tags API needs microversion 2.26 or later.")


def list_tags(call: Call, server_id: str):
    _tags_version(call)
    with call.state.lock:
        return {"tags": list(call.state.get_server(call.token, server_id).tags)}


def replace_tags(call: Call, server_id: str):
    _tags_version(call)
    body = call.json()
    if not isinstance(body, dict) or "tags" not in body:
        raise errors.BadRequest('Malformed request body: expected {"tags": ["tag", ...]}.')
    with call.state.lock:
        return {"tags": list(call.state.set_tags(call.token, server_id, body["tags"]))}


def clear_tags(call: Call, server_id: str):
    _tags_version(call)
    call.state.clear_tags(call.token, server_id)
    return None, 204


def check_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    with call.state.lock:
        if tag not in call.state.get_server(call.token, server_id).tags:
            raise errors.NotFound(f"Tag '{tag}' could not be found on instance {server_id}.")
    return None, 204


def add_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    if call.state.add_tag(call.token, server_id, tag):
        location = f"{_root(call)}/v2.1/{call.token.project.id}/servers/{server_id}/tags/{tag}"
        return None, 201, {"Location": location}
    return None, 204


def delete_tag(call: Call, server_id: str, tag: str):
    _tags_version(call)
    call.state.delete_tag(call.token, server_id, tag)
    return None, 204


# ============================================================================ flavors


def _flavor_summary(call: Call, root: str, flavor: model.Flavor) -> dict:
    body = {
        "id": flavor.id,
        "name": flavor.name,
        "links": _links(root, call.token.project.id, "flavors", flavor.id),
    }
    if call.at_least("2.55"):
        body["description"] = flavor.description
    return body


def _flavor_detail(call: Call, root: str, flavor: model.Flavor) -> dict:
    body = _flavor_summary(call, root, flavor)
    body.update(
        {
            "ram": flavor.ram,
            "vcpus": flavor.vcpus,
            "disk": flavor.disk,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": False,
            "swap": flavor.swap if call.at_least("2.75") else (flavor.swap or ""),
            "rxtx_factor": flavor.rxtx_factor,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if call.at_least("2.61"):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def _list_flavors(call: Call, detail: bool):
    args = call.request.args
    flavors = call.state.list_flavors()
    for key, attr in (("minRam", "ram"), ("minDisk", "disk")):
        if key in args:
            try:
                minimum = int(args[key])
            except ValueError:
                raise errors.BadRequest(
                    f"Invalid {key} filter {args[key]!r}: an integer is required."
                ) from None
            flavors = [f for f in flavors if getattr(f, attr) >= minimum]
    sort_key = args.get("sort_key", "flavorid")
    keys = {
        "flavorid": lambda f: f.id,
        "id": lambda f: f.id,
        "name": lambda f: f.name,
        "memory_mb": lambda f: f.ram,
        "ram": lambda f: f.ram,
        "vcpus": lambda f: f.vcpus,
        "root_gb": lambda f: f.disk,
        "disk": lambda f: f.disk,
    }
    if sort_key not in keys:
        raise errors.BadRequest(
            f"Invalid sort_key {sort_key!r}; allowed: {', '.join(sorted(keys))}."
        )
    sort_dir = args.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort_dir {sort_dir!r}; allowed: asc, desc.")
    flavors.sort(key=keys[sort_key], reverse=sort_dir == "desc")
    page, links = paginate(call, flavors, _ID)
    root = _root(call)
    render = _flavor_detail if detail else _flavor_summary
    body = {"flavors": [render(call, root, f) for f in page]}
    if links:
        body["flavors_links"] = links
    return body


def list_flavors(call: Call):
    return _list_flavors(call, False)


def list_flavors_detail(call: Call):
    return _list_flavors(call, True)


def show_flavor(call: Call, flavor_id: str):
    return {"flavor": _flavor_detail(call, _root(call), call.state.get_flavor(flavor_id))}


def flavor_extra_specs(call: Call, flavor_id: str):
    return {"extra_specs": dict(call.state.get_flavor(flavor_id).extra_specs)}


# ============================================================================ images (proxy, < 2.36)


def _images_version(call: Call) -> None:
    if call.at_least("2.36"):
        raise errors.NotFound(
            "The image proxy API was removed in microversion 2.36; use the Image service."
        )


def image_view(call: Call, root: str, image: model.Image, detail: bool = True) -> dict:
    project = call.token.project.id
    links = _links(root, project, "images", image.id) + [
        {
            "rel": "alternate",
            "type": "application/vnd.openstack.image",
            "href": f"{call.base_url}/image/v2/images/{image.id}",
        }
    ]
    body = {"id": image.id, "name": image.name, "links": links}
    if not detail:
        return body
    body.update(
        {
            "minRam": image.min_ram,
            "minDisk": image.min_disk,
            "metadata": dict(image.properties),
            "created": iso_seconds(image.created),
            "updated": iso_seconds(image.updated),
            "status": GLANCE_TO_NOVA.get(image.status, "UNKNOWN"),
            "progress": GLANCE_PROGRESS.get(image.status, 0),
            "OS-EXT-IMG-SIZE:size": image.size if image.status == "active" else None,
        }
    )
    if image.server_id:
        body["server"] = {
            "id": image.server_id,
            "links": _links(root, project, "servers", image.server_id),
        }
    return body


def _sorted_images(images: list) -> list:
    return sorted(images, key=lambda i: (i.created, i.number), reverse=True)


def _list_images(call: Call, detail: bool):
    _images_version(call)
    args = call.request.args
    with call.state.lock:
        images = _sorted_images(call.state.list_images(call.token))
        if "name" in args:
            images = [i for i in images if i.name == args["name"]]
        if "status" in args:
            wanted = args["status"].upper()
            images = [i for i in images if GLANCE_TO_NOVA.get(i.status) == wanted]
        if "server" in args:
            server_id = model.ref_to_id(args["server"])
            images = [i for i in images if i.server_id == server_id]
        if "type" in args:
            # Nova's type filter: SNAPSHOT or BASE (an image that is not a snapshot).
            kind = args["type"].upper()
            if kind not in ("SNAPSHOT", "BASE"):
                raise errors.BadRequest(
                    f"Invalid type filter {args['type']!r}; allowed: SNAPSHOT, BASE."
                )
            images = [
                i
                for i in images
                if (i.properties.get("image_type") == "snapshot") == (kind == "SNAPSHOT")
            ]
        if "changes-since" in args:
            since = _time_param(args["changes-since"], "changes-since")
            images = [i for i in images if i.updated >= since]
        for key, attr in (("minRam", "min_ram"), ("minDisk", "min_disk")):
            if key in args:
                try:
                    minimum = int(args[key])
                except ValueError:
                    raise errors.BadRequest(
                        f"Invalid {key} filter {args[key]!r}: an integer is required."
                    ) from None
                images = [i for i in images if getattr(i, attr) >= minimum]
        page, links = paginate(call, images, _ID)
        root = _root(call)
        body = {"images": [image_view(call, root, i, detail) for i in page]}
    if links:
        body["images_links"] = links
    return body


def list_images(call: Call):
    return _list_images(call, False)


def list_images_detail(call: Call):
    return _list_images(call, True)


def show_image(call: Call, image_id: str):
    _images_version(call)
    with call.state.lock:
        return {"image": image_view(call, _root(call), call.state.get_image(call.token, image_id))}


def delete_image(call: Call, image_id: str):
    _images_version(call)
    call.state.delete_image(call.token, image_id)
    return None, 204


def get_image_metadata(call: Call, image_id: str):
    _images_version(call)
    with call.state.lock:
        return {"metadata": dict(call.state.get_image(call.token, image_id).properties)}


def replace_image_metadata(call: Call, image_id: str):
    _images_version(call)
    with call.state.lock:
        return {
            "metadata": dict(
                call.state.set_image_metadata(call.token, image_id, _meta_body(call), replace=True)
            )
        }


def update_image_metadata(call: Call, image_id: str):
    _images_version(call)
    with call.state.lock:
        return {
            "metadata": dict(
                call.state.set_image_metadata(call.token, image_id, _meta_body(call), replace=False)
            )
        }


def get_image_metadata_item(call: Call, image_id: str, key: str):
    _images_version(call)
    with call.state.lock:
        properties = call.state.get_image(call.token, image_id).properties
        if key not in properties:
            raise errors.NotFound(f"Image metadata item {key} was not found.")
        return {"meta": {key: properties[key]}}


def set_image_metadata_item(call: Call, image_id: str, key: str):
    _images_version(call)
    value = _meta_item_body(call, key)
    call.state.set_image_metadata_item(call.token, image_id, key, value)
    return {"meta": {key: value}}


def delete_image_metadata_item(call: Call, image_id: str, key: str):
    _images_version(call)
    call.state.delete_image_metadata_item(call.token, image_id, key)
    return None, 204


# ============================================================================ limits and quotas


def limits(call: Call):
    project_id = call.token.project.id
    if call.token.is_admin and call.request.args.get("tenant_id"):
        project_id = call.request.args["tenant_id"]
    quota = call.state.quota_limits(project_id)
    used = call.state.usage(project_id)
    absolute = {
        "maxServerMeta": quota["metadata_items"],
        "maxImageMeta": quota["metadata_items"],
        "maxPersonality": quota["injected_files"],
        "maxPersonalitySize": quota["injected_file_content_bytes"],
        "maxSecurityGroupRules": quota["security_group_rules"],
        "maxSecurityGroups": quota["security_groups"],
        "maxServerGroupMembers": quota["server_group_members"],
        "maxServerGroups": quota["server_groups"],
        "maxTotalCores": quota["cores"],
        "maxTotalFloatingIps": quota["floating_ips"],
        "maxTotalInstances": quota["instances"],
        "maxTotalKeypairs": quota["key_pairs"],
        "maxTotalRAMSize": quota["ram"],
        "totalCoresUsed": used["cores"],
        "totalFloatingIpsUsed": 0,
        "totalInstancesUsed": used["instances"],
        "totalRAMUsed": used["ram"],
        "totalSecurityGroupsUsed": 1,
        "totalServerGroupsUsed": 0,
    }
    if call.at_least("2.36"):
        for key in (
            "maxSecurityGroupRules",
            "maxSecurityGroups",
            "maxTotalFloatingIps",
            "totalFloatingIpsUsed",
            "totalSecurityGroupsUsed",
        ):
            del absolute[key]
    if call.at_least("2.39"):
        del absolute["maxImageMeta"]
    if call.at_least("2.57"):
        del absolute["maxPersonality"], absolute["maxPersonalitySize"]
    return {"limits": {"rate": [], "absolute": absolute}}


QUOTA_KEYS_TRIMMED_236 = (
    "fixed_ips",
    "floating_ips",
    "networks",
    "security_group_rules",
    "security_groups",
)
QUOTA_KEYS_TRIMMED_257 = (
    "injected_file_content_bytes",
    "injected_file_path_bytes",
    "injected_files",
)


def _quota_keys(call: Call) -> list[str]:
    keys = [k for k in model.DEFAULT_QUOTAS]
    if call.at_least("2.36"):
        keys = [k for k in keys if k not in QUOTA_KEYS_TRIMMED_236]
    if call.at_least("2.57"):
        keys = [k for k in keys if k not in QUOTA_KEYS_TRIMMED_257]
    return sorted(keys)


def _quota_project(call: Call, project_ref: str) -> str:
    project = call.state.find_project(project_ref)
    project_id = project.id if project is not None else project_ref
    if project_id != call.token.project.id and not call.token.is_admin:
        raise errors.Forbidden(
            "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed."
        )
    return project_id


def show_quotas(call: Call, project_ref: str):
    project_id = _quota_project(call, project_ref)
    quota = call.state.quota_limits(project_id)
    return {"quota_set": {"id": project_ref, **{k: quota[k] for k in _quota_keys(call)}}}


def show_quotas_detail(call: Call, project_ref: str):
    project_id = _quota_project(call, project_ref)
    quota, used = call.state.quota_limits(project_id), call.state.usage(project_id)
    return {
        "quota_set": {
            "id": project_ref,
            **{
                k: {"in_use": used.get(k, 0), "limit": quota[k], "reserved": 0}
                for k in _quota_keys(call)
            },
        }
    }


def default_quotas(call: Call, project_ref: str):
    defaults = call.state.default_quotas
    return {"quota_set": {"id": project_ref, **{k: defaults[k] for k in _quota_keys(call)}}}


def update_quotas(call: Call, project_ref: str):
    values = call.body_dict("quota_set")
    project = call.state.find_project(project_ref)
    project_id = project.id if project is not None else project_ref
    allowed = set(_quota_keys(call)) | {"force"}
    _check_body_keys(values, allowed, "quota_set")
    quota = call.state.set_quotas(call.token, project_id, values)
    return {"quota_set": {k: quota[k] for k in _quota_keys(call)}}


def delete_quotas(call: Call, project_ref: str):
    project = call.state.find_project(project_ref)
    call.state.delete_quotas(call.token, project.id if project is not None else project_ref)
    return None, 202


# ============================================================================ versions


def _version_doc(call: Call, root: str) -> dict:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": version_str(MAX_VERSION),
        "min_version": version_str(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"rel": "self", "href": f"{root}/v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def compute_versions(call: Call):
    return {"versions": [_version_doc(call, _root(call))]}


def compute_version(call: Call):
    return {"version": _version_doc(call, _root(call))}


# ============================================================================ routes


def _relative_rules() -> list:
    from novamagic.localcloud import keypairs  # imports this module's paginate

    r = route
    return [
        r("/servers", list_servers, ["GET"]),
        r("/servers", create_server, ["POST"]),
        r("/servers/detail", list_servers_detail, ["GET"]),
        r("/servers/<server_id>", show_server, ["GET"]),
        r("/servers/<server_id>", update_server, ["PUT"]),
        r("/servers/<server_id>", delete_server, ["DELETE"]),
        r("/servers/<server_id>/action", server_action, ["POST"]),
        r("/servers/<server_id>/ips", server_ips, ["GET"]),
        r("/servers/<server_id>/ips/<network>", server_ips_network, ["GET"]),
        r("/servers/<server_id>/metadata", get_server_metadata, ["GET"]),
        r("/servers/<server_id>/metadata", replace_server_metadata, ["PUT"]),
        r("/servers/<server_id>/metadata", update_server_metadata, ["POST"]),
        r("/servers/<server_id>/metadata/<path:key>", get_server_metadata_item, ["GET"]),
        r("/servers/<server_id>/metadata/<path:key>", set_server_metadata_item, ["PUT"]),
        r("/servers/<server_id>/metadata/<path:key>", delete_server_metadata_item, ["DELETE"]),
        r("/servers/<server_id>/tags", list_tags, ["GET"]),
        r("/servers/<server_id>/tags", replace_tags, ["PUT"]),
        r("/servers/<server_id>/tags", clear_tags, ["DELETE"]),
        r("/servers/<server_id>/tags/<tag>", check_tag, ["GET"]),
        r("/servers/<server_id>/tags/<tag>", add_tag, ["PUT"]),
        r("/servers/<server_id>/tags/<tag>", delete_tag, ["DELETE"]),
        r("/flavors", list_flavors, ["GET"]),
        r("/flavors/detail", list_flavors_detail, ["GET"]),
        r("/flavors/<flavor_id>", show_flavor, ["GET"]),
        r("/flavors/<flavor_id>/os-extra_specs", flavor_extra_specs, ["GET"]),
        r("/images", list_images, ["GET"]),
        r("/images/detail", list_images_detail, ["GET"]),
        r("/images/<image_id>", show_image, ["GET"]),
        r("/images/<image_id>", delete_image, ["DELETE"]),
        r("/images/<image_id>/metadata", get_image_metadata, ["GET"]),
        r("/images/<image_id>/metadata", replace_image_metadata, ["PUT"]),
        r("/images/<image_id>/metadata", update_image_metadata, ["POST"]),
        r("/images/<image_id>/metadata/<path:key>", get_image_metadata_item, ["GET"]),
        r("/images/<image_id>/metadata/<path:key>", set_image_metadata_item, ["PUT"]),
        r("/images/<image_id>/metadata/<path:key>", delete_image_metadata_item, ["DELETE"]),
        r("/limits", limits, ["GET"]),
        r("/os-quota-sets/<project_ref>", show_quotas, ["GET"]),
        r("/os-quota-sets/<project_ref>", update_quotas, ["PUT"]),
        r("/os-quota-sets/<project_ref>", delete_quotas, ["DELETE"]),
        r("/os-quota-sets/<project_ref>/detail", show_quotas_detail, ["GET"]),
        r("/os-quota-sets/<project_ref>/defaults", default_quotas, ["GET"]),
        *keypairs.relative_rules(),
    ]


def rules() -> list:
    out = [
        route("/compute", compute_versions, ["GET"], auth=False),
        route("/compute/v2.1", compute_version, ["GET"], auth=False),
        route("/v2.1", compute_version, ["GET"], auth=False),
    ]
    for prefix in ("/compute/v2.1", "/compute/v2.1/<project_id>", "/v2.1", "/v2.1/<project_id>"):
        out.append(Submount(prefix, _relative_rules()))
    return out
