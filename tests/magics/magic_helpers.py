"""Helpers for driving cells through the InteractiveShell (imported by the magics tests)."""

from __future__ import annotations

IMAGE = "cirros-0.6.2-x86_64-disk"


def run(shell, code: str):
    """Run a cell that must succeed; return its result."""
    result = shell.run_cell(code)
    assert result.error_before_exec is None, result.error_before_exec
    assert result.error_in_exec is None, repr(result.error_in_exec)
    return result.result


def fail(shell, code: str, capsys) -> tuple[BaseException, str]:
    """Run a cell that must fail; return the exception and what the user saw."""
    capsys.readouterr()
    result = shell.run_cell(code)
    error = result.error_in_exec or result.error_before_exec
    assert error is not None, f"expected {code!r} to fail"
    seen = capsys.readouterr()
    return error, seen.out + seen.err


def boot(shell, names_spec: str = "web-{n}", count: int = 1, extra: str = "") -> object:
    return run(
        shell,
        f"%%nova_boot --count {count} --wait {extra}\n"
        f"name: {names_spec}\nimage: {IMAGE}\nflavor: m1.small\n",
    )


def complete(shell, line: str) -> list[str]:
    """What Jupyter offers at the end of ``line``: the completions API ipykernel calls."""
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():
        return [c.text for c in shell.Completer.completions(line, len(line))]
