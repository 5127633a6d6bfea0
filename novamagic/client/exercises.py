"""Exercises that check themselves: what a learner's project must hold, written as YAML.

    exercise: first-server
    title: Boot your first web server
    requires:
      - server: web-1
        status: ACTIVE
        flavor: m1.small
        metadata: [owner]            # keys that must be set, or a mapping {key: value}
      - snapshot_of: web-1           # an image whose instance_uuid is web-1's id
      - floating_ip_on: web-1
      - keypair: mykey
      - volume_attached_to: web-1

:func:`load_exercise` reads and validates one (a malformed file is an :class:`ExerciseError`
naming the file, the line and the key); :func:`check_exercise` reads the project's resources
(GETs only) and says, per requirement, whether it is met and what is missing, never how to do
it. The rules of each kind live in :mod:`novamagic.client.exercise_rules`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from novamagic.client.errors import ExerciseError, Forbidden
from novamagic.client.exercise_rules import KINDS, Requirement, Resources, parse_requirement

__all__ = [
    "Exercise",
    "ExerciseError",
    "Requirement",
    "RequirementResult",
    "check_exercise",
    "find_exercise",
    "load_exercise",
    "load_exercises",
]

_TEXT_SOURCE = "<exercise text>"
_MAX_BYTES = 64 * 1024  # an exercise is a few lines; more is a mistake (or an attack)
_MAX_NODES = 2000  # YAML aliases can make a small file a huge tree
_TOP_KEYS = ("exercise", "title", "description", "requires")
_EXTENSIONS = (".yaml", ".yml")


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``name`` (its ``exercise:``), ``title``, ``requirements`` in file order,
    ``source`` (the file it came from, or ``<exercise text>``)."""

    name: str
    title: str
    requirements: tuple[Requirement, ...]
    description: str = ""
    source: str = _TEXT_SOURCE


@dataclass(frozen=True)
class RequirementResult:
    """One requirement checked: ``requirement`` (what is asked, in words), ``met``, and
    ``detail`` (what was found, or what is missing or wrong)."""

    requirement: str
    met: bool
    detail: str = field(default="")

    def line(self) -> str:
        mark = "\u2714" if self.met else "\u2718"
        return f"{mark} {self.requirement}" + (f": {self.detail}" if self.detail else "")


# ------------------------------------------------------------------------------------- loading


