"""Nova's servers: list (with Nova's filters, sorting and paging), show, create, update, delete,
and the addresses under ``/ips``."""

from __future__ import annotations

import ipaddress

from werkzeug.wrappers import Response

from novamagic.localcloud import errors, model
from novamagic.localcloud.compute import instance_actions, schemas
from novamagic.localcloud.compute.common import (
    BY_ID,
    bool_param,
    check_body_keys,
    check_query,
    dumps,
    item_links,
    paginate,
    root_url,
    time_param,
)
from novamagic.localcloud.compute.views.servers import ServerView
from novamagic.localcloud.http import Call, regex_filter, regex_matches, route
from novamagic.localcloud.model.block_devices import parse_block_devices
from novamagic.localcloud.model.networks import PUBLIC_NETWORK_ID
from novamagic.localcloud.model.validation import check_disk_config

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


def _list_servers(call: Call, detail: bool):
    args = call.request.args
    check_query(call, schemas.SERVER_LIST_PARAMS, since="2.75")
    all_tenants = bool_param(args["all_tenants"], "all_tenants") if "all_tenants" in args else False
    project_id = args.get("project_id") or args.get("tenant_id")
    if not (all_tenants and call.token.is_admin):
        # Nova reads a project filter only with all_tenants (an admin's); alone it is ignored
        # and the caller's own project is listed.
        project_id = None
    changes_since = (
        time_param(args["changes-since"], "changes-since") if "changes-since" in args else None
    )
    changes_before = None
    if "changes-before" in args and call.at_least("2.66"):
        changes_before = time_param(args["changes-before"], "changes-before")
        if changes_since is not None and changes_since > changes_before:
            raise errors.BadRequest(
                "The value of changes-since must be less than or equal to changes-before."
            )
    filters = []
    # Regex filters as (filter, the strings of a server it may match): matched apart, see below.
    regexes = []
    if "name" in args:
        regexes.append((regex_filter(args["name"], "name"), lambda s: (s.name,)))
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
        locked = bool_param(args["locked"], "locked")
        filters.append(lambda s: s.locked == locked)
    if "key_name" in args:
        filters.append(lambda s, k=args["key_name"]: s.key_name == k)
    for key, version in (("ip", 4), ("ip6", 6)):
        if key in args:
            regexes.append(
                (
                    regex_filter(args[key], key),
                    lambda s, v=version: [
                        a[1]
                        for _, entries in call.state.server_addresses(s)
                        for a in entries
                        if a[0] == v
                    ],
                )
            )
    if "host" in args and call.token.is_admin:  # an admin-only filter, ignored for others
        host = args["host"]
        filters.append(lambda s: s.launched_at is not None and host == model.HOST)
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
        if not regexes:  # one hold of the lock: no deletion can finish in between
            return _page(call, servers, detail, sort_key, sort_dir)
        texts = [tuple(strings(s) for _, strings in regexes) for s in servers]
    # Outside the lock and within the project's budget: a costly pattern (up to a second
    # of matching) delays its own request only, never another learner's.
    keep = regex_matches(call, [f for f, _ in regexes], texts)
    servers = [s for s, kept in zip(servers, keep, strict=True) if kept]
    with call.state.lock:
        if changes_since is None:  # a deletion may have finished since the lock was let go
            servers = [s for s in servers if not s.deleted]
        return _page(call, servers, detail, sort_key, sort_dir)


def _page(call: Call, servers: list, detail: bool, sort_key, sort_dir: str):
    """The page asked for of the listed ``servers``, sorted, rendered (under the state lock)."""
    if sort_key is not None or sort_dir == "asc":
        servers.sort(key=SORT_KEYS[sort_key or "created_at"], reverse=sort_dir == "desc")
    page, links = paginate(call, servers, BY_ID, find=call.state.servers.get)
    view = ServerView(call)
    if not detail:
        body = {"servers": [view.summary(s) for s in page]}
        if links:
            body["servers_links"] = links
        return body
    # The views kept from earlier listings, as pieces the server sends as they are (see
    # connections.py): a page of 1,000 is ~2 MB, never copied into one buffer.
    parts = [b","] * (2 * len(page))  # the commas between views
    parts[1::2] = view.listing_json(page)
    parts[:1] = [b'{"servers":[']  # in place of the first comma (or alone on an empty page)
    parts.append(b'],"servers_links":' + dumps(links).encode() + b"}" if links else b"]}")
    # The list itself is the answer's body (direct_passthrough: no generator over its pieces,
    # and the length given rather than counted through one).
    response = Response(parts, content_type="application/json", direct_passthrough=True)
    response.content_length = sum(map(len, parts))
    return response


