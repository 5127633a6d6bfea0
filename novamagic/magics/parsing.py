"""Turning a magic's line and cell into arguments: ``$var`` expansion word by word, argparse
that raises instead of exiting, refusal of secrets typed on the line, ``key=value`` lists, JSON
bodies and %%nova_boot specs.

Every problem is an IPython ``UsageError`` with one line saying what was wrong and what is allowed.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from IPython.core.error import UsageError

__all__ = [
    "HelpShown",
    "NovaArgumentParser",
    "Value",
    "expand_line",
    "did_you_mean",
    "parse_boot_spec",
    "parse_json_body",
    "parse_pairs",
    "refuse_secrets",
]

# Options that would put a secret into the notebook. Matched as a prefix of the token, so
# "--password=x" and "--os-password" are caught too; the value itself is never echoed.
_SECRET_OPTIONS = ("--password", "--os-password", "--passwd", "--pass", "--admin-pass", "-p")


class HelpShown(Exception):  # noqa: N818 - a control-flow signal, not an error
    """argparse printed --help; the magic returns quietly."""


class Value(str):
    """A word that came from a ``$var`` or ``{expr}`` expansion: always a value for argparse
    (a server name, an option's argument), never an option, even when it starts with "-"."""

    __slots__ = ()


class NovaArgumentParser(argparse.ArgumentParser):
    """argparse for one subcommand: errors become UsageError, --help returns instead of exiting.

    ``secret_safe`` parsers never repeat the user's tokens in their error messages.
    """

    def __init__(self, *args, secret_safe: bool = False, **kwargs):
        kwargs.setdefault("add_help", True)
        kwargs.setdefault("allow_abbrev", False)  # "--all" must not silently mean "--all-projects"
        super().__init__(*args, **kwargs)
        self.secret_safe = secret_safe

    def parse_args(self, args=None, namespace=None):
        # An expanded value starting with "-" stands in as a placeholder argparse cannot take
        # for an option; _get_value puts the value back before its type and choices are checked.
        self._values: dict[str, str] = {}
        words = []
        for word in args if args is not None else []:
            if isinstance(word, Value) and word.startswith("-"):
                placeholder = f"\x00value{len(self._values)}\x00"
                self._values[placeholder] = str(word)
                word = placeholder
            words.append(str(word))
        try:
            return super().parse_args(words, namespace)
        finally:
            self._values = {}

    def _get_value(self, action, arg_string):
        return super()._get_value(action, getattr(self, "_values", {}).get(arg_string, arg_string))

    def error(self, message: str):
        if self.secret_safe and "unrecognized arguments" in message:
            message = "unexpected argument(s) (not repeated here in case one is a secret)"
        for placeholder, value in getattr(self, "_values", {}).items():
            message = message.replace(placeholder, value)
        raise UsageError(f"{self.prog}: {message}; see {self.prog} --help")

    def exit(self, status: int = 0, message: str | None = None):
        if status:
            raise UsageError(f"{self.prog}: {message or 'invalid arguments'}")
        raise HelpShown()


# --- $var and {expr} ----------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def expand_line(
    line: str,
    namespace: Mapping,
    *,
    verbatim_after: int | None = None,
    flags_with_values: Sequence[str] = (),
) -> list[str]:
    """The words of a magic line, with ``$name`` (``$name.attr``) and ``{expr}`` expanded from
    ``namespace``, each expansion inside its own word: a value holding "x --hard" or "a b" is
    one word, and a word that starts with a value is a :class:`Value` (never an option). Quotes
    group words as in a shell; single quotes and ``$$`` keep a ``$`` or ``{`` as it is. A list
    or tuple that is a whole word gives one word per item (each a Value).

    ``verbatim_after``: after that many positional words the rest of the line is one last
    word, kept as typed (minus one pair of enclosing quotes: a JSON body), or the value of a
    ``$name`` that is all of it (a dict for ``%nova raw``). Options go before the positionals.
    """
    words: list[str] = []
    position, seen, expect_value = 0, 0, False
    while True:
        if verbatim_after is not None and seen >= verbatim_after:
            tail = line[position:].strip()
            if tail:
                words.append(_expand_tail(tail, namespace))
            return words
        found = _next_word(line, position)
        if found is None:
            return words
        pieces, position = found
        expanded = _expand_word(pieces, namespace)
        words.extend(expanded)
        if verbatim_after is not None:
            for word in expanded:
                if expect_value:
                    expect_value = False
                elif word.startswith("-") and not isinstance(word, Value):
                    expect_value = word in flags_with_values
                else:
                    seen += 1


