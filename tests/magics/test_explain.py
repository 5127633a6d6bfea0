"""Explain mode: a magic's requests as curl (token as $OS_TOKEN), the openstack CLI command and
the openstacksdk call; the curl lines run with the real curl against the local cloud."""

from __future__ import annotations

import os
import subprocess

import requests
from magic_helpers import boot, run

from novamagic.magics.explain import Explanation


def explained(capsys) -> list[str]:
    """What the explanation printed (the shell shows displays as text), as lines."""
    return capsys.readouterr().out.splitlines()


def real_token(lc) -> str:
    """A token asked for as the book does, straight from Keystone (no client involved)."""
    answer = requests.post(
        f"{lc.auth_url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "joe", "domain": {"id": "default"}, "password": "shhh"}
                    },
                },
                "scope": {"project": {"name": "openstack", "domain": {"id": "default"}}},
            }
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.headers["X-Subject-Token"]


def run_curl(line: str, token: str) -> tuple[int, str]:
    """Run one explained line with the real curl (through a shell, as a reader pastes it)."""
    env = {**os.environ, "OS_TOKEN": token}
    done = subprocess.run(
        ["/bin/sh", "-c", line + " -w '\\n%{http_code}'"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def test_explain_shows_curl_cli_and_sdk_and_the_curl_lines_work(shell, cloud, lc, capsys):
    boot(shell, count=1)
    capsys.readouterr()
    frame = run(shell, "%nova --explain servers")
    lines = explained(capsys)
    curls = [line for line in lines if line.startswith("curl ")]
    assert curls and all('-H "X-Auth-Token: $OS_TOKEN"' in line for line in curls)
    assert any("/servers/detail" in line for line in curls)
    assert "# the openstack CLI: openstack server list" in lines
    assert "# openstacksdk: conn.compute.servers(details=True)" in lines
    assert list(frame["name"]) == ["web-1"]  # the result is the magic's, unchanged

    token = real_token(lc)
    for line in curls:  # every request of the listing (servers, then flavors/images lookups)
        status, body = run_curl(line, token)
        assert 200 <= status < 300, (line, status, body)
    status, body = run_curl(next(c for c in curls if "/servers/detail" in c), token)
    assert '"name": "web-1"' in body or '"name":"web-1"' in body

    run(shell, "%nova --explain reboot web-1")
    lines = explained(capsys)
    (post,) = [line for line in lines if line.startswith("curl ") and "-X POST" in line]
    assert '-d \'{"reboot":{"type":"SOFT"}}\'' in post and "/action" in post
    assert "OpenStack-API-Version: compute " in post
    assert "# the openstack CLI: openstack server reboot web-1" in lines
    assert '# openstacksdk: conn.compute.reboot_server(server, "SOFT")' in lines
    lc.clock.advance(60)  # the first reboot is over: the pasted line reboots it again
    status, body = run_curl(post, token)
    assert status == 202, body
    assert cloud.server("web-1")["status"] == "REBOOT"


def test_the_token_and_passwords_never_show(shell, cloud, lc, capsys):
    token = cloud._http.ks.get_token()
    run(shell, "%config NovaMagics.explain = True")  # every magic of the notebook explained
    boot(shell, count=1, extra="")
    run(shell, "%nova show web-1")
    shown = capsys.readouterr().out
    assert "curl -s -X POST" in shown and "/servers" in shown  # the boot, explained too
    assert "openstack server show web-1" in shown
    assert token not in shown and "shhh" not in shown
    run(shell, "%config NovaMagics.explain = False")
    run(shell, "%nova flavors")
    assert "curl " not in capsys.readouterr().out
    with cloud.recording() as sent:  # the client masks secrets in what it records
        cloud.change_password("web-1", "n3w-Secret-pw")
    (request,) = [r for r in sent if r.method == "POST"]
    assert request.body == {"changePassword": {"adminPass": "********"}}
    assert "n3w-Secret-pw" not in repr(sent) and token not in repr(sent)
    assert not any(k.lower() == "x-auth-token" for r in sent for k in r.headers)


def test_an_explanation_renders_as_html_escaped():
    from novamagic.client.session import SentRequest

    sent = SentRequest(
        "GET", "http://127.0.0.1:1/compute/v2.1/servers?name=<b>", {}, None, 200, "t"
    )
    html = Explanation("servers", [sent], None)._repr_html_()
    assert "<b>" not in html and "&lt;b&gt;" in html and "$OS_TOKEN" in html