def list_servers(call: Call):
    return _list_servers(call, detail=False)


def list_servers_detail(call: Call):
    return _list_servers(call, detail=True)


def show_server(call: Call, server_id: str):
    with call.state.lock:
        server = call.state.get_server(call.token, server_id)
        text = ServerView(call).detail_json(server, show=True)
    return Response(f'{{"server":{text}}}', content_type="application/json")


def _networks(call: Call, value, present: bool):
    """(networked, requests): requests None for "auto" (the project's private network and
    public), else Nova's list of ``{"uuid"|"port", "fixed_ip"}`` checked for shape here and
    against the networks in the model."""
    if not present:
        if call.at_least("2.37"):
            raise errors.BadRequest(
                'Invalid input for field/attribute server. \'networks\' is a required property (since microversion 2.37): use "auto" or "none".'
            )
        return True, None
    if value in ("auto", "none"):
        if not call.at_least("2.37"):
            raise errors.BadRequest(
                f"Invalid input for field/attribute networks. Value {value!r} needs microversion 2.37 or later; give a list."
            )
        return value == "auto", None
    if not isinstance(value, list):
        raise errors.BadRequest(
            'Invalid input for field/attribute networks: use "auto", "none" or a list of {"uuid": ...}.'
        )
    requests = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"uuid", "port", "fixed_ip", "tag"}:
            raise errors.BadRequest(
                "Invalid network entry: each is an object with 'uuid' or 'port' (and optionally 'fixed_ip')."
            )
        for key in ("uuid", "port", "fixed_ip"):
            if key in item and not isinstance(item[key], str):
                raise errors.BadRequest(
                    f"Invalid input for field/attribute {key}. Value: {item[key]!r}. It must be a string."
                )
        if not item.get("uuid") and not item.get("port"):
            raise errors.BadRequest("Bad networks format: each network needs a 'uuid' or a 'port'.")
        if "fixed_ip" in item:
            try:
                ipaddress.ip_address(item["fixed_ip"])
            except ValueError:
                raise errors.BadRequest(
                    f"Invalid input for field/attribute fixed_ip. Value: {item['fixed_ip']!r} is not an IP address."
                ) from None
        uuid = item.get("uuid")
        if uuid in LEGACY_NETWORK_NAMES:  # names the local cloud has always taken
            uuid = LEGACY_NETWORK_NAMES[uuid](call)
        requests.append({"uuid": uuid, "port": item.get("port"), "fixed_ip": item.get("fixed_ip")})
    return True, requests


LEGACY_NETWORK_NAMES = {
    "private": lambda call: _private_id(call),
    "c0ffee00-0000-4000-8000-000000000001": lambda call: _private_id(call),
    "public": lambda call: PUBLIC_NETWORK_ID,
}


def _private_id(call: Call) -> str:
    network = call.state.private_network(call.token.project.id)
    return network.id if network is not None else "private"


def _security_groups(value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(g, dict) and set(g) == {"name"} and isinstance(g["name"], str) and g["name"]
        for g in value
    ):
        raise errors.BadRequest(
            "Invalid input for field/attribute security_groups. It must be a list of "
            '{"name": "<name or id>"}.'
        )
    return [g["name"] for g in value]


def _scheduler_hints(body: dict):
    """Nova reads hints beside ``server`` (``os:scheduler_hints``, or the older
    ``OS-SCH-HNT:scheduler_hints``); they are kept to be shown back from 2.100."""
    extra = set(body) - {"server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"}
    if extra:
        raise errors.BadRequest(
            f"Invalid input for the request body: unexpected {sorted(extra)[0]!r}; allowed "
            "beside 'server' is 'os:scheduler_hints'."
        )
    return body.get("os:scheduler_hints", body.get("OS-SCH-HNT:scheduler_hints"))


