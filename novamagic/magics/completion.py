"""Tab completion for ``%nova`` (subcommands, options, choices, server/flavor/image names) and
``%%nova_boot`` (options), as an IPython completion matcher (API v2) that answers alone on those
lines, so Jupyter does not mix Python keywords into a magic's candidates."""

from __future__ import annotations

import argparse
import shlex

from novamagic.magics.registry import SUBCOMMANDS

__all__ = ["complete_line"]


def _words(text: str) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError:  # an open quote while typing
        words = text.split()
    if text and text[-1].isspace():
        words.append("")  # the cursor starts a new word
    return words


def complete_line(nova, text_until_cursor: str, magic: str = "%nova") -> list[str]:
    """Candidates for the word under the cursor. ``nova`` supplies the cached names."""
    words = _words(text_until_cursor.lstrip())
    if not words:
        return []
    current = words[-1]
    if magic == "%%nova_boot":
        return [o for o in SUBCOMMANDS["nova_boot"].options() if o.startswith(current)]
    words = words[1:]  # drop "%nova"
    if len(words) <= 1:
        return sorted(n for n, c in SUBCOMMANDS.items() if n.startswith(current) and not c.hidden)
    command = SUBCOMMANDS.get(words[0])
    if command is None:
        return []
    if current.startswith("-"):
        return [o for o in command.options() if o.startswith(current)]
    kind = _expected(command, words[1:-1])
    if kind is None:
        return []
    if isinstance(kind, list):
        return [c for c in kind if c.startswith(current)]
    return [name for name in nova.cached_names(kind) if name.startswith(current)]


def _expected(command, before: list[str]):
    """What the next word should be: a completion kind, a list of choices, or None."""
    parser = command.parser()
    by_flag = {o: a for a in parser._actions for o in a.option_strings}
    positionals = [a for a in parser._actions if not a.option_strings]
    previous = before[-1] if before else None
    action = by_flag.get(previous)
    if action is not None and action.nargs != 0:
        return _kind(command, action)
    position = 0
    skip = False
    for word in before:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            flag = by_flag.get(word.split("=", 1)[0])
            skip = flag is not None and flag.nargs != 0 and "=" not in word
            continue
        position += 1
    for index, positional in enumerate(positionals):
        if index == position or (
            index < position and positional.nargs in ("+", "*", argparse.REMAINDER)
        ):
            return _kind(command, positional)
    return None


def _kind(command, action):
    if action.choices:
        return [str(c) for c in action.choices]
    return command.completes.get(action.dest)


def _magic_of(text_until_cursor: str) -> str | None:
    """The novamagic magic a line starts with, or None."""
    line = text_until_cursor.lstrip()
    for magic in ("%%nova_boot", "%nova"):  # the longer first: %nova is a prefix of %%nova_boot
        if line.startswith(magic + " "):
            return magic
    return None


def make_matcher(nova):
    """A completion matcher bound to one NovaMagics instance (IPython's Matcher API v2)."""
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher()
    def novamagic_matcher(context):
        magic = _magic_of(context.text_until_cursor)
        if magic is None:
            return {"completions": [], "suppress": False}
        words = complete_line(nova, context.text_until_cursor, magic)
        return {
            "completions": [SimpleCompletion(text=w, type="novamagic") for w in words],
            # Only our candidates on a novamagic line: jedi would add Python keywords.
            "suppress": True,
        }

    return novamagic_matcher
