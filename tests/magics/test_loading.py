"""%load_ext novamagic is cheap, registers everything, and unloads cleanly."""

import json
import subprocess
import sys

from magic_helpers import complete, fail, run

from novamagic.magics.registry import SUBCOMMANDS

HEAVY = (
    "pandas",
    "keystoneauth1",
    "ipywidgets",
    "openstack",
    "requests",
    "yaml",
    "tqdm",
    "matplotlib",
)


def test_load_ext_imports_nothing_heavy_in_a_fresh_process(clean_env):
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "before = set(sys.modules)\n"
        "shell.run_line_magic('load_ext', 'novamagic')\n"
        "assert 'nova' in shell.magics_manager.magics['line']\n"
        "assert 'nova_boot' in shell.magics_manager.magics['cell']\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_help_lists_every_subcommand_and_each_has_help(shell, capsys):
    run(shell, "%nova help")
    listing = capsys.readouterr().out
    visible = [name for name, command in SUBCOMMANDS.items() if not command.hidden]
    assert len(visible) >= 31
    for name in visible:
        assert f"  {name} " in listing
        run(shell, f"%nova {name} --help")
        assert capsys.readouterr().out.startswith(f"usage: %nova {name}")
    run(shell, "%nova")  # no subcommand: the same listing
    assert "  servers " in capsys.readouterr().out
    run(shell, "%%nova_boot --help\nname: x\n")
    assert capsys.readouterr().out.startswith("usage: %%nova_boot")
    run(shell, "%nova help nova_boot")
    assert capsys.readouterr().out.startswith("usage: %%nova_boot")


def test_unknown_subcommand_fails_the_cell_with_a_suggestion(shell, capsys):
    error, seen = fail(shell, "%nova serverz", capsys)
    assert type(error).__name__ == "UsageError"
    assert "did you mean servers?" in seen and len(seen.strip().splitlines()) == 1
    error, seen = fail(shell, "%nova servers --bogus", capsys)
    assert "unrecognized arguments: --bogus" in seen and "%nova servers --help" in seen


def test_not_logged_in_is_a_short_failure(shell, capsys):
    error, seen = fail(shell, "%nova servers", capsys)
    assert seen.splitlines()[0] == "NovaMagicError: not logged in"
    assert "%nova login" in seen and "Traceback" not in seen


def test_unload_removes_the_magics(shell):
    shell.extension_manager.unload_extension("novamagic")
    assert "nova" not in shell.magics_manager.magics["line"]
    assert not any(
        getattr(m, "__name__", "") == "novamagic_matcher" for m in shell.Completer.custom_matchers
    )
    assert "servers" not in complete(shell, "%nova se")
    shell.extension_manager.load_extension("novamagic")  # the fixture unloads again
    assert "nova" in shell.magics_manager.magics["line"]


def test_a_new_subcommand_is_one_decorated_function(shell, capsys):
    from novamagic.magics.registry import arg, subcommand

    @subcommand("echo-test", "say a word back", arg("word"), completes={"word": "server"})
    def echo(nova, args):
        return args.word.upper()

    try:
        assert (
            run(shell, "%nova echo-test hello -o said") == "HELLO"
            and shell.user_ns["said"] == "HELLO"
        )
        run(shell, "%nova help")
        line = next(x for x in capsys.readouterr().out.splitlines() if "echo-test" in x)
        assert line.split() == ["echo-test", "say", "a", "word", "back"]
        assert complete(shell, "%nova echo") == ["echo-test"]
    finally:
        SUBCOMMANDS.pop("echo-test")