def create_server(call: Call):
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("server"), dict):
        raise errors.BadRequest('Invalid request body: expected a JSON object {"server": {...}}.')
    spec = body["server"]
    allowed = schemas.SERVER_CREATE.at(call)
    check_body_keys(spec, allowed, "server")
    for required in ("name", "flavorRef"):
        if required not in spec:
            raise errors.BadRequest(
                f"Invalid input for field/attribute server. '{required}' is a required property."
            )
    if spec.get("block_device_mapping"):
        raise errors.BadRequest(
            "Invalid input for field/attribute block_device_mapping: the local cloud reads "
            "block_device_mapping_v2 only (source_type, destination_type, uuid, boot_index)."
        )
    devices = None
    if "block_device_mapping_v2" in spec:
        devices = parse_block_devices(spec["block_device_mapping_v2"])
    if "imageRef" not in spec and not any(d.boot for d in devices or ()):
        raise errors.BadRequest(
            "Invalid input for field/attribute server. 'imageRef' is required unless a block "
            "device of block_device_mapping_v2 has boot_index 0."
        )
    if "OS-DCF:diskConfig" in spec:  # present means AUTO or MANUAL (null too is a 400)
        check_disk_config(spec["OS-DCF:diskConfig"])
    networked, networks = _networks(call, spec.get("networks"), "networks" in spec)
    groups = _security_groups(spec.get("security_groups"))
    servers = call.state.create_servers(
        call.token,
        name=spec["name"],
        image_ref=spec.get("imageRef"),
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
        networks=networks,
        security_groups=groups,
        disk_config=spec.get("OS-DCF:diskConfig"),
        scheduler_hints=_scheduler_hints(body),
        block_devices=devices,
    )
    for server in servers:
        instance_actions.record(call, server, "create")
    first = servers[0]
    if spec.get("return_reservation_id"):
        return {"reservation_id": first.reservation_id}, 202
    root = root_url(call)
    links = item_links(root, first.project_id, "servers", first.id)
    result = {
        "server": {
            "id": first.id,
            "links": links,
            "OS-DCF:diskConfig": first.disk_config,
            "security_groups": [{"name": name} for name in groups or ["default"]],
            "adminPass": first.admin_pass,
        }
    }
    return result, 202, {"Location": links[0]["href"]}


def update_server(call: Call, server_id: str):
    spec = call.body_dict("server")
    allowed = schemas.SERVER_UPDATE.at(call)
    check_body_keys(spec, allowed, "server")
    with call.state.lock:
        server = call.state.update_server(
            call.token,
            server_id,
            name=spec.get("name"),
            access_ipv4=spec.get("accessIPv4"),
            access_ipv6=spec.get("accessIPv6"),
            description=spec.get("description"),
            hostname=spec.get("hostname"),
            disk_config=spec.get("OS-DCF:diskConfig"),
            pinned_availability_zone=spec.get("pinned_availability_zone"),
            fields=spec.keys(),
        )
        return {"server": ServerView(call).detail(server, show=True, basic=True)}


def delete_server(call: Call, server_id: str):
    with call.state.lock:
        call.state.delete_server(call.token, server_id)
        server = call.state.servers.get(server_id)
        if server is not None:
            instance_actions.record(call, server, "delete")
    return None, 204


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


def relative_rules() -> list:
    return [
        route("/servers", list_servers, ["GET"]),
        route("/servers", create_server, ["POST"]),
        route("/servers/detail", list_servers_detail, ["GET"]),
        route("/servers/<server_id>", show_server, ["GET"]),
        route("/servers/<server_id>", update_server, ["PUT"]),
        route("/servers/<server_id>", delete_server, ["DELETE"]),
        route("/servers/<server_id>/ips", server_ips, ["GET"]),
        route("/servers/<server_id>/ips/<network>", server_ips_network, ["GET"]),
    ]
