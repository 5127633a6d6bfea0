"""Checks every face shares: names, metadata, addresses, tags, references, counts.

Each raises :class:`BadRequest` (or :class:`OverQuota` past a limit) with Nova's wording, so the
compute API, the book's v1.1 face and the control API refuse bad input the same way.
:func:`check_schema` checks a body against a JSON-schema subset (Keystone's bodies are schemas).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from novamagic.localcloud.errors import BadRequest, Conflict, OverQuota

MAX_NAME_LENGTH = 255
MAX_TAGS = 50
MAX_TAG_LENGTH = 60
#: Nova's user_data: a base64 string of at most 65,535 characters.
MAX_USER_DATA = 65535

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_schema(value, schema: dict, path: tuple[str, ...] = ()) -> None:
    """Check ``value`` against ``schema``: the JSON-schema keywords ``type`` (object, array,
    string, boolean, null, or a list of them), ``required``, ``properties``,
    ``additionalProperties: False``, ``items``, ``minLength`` and ``maxLength``. The first
    mismatch raises BadRequest in Keystone's words: "Invalid input for field 'a/b': ..."."""
    where = f"Invalid input for field '{'/'.join(path)}'" if path else "Invalid request body"
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_JSON_TYPES[t](value) for t in types):
            raise BadRequest(
                f"{where}: {_shown(value)} is not of type {' or '.join(map(repr, types))}."
            )
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                raise BadRequest(f"{where}: {name!r} is a required property.")
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = sorted(k for k in value if k not in properties)
            if extra:
                raise BadRequest(
                    f"{where}: additional properties are not allowed ({_shown(extra[0])} was "
                    f"unexpected; allowed: {', '.join(properties)})."
                )
        for name, inner in properties.items():
            if name in value:
                check_schema(value[name], inner, (*path, name))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check_schema(item, schema["items"], (*path, str(index)))
    elif isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise BadRequest(f"{where}: {_shown(value)} is too short.")
        if len(value) > schema.get("maxLength", len(value)):
            raise BadRequest(
                f"{where}: it is {len(value)} characters long; at most {schema['maxLength']} "
                "are allowed."
            )


def check_name(value, field_name: str = "name", allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. Value: {value!r}. It must be a string."
        )
    if not allow_empty and not value.strip():
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. It must not be empty or blank."
        )
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. It is {len(value)} characters long; "
            f"at most {MAX_NAME_LENGTH} are allowed."
        )
    return value


