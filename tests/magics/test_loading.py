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


#: What %load_ext must leave unimported: the rooms of subcommands, the client, the frames, the
#: widgets and the local cloud load when a subcommand first runs.
LAZY = (
    "novamagic.magics.commands.",
    "novamagic.client",
    "novamagic.frames",
    "novamagic.widgets",
    "novamagic.localcloud",
)


def _fresh_shell(after_load: str) -> dict:
    """In a fresh interpreter: make a shell, %load_ext novamagic, run ``after_load`` (lines of
    Python with ``shell``), then report which heavy and which lazy modules were imported."""
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'novamagic')\n"
        "assert 'nova' in shell.magics_manager.magics['line']\n"
        "assert 'nova_boot' in shell.magics_manager.magics['cell']\n"
        f"{after_load}\n"
        "print(json.dumps({\n"
        f"    'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules),\n"
        f"    'lazy': sorted(m for m in sys.modules if m.startswith({LAZY!r})),\n"
        "}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_load_ext_imports_nothing_heavy_in_a_fresh_process(clean_env):
    loaded = _fresh_shell("")
    assert loaded == {"heavy": [], "lazy": []}


def test_completing_a_subcommand_name_imports_no_room(clean_env):
    loaded = _fresh_shell(
        "from IPython.core.completer import provisionalcompleter\n"
        "with provisionalcompleter():\n"
        "    found = [c.text for c in shell.Completer.completions('%nova se', 8)]\n"
        "assert 'servers' in found and 'security-groups' in found, found"
    )
    assert loaded == {"heavy": [], "lazy": []}


def test_a_subcommand_imports_its_own_room_when_it_first_runs(clean_env):
    loaded = _fresh_shell("shell.run_line_magic('nova', 'servers --help')")
    assert loaded["lazy"] == [
        "novamagic.magics.commands.common",
        "novamagic.magics.commands.listings",
    ]
    assert loaded["heavy"] == []


def test_the_index_of_rooms_is_what_the_rooms_declare():
    """commands.ROOMS (read at %load_ext, so that no room is imported) must name what each
    room's @subcommands declare, in their order: that order is %nova help's."""
    from novamagic.magics.commands import EXPORTABLE, HIDDEN, ROOMS, import_all_rooms

    import_all_rooms()
    prefix = "novamagic.magics.commands."
    declared = [
        (c.handler.__module__.removeprefix(prefix), name)
        for name, c in SUBCOMMANDS.items()
        if c.handler.__module__.startswith(prefix)
    ]
    assert declared == [(room, name) for room, names in ROOMS.items() for name in names]
    assert not any(c.is_pending for c in SUBCOMMANDS.values())
    assert sorted(n for n, c in SUBCOMMANDS.items() if c.hidden) == sorted(HIDDEN)
    assert sorted(n for n, c in SUBCOMMANDS.items() if c.exportable) == sorted(EXPORTABLE)


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