class _Reader:
    """Reads PyYAML's node tree, so every refusal can name the line (node marks)."""

    def __init__(self, source: str):
        self.source = source
        self.nodes = 0

    def fail(self, node, key: str | None, problem: str) -> ExerciseError:
        line = node.start_mark.line + 1 if node is not None else None
        where = ", ".join(
            x
            for x in (self.source, f"line {line}" if line else "", f"key {key!r}" if key else "")
            if x
        )
        return ExerciseError(f"{where}: {problem}", source=self.source, line=line, key=key)

    def mapping(self, node, key: str | None, what: str) -> list[tuple[str, object, object]]:
        """``(key, key node, value node)`` of a mapping node, keys plain and unique."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, f"{what} must be a mapping (key: value lines)")
        seen: dict[str, int] = {}
        items = []
        for key_node, value_node in node.value:
            self.count()
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":null"):
                raise self.fail(key_node, key, f"{what} has a key that is not a plain word")
            name = key_node.value
            if name in seen:
                raise self.fail(
                    key_node, name, f"given twice in {what} (first on line {seen[name]})"
                )
            seen[name] = key_node.start_mark.line + 1
            items.append((name, key_node, value_node))
        return items

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise ExerciseError(
                f"{self.source}: too large an exercise (over {_MAX_NODES} YAML nodes); "
                "an exercise lists a few requirements",
                source=self.source,
            )


def _read_source(path_or_text) -> tuple[str, str]:
    """(the YAML text, its source name): a path (``Path`` or a one-line string) is read."""
    if isinstance(path_or_text, str) and (
        "\n" in path_or_text or path_or_text.lstrip().startswith("{")
    ):
        # Text: an exercise is several lines (or one flow mapping); a path is neither.
        return path_or_text, _TEXT_SOURCE
    if not isinstance(path_or_text, (str, os.PathLike)):
        raise TypeError(
            f"load_exercise takes a path or YAML text, not {type(path_or_text).__name__}"
        )
    path = Path(path_or_text)
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise ExerciseError(
                f"{path}: too large for an exercise ({size} bytes; at most {_MAX_BYTES})",
                source=str(path),
            )
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise ExerciseError(
            f"cannot read exercise file {path}: {exc.strerror or exc}", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise ExerciseError(f"{path}: not UTF-8 text", source=str(path)) from None


def load_exercise(path_or_text) -> Exercise:
    """An :class:`Exercise` from a YAML file (a path) or from YAML text; a malformed one raises
    :class:`ExerciseError` with the file, line and key at fault and what is allowed there."""
    import yaml

    text, source = _read_source(path_or_text)
    reader = _Reader(source)
    if len(text.encode("utf-8")) > _MAX_BYTES:
        raise ExerciseError(f"{source}: too large for an exercise", source=source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        where = f"{source}, line {line}" if line else source
        raise ExerciseError(
            f"{where}: not valid YAML ({exc.problem or exc.context})", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise ExerciseError(f"{source}: not valid YAML ({exc})", source=source) from None
    if root is None:
        raise ExerciseError(
            f"{source}: empty; an exercise has the keys {', '.join(_TOP_KEYS)}", source=source
        )
    values: dict[str, object] = {}
    for key, key_node, value_node in reader.mapping(root, None, "an exercise"):
        if key not in _TOP_KEYS:
            raise reader.fail(
                key_node, key, f"not an exercise key; allowed: {', '.join(_TOP_KEYS)}"
            )
        values[key] = value_node
    for needed in ("exercise", "requires"):
        if needed not in values:
            raise reader.fail(root, needed, "missing; an exercise needs exercise: and requires:")
    name = _text(reader, values["exercise"], "exercise", "a name, e.g. first-server")
    title = _text(reader, values["title"], "title", "one line") if "title" in values else name
    description = (
        _text(reader, values["description"], "description", "text")
        if "description" in values
        else ""
    )
    requirements = _requirements(reader, values["requires"])
    return Exercise(name, title, requirements, description, source)


def _text(reader: _Reader, node, key: str, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null") or not node.value:
        raise reader.fail(node, key, f"must be {what}")
    return str(node.value)


def _requirements(reader: _Reader, node) -> tuple[Requirement, ...]:
    import yaml

    kinds = ", ".join(KINDS)
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise reader.fail(
            node, "requires", f"must be a list of requirements (- {KINDS[0]}: NAME); kinds: {kinds}"
        )
    found = []
    for item in node.value:
        reader.count()
        items = reader.mapping(item, "requires", "a requirement")
        found.append(parse_requirement(reader, item, items))
    return tuple(found)


def load_exercises(folder) -> list[Exercise]:
    """Every exercise of a folder (its ``*.yaml`` and ``*.yml``), by file name."""
    paths = sorted(p for p in Path(folder).iterdir() if p.suffix in _EXTENSIONS and p.is_file())
    return [load_exercise(p) for p in paths]


def find_exercise(ref, folders: Iterable = ()) -> Path:
    """The file of an exercise: ``ref`` itself when it is a file, else ``NAME.yaml`` (or
    ``.yml``) in the first of ``folders`` that has it."""
    path = Path(ref)
    if path.is_file():
        return path
    searched = [Path(f) for f in folders if f]
    if path.suffix not in _EXTENSIONS and len(path.parts) == 1:
        for folder in searched:
            for extension in _EXTENSIONS:
                candidate = folder / f"{ref}{extension}"
                if candidate.is_file():
                    return candidate
    known = sorted(
        {p.stem for f in searched if f.is_dir() for p in f.iterdir() if p.suffix in _EXTENSIONS}
    )
    where = ", ".join(str(f) for f in searched) or "no exercises folder"
    also = f"; there: {', '.join(known)}" if known else ""
    raise ExerciseError(
        f"no exercise {str(ref)!r}: not a file, nor NAME.yaml in {where}{also}", source=str(ref)
    )


# ------------------------------------------------------------------------------------ checking


def check_exercise(
    cloud, exercise: Exercise, project_id: str | None = None
) -> list[RequirementResult]:
    """Each requirement of ``exercise`` checked against the cloud (GETs only), in order.

    Without ``project_id``: the session's own project. With it (an admin checking a learner):
    that project's servers, snapshots, floating IPs and volumes; its key pairs are those of the
    users who booted its servers (Nova keeps key pairs per user, not per project).
    """
    if project_id == cloud.whoami()["project_id"]:
        project_id = None  # one's own project: the plain listings, no admin role needed
    if project_id is not None:
        roles = getattr(cloud._http.access(), "role_names", None) or []
        if "admin" not in roles:
            raise Forbidden(
                "checking another project's exercise needs an admin role",
                hint="check your own project: leave project_id out",
            )
    resources = Resources(cloud, project_id)
    results = []
    for requirement in exercise.requirements:
        met, detail = requirement.check(resources)
        results.append(RequirementResult(requirement.describe(), met, detail))
    return results
