"""The cloud's state as JSON and back: a small tagged encoder, never pickle.

A state file must never be able to run code when it is loaded, so only data comes back: JSON's
own types, and these tags (a JSON object with one ``$`` key):

``{"$obj": [name, {field: value}]}``  an instance of one of :data:`CLASSES` (the model's own
                                     classes, an allow-list; any other type is refused)
``{"$tuple": [...]}`` ``{"$set": [...]}`` ``{"$frozenset": [...]}`` ``{"$deque": [...]}``
``{"$dict": [[key, value], ...]}``   a dict with a key that is not a string or starts with ``$``
                                     (a learner's metadata key may, so it cannot pass for a tag)
``{"$random": [version, [ints], gauss]}``  a ``random.Random`` (getstate/setstate), so new ids
                                     carry on the seeded streams instead of repeating them
``{"$ref": [path ...]}``              an object already written at ``path``: shared objects stay
                                     shared (a token's user is the user in ``users``; a server's
                                     snapshot operation *is* its image's, which the model checks
                                     with ``is``)

A path is the row's name, then dict keys (encoded), list indexes and field names. Dicts keep
their insertion order (servers list in creation order).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import random

from novamagic.localcloud.model.addresses import AddressPools
from novamagic.localcloud.model.block_devices import BlockDevice
from novamagic.localcloud.model.flavors import Flavor
from novamagic.localcloud.model.floatingips import FloatingIP
from novamagic.localcloud.model.identity import AppCredential, Project, Token, User
from novamagic.localcloud.model.images import Image
from novamagic.localcloud.model.instance_actions import Event, InstanceAction
from novamagic.localcloud.model.keypairs import KeyPair
from novamagic.localcloud.model.lifecycle import Operation
from novamagic.localcloud.model.networks import Network, Subnet
from novamagic.localcloud.model.ports import Port
from novamagic.localcloud.model.secgroups import SecurityGroup, SecurityGroupRule
from novamagic.localcloud.model.server_groups import ServerGroup
from novamagic.localcloud.model.servers import Server
from novamagic.localcloud.model.volumes import Snapshot, Volume, VolumeType

__all__ = ["CLASSES", "CodecError", "encode_rows", "decode_rows"]

#: The only classes a state file may hold, by name.
CLASSES = {
    cls.__name__: cls
    for cls in (
        AddressPools,
        AppCredential,
        BlockDevice,
        Event,
        Flavor,
        FloatingIP,
        Image,
        InstanceAction,
        KeyPair,
        Network,
        Operation,
        Port,
        Project,
        SecurityGroup,
        SecurityGroupRule,
        Server,
        ServerGroup,
        Snapshot,
        Subnet,
        Token,
        User,
        Volume,
        VolumeType,
    )
}
#: What a state file holds of each dataclass: its fields, but those marked runtime only
#: (``field(metadata={"runtime": True})``, such as a server's revision count).
_FIELDS = {
    cls: tuple(f.name for f in dataclasses.fields(cls) if not f.metadata.get("runtime"))
    for cls in CLASSES.values()
    if dataclasses.is_dataclass(cls)
}
_PLAIN = frozenset({str, int, float, bool, type(None)})
_SEQUENCES = {tuple: "$tuple", set: "$set", frozenset: "$frozenset"}


class CodecError(ValueError):
    """What cannot be stored, or a stored value that is not what this module writes."""


def _is_value(kind) -> bool:
    """Immutable all the way down as far as identity goes: a frozen dataclass (a tuple's item)."""
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and params.frozen


class _Encoder:
    """One picture of the whole state. The memo of objects already written spans every row, so
    an object met a second time becomes a ``$ref`` to where it was first written. Inside a
    tuple, a set or a dict key (``frozen``) only immutable values may stand: a mutable one there
    could be shared with no path back to it.

    Paths are kept as linked pairs ``(parent, key)`` and spelt out only for a ``$ref``: nearly
    every object is written once, and its path is never needed."""

    def __init__(self):
        self.seen: dict[int, tuple] = {}  # id(object) -> where it was first written

    def value(self, obj, path: tuple, frozen: bool = False):
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind in _SEQUENCES:
            items = obj
            if kind is not tuple:
                try:  # a stable order, so an unchanged set is an unchanged row
                    items = sorted(obj)
                except TypeError:
                    items = list(obj)
            return {
                _SEQUENCES[kind]: [
                    item if type(item) in _PLAIN else self.value(item, path, True) for item in items
                ]
            }
        if kind is random.Random:
            version, internal, gauss = obj.getstate()
            return {"$random": [version, list(internal), gauss]}
        if frozen and not _is_value(kind):
            raise CodecError(
                f"a mutable {kind.__name__} inside a tuple, set or key at {_spelt(path)}"
            )
        key = id(obj)
        seen = self.seen.get(key)
        if seen is not None:
            return {"$ref": _spelt(seen)}
        if not frozen:
            self.seen[key] = path
        if kind is dict:
            return self.mapping(obj, path)
        if kind is list:
            return [
                item if type(item) in _PLAIN else self.value(item, (path, n))
                for n, item in enumerate(obj)
            ]
        if kind is collections.deque:
            if obj.maxlen is not None:
                raise CodecError(f"a deque with a maxlen at {_spelt(path)}")
            return {"$deque": [self.value(item, (path, n)) for n, item in enumerate(obj)]}
        names = _FIELDS.get(kind)
        if names is None:
            if CLASSES.get(kind.__name__) is not kind:
                raise CodecError(
                    f"cannot store a {kind.__module__}.{kind.__name__} at {_spelt(path)}"
                )
            attrs = vars(obj).items()
        else:
            attrs = [(n, getattr(obj, n)) for n in names]
        fields = {
            field: item if type(item) in _PLAIN else self.value(item, (path, field), frozen)
            for field, item in attrs
        }
        return {"$obj": [kind.__name__, fields]}

    def mapping(self, obj: dict, path: tuple):
        if all(type(k) is str and k[:1] != "$" for k in obj):
            return {k: v if type(v) in _PLAIN else self.value(v, (path, k)) for k, v in obj.items()}
        pairs = []
        for k, v in obj.items():
            encoded_key = k if type(k) in _PLAIN else self.value(k, path, True)
            pairs.append([encoded_key, self.value(v, (path, encoded_key))])
        return {"$dict": pairs}


def _spelt(path: tuple) -> list:
    """``(((None, "servers"), id), "operation")`` as ``["servers", id, "operation"]``."""
    keys = []
    while path is not None:
        path, key = path
        keys.append(key)
    return keys[::-1]


_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def encode_rows(attributes: dict) -> dict[str, str]:
    """``{name: JSON text}`` for each attribute, in the order given (refs point backwards)."""
    encoder = _Encoder()
    return {
        name: _JSON.encode(encoder.value(value, (None, name))) for name, value in attributes.items()
    }


class _Ref:
    """A ``$ref`` read before every row is: patched into place by :func:`decode_rows`."""

    __slots__ = ("path",)

    def __init__(self, path: list):
        self.path = path


_TAGS = {"$tuple": tuple, "$set": set, "$frozenset": frozenset}


class _Decoder:
    def __init__(self):
        self.fixups: list[tuple[object, object, list]] = []  # (container, slot, target path)

    def value(self, data, row: str, frozen: bool = False):
        if type(data) is list:
            return self._refs(list, [self.value(item, row) for item in data])
        if type(data) is not dict:
            return data
        if len(data) != 1 or not next(iter(data)).startswith("$"):
            return self._refs(dict, {k: self.value(v, row) for k, v in data.items()})
        tag, body = next(iter(data.items()))
        if tag == "$ref":
            if frozen or not isinstance(body, list) or not body:
                raise CodecError(f"a misplaced or malformed reference in {row}")
            return _Ref(body)
        if tag in _TAGS:
            return _TAGS[tag](self.value(item, row, True) for item in self._list(body, row))
        if tag == "$deque":
            return self._refs(
                collections.deque, [self.value(i, row) for i in self._list(body, row)]
            )
        if tag == "$dict":
            pairs = self._list(body, row)
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
                raise CodecError(f"a malformed dict entry in {row}")
            return self._refs(
                dict, {self.value(k, row, True): self.value(v, row) for k, v in pairs}
            )
        if tag == "$random":
            rng = random.Random()
            try:
                version, internal, gauss = body
                rng.setstate((version, tuple(internal), gauss))
            except (TypeError, ValueError):
                raise CodecError(f"a malformed random state in {row}") from None
            return rng
        if tag == "$obj":
            return self._object(body, row, frozen)
        raise CodecError(f"an unknown tag {tag!r} in {row}")

    @staticmethod
    def _list(body, row: str) -> list:
        if not isinstance(body, list):
            raise CodecError(f"a malformed value in {row}")
        return body

    def _refs(self, kind, items):
        """``items`` as ``kind``, each ``_Ref`` in it noted for patching."""
        out = kind(items)
        slots = out.items() if kind is dict else enumerate(out)
        self.fixups.extend((out, slot, v.path) for slot, v in slots if type(v) is _Ref)
        return out

    def _object(self, body, row: str, frozen: bool):
        if not (isinstance(body, list) and len(body) == 2 and isinstance(body[1], dict)):
            raise CodecError(f"a malformed object in {row}")
        name, stored = body
        cls = CLASSES.get(name)
        if cls is None:
            raise CodecError(f"a {name!r} in {row}, which a state file may not hold")
        if frozen and not _is_value(cls):
            raise CodecError(f"a mutable {name} inside a tuple, set or key in {row}")
        obj = cls.__new__(cls)
        names = _FIELDS.get(cls)
        if names is None:  # a plain class (AddressPools): its instance dict
            values = {k: self.value(v, row) for k, v in stored.items()}
        else:
            unknown = set(stored) - set(names)
            if unknown:
                raise CodecError(f"{name} fields {sorted(unknown)} in {row} are unknown here")
            values = {}
            for field in dataclasses.fields(cls):
                if field.name not in names:  # runtime only: its default, set below
                    values[field.name] = field.default
                elif field.name in stored:
                    values[field.name] = self.value(stored[field.name], row, frozen)
                elif field.default is not dataclasses.MISSING:
                    values[field.name] = field.default  # a field newer than the file
                elif field.default_factory is not dataclasses.MISSING:
                    values[field.name] = field.default_factory()
                else:
                    raise CodecError(f"{name} in {row} lacks its field {field.name!r}")
        for field, value in values.items():
            object.__setattr__(obj, field, value)  # frozen dataclasses too
            if type(value) is _Ref:
                self.fixups.append((obj, field, value.path))
        return obj


def _step(node, key, decoder: _Decoder, row: str):
    if isinstance(node, dict):
        return node[decoder.value(key, row, True)]
    if isinstance(node, (list, tuple, collections.deque)):
        return node[key]
    return getattr(node, key)


def decode_rows(rows: dict[str, str]) -> dict:
    """The attributes :func:`encode_rows` wrote, shared objects shared again. Raises
    :class:`CodecError` on anything this module would not have written."""
    decoder = _Decoder()
    roots = {}
    for name, text in rows.items():
        try:
            roots[name] = decoder.value(json.loads(text), name)
        except json.JSONDecodeError as exc:
            raise CodecError(f"row {name!r} is not JSON ({exc.msg})") from None
    for container, slot, path in decoder.fixups:
        try:
            target = roots[path[0]]
            for key in path[1:]:
                target = _step(target, key, decoder, path[0])
        except (KeyError, IndexError, TypeError, AttributeError):
            raise CodecError(f"a reference to {path} that leads nowhere") from None
        if type(target) is _Ref:
            raise CodecError(f"a reference to {path}, itself a reference")
        if isinstance(container, (list, dict, collections.deque)):
            container[slot] = target
        else:
            object.__setattr__(container, slot, target)
    return roots
