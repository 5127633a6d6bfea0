"""``python -m novamagic.localcloud class new``: the credentials of a class, ready to hand out.

    python -m novamagic.localcloud class new --learners 30            # learner-01 .. learner-30
    python -m novamagic.localcloud class new --names names.txt --out ws --auth-url URL

writes into ``--out`` (default ``./class``)::

    users.yaml                 the standalone cloud's --users file: an instructor (admin) and
                               one user per learner, each in a project of their own name
    instructor/clouds.yaml     the instructor's login (cloud ``classroom``)
    learners/NAME/clouds.yaml  a learner's login (cloud ``classroom``: %nova login classroom)
    learners/NAME/learner.sh   the same as OS_* variables (``. learner.sh``)
    handout.html               one printable card per learner
    class.json                 what was written (no password): how a later run knows this class

Every password comes from :mod:`secrets`; files holding one are mode 0600; the command prints
paths and counts, never a password. Every input is checked before anything is written, and a
refusal is one line with exit status 2. This is the cloud's own tooling: it imports no client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from novamagic.localcloud.classkit_handout import handout_html

__all__ = ["ClassError", "Learner", "main", "plan_class", "write_class"]

CLOUD_NAME = "classroom"
MAX_LEARNERS = 200
DEFAULT_AUTH_URL = "http://127.0.0.1:8774/identity"  # the standalone cloud's default port
MANIFEST = "class.json"
# A name is also a project name, a directory and a word on a shell line: keep it plain.
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
NAME_ALLOWED = (
    "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"
)
# No 0/o, 1/l/i: a password copied from paper must not be misread.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class ClassError(ValueError):
    """Input the kit refuses: one line saying what was wrong and what is allowed."""


@dataclass(frozen=True)
class Learner:
    name: str
    project: str
    password: str
    admin: bool = False

    def __repr__(self) -> str:  # never the password
        return f"Learner({self.name!r}, project={self.project!r})"


def new_password() -> str:
    """Four groups of four, e.g. ``k7fq-m3xp-2hzr-9wtd`` (about 79 bits, easy to type)."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


def check_name(name: str, where: str) -> str:
    if not NAME_RULE.match(name):
        raise ClassError(f"{where}: {name!r} is not a valid learner name; allowed: {NAME_ALLOWED}")
    return name


