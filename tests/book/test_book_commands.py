"""Reading the book's curl commands out of its text: all 28, unwrapped as the author typed them."""

from __future__ import annotations

import json

from bookcurl import BOOK_HOSTS, book_commands, join_wrapped, parse_dumped_response


def test_the_book_prints_28_curl_commands_each_aimed_at_the_books_hosts():
    commands = book_commands()

    assert [c.number for c in commands] == list(range(1, 29))
    assert all(c.argv[0] == "curl" for c in commands)
    assert all(c.url.startswith(BOOK_HOSTS) for c in commands)
    assert commands[0].url == "http://localhost:5000/v2.0/tokens"
    assert all(c.path.startswith("/v1.1/openstack/") for c in commands[1:])


def test_wrapped_urls_and_headers_are_joined_without_a_space():
    commands = {c.number: c for c in book_commands()}

    # Cut after "/" (command 2), after "v1." (23), inside "application/json" (21), and with the
    # typesetter's trailing spaces before the cut (22).
    assert commands[2].url == "http://localhost:8774/v1.1/openstack/images"
    assert commands[23].url == "http://localhost:8774/v1.1/openstack/servers/3/action"
    assert "Accept: application/json" in commands[21].headers()
    assert commands[22].url == "http://localhost:8774/v1.1/openstack/servers/3/action"


def test_every_body_is_the_json_the_book_shows():
    bodies = {c.number: json.loads(c.body) for c in book_commands() if c.body is not None}

    assert bodies[1] == {"passwordCredentials": {"username": "joe", "password": "shhh"}}
    assert bodies[21] == {
        "server": {"accessIPv4": "192.168.100.2", "accessIPv6": "fe80:0:0:0:0:c0a8:6402"}
    }
    assert bodies[22] == {"changePassword": {"adminPass": "dontusessshhhforpassword"}}
    assert bodies[24] == {"confirmResize": None}
    assert len(bodies) == 15


def test_thirteen_commands_send_json_that_curl_labels_as_a_form():
    # curl -d without a Content-type header sends application/x-www-form-urlencoded.
    unlabelled = [
        c.number
        for c in book_commands()
        if c.body is not None and not any(h.lower().startswith("content-type") for h in c.headers())
    ]

    assert unlabelled == [11, 12, 13, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26]


def test_adjusting_a_command_changes_only_host_port_and_token():
    command = {c.number: c for c in book_commands()}[4]

    adjusted = command.adjusted("http://127.0.0.1:4242", "tok123")

    expected = [
        arg.replace("http://localhost:8774", "http://127.0.0.1:4242").replace(
            "X-Auth-Token:999888777666", "X-Auth-Token:tok123"
        )
        for arg in command.argv
    ]
    assert adjusted == expected
    assert '"flavorRef": "http://127.0.0.1:4242/v1.1/openstack/flavors/1"' in adjusted[-2]


def test_the_books_misprinted_token_is_replaced_too():
    command = {c.number: c for c in book_commands()}[13]

    assert "X-Auth-Token:9998887776666" in command.headers()
    assert "X-Auth-Token:tok" in command.adjusted("http://127.0.0.1:1", "tok")


def test_join_wrapped_keeps_a_space_where_the_break_was_between_words():
    assert (
        join_wrapped(["$ curl -d", "'{}' http://h/v1.", "1/x  ", ""])
        == "$ curl -d '{}' http://h/v1.1/x"
    )


def test_dumped_headers_are_split_from_the_body_after_a_continue_block():
    output = (
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 202 Accepted\r\nLocation: http://x/images/4\r\nContent-Length: 0\r\n\r\n"
    )

    result = parse_dumped_response(["curl"], output, "")

    assert result.status == 202
    assert result.header("location") == "http://x/images/4"
    assert result.body == ""
