"""Turning a magic's line and cell into arguments: argparse that raises instead of exiting,
refusal of secrets typed on the line, ``key=value`` lists, JSON bodies and %%nova_boot specs.

Every problem is an IPython ``UsageError`` with one line saying what was wrong and what is allowed.
"""

from __future__ import annotations

import argparse
import ast
import json
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from IPython.core.error import UsageError

__all__ = [
    "HelpShown",
    "NovaArgumentParser",
    "did_you_mean",
    "parse_boot_spec",
    "parse_json_body",
    "parse_pairs",
    "refuse_secrets",
    "split_keeping_tail",
    "split_line",
]

# Options that would put a secret into the notebook. Matched as a prefix of the token, so
# "--password=x" and "--os-password" are caught too; the value itself is never echoed.
_SECRET_OPTIONS = ("--password", "--os-password", "--passwd", "--pass", "--admin-pass", "-p")


class HelpShown(Exception):  # noqa: N818 - a control-flow signal, not an error
    """argparse printed --help; the magic returns quietly."""


class NovaArgumentParser(argparse.ArgumentParser):
    """argparse for one subcommand: errors become UsageError, --help returns instead of exiting.

    ``secret_safe`` parsers never repeat the user's tokens in their error messages.
    """

    def __init__(self, *args, secret_safe: bool = False, **kwargs):
        kwargs.setdefault("add_help", True)
        kwargs.setdefault("allow_abbrev", False)  # "--all" must not silently mean "--all-projects"
        super().__init__(*args, **kwargs)
        self.secret_safe = secret_safe

    def error(self, message: str):
        if self.secret_safe and "unrecognized arguments" in message:
            message = "unexpected argument(s) (not repeated here in case one is a secret)"
        raise UsageError(f"{self.prog}: {message}; see {self.prog} --help")

    def exit(self, status: int = 0, message: str | None = None):
        if status:
            raise UsageError(f"{self.prog}: {message or 'invalid arguments'}")
        raise HelpShown()


def split_line(line: str) -> list[str]:
    """Shell-like words of a magic line (quotes group words, as in a terminal)."""
    try:
        return shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"cannot split the line into words: {exc} (check the quotes)") from None


def split_keeping_tail(line: str, positionals: int, flags_with_values: Sequence[str]) -> list[str]:
    """Words of ``line`` where everything after the first ``positionals`` positional words is
    kept verbatim as one last word (minus one pair of enclosing quotes): a JSON body or an
    expanded ``$dict`` keeps its quotes and spaces. Options go before the positional words."""
    import io

    stream = io.StringIO(line)
    lexer = shlex.shlex(stream, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    words: list[str] = []
    seen = 0
    expect_value = False
    try:
        while seen < positionals:
            word = lexer.get_token()
            if word is None:
                return words
            words.append(word)
            if expect_value:
                expect_value = False
            elif word.startswith("-"):
                expect_value = word in flags_with_values
            else:
                seen += 1
    except ValueError as exc:
        raise UsageError(f"cannot split the line into words: {exc} (check the quotes)") from None
    tail = stream.read().strip()
    if len(tail) >= 2 and tail[0] == tail[-1] and tail[0] in "'\"":
        tail = tail[1:-1]
    if tail:
        words.append(tail)
    return words


def refuse_secrets(words: Sequence[str], command: str) -> None:
    """Refuse a password on the magic line; the message never repeats it."""
    for word in words:
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
)
_SPEC_ALIASES = {"accessIPv4": "access_ipv4", "accessIPv6": "access_ipv6", "personality": "files"}


def parse_boot_spec(cell: str, *, count: int, base: Path | None = None) -> dict:
    """Read and check the YAML spec of ``%%nova_boot``.

    Returns ``{"names": [...], "image", "flavor", "metadata", "files", "access_ipv4",
    "access_ipv6", "key_name"}`` with files read (``{path: text}``); the names follow the
    client's one rule (``novamagic.client.boot_names``: ``{n}`` in the name counts 1..count),
    and the spec must say ``{n}`` when ``--count`` > 1. A file's value is its text, or
    ``{file: local/path}`` to read a local file.
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
    return {
        "names": names,
        "image": str(spec["image"]),
        "flavor": str(spec["flavor"]),
        "metadata": {str(k): "" if v is None else str(v) for k, v in metadata.items()},
        "files": {str(path): _file_text(path, value, base) for path, value in files.items()},
        "access_ipv4": _optional_text(spec.get("access_ipv4")),
        "access_ipv6": _optional_text(spec.get("access_ipv6")),
        "key_name": _optional_text(spec.get("key_name")),
    }


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
