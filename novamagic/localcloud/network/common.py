"""What every Neutron controller shares: request bodies checked attribute by attribute, and
lists with Neutron's filters (any attribute, several values OR-ed), ``fields``, sorting and
``limit``/``marker`` paging, worded as Neutron words them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from novamagic.localcloud import errors
from novamagic.localcloud.errors import typed
from novamagic.localcloud.http import Call

MAX_NAME = 255
MAX_DESCRIPTION = 255
LIST_PARAMS = frozenset({"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"})


def bad(message: str, kind: str = "HTTPBadRequest") -> errors.CloudError:
    return typed(errors.BadRequest, kind, message)


@dataclass(frozen=True)
class Attr:
    """One attribute a request body may set: its kind (str, bool, int, list, dict, any) and,
    for strings, the longest value; ``nullable`` lets it be null."""

    kind: str = "str"
    max_len: int = MAX_NAME
    nullable: bool = False


def check_value(name: str, value, attr: Attr):
    if value is None and attr.nullable:
        return None
    ok = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "list": isinstance(value, list),
        "dict": isinstance(value, dict),
        "any": True,
    }[attr.kind]
    if attr.kind == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"  # Neutron converts "True"/"false" to booleans
    if attr.kind == "int" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if not ok:
        what = {"str": "a valid string", "bool": "a boolean", "int": "an integer",
                "list": "a list", "dict": "a dictionary", "any": ""}[attr.kind]  # fmt: skip
        raise bad(f"Invalid input for {name}. Reason: '{_short(value)}' is not {what}.")
    if attr.kind == "str" and len(value) > attr.max_len:
        raise bad(
            f"Invalid input for {name}. Reason: '{_short(value)}' exceeds maximum length of "
            f"{attr.max_len}."
        )
    return value


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_body(call: Call, key: str, attrs: dict[str, Attr], required=()) -> dict:
    """The checked attributes of a ``{key: {...}}`` body (400 naming what is wrong otherwise)."""
    body = call.json()
    if not isinstance(body, dict) or key not in body:
        raise bad(f'Resource body required: expected a JSON object {{"{key}": {{...}}}}.')
    inner = body[key]
    if not isinstance(inner, dict):
        raise bad(f"Invalid input for {key}: it must be an object of attributes.")
    unknown = sorted(set(inner) - set(attrs))
    if unknown:
        raise bad(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for name in required:
        if name not in inner:
            raise bad(f"Failed to parse request. Required attribute '{name}' not specified")
    return {name: check_value(name, value, attrs[name]) for name, value in inner.items()}


def _matches(value, wanted: list[str], name: str) -> bool:
    if isinstance(value, bool):
        choices = set()
        for text in wanted:
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0"):
                raise bad(
                    f"Invalid input for operation: '{_short(text)}' cannot be converted to "
                    f"boolean (filter {name}).",
                    "InvalidInput",
                )
            choices.add(lowered in ("true", "1"))
        return value in choices
    if isinstance(value, list):
        return any(str(v) in wanted or (isinstance(v, dict) and _matches_dict(v, wanted))
                   for v in value)  # fmt: skip
    return ("" if value is None else str(value)) in wanted


def _matches_dict(value: dict, wanted: list[str]) -> bool:
    # fixed_ips=ip_address=10.0.0.3 / fixed_ips=subnet_id=...: the form the clients send
    for text in wanted:
        key, _, expected = text.partition("=")
        if str(value.get(key)) == expected:
            return True
    return False


def listing(call: Call, collection: str, items: list[dict]) -> dict:
    """``{collection: [...]}`` filtered, sorted, paged and trimmed to ``fields`` as Neutron does."""
    args = call.request.args
    known = set(items[0]) if items else set()
    for name in set(args) - LIST_PARAMS:
        if items and name not in known:
            raise bad(f"['{_short(name)}'] is invalid attribute for filtering")
        wanted = args.getlist(name)
        items = [item for item in items if _matches(item.get(name), wanted, name)]
    sort_keys, sort_dirs = args.getlist("sort_key"), args.getlist("sort_dir")
    if sort_keys:
        if len(sort_dirs) not in (0, len(sort_keys)):
            raise bad("The number of sort_keys and sort_dirs must be same")
        for key, direction in reversed(list(zip(sort_keys, sort_dirs or ["asc"] * len(sort_keys),
                                                strict=True))):  # fmt: skip
            if items and key not in known:
                raise bad(f"{_short(key)} is an invalid attribute for sort_keys")
            if direction not in ("asc", "desc"):
                raise bad(f"{_short(direction)} is an invalid value for sort_dirs, valid "
                          "values are: 'asc', 'desc'")  # fmt: skip
            items.sort(key=lambda i, k=key: _sort_value(i.get(k)), reverse=direction == "desc")
    limit = None
    if "limit" in args:
        try:
            limit = int(args["limit"])
        except ValueError:
            raise bad(
                f"Limit must be an integer 0 or greater and not '{_short(args['limit'])}'"
            ) from None
        if limit < 0:
            raise bad(f"Limit must be an integer 0 or greater and not '{limit}'")
        limit = limit or None
    start = 0
    marker = args.get("marker")
    if marker is not None:
        ids = [item["id"] for item in items]
        if marker not in ids:
            raise bad(f"Marker {_short(marker)} could not be found.")  # type left to the status
        start = ids.index(marker) + 1
    page = items[start : start + limit] if limit else items[start:]
    body: dict = {}
    fields = [f for f in args.getlist("fields") if f]
    body[collection] = (
        [{k: v for k, v in i.items() if k in fields} for i in page] if fields else page
    )
    if limit and len(page) == limit:
        params = [(k, v) for k, v in args.items(multi=True) if k != "marker"]
        params.append(("marker", page[-1]["id"]))
        href = f"{call.base_url}{call.request.path}?{urlencode(params)}"
        body[f"{collection}_links"] = [{"href": href, "rel": "next"}]
    return body


def _sort_value(value):
    # Ranked by kind first, so values of different kinds never meet in a comparison.
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def shown(call: Call, body: dict) -> dict:
    """One resource trimmed to ``fields`` when asked."""
    fields = [f for f in call.request.args.getlist("fields") if f]
    return {k: v for k, v in body.items() if k in fields} if fields else body
