"""Short errors that still fail the cell, configuration (traitlets, pyproject.toml), completion."""

from pathlib import Path

import pytest
from magic_helpers import IMAGE, boot, complete, fail, run


def test_cloud_errors_are_one_line_with_status_and_request_id(shell, cloud, capsys):
    error, seen = fail(
        shell, "%nova raw DELETE /servers/00000000-0000-0000-0000-000000000000", capsys
    )
    lines = seen.strip().splitlines()
    assert lines[0].startswith("NotFound: ") and "HTTP 404" in lines[0]
    assert error.request_id and error.request_id in lines[0]
    assert "Traceback" not in seen and len(lines) <= 2


def test_full_tracebacks_come_back_when_short_errors_is_off(shell, cloud, capsys):
    run(shell, "%config NovaMagics.short_errors = False")
    error, seen = fail(shell, "%nova show nobody", capsys)
    assert "Traceback" in seen and "NotFound" in seen
    run(shell, "%config NovaMagics.short_errors = True")
    error, seen = fail(shell, "%nova show nobody", capsys)
    assert "Traceback" not in seen


def test_errors_keep_their_class_for_python_code(shell, cloud):
    from novamagic.client import NotFound

    shell.user_ns["NotFound"] = NotFound
    run(shell, "try:\n    %nova show nobody\nexcept NotFound as e:\n    caught = e\n")
    assert isinstance(shell.user_ns["caught"], NotFound)
    run(
        shell,
        "try:\n    get_ipython().run_line_magic('nova', 'show nobody')\nexcept NotFound:\n    caught = True",
    )
    assert shell.user_ns["caught"] is True


def test_traitlets_are_configurable_with_config_magic(shell, nova, cloud):
    run(shell, "%config NovaMagics.timeout = 120")
    run(shell, "%config NovaMagics.progress = False")
    assert nova.timeout == 120 and nova.progress is False
    boot(shell)
    run(shell, "%nova reboot web-1")
    run(shell, "%config NovaMagics.timeout = 1")
    error = shell.run_cell("%nova wait web-1").error_in_exec
    assert type(error).__name__ == "WaitTimeout" and "after 1 s" in str(error)


def test_pyproject_settings_apply_unless_configured(clean_env):
    from IPython.core.interactiveshell import InteractiveShell

    (clean_env / "pyproject.toml").write_text("[tool.novamagic]\ntimeout = 42\nmax_rows = 7\n")
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("novamagic")
    try:
        nova = shell.magics_manager.registry["NovaMagics"]
        assert (nova.timeout, nova.max_rows, nova.short_errors) == (42.0, 7, True)
    finally:
        shell.extension_manager.unload_extension("novamagic")


def test_pyproject_unknown_setting_fails_loading_with_a_suggestion(clean_env, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    (clean_env / "pyproject.toml").write_text("[tool.novamagic]\ntimout = 42\n")
    shell = InteractiveShell.instance()
    result = shell.run_cell("%load_ext novamagic")
    assert result.error_in_exec is not None
    seen = capsys.readouterr()
    assert (
        "unknown setting 'timout'" in seen.out + seen.err
        and "did you mean timeout?" in seen.out + seen.err
    )
    assert "nova" not in shell.magics_manager.magics["line"]


def test_completion_of_subcommands_options_choices(shell):
    assert complete(shell, "%nova se") == ["security-groups", "servers"]
    assert complete(shell, "%nova ser") == ["servers"]
    assert complete(shell, "%nova rev") == ["revert-resize"]
    assert "--hard" in complete(shell, "%nova reboot --h")
    # Jupyter lists candidates sorted; exactly these six, and no Python keywords among them.
    assert complete(shell, "%nova meta ") == sorted(
        ["list", "get", "set", "set-item", "update", "delete"]
    )
    assert complete(shell, "%nova local ti") == ["tick"]
    assert "--dry-run" in complete(shell, "%%nova_boot --d")


def test_completion_of_names_is_cached_per_cloud(shell, nova, cloud):
    boot(shell, count=2)
    assert complete(shell, "%nova show we") == ["web-1", "web-2"]
    requests = len(cloud.history)
    assert complete(shell, "%nova reboot web-1 we") == ["web-1", "web-2"]  # nargs="+"
    assert len(cloud.history) == requests  # served from the cache
    assert complete(shell, "%nova resize web-1 m1.") == [
        "m1.large",
        "m1.medium",
        "m1.small",
        "m1.tiny",
        "m1.xlarge",
    ]
    assert complete(shell, "%nova servers --image cir") == [IMAGE]
    run(shell, "%nova rename web-2 db-2")  # renames forget the cache
    assert complete(shell, "%nova show ") == ["db-2", "web-1"]


@pytest.mark.parametrize("line", ["%nova show x", "%nova servers --bogus "])
def test_completion_without_a_cloud_offers_nothing_and_never_raises(shell, line):
    assert complete(shell, line) == [] or all(isinstance(c, str) for c in complete(shell, line))


PYPROJECTS_WITH_SETTINGS = [
    "[tool.novamagic]\ntimeout = 42\n",
    '[project]\nname = "novamagic"\n\n[ tool . "novamagic" ]\ntimeout = 42\n',
    "[tool.novamagic.extra]\nx = 1\n",
    "[tool]\nnovamagic = { timeout = 42 }\n",
    "[tool]\nnovamagic.timeout = 42\n",
    "[tool]\n'novamagic'.timeout = 42\n",
    'tool.novamagic.timeout = 42\n[project]\nname = "x"\n',
    "tool = { novamagic = { timeout = 42 } }\n",
    "[tool]\nx = [\n  [1]\n]\nnovamagic = { timeout = 42 }\n",
    '[tool]\nx = """\n[other]\n"""\nnovamagic = { timeout = 42 }\n',
    '[tool."nova\\u006dagic"]\ntimeout = 42\n[project]\nname = "novamagic"\n',
    '[project]\nname = "novamagic"\n[tool] # a comment with a ]\nnovamagic = {timeout = 42}\n',
]
PYPROJECTS_WITHOUT = [
    '[project]\nname = "other"\n',
    '[project]\nname = "novamagic"\ndependencies = [\n  "pandas",\n]\n'
    '[project.scripts]\nnovamagic = "novamagic.cli:main"\n'
    '[tool.setuptools.packages.find]\ninclude = ["novamagic*"]\n'
    "# reads [tool.novamagic] in pyproject.toml\n[tool.ruff]\nline-length = 100\n",
    '[tool]\nruff = { src = ["novamagic"] }\n',
    '[project]\nkeywords = [\n  "novamagic = nice",\n  ["tool.novamagic"],\n]\n',
]


def test_pyproject_without_novamagic_settings_is_not_parsed():
    """The parser runs only where [tool.novamagic] may be: never a False where there is one."""
    import tomllib

    from novamagic.magics.config import may_configure_novamagic

    for text in PYPROJECTS_WITH_SETTINGS:
        assert "novamagic" in tomllib.loads(text)["tool"], text
        assert may_configure_novamagic(text), text
    for text in PYPROJECTS_WITHOUT:
        assert "novamagic" not in tomllib.loads(text).get("tool", {}), text
        assert not may_configure_novamagic(text), text
    repo = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert not may_configure_novamagic(repo.read_text())  # novamagic's own: no parser needed