def check_metadata(metadata, limit: int, what: str = "metadata") -> dict[str, str]:
    """Keys 1..255 characters, values 0..255, strings only; at most ``limit`` items (403)."""
    if not isinstance(metadata, dict):
        raise BadRequest(
            f"Invalid input for field/attribute {what}. It must be an object of string keys and values."
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise BadRequest(
                f"Invalid {what} key {key!r}: keys are strings of 1 to 255 characters."
            )
        if not isinstance(value, str) or len(value) > 255:
            raise BadRequest(
                f"Invalid {what} value for {key!r}: values are strings of at most 255 characters."
            )
    if limit >= 0 and len(metadata) > limit:
        raise OverQuota(
            f"Quota exceeded for metadata_items: Requested {len(metadata)}, but limit is {limit} metadata items."
        )
    return dict(metadata)


def check_user_data(value) -> str | None:
    """None, or a base64 string of at most :data:`MAX_USER_DATA` characters (Nova's schema)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("Invalid input for field/attribute user_data. It must be a base64 string.")
    if len(value) > MAX_USER_DATA:
        raise BadRequest(
            f"Invalid input for field/attribute user_data. It is {len(value)} characters long; "
            f"at most {MAX_USER_DATA} are allowed."
        )
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(
            "Invalid input for field/attribute user_data. It is not a base64 string."
        ) from None
    return value


def check_ip(value, version: int, field_name: str) -> str:
    if value is None or value == "":
        return ""
    try:
        if not isinstance(value, str):
            raise ValueError
        address = ipaddress.ip_address(value)
        if address.version != version:
            raise ValueError
    except ValueError:
        raise BadRequest(
            f"Invalid input for field/attribute {field_name}. Value: {value!r} is not a valid IPv{version} address."
        ) from None
    return str(address)


DISK_CONFIGS = ("AUTO", "MANUAL")
#: Scheduler hints a boot may carry (Nova keeps any; a bound keeps one learner's boots small).
MAX_SCHEDULER_HINTS = 20
MAX_SCHEDULER_HINT_LENGTH = 255


def check_disk_config(value) -> str:
    if value not in DISK_CONFIGS:
        raise BadRequest(
            f"Invalid input for field/attribute OS-DCF:diskConfig. Value: {_shown(value)}. "
            "It must be AUTO or MANUAL."
        )
    return value


def check_scheduler_hints(hints) -> dict:
    """``os:scheduler_hints``: an object of string keys whose values are strings or lists of
    strings (what Nova's filters read), kept to be shown back from 2.100."""
    if not isinstance(hints, dict):
        raise BadRequest(
            "Invalid input for field/attribute os:scheduler_hints. It must be an object."
        )
    if len(hints) > MAX_SCHEDULER_HINTS:
        raise BadRequest(
            f"Invalid input for field/attribute os:scheduler_hints: at most "
            f"{MAX_SCHEDULER_HINTS} hints; got {len(hints)}."
        )
    out = {}
    for key, value in hints.items():
        values = value if isinstance(value, list) else [value]
        if (
            not 1 <= len(key) <= MAX_SCHEDULER_HINT_LENGTH
            or len(values) > MAX_SCHEDULER_HINTS
            or not all(isinstance(v, str) and len(v) <= MAX_SCHEDULER_HINT_LENGTH for v in values)
        ):
            raise BadRequest(
                f"Invalid input for field/attribute os:scheduler_hints. Value of {_shown(key)}: "
                f"a string or a list of strings, each up to {MAX_SCHEDULER_HINT_LENGTH} characters."
            )
        out[key] = list(value) if isinstance(value, list) else value
    return out


def check_tag(tag) -> str:
    if not isinstance(tag, str) or not 1 <= len(tag) <= MAX_TAG_LENGTH or "/" in tag or "," in tag:
        raise BadRequest(
            f"Invalid tag {tag!r}: tags are strings of 1 to {MAX_TAG_LENGTH} characters without '/' or ','."
        )
    return tag


def check_tags(tags) -> list[str]:
    if not isinstance(tags, list):
        raise BadRequest("Invalid input for field/attribute tags. It must be a list of strings.")
    result: list[str] = []
    for tag in tags:
        check_tag(tag)
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    return result


def ref_to_id(ref) -> str:
    """An id or a URL ending in the id (Nova accepts both for imageRef and flavorRef)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return str(ref)
    if not isinstance(ref, str) or not ref.strip():
        raise BadRequest(f"Invalid reference {ref!r}: give an id or a URL ending in the id.")
    return ref.rstrip("/").rsplit("/", 1)[-1]


def hostname_from(name: str) -> str:
    """Nova's sanitize_hostname: lowercase, [a-z0-9-] only, at most 63 characters."""
    text = re.sub(r"[ _.]", "-", name.lower())
    text = re.sub(r"[^\w-]+", "", text, flags=re.ASCII)
    text = text.strip("-")[:63].strip("-")
    return text or "server"


def check_counts(min_count, max_count) -> tuple[int, int]:
    def as_int(value, what):
        if isinstance(value, bool):
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            )
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400, Infinity
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            ) from None
        if (
            number < 1
            or (isinstance(value, str) and not value.strip().isdigit())
            or (isinstance(value, float) and value != number)
        ):
            raise BadRequest(
                f"Invalid input for field/attribute {what}. Value: {value!r}. It must be an integer >= 1."
            )
        return number

    low = as_int(1 if min_count is None else min_count, "min_count")
    high = as_int(low if max_count is None else max_count, "max_count")
    if low > high:
        raise BadRequest(f"min_count ({low}) must be <= max_count ({high}).")
    return low, high


def check_repin(server, zone) -> str | None:
    """2.104's rules: null unpins; a zone re-pins only to where the server is, and a pinned
    server must be unpinned before it is pinned elsewhere (409 otherwise)."""
    if zone is None:
        return None
    if not isinstance(zone, str) or not 1 <= len(zone) <= 255:
        raise BadRequest(
            "Invalid input for field/attribute pinned_availability_zone. "
            "It must be null or a zone name of 1 to 255 characters."
        )
    if server.pinned_availability_zone not in (None, zone):
        raise Conflict(
            f"Server is pinned to {server.pinned_availability_zone!r}: unpin it (null) "
            f"before pinning it to {zone!r}."
        )
    if zone != server.availability_zone:
        raise Conflict(
            f"Server is in availability zone {server.availability_zone!r}, so it can be "
            f"pinned only there, not to {zone!r}."
        )
    return zone
