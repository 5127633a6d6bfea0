"""Pieces that need no cloud: fault bodies, validation, resolution, log redaction, import hygiene."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from novamagic.client import errors, validate
from novamagic.client.errors import AmbiguousName, NotFound, ValidationError
from novamagic.client.resolve import pick, ref_to_string


class FakeResponse:
    def __init__(self, status, body, headers=None):
        self.status_code = status
        self.content = body.encode() if isinstance(body, str) else body
        self.headers = {"Content-Type": "application/json", **(headers or {})}


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (
            404,
            '{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}',
            errors.NotFound,
            "Instance x could not be found.",
        ),
        (
            401,
            '{"error": {"message": "The request you have made requires authentication.", '
            '"code": 401, "title": "Unauthorized"}}',
            errors.Unauthorized,
            "The request you have made requires authentication.",
        ),
        (
            409,
            '{"conflictingRequest": {"message": "Cannot \'reboot\' while in task_state '
            'image_uploading", "code": 409}}',
            errors.Conflict,
            "Cannot 'reboot' while in task_state image_uploading",
        ),
        (
            403,
            '{"forbidden": {"message": "Quota exceeded for instances", "code": 403}}',
            errors.QuotaExceeded,
            "Quota exceeded for instances",
        ),
        (
            403,
            '{"forbidden": {"message": "Policy doesn\'t allow it", "code": 403}}',
            errors.Forbidden,
            "Policy doesn't allow it",
        ),
        (
            413,  # Nova before 2.36's quota refusal
            '{"overLimit": {"message": "Quota exceeded for cores", "code": 413}}',
            errors.QuotaExceeded,
            "Quota exceeded for cores",
        ),
        (
            413,
            '{"overLimit": {"message": "slow down", "code": 413}}',
            errors.OverLimit,
            "slow down",
        ),
        (
            503,
            "<html><body><h1>503 Service Unavailable</h1>\n<p>try later</p></body></html>",
            errors.ServerError,
            "503 Service Unavailable try later",
        ),
        (400, "", errors.BadRequest, "Bad Request"),
        (
            406,
            '{"computeFault": {"message": "Version 9.9 is not supported", "code": 406}}',
            errors.BadRequest,
            "Version 9.9 is not supported",
        ),
    ],
)
def test_errors_from_fault_bodies(status, body, cls, message):
    response = FakeResponse(status, body, {"x-openstack-request-id": "req-1", "Retry-After": "3"})
    if "html" in body:
        response.headers["Content-Type"] = "text/html"
    error = errors.error_from_response(response, "GET", "http://h:1/compute/v2.1/servers/x?a=1")
    assert type(error) is cls
    assert error.message == message
    assert (error.status, error.request_id, error.method) == (status, "req-1", "GET")
    text = str(error)
    assert "\n" not in text
    assert text == f"{message} (GET /compute/v2.1/servers/x?a=1, HTTP {status}, req-1)"
    if cls is errors.OverLimit:
        assert error.retry_after == 3.0
    if cls is errors.QuotaExceeded:  # caught by either of the two older types
        assert isinstance(error, errors.Forbidden) and isinstance(error, errors.OverLimit)
        assert error.retry_after == 3.0 and "quota" in error.hint
    assert isinstance(error, errors.NovaError)


def test_error_hints():
    quota = errors.error_from_response(
        FakeResponse(403, '{"forbidden": {"message": "Quota exceeded for cores"}}'), "POST", "/s"
    )
    assert "quota" in quota.hint
    assert "wait" in errors.Conflict("busy").hint


def test_metadata_validation_uses_reported_limits():
    limits = {"maxServerMeta": 2}
    assert validate.check_metadata({"a": "1", "b": "2"}, limits) == {"a": "1", "b": "2"}
    with pytest.raises(ValidationError, match="at most 2 \\(maxServerMeta\\)"):
        validate.check_metadata({"a": "1", "b": "2", "c": "3"}, limits)
    with pytest.raises(ValidationError, match="would have 3 items"):
        validate.check_metadata({"c": "3"}, limits, existing={"a": "1", "b": "2"})
    with pytest.raises(ValidationError, match="at most 255"):
        validate.check_metadata({"k" * 256: "v"}, limits)
    with pytest.raises(ValidationError, match="value for 'k'"):
        validate.check_metadata({"k": "v" * 256})
    with pytest.raises(ValidationError, match="must be a string"):
        validate.check_metadata({"k": 1})
    assert validate.check_metadata({"a": "1", "b": "2", "c": "3"}, {"maxServerMeta": -1})


def test_personality_validation():
    limits = {"maxPersonality": 1, "maxPersonalitySize": 4}
    encoded = validate.encode_personality({"/etc/motd": "hi"}, limits)
    assert encoded == [{"path": "/etc/motd", "contents": "aGk="}]
    with pytest.raises(ValidationError, match="at most 1 \\(maxPersonality\\)"):
        validate.encode_personality({"/a": "1", "/b": "2"}, limits)
    with pytest.raises(ValidationError, match="5 bytes; this cloud allows at most 4"):
        validate.encode_personality({"/a": b"12345"}, limits)
    with pytest.raises(ValidationError, match="base64"):
        validate.encode_personality([{"path": "/a", "contents": "not base64!"}], limits)


def test_ip_and_reboot_validation():
    assert validate.check_access_ips("192.0.2.1", "2001:db8::1") == {
        "accessIPv4": "192.0.2.1",
        "accessIPv6": "2001:db8::1",
    }
    with pytest.raises(ValidationError, match="not an IPv4 address"):
        validate.check_access_ips(ipv4="2001:db8::1")
    with pytest.raises(ValidationError, match="not an IPv6 address"):
        validate.check_access_ips(ipv6="fe80:0:0:0:0:c0a8:6402")  # the book's seven groups
    with pytest.raises(ValidationError, match="use SOFT or HARD"):
        validate.check_reboot_type("WARM")
    assert validate.check_reboot_type("hard") == "HARD"


def test_resolution_helpers():
    candidates = [{"id": "1", "name": "web"}, {"id": "2", "name": "db"}, {"id": "3", "name": "db"}]
    assert pick("web", candidates, "server", "x")["id"] == "1"
    assert pick("3", candidates, "server", "x")["name"] == "db"
    with pytest.raises(AmbiguousName) as info:
        pick("db", candidates, "server", "x")
    assert info.value.matches == [("db", "2"), ("db", "3")] and "2, 3" in str(info.value)
    with pytest.raises(NotFound, match="did you mean 'web'") as info:
        pick("wbe", candidates, "server", "3 servers")
    assert "searched 3 servers" in str(info.value)
    assert ref_to_string("http://h/v2.1/servers/abc", "server") == "abc"
    assert ref_to_string({"id": 7}, "server") == "7"
    with pytest.raises(ValidationError):
        ref_to_string("", "server")


def test_log_redaction_masks_secrets():
    from novamagic.client.session import install_log_redaction

    install_log_redaction()
    records = []

    class Catch(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("keystoneauth.session")
    handler = Catch()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug(
            'REQ: -d \'{"changePassword": {"adminPass": "s3cret"}}\' -H "X-Auth-Token: tok"'
        )
        logger.debug("RESP BODY: %s", '{"server": {"adminPass": "abc\\"def", "id": "1"}}')
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    text = "\n".join(records)
    assert "s3cret" not in text and "abc" not in text and "tok" not in text
    assert '"adminPass": "***"' in text


def test_importing_the_client_imports_no_notebook_library():
    code = (
        "import sys, novamagic.client, novamagic.client.cloud; "
        "bad = [m for m in ('IPython', 'ipywidgets', 'pandas') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
