"""Every chapter's notebook covers every section of that chapter, in the book's order.

The titles are read at run time from the book's table of contents, so a notebook cannot drift
from the book without this test noticing.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "tests" / "book" / "programming-openstack-compute-api.txt"
NOTEBOOKS = ROOT / "notebooks"

_CHAPTER = re.compile(r"^(\d+)\. (.+?) \.{3,}\s*\d+\s*$")
_SECTION = re.compile(r"^(.+?) \.{3,}\s*\d+\s*$")


def book_chapters() -> dict[int, tuple[str, list[str]]]:
    """{number: (chapter title, [section titles in order])} from the table of contents."""
    lines = BOOK.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "## 目录")
    chapters: dict[int, tuple[str, list[str]]] = {}
    current = None
    for line in lines[start + 1 :]:
        if line.startswith("# "):  # the first chapter's body: the table of contents is over
            break
        text = line.strip()
        if match := _CHAPTER.match(text):
            current = int(match.group(1))
            chapters[current] = (match.group(2), [])
        elif (match := _SECTION.match(text)) and current is not None:
            chapters[current][1].append(match.group(1))
    return chapters


CHAPTERS = book_chapters()


def headings(notebook: Path) -> list[str]:
    """The text of every markdown heading of the notebook, in order."""
    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            found += [m.group(1).strip() for m in re.finditer(r"^#{1,6} +(.+)$", cell.source, re.M)]
    return found


def notebook_for(number: int) -> Path:
    matches = sorted(NOTEBOOKS.glob(f"{number:02d}_*.ipynb"))
    assert len(matches) == 1, (
        f"chapter {number}: expected one notebooks/{number:02d}_*.ipynb, found {matches}"
    )
    return matches[0]


def test_the_table_of_contents_is_read():
    assert sorted(CHAPTERS) == [1, 2, 3, 4, 5, 6, 7]
    assert CHAPTERS[3][1][0] == "Creating Servers"
    assert sum(len(sections) for _, sections in CHAPTERS.values()) == 74


@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_notebook_covers_every_section_in_order(number):
    title, sections = CHAPTERS[number]
    found = headings(notebook_for(number))
    assert found and title in found[0], f"the first heading should name the chapter {title!r}"
    missing = [s for s in sections if s not in found]
    assert not missing, f"chapter {number} ({title}): no heading for {missing}"
    positions = [found.index(s) for s in sections]
    assert positions == sorted(positions), f"chapter {number}: sections out of the book's order"