def _expand_tail(tail: str, namespace: Mapping) -> str:
    if len(tail) >= 2 and tail[0] == tail[-1] and tail[0] in "'\"":
        quote, tail = tail[0], tail[1:-1]
        if quote == "'":
            return tail
    if tail.startswith("$") and _NAME.fullmatch(tail, 1):
        return Value(_text(_lookup(tail[1:], namespace, tail), tail))
    return tail


def _next_word(line: str, i: int):
    """(pieces, end) of the word at or after ``i``, or None at the end. A piece is
    ("text", str) or ("name", "a.b") or ("expr", "python expression")."""
    n = len(line)
    while i < n and line[i].isspace():
        i += 1
    if i >= n:
        return None
    pieces: list[tuple[str, str]] = []
    quote = None  # '"' inside double quotes
    while i < n:
        c = line[i]
        if quote is None and c.isspace():
            break
        if quote is None and c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise UsageError("cannot split the line into words: no closing quotation")
            pieces.append(("text", line[i + 1 : end]))
            i = end + 1
        elif c == '"':
            quote = None if quote else '"'
            i += 1
        elif c == "\\" and i + 1 < n and (quote is None or line[i + 1] in '"\\$`{'):
            pieces.append(("text", line[i + 1]))  # inside "..." only these are escaped (POSIX)
            i += 2
        elif c == "$" and line.startswith("$$", i):
            pieces.append(("text", "$"))
            i += 2
        elif c == "$" and (match := _NAME.match(line, i + 1)):
            pieces.append(("name", match.group()))
            i = match.end()
        elif c in "{}" and line.startswith(c * 2, i):
            pieces.append(("text", c))
            i += 2
        elif c == "{" and (end := _closing_brace(line, i)) > i + 1:
            pieces.append(("expr", line[i + 1 : end]))
            i = end + 1
        else:
            pieces.append(("text", c))
            i += 1
    if quote:
        raise UsageError("cannot split the line into words: no closing quotation")
    return pieces, i


def _closing_brace(line: str, start: int) -> int:
    """The index of the "}" closing the "{" at ``start`` (strings inside skipped), or -1."""
    depth, i, n = 0, start, len(line)
    while i < n:
        c = line[i]
        if c in "'\"":
            end = line.find(c, i + 1)
            if end < 0:
                return -1
            i = end
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _expand_word(pieces, namespace: Mapping) -> list[str]:
    values = []
    for kind, text in pieces:
        if kind == "name":
            values.append(_lookup(text, namespace, "$" + text))
        elif kind == "expr":
            values.append(_evaluate(text, namespace))
    if len(pieces) == 1 and pieces[0][0] != "text" and isinstance(values[0], (list, tuple)):
        source = "$" + pieces[0][1] if pieces[0][0] == "name" else "{" + pieces[0][1] + "}"
        return [Value(_text(item, source)) for item in values[0]]
    parts, expanded = [], iter(values)
    for kind, text in pieces:
        parts.append(text if kind == "text" else _text(next(expanded), text))
    word = "".join(parts)
    return [Value(word) if pieces and pieces[0][0] != "text" else word]


def _lookup(dotted: str, namespace: Mapping, source: str):
    first, *attributes = dotted.split(".")
    if first not in namespace:
        raise UsageError(
            f"{source}: no variable named {first!r} (write $$ or quote with '' for a literal $)"
        )
    value = namespace[first]
    for attribute in attributes:
        try:
            value = getattr(value, attribute)
        except AttributeError:
            raise UsageError(
                f"{source}: {type(value).__name__} has no attribute {attribute!r}"
            ) from None
    return value


def _evaluate(expression: str, namespace: Mapping):
    try:
        return eval(expression, dict(namespace))  # noqa: S307 - the user's own expression, as IPython's {expr}
    except Exception as exc:
        raise UsageError(
            f"{{{expression}}}: {type(exc).__name__}: {exc} (write {{{{ or quote with '' for a "
            "literal {)"
        ) from None


