"""No secret in any committed notebook's outputs, nor in README.md.

Secrets: the local cloud's passwords, Keystone tokens (what a token request or an X-Auth-Token
header would print) and servers' adminPass values. Cell sources may name the book's demo
account; what a run printed and saved must not show a secret.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from novamagic.localcloud.model import DEFAULT_USERS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

MASK = re.compile(r"^\*+$")
# Keystone's Fernet tokens (and the local cloud's) start with gAAAAA; 20+ more characters is a token.
TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-=]{20,}")
# A secret as a key and value, in JSON, a Python repr, a header or a keyword argument.
KEYED = re.compile(
    r"""(?ix)
    (adminPass|admin_pass|password|X-Auth-Token|auth_token)
    ["']?\s*[:=]\s*["']?
    ([^"'\s,}]+)
    """
)


def leaks(text: str) -> list[str]:
    """Every secret-looking value in ``text``, described (empty when the text is clean)."""
    text = html.unescape(text)  # a secret in an HTML output is a secret all the same
    found = [f"token {m.group(0)[:10]}…" for m in TOKEN.finditer(text)]
    for match in KEYED.finditer(text):
        key, value = match.group(1), match.group(2)
        # "$OS_TOKEN" is explain mode's stand-in for the token: a shell variable, not its value.
        placeholder = re.fullmatch(r"\$\{?[A-Z_][A-Z0-9_]*\}?", value)
        if not (MASK.match(value) or placeholder) and value.lower() not in ("none", "null"):
            found.append(f"{key} = {value[:3]}…")
    for user in DEFAULT_USERS:
        password = user["password"]
        if password != user["name"]:  # "admin" is also a user, a role and a URL's word
            found += [
                f"the password of {user['name']}"
                for _ in re.finditer(rf"\b{re.escape(password)}\b", text)
            ]
    return found


# Pictures are not text: their base64 can spell anything, gAAAAA included.
EMBEDDED_IMAGE = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def saved_outputs(path: Path) -> str:
    """All text a notebook's saved outputs hold (streams, results, errors), one string."""
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if not mime.startswith("image/"):
                    parts.append(value if isinstance(value, str) else str(value))
            parts.append(output.get("evalue", ""))
            parts += output.get("traceback", [])
    return EMBEDDED_IMAGE.sub("data:image", "\n".join(parts))


def test_the_scanner_catches_what_it_looks_for():
    assert leaks('{"adminPass": "MrhcNkNqAeVnnUE7"}')
    assert leaks("{'adminPass': 'LRJrwY8mHw56'}")
    assert leaks("X-Auth-Token: 999888777666")
    assert leaks("X-Auth-Token: $gAAAAAB")  # only a whole variable name is a stand-in
    assert not leaks('curl -s -H "X-Auth-Token: $OS_TOKEN" http://127.0.0.1:5000/')
    assert not leaks("curl -s -H &quot;X-Auth-Token: $OS_TOKEN&quot; http://127.0.0.1:5000/")
    assert leaks("{&quot;adminPass&quot;: &quot;LRJrwY8mHw56&quot;}")
    assert leaks("token gAAAAAS48E0U15YKqRC3TwiuXX6Ash371iux7b7cQAaps1BZZlMx3I9my")
    assert leaks('{"passwordCredentials": {"username": "joe", "password": "shhh"}}')
    assert not leaks('{"adminPass": "********", "password": "********"}')
    assert not leaks("adminURL http://127.0.0.1:PORT/v2.0 user admin, role admin")


def test_there_are_notebooks_to_scan():
    assert len(NOTEBOOKS) >= 9, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_hold_no_secret(path):
    assert not leaks(saved_outputs(path))


def test_readme_holds_no_secret():
    readme = ROOT / "README.md"
    assert not leaks(readme.read_text(encoding="utf-8"))
