"""%nova login / logout / whoami through a real shell: credentials never come from the line and
no secret reaches any output."""

import getpass

import pytest
from magic_helpers import fail, run

LOGIN = "%nova login --auth-url {url} --user joe --project openstack --user-domain Default --project-domain Default"


@pytest.mark.parametrize(
    "words",
    [
        "--password hunter2",
        "--password=hunter2",
        "-p hunter2",
        "--os-password hunter2",
        "--admin-password hunter2",
    ],
)
def test_a_password_on_the_line_is_refused_and_never_echoed(shell, capsys, words):
    error, seen = fail(shell, f"%nova login --user joe {words}", capsys)
    assert type(error).__name__ == "UsageError"
    assert "refusing a password on the magic line" in seen and "getpass" in seen
    assert "hunter2" not in seen and "hunter2" not in str(error)


@pytest.mark.parametrize("words", ["--token gAAAAAsecret", "--token=gAAAAAsecret"])
def test_a_token_on_the_line_is_refused_and_never_echoed(shell, capsys, words):
    error, seen = fail(shell, f"%nova login --auth-url http://127.0.0.1:1/identity {words}", capsys)
    assert type(error).__name__ == "UsageError"
    assert "refusing a token on the magic line" in seen and "OS_TOKEN" in seen
    assert "gAAAAAsecret" not in seen and "gAAAAAsecret" not in str(error)


def test_an_unexpected_word_on_login_is_not_echoed(shell, capsys):
    error, seen = fail(shell, "%nova login mycloud hunter2", capsys)
    assert "unexpected argument" in seen and "hunter2" not in seen


def test_login_with_os_password_from_the_environment_and_var_expansion(
    shell, lc, monkeypatch, capsys
):
    monkeypatch.setenv("OS_PASSWORD", "shhh")
    shell.user_ns["url"] = lc.auth_url
    message = run(shell, LOGIN.replace("{url}", "{url}"))  # IPython expands {url}
    assert "logged in as joe (project openstack)" in str(message) and "compute 2.96" in str(message)
    shell.user_ns["where"] = lc.auth_url
    run(
        shell,
        "%nova login --auth-url $where --user joe --project openstack --user-domain Default --project-domain Default",
    )
    who = run(shell, "%nova whoami")
    assert (
        who["username"] == "joe"
        and who["project_name"] == "openstack"
        and who["microversion"] == "2.96"
    )
    assert set(who) >= {"user_id", "project_id", "region", "compute_url", "expires", "api"}
    assert not any("token" in key and key != "session_tag" for key in who)
    shell.display_formatter.format(who)
    seen = capsys.readouterr()
    assert "shhh" not in seen.out + seen.err


def test_login_prompts_with_getpass_and_hides_the_password(shell, lc, monkeypatch, capsys):
    prompts = []

    def fake_getpass(prompt=""):
        prompts.append(prompt)
        return "shhh"

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    run(shell, LOGIN.format(url=lc.auth_url))
    assert prompts == [f"Password for joe at {lc.auth_url}: "]
    run(shell, "%nova whoami")
    formatted = shell.display_formatter.format(run(shell, "%nova whoami"))[0]
    seen = capsys.readouterr()
    text = seen.out + seen.err + repr(formatted)
    assert "shhh" not in text
    token = shell.magics_manager.registry["NovaMagics"].cloud._http.access().auth_token
    assert token not in text


def test_wrong_password_fails_short_with_status_and_request_id(shell, lc, monkeypatch, capsys):
    monkeypatch.setenv("OS_PASSWORD", "wrong")
    error, seen = fail(shell, LOGIN.format(url=lc.auth_url), capsys)
    assert type(error).__name__ == "Unauthorized"
    first = seen.strip().splitlines()[0]
    assert first.startswith("Unauthorized: ") and "HTTP 401" in first and "req-" in first
    assert "hint: " in seen and "Traceback" not in seen and "wrong" not in seen


def test_no_stdin_for_getpass_says_what_to_do(shell, lc, monkeypatch, capsys):
    def no_stdin(prompt=""):
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", no_stdin)
    error, seen = fail(shell, LOGIN.format(url=lc.auth_url), capsys)
    assert "cannot prompt for a secret here" in seen and "OS_PASSWORD" in seen


def test_login_from_clouds_yaml_and_default_cloud_traitlet(shell, lc, clean_env, monkeypatch):
    clouds = clean_env / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  lab:\n    auth:\n"
        f"      auth_url: {lc.auth_url}\n      username: joe\n      password: shhh\n"
        "      project_name: openstack\n      user_domain_name: Default\n      project_domain_name: Default\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    message = run(shell, "%nova login lab")
    assert "cloud 'lab'" in str(message)
    run(shell, "%config NovaMagics.default_cloud = 'lab'")
    assert "cloud 'lab'" in str(run(shell, "%nova login"))


def test_login_local_starts_a_cloud_in_the_kernel_and_logout_stops_it(shell, nova):
    message = run(shell, "%nova login --local")
    assert "local cloud started in this kernel at http://127.0.0.1:" in str(message)
    local = nova.cloud.config.local_cloud
    assert local.running
    flavors = run(shell, "%nova flavors")
    assert "m1.small" in set(flavors["name"])
    assert "logged out" == str(run(shell, "%nova logout"))
    assert not local.running
    assert str(run(shell, "%nova logout")) == "not logged in"


def test_use_adopts_a_python_cloud_and_logout_leaves_it_open(shell, lc, capsys):
    from novamagic.client import connect

    mine = shell.user_ns["mine"] = connect(local=lc)
    assert "using mine: joe (project openstack)" in str(run(shell, "%nova use mine"))
    assert run(shell, "%nova whoami")["session_tag"] == mine.session_tag  # one session
    run(shell, "%nova logout")
    assert mine.flavors()  # still open for the code that made it
    mine.close()
    error, seen = fail(shell, "%nova use nothing_here", capsys)
    assert "nothing_here is not defined, not a novamagic Cloud" in seen


def test_login_with_nothing_configured_starts_a_local_cloud(shell, nova, capsys):
    message = run(shell, "%nova login")
    assert "credentials from local cloud" in str(message)
    assert "no cloud configured; started a local cloud" in capsys.readouterr().err
    local = nova.cloud.config.local_cloud
    assert local.running and not run(shell, "%nova servers").shape[0]
    run(shell, "%nova logout")
    assert not local.running
