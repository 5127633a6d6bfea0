"""The fault bodies the book prints, word for word: chapter 3's three for a boot request missing
its name, imageRef or flavorRef, and chapter 6's itemNotFound. Each request is the book's own
boot command (number 4) with one field taken out, sent with curl."""

from __future__ import annotations

import json

import pytest
from bookcurl import run_curl

BOOT_COMMAND = 4

CHAPTER_3_FAULTS = {
    "name": {"badRequest": {"message": "Server name is an empty string", "code": 400}},
    "imageRef": {
        "badRequest": {
            "message": "Cannot find requested image : Image 0 could not be found.",
            "code": 400,
        }
    },
    "flavorRef": {"badRequest": {"message": "Invalid flavorRef provided.", "code": 400}},
}


def boot_without(book, field: str) -> list[str]:
    """The book's boot command, logged in, with ``field`` left out of its JSON body."""
    book.token = book.login()
    argv = book.commands[BOOT_COMMAND].adjusted(book.base_url, book.token)
    at = argv.index("-d") + 1
    body = json.loads(argv[at])
    del body["server"][field]
    argv[at] = json.dumps(body)
    return argv


@pytest.mark.parametrize("field", list(CHAPTER_3_FAULTS))
def test_a_boot_request_missing_a_field_gets_the_books_fault(book, field):
    result = run_curl(boot_without(book, field), book.env)

    assert result.status == 400
    assert result.header("content-type") == "application/json"
    assert result.json() == CHAPTER_3_FAULTS[field]
    assert book.api("GET", "/servers") == {"servers": []}


@pytest.mark.parametrize("field", ["imageRef", "flavorRef"])
def test_a_wrong_reference_gets_the_same_words_as_a_missing_one(book, field):
    book.token = book.login()
    body = {"server": {"name": "tornado001", "imageRef": "1", "flavorRef": "1"}}
    body["server"][field] = book.nova + ("/images/42" if field == "imageRef" else "/flavors/42")

    fault = book.api("POST", "/servers", body, expect=400)["badRequest"]

    expected = {
        "imageRef": f"Cannot find requested image {book.nova}/images/42: Image 42 could not be found.",
        "flavorRef": "Invalid flavorRef provided.",
    }
    assert fault == {"message": expected[field], "code": 400}


@pytest.mark.parametrize("path", ["/servers/3", "/images/42"])
def test_deleting_what_does_not_exist_gets_chapter_6s_item_not_found(book, path):
    book.token = book.login()

    assert book.api("DELETE", path, expect=404) == {
        "itemNotFound": {"message": "The resource could not be found.", "code": 404}
    }
