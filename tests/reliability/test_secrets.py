"""Secrets: no password, token, adminPass or application-credential secret of this suite's runs
appears in README.md, docs, the committed notebooks, or the logs this suite wrote; the client's
history, reprs and DEBUG logs (keystoneauth's included) redact them; ``%nova login`` refuses a
password on the magic line.

This module runs last (see conftest): the ledger then holds every secret the other modules
used, and their logs are complete.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from novamagic.client import NovaError, connect
from tests.reliability.conftest import (
    DEBUG_LOG,
    FIGURES_FILE,
    IMAGE,
    ROOT,
    STANDALONE_LOG,
    client_for,
    password_of,
)

#: What a token of the local cloud looks like (Fernet-like), and an adminPass in JSON.
TOKEN_SHAPE = re.compile(r"gAAAAA[A-Za-z0-9_-]{40,}")
ADMIN_PASS_IN_JSON = re.compile(r'"adminPass"\s*:\s*"(?!\*\*\*)[^"]+"')


def _committed_texts() -> dict[str, str]:
    texts = {"README.md": (ROOT / "README.md").read_text()}
    for doc in sorted((ROOT / "docs").glob("*.md")):
        texts[str(doc.relative_to(ROOT))] = doc.read_text()
    for notebook in sorted((ROOT / "notebooks").glob("**/*.ipynb")):
        texts[str(notebook.relative_to(ROOT))] = notebook.read_text()
    return texts


def _notebook_outputs(text: str) -> str:
    cells = json.loads(text).get("cells", [])
    return json.dumps([cell.get("outputs", []) for cell in cells])


def _a_secret_run(make_cloud, secrets_ledger, caplog):
    """A run full of secrets, logged at DEBUG: password auth, adminPass, a password change, an
    application credential, a failed login."""
    cloud = make_cloud()
    with client_for(cloud) as client:
        server = client.create_server(
            "secretive", IMAGE, "m1.tiny", admin_password="Adm1n-Pa55-xyz"
        )
        client.wait(server["id"])
        client.change_password(server["id"], "Chang3d-Pa55-xyz")
        client.wait(server["id"])
        rebuilt = client.rebuild(server["id"], IMAGE)
        secrets_ledger.add(client.admin_password(server["id"]), "adminPass")
        secrets_ledger.add("Adm1n-Pa55-xyz", "adminPass")
        secrets_ledger.add("Chang3d-Pa55-xyz", "adminPass")
        token = client._http.ks.get_token()
        secrets_ledger.add(token, "token")
        user_id = client.whoami()["user_id"]
        credential = client.raw(
            "POST",
            f"{cloud.auth_url}/v3/users/{user_id}/application_credentials",
            {"application_credential": {"name": "ci"}},
            microversion=None,
        )["application_credential"]
        secrets_ledger.add(credential["secret"], "application credential secret")
        texts = [
            repr(client),
            repr(client.config),
            repr(client.history),
            str(list(client.history)),
            repr(server),
            repr(rebuilt),
            str(client.whoami()),
        ]
    with connect(
        auth_url=cloud.auth_url,
        auth_type="v3applicationcredential",
        application_credential_id=credential["id"],
        application_credential_secret=credential["secret"],
    ) as by_credential:
        by_credential.flavors()
        secrets_ledger.add(by_credential._http.ks.get_token(), "token")
        texts += [repr(by_credential), repr(by_credential.config), str(list(by_credential.history))]
    with pytest.raises(NovaError) as failed:
        connect(
            auth_url=cloud.auth_url,
            username="joe",
            password="Wr0ng-Pa55-xyz",
            project_name="openstack",
            user_domain_name="Default",
            project_domain_name="Default",
        )
    secrets_ledger.add("Wr0ng-Pa55-xyz", "a wrong password")
    texts += [str(failed.value), repr(failed.value)]
    secrets_ledger.harvest(cloud)
    secrets_ledger.add(password_of(cloud, "joe"), "password of joe")
    return texts


def test_client_history_reprs_and_debug_logs_redact_secrets(
    make_cloud, secrets_ledger, caplog, figures
):
    caplog.set_level(logging.DEBUG)
    for name in ("keystoneauth", "keystoneauth.session", "novamagic", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    texts = _a_secret_run(make_cloud, secrets_ledger, caplog)
    logged = caplog.text
    assert "/servers" in logged and "keystoneauth" in " ".join(r.name for r in caplog.records)
    everything = "\n".join([logged, *texts])
    leaked = [kind for secret, kind in secrets_ledger.values.items() if secret in everything]
    assert not leaked, f"in the client's logs, history or reprs: {sorted(set(leaked))}"
    assert not TOKEN_SHAPE.search(everything), TOKEN_SHAPE.search(everything).group()[:12]
    assert not ADMIN_PASS_IN_JSON.search(everything)
    figures.add(
        "secrets", "DEBUG log records checked (client, keystoneauth, urllib3)", len(caplog.records)
    )


def test_no_secret_of_the_runs_in_readme_docs_notebooks_or_logs(figures, secrets_ledger):
    logs = {
        path.name: path.read_text(errors="replace")
        for path in (DEBUG_LOG, STANDALONE_LOG, FIGURES_FILE)
        if path.exists()
    }
    assert logs.get(DEBUG_LOG.name), "the suite's DEBUG log was written"
    assert "/servers" in logs[DEBUG_LOG.name], "and it holds the runs' requests"
    assert len(secrets_ledger.values) >= 5, "the ledger holds the runs' secrets"
    committed = _committed_texts()
    leaks = []
    for where, text in {**committed, **logs}.items():
        for secret, kind in secrets_ledger.values.items():
            if secret in text:
                leaks.append(f"{kind} in {where}")
        if TOKEN_SHAPE.search(text):
            leaks.append(f"something shaped like a token in {where}")
        if ADMIN_PASS_IN_JSON.search(text):
            leaks.append(f"an adminPass value in {where}")
    for where, text in committed.items():
        if where.endswith(".ipynb"):
            outputs = _notebook_outputs(text)
            for secret in ("shhh",):  # the default account's password, in a cell's output
                if secret in outputs:
                    leaks.append(f"the default password in the outputs of {where}")
    assert not leaks, leaks
    notebooks = sum(1 for where in committed if where.endswith(".ipynb"))
    figures.add("secrets", "secrets of the runs searched for", len(secrets_ledger.values))
    figures.add(
        "secrets",
        "files scanned (README, docs, notebooks, logs)",
        f"{len(committed) + len(logs)} ({notebooks} notebooks)",
    )
    figures.add("secrets", "leaks found", 0)


REFUSED_LINES = [
    "login --user joe --password Hunter2-on-the-line",
    "login --user joe --password=Hunter2-on-the-line",
    "login --user joe --PASSWORD Hunter2-on-the-line",
    "login --user joe --os-password Hunter2-on-the-line",
    "login --user joe -p Hunter2-on-the-line",
    "login --user=joe --pass=Hunter2-on-the-line",
    "login mycloud --admin-pass Hunter2-on-the-line",
    "login --auth-url http://127.0.0.1:9/identity --user joe --password Hunter2-on-the-line",
    "login --user joe --passwd Hunter2-on-the-line",
]


@pytest.mark.parametrize("line", REFUSED_LINES)
def test_nova_login_refuses_a_password_on_the_line(line, capsys, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    prompted = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompted.append(prompt) or "x")
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    try:
        result = shell.run_cell(f"%nova {line}", store_history=False)
        seen = capsys.readouterr()
    finally:
        shell.extension_manager.unload_extension("novamagic")
    assert result.error_in_exec is not None or result.error_before_exec is not None, (
        "the cell fails"
    )
    error = result.error_in_exec or result.error_before_exec
    shown = seen.out + seen.err + str(error) + repr(error)
    assert "Hunter2-on-the-line" not in shown, "the password is never echoed"
    assert "refusing a password" in shown and "getpass" in shown
    assert not prompted, "nothing was attempted with it"