def read_names(path: Path) -> list[str]:
    """One name a line; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ClassError(f"cannot read names file {path}: {reason}") from None
    names = []
    for number, line in enumerate(text.splitlines(), start=1):
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(check_name(name, f"names file {path}, line {number}"))
    if not names:
        raise ClassError(
            f"names file {path} holds no names; give one learner name a line ({NAME_ALLOWED})"
        )
    return names


def check_auth_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClassError(
            f"--auth-url {url!r} is not a URL; give the cloud's Keystone URL, e.g. "
            f"{DEFAULT_AUTH_URL}"
        )
    return url.rstrip("/")


def plan_class(names: list[str], instructor: str = "instructor") -> list[Learner]:
    """The instructor (first) and the learners with new passwords; name clashes refused."""
    check_name(instructor, "--instructor")
    seen = {instructor.lower(): f"the instructor account {instructor!r}"}
    for name in names:
        earlier = seen.get(name.lower())
        if earlier is not None:
            raise ClassError(
                f"learner name {name!r} clashes with {earlier} (names are compared ignoring "
                "case); give every learner a different name"
            )
        seen[name.lower()] = f"learner {name!r}"
    people = [Learner(instructor, instructor, new_password(), admin=True)]
    return people + [Learner(name, name, new_password()) for name in names]


def check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ClassError(f"--out {out} is a file; give a directory (new, or one this kit wrote)")
    if not out.is_dir() or force:
        return
    previous = [
        n for n in (MANIFEST, "users.yaml", "handout.html", "learners") if (out / n).exists()
    ]
    if previous:
        raise ClassError(
            f"{out} already holds a class ({', '.join(previous)}); pass --force to replace it "
            "(its passwords stop working once the cloud is restarted with the new users file), "
            "or choose another --out"
        )


# ------------------------------------------------------------------------------------- writing


def _write(path: Path, text: str, secret: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if secret:
        # Created 0600 from the start: the file is never readable by others, even for a moment.
        if path.exists():
            path.unlink()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def users_yaml(people: list[Learner]) -> str:
    users = [
        {
            "name": p.name,
            "password": p.password,
            "project": p.project,
            "roles": ["admin", "member"] if p.admin else ["member"],
        }
        for p in people
    ]
    head = "# novamagic classroom: python -m novamagic.localcloud --users users.yaml\n"
    return head + yaml.safe_dump({"users": users}, sort_keys=False)


def clouds_yaml(person: Learner, auth_url: str) -> str:
    cloud = {
        "auth": {
            "auth_url": auth_url,
            "username": person.name,
            "password": person.password,
            "project_name": person.project,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "identity_api_version": 3,
    }
    head = (
        f"# {person.name}'s login to the classroom cloud: %nova login {CLOUD_NAME}\n"
        "# Copy to ~/.config/openstack/clouds.yaml, or set OS_CLIENT_CONFIG_FILE to this file.\n"
    )
    return head + yaml.safe_dump({"clouds": {CLOUD_NAME: cloud}}, sort_keys=False)


def shell_snippet(person: Learner, auth_url: str) -> str:
    values = {
        "OS_AUTH_URL": auth_url,
        "OS_USERNAME": person.name,
        "OS_PASSWORD": person.password,
        "OS_PROJECT_NAME": person.project,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }
    lines = [f"# {person.name}'s login to the classroom cloud: . learner.sh, then %nova login"]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _remove_previous(out: Path) -> None:
    """Remove what an earlier run wrote (as its manifest lists it), nothing else."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        listed = []
    for relative in listed:
        target = (out / relative).resolve()
        if target.is_relative_to(out.resolve()) and target.is_file():
            target.unlink()
    for folder in ("learners", "instructor"):
        # Only directories emptied above go; anything a person put there stays.
        for directory in sorted((out / folder).glob("**/"), reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()


def write_class(out: Path, people: list[Learner], auth_url: str) -> list[Path]:
    """Write the kit; returns the paths written (the manifest last)."""
    if out.is_dir():
        _remove_previous(out)
    instructor, learners = people[0], people[1:]
    written = [
        _write(out / "users.yaml", users_yaml(people), secret=True),
        _write(out / "instructor" / "clouds.yaml", clouds_yaml(instructor, auth_url), True),
    ]
    for person in learners:
        folder = out / "learners" / person.name
        written.append(_write(folder / "clouds.yaml", clouds_yaml(person, auth_url), True))
        written.append(_write(folder / "learner.sh", shell_snippet(person, auth_url), True))
    html = handout_html(learners, auth_url, CLOUD_NAME)
    written.append(_write(out / "handout.html", html, secret=True))
    manifest = {
        "kind": "novamagic-class",
        "auth_url": auth_url,
        "instructor": instructor.name,
        "learners": [{"name": p.name, "project": p.project} for p in learners],
        "files": [str(p.relative_to(out)) for p in written],
    }
    written.append(_write(out / MANIFEST, json.dumps(manifest, indent=2) + "\n", secret=False))
    return written


# ----------------------------------------------------------------------------------- command


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own adds the usage above it)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m novamagic.localcloud class",
        description="Set up a class on the standalone local cloud.",
    )
    actions = parser.add_subparsers(dest="action", required=True, parser_class=_Parser)
    new = actions.add_parser(
        "new",
        help="write the users file, each learner's clouds.yaml and OS_* snippet, and a handout",
        description="Write a class's credentials: the users file for `python -m "
        "novamagic.localcloud --users`, per learner a clouds.yaml (cloud 'classroom') and an OS_* "
        "snippet, and a printable handout with one card per learner.",
    )
    who = new.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--learners", type=int, metavar="N", help=f"N learners, 1 to {MAX_LEARNERS}: PREFIX-01 ..."
    )
    who.add_argument("--names", metavar="FILE", help="a file of learner names, one a line")
    new.add_argument("--out", default="class", metavar="DIR", help="where to write (./class)")
    new.add_argument("--prefix", default="learner", help="name prefix with --learners (learner)")
    new.add_argument(
        "--auth-url",
        default=DEFAULT_AUTH_URL,
        metavar="URL",
        help=f"the cloud's Keystone URL as learners reach it (default {DEFAULT_AUTH_URL})",
    )
    new.add_argument(
        "--instructor", default="instructor", metavar="NAME", help="the admin account's name"
    )
    new.add_argument("--force", action="store_true", help="replace a class already in --out")
    return parser


def numbered_names(count: int, prefix: str) -> list[str]:
    if not 1 <= count <= MAX_LEARNERS:
        raise ClassError(f"--learners {count} is out of range; allowed: 1 to {MAX_LEARNERS}")
    check_name(prefix, "--prefix")
    width = max(2, len(str(count)))
    return [check_name(f"{prefix}-{i:0{width}d}", "--prefix") for i in range(1, count + 1)]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    try:
        if args.names is not None:
            names = read_names(Path(args.names))
        else:
            names = numbered_names(args.learners, args.prefix)
        auth_url = check_auth_url(args.auth_url)
        people = plan_class(names, args.instructor)
        check_out_dir(out, args.force)
    except ClassError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        written = write_class(out, people, auth_url)
    except OSError as exc:
        print(f"error: cannot write the class into {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    learners = len(people) - 1
    print(f"class of {learners} learner(s) written to {out} ({len(written)} files)")
    print(f"  users file: {out / 'users.yaml'}")
    print(f"  instructor ({people[0].name}, admin): {out / 'instructor' / 'clouds.yaml'}")
    print(f"  learners: {out / 'learners'}/NAME/clouds.yaml and learner.sh")
    print(f"  handout: {out / 'handout.html'} (one card per learner; print it, hand it out)")
    print(f"start the cloud: python -m novamagic.localcloud --users {out / 'users.yaml'}")
    return 0