def _text(value, source: str) -> str:
    if isinstance(value, bytes):
        raise UsageError(f"{source}: bytes, not text; decode it first")
    return str(value)


def refuse_secrets(words: Sequence[str], command: str) -> None:
    """Refuse a password typed on the magic line (it would be saved in the notebook; a $var's
    value is not); the message never repeats it."""
    for word in words:
        if isinstance(word, Value):
            continue
        lowered = word.lower()
        if any(lowered == opt or lowered.startswith(opt + "=") for opt in _SECRET_OPTIONS) or (
            lowered.startswith("--") and "password" in lowered
        ):
            raise UsageError(
                f"%nova {command}: refusing a password on the magic line (it would be saved in "
                "the notebook). Leave it out: `%nova login` prompts for it (getpass), or reads it "
                "from clouds.yaml/secure.yaml or the OS_PASSWORD environment variable."
            )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' did you mean X?' for the nearest choice, or ''."""
    import difflib

    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {near[0]}?" if near else ""


def parse_pairs(words: Sequence[str], what: str = "metadata") -> dict[str, str]:
    """``key=value`` words -> dict (values keep '=' after the first one)."""
    pairs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise UsageError(f"{what}: expected KEY=VALUE, got {word!r}")
        pairs[key] = value
    return pairs


def parse_json_body(text: str | None):
    """The body of ``%nova raw``: JSON, or a Python literal (what ``$var`` expands a dict to)."""
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as json_error:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise UsageError(
                f"%nova raw: the body is not JSON ({json_error.msg} at column {json_error.colno}); "
                "quote it as one word: '{\"server\": {...}}' or pass a variable: $body"
            ) from None


# --- %%nova_boot specs --------------------------------------------------------------------------

BOOT_SPEC_KEYS = (
    "name",
    "image",
    "flavor",
    "metadata",
    "files",
    "access_ipv4",
    "access_ipv6",
    "key_name",
    "security_groups",
    "networks",
    "user_data",
    "floating_ip",
    "boot_from_volume",
    "volumes",
)
_SPEC_ALIASES = {"accessIPv4": "access_ipv4", "accessIPv6": "access_ipv6", "personality": "files"}


def parse_boot_spec(cell: str, *, count: int, base: Path | None = None) -> dict:
    """Read and check the YAML spec of ``%%nova_boot``.

    Returns ``{"names": [...], "image", "flavor", "metadata", "files", "access_ipv4",
    "access_ipv6", "key_name", "security_groups", "networks", "user_data", "floating_ip"}``
    (the last four only when given) with files read (``{path: text}``); the names follow the
    client's one rule (``novamagic.client.boot_names``: ``{n}`` in the name counts 1..count),
    and the spec must say ``{n}`` when ``--count`` > 1. A file's value is its text, or
    ``{file: local/path}`` to read a local file; so is ``user_data``'s. ``security_groups`` and
    ``networks`` are a name or a list of names (networks also ``auto``/``none``, or entries
    ``{uuid: NAME, fixed_ip: ADDRESS}``); ``floating_ip: true`` gives each server one.
    ``boot_from_volume: GB`` boots from a new volume of that size made from the image
    (``boot_volume_size``), ``volumes:`` attaches data volumes at boot: a size in GB makes a
    new empty one, a name attaches an existing one (the client's ``volumes=``).
    """
    import yaml

    from novamagic.client import boot_names

    try:
        spec = yaml.safe_load(cell) if cell.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"%%nova_boot: the cell is not valid YAML{where}: {problem}") from None
    if not isinstance(spec, dict):
        raise UsageError(
            "%%nova_boot: the cell must be a YAML mapping, e.g.\n"
            "  name: web-{n}\n  image: cirros\n  flavor: m1.small"
        )
    spec = {_SPEC_ALIASES.get(str(k), str(k)): v for k, v in spec.items()}
    for key in spec:
        if key not in BOOT_SPEC_KEYS:
            raise UsageError(
                f"%%nova_boot: unknown key {key!r}; allowed: {', '.join(BOOT_SPEC_KEYS)}"
                + did_you_mean(key, BOOT_SPEC_KEYS)
            )
    for required in ("name", "image", "flavor"):
        if spec.get(required) in (None, ""):
            raise UsageError(f"%%nova_boot: {required!r} is required (name, image and flavor are)")
    name = str(spec["name"])
    if count < 1:
        raise UsageError(f"%%nova_boot: --count must be at least 1, got {count}")
    if count > 1 and "{n}" not in name:
        raise UsageError(
            f"%%nova_boot: --count {count} needs a {{n}} in the name to number the servers, "
            f"e.g. name: {name}-{{n}}"
        )
    names = boot_names(name, count)  # a bad name is the client's ValidationError
    metadata = spec.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise UsageError("%%nova_boot: metadata must be a mapping of key: value")
    files = spec.get("files") or {}
    if not isinstance(files, dict):
        raise UsageError("%%nova_boot: files must map a server path to text or {file: local/path}")
    extra = {**_network_options(spec, base), **_volume_options(spec)}
    return {
        **extra,
        "names": names,
        "image": str(spec["image"]),
        "flavor": str(spec["flavor"]),
        "metadata": {str(k): "" if v is None else str(v) for k, v in metadata.items()},
        "files": {str(path): _file_text(path, value, base) for path, value in files.items()},
        "access_ipv4": _optional_text(spec.get("access_ipv4")),
        "access_ipv6": _optional_text(spec.get("access_ipv6")),
        "key_name": _optional_text(spec.get("key_name")),
    }


def _network_options(spec: dict, base: Path | None) -> dict:
    """security_groups, networks, user_data and floating_ip, checked for their shape."""
    extra: dict = {}
    for key in ("security_groups", "networks"):
        value = spec.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, str):
            value = value if key == "networks" and value in ("auto", "none") else [value]
        elif not isinstance(value, list) or not all(
            isinstance(v, str) or (key == "networks" and isinstance(v, dict)) for v in value
        ):
            shape = "a name or a list of names" + (
                ", auto, none, or entries {uuid: NAME, fixed_ip: ADDRESS}"
                if key == "networks"
                else ""
            )
            raise UsageError(f"%%nova_boot: {key} must be {shape}")
        extra[key] = value
    if spec.get("user_data") not in (None, ""):
        extra["user_data"] = _file_text("user_data", spec["user_data"], base)
    floating = spec.get("floating_ip")
    if floating not in (None, False):
        if floating is not True:
            raise UsageError(f"%%nova_boot: floating_ip is true or false, got {floating!r}")
        extra["floating_ip"] = True
    return extra


def _volume_options(spec: dict) -> dict:
    """boot_from_volume (GB) and volumes (sizes in GB or names), checked for their shape."""
    extra: dict = {}
    size = spec.get("boot_from_volume")
    if size is not None and size is not False:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise UsageError(
                f"%%nova_boot: boot_from_volume is the root volume's size in GB (e.g. 10), "
                f"got {size!r}"
            )
        extra["boot_volume_size"] = size
    volumes = spec.get("volumes")
    if volumes not in (None, [], ""):
        if not isinstance(volumes, list):
            volumes = [volumes]
        for item in volumes:
            if isinstance(item, bool) or not isinstance(item, (int, str)) or item in (0, ""):
                raise UsageError(
                    "%%nova_boot: volumes is a list of sizes in GB (new empty volumes) or "
                    f"names of existing ones, got {item!r}"
                )
        extra["volumes"] = volumes
    return extra


def _optional_text(value) -> str | None:
    return None if value in (None, "") else str(value)


def _file_text(path, value, base: Path | None) -> str:
    if isinstance(value, dict):
        if set(value) != {"file"}:
            raise UsageError(
                f"%%nova_boot: files[{path!r}] must be text or {{file: local/path}}, "
                f"got keys {sorted(value)}"
            )
        local = Path(str(value["file"])).expanduser()
        if base is not None and not local.is_absolute():
            local = base / local
        try:
            return local.read_text()
        except OSError as exc:
            raise UsageError(
                f"%%nova_boot: files[{path!r}]: cannot read {local}: {exc.strerror}"
            ) from None
    return "" if value is None else str(value)
