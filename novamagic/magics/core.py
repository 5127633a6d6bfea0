"""``NovaMagics``: the ``%nova`` line magic and the ``%%nova_boot`` cell magic.

A magic is parsing, one call into the client (plus a frame) and display. The subcommands live in
the rooms of :mod:`novamagic.magics.commands`; this class holds the state of one kernel: the
connected cloud, settings, and the completion cache.
"""

from __future__ import annotations

import contextlib
import time
from contextlib import contextmanager

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    cell_magic,
    line_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)

from novamagic.magics import commands  # noqa: F401 - enters the subcommands (rooms load on use)
from novamagic.magics.config import NovaSettings
from novamagic.magics.registry import SUBCOMMANDS

# novamagic.magics.parsing and .rendering are imported where they are used: a magic's first run
# needs them anyway, %load_ext does not (each costs about half a millisecond).

__all__ = ["NovaMagics"]

_HELP_WORDS = ("help", "-h", "--help")


@magics_class
class NovaMagics(Magics, NovaSettings):
    """OpenStack Compute from IPython: ``%nova <subcommand>`` and ``%%nova_boot``."""

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._cloud = None
        self._owned = False  # whether %nova logout / login should close self._cloud
        self._names_cache: dict[tuple, tuple[float, list[str]]] = {}
        self.class_view = None  # the last %nova class view: one refresh timer per kernel
        self._frame_display = False  # the row limit for frames from %nova: installed by call()

    # --- state ---------------------------------------------------------------------------------

    @property
    def cloud(self):
        """The connected ``novamagic.client.Cloud``; a short error when not logged in."""
        if self._cloud is None:
            from novamagic.magics.rendering import NovaMagicError

            raise NovaMagicError(
                "not logged in",
                hint="run %nova login (a clouds.yaml cloud, OS_* variables, or --local)",
            )
        return self._cloud

    @property
    def has_cloud(self) -> bool:
        return self._cloud is not None

    def set_cloud(self, cloud, *, owned: bool = True) -> None:
        """Switch to ``cloud`` (None logs out). A cloud the magics connected (``owned``) is closed
        when replaced, which also stops a local cloud connect() started for it; a Cloud adopted
        from Python (``%nova use``) stays open for the code that made it."""
        if self._cloud is not None and self._cloud is not cloud and self._owned:
            self._cloud.close()
        if self.class_view is not None and self._cloud is not cloud:
            self.class_view.model.stop_auto_refresh()  # it would poll a cloud left behind
        self._cloud, self._owned = cloud, owned
        self._names_cache.clear()

    def store(self, name: str | None, value) -> None:
        if name:
            if not name.isidentifier():
                raise UsageError(f"-o {name!r}: not a valid Python variable name")
            self.shell.user_ns[name] = value

    def forget_names(self) -> None:
        """Drop cached completion names (after anything that creates, renames or deletes)."""
        self._names_cache.clear()

    def wait_for(self, ref, status: str, timeout: float | None):
        """cloud.wait with one progress bar; an interrupt stops the waiting only."""
        timeout = self.timeout if timeout is None else timeout
        with self.following(ref, status) as show:
            return self.cloud.wait(ref, status=status, timeout=timeout, callback=show)

    @contextmanager
    def following(self, ref, status: str, *, label: str | None = None, interrupted=None):
        """One progress bar following ``ref`` until ``status``: yields the callback to give the
        client's waiting call. An interrupt stops the waiting only: it becomes a short error
        with how to resume (``interrupted``: (message, hint) to say instead)."""
        with self.progress_bar(100, label or f"{ref} -> {status}") as bar:

            def show(server):
                if server is None:  # gone: what DELETED waits for
                    bar.set_postfix_str("gone", refresh=False)
                    bar.update(bar.total - bar.n)
                    return
                current, task = server.get("status"), server.get("OS-EXT-STS:task_state")
                bar.set_postfix_str(f"{current} {task or ''}".strip(), refresh=False)
                if current == status and not task:
                    bar.update(bar.total - bar.n)
                elif isinstance(server.get("progress"), int) and current != "ACTIVE":
                    bar.update(max(0, min(99, server["progress"]) - bar.n))
                else:
                    bar.refresh()

            try:
                yield show
            except KeyboardInterrupt:
                from novamagic.magics.rendering import NovaMagicError

                message, hint = interrupted or (
                    f"stopped waiting for {ref} to be {status}; the server was not changed",
                    f"resume with %nova wait {ref}"
                    + (f" --status {status}" if status != "ACTIVE" else ""),
                )
                raise NovaMagicError(message, hint=hint) from None

    @contextmanager
    def progress_bar(self, total: int | None, desc: str, unit: str = "%"):
        """A progress display that suits where it runs (a silent stand-in when
        ``NovaMagics.progress`` is False): a widget bar in a notebook, one line updated in place
        (``\\r``) in a terminal, and one summary line at the end in a log or a pipe, where
        every ``\\r`` update would become a line of its own."""
        if not self.progress:
            yield _NoBar(total)
            return
        where = progress_place(self.shell)
        if where == "log":
            bar = _SummaryBar(total, desc, unit)
        elif where == "notebook":
            from tqdm.notebook import tqdm

            bar = tqdm(total=total, desc=desc, unit=unit, leave=True)
        else:
            from tqdm import tqdm

            bar = tqdm(total=total, desc=desc, unit=unit, leave=True, dynamic_ncols=True)
        try:
            yield bar
        finally:
            bar.close()

    # --- %nova ---------------------------------------------------------------------------------

    # IPython would expand $var into the line before it is split, so a value "x --hard" became
    # an option and "a b" two names; the magics get the raw line and expand each $var/{expr}
    # into its own word (parsing.expand_line), from the caller's namespace.
    @no_var_expand
    @needs_local_scope
    @line_magic
    def nova(self, line: str = "", local_ns=None):
        """OpenStack Compute: ``%nova SUBCOMMAND [options]``; ``%nova help`` lists subcommands,
        ``%nova SUBCOMMAND --help`` explains one. Every subcommand returns its result (a
        DataFrame or a small object) and ``-o NAME`` stores it in a variable too. ``$var`` and
        ``{expr}`` are one argument each, whatever they hold (a list or tuple: one per item).
        ``%nova --explain SUBCOMMAND ...`` also shows the requests it sent as curl (token as
        ``$OS_TOKEN``), with the ``openstack`` command and openstacksdk call that do the same."""
        from novamagic.magics.parsing import expand_line

        namespace = self._namespace(local_ns)
        line = line.strip()
        explain = line == "--explain" or line.startswith("--explain ")
        if explain:  # %nova --explain SUBCOMMAND ...: this one magic, explained
            line = line[len("--explain") :].strip()
        name, _, rest = line.partition(" ")
        command = SUBCOMMANDS.get(name)
        if command is not None and command.verbatim_after is not None:
            words = expand_line(
                rest,
                namespace,
                verbatim_after=command.verbatim_after,
                flags_with_values=command.flags_with_values(),
            )
            return self.run_subcommand(name, words, explain=explain)
        words = expand_line(line, namespace)
        if not words or words[0] in _HELP_WORDS:
            return self.run_subcommand("help", words[1:])
        return self.run_subcommand(words[0], words[1:], explain=explain)

    def run_subcommand(self, name: str, words: list[str], *, explain: bool = False):
        from novamagic.magics.parsing import HelpShown, did_you_mean, refuse_secrets

        command = SUBCOMMANDS.get(name)
        if command is None or command.hidden:
            raise UsageError(
                f"%nova: unknown subcommand {name!r}{did_you_mean(name, [n for n, c in SUBCOMMANDS.items() if not c.hidden])} "
                "(%nova help lists them)"
            )
        refuse_secrets(words, name)
        try:
            args = command.parser().parse_args(words)
        except HelpShown:
            return None
        result = self.call(command.handler, args, output=args.output, explain=explain, name=name)
        if getattr(args, "export", None):
            self.export(result, args.export, name)
        return result

    def export(self, result, path: str, name: str) -> None:
        """``--export FILE``: the listing's frame to FILE; one line says where (or why not)."""
        import pandas as pd

        from novamagic.frames import ExportError, export_frame
        from novamagic.magics.rendering import NovaMagicError, make_short

        if not isinstance(result, pd.DataFrame):
            raise UsageError(f"%nova {name} --export: this answer is not a table to export")
        try:
            written = export_frame(result, path)
        except ExportError as exc:
            error = NovaMagicError(str(exc))
            make_short(error, self.short_errors)
            raise error from None
        print(f"exported {len(result)} rows to {written}")

    def call(self, handler, args, *, output: str | None = None, explain=False, name=None):
        """Run a handler; cloud errors fail the cell with the short lines (or a full traceback).

        Explained (``%nova --explain`` or ``NovaMagics.explain``), the requests it sent are
        recorded by the client and shown, before the result, as curl with the CLI and SDK."""
        from novamagic.client.errors import NovaError
        from novamagic.magics.rendering import NovaMagicError, install_frame_display, make_short

        if not self._frame_display and self.shell is not None:
            # Here rather than at %load_ext: only frames the magics made are limited, and
            # touching the display formatters there would build them before IPython needs them.
            install_frame_display(self.shell, lambda: self.max_rows)
            self._frame_display = True
        recording = contextlib.nullcontext(None)
        if (explain or self.explain) and name not in (None, "help") and self.has_cloud:
            recording = self._cloud.recording()
        try:
            with _notes(), recording as sent:
                result = handler(self, args)
        except (NovaError, NovaMagicError) as exc:
            make_short(exc, self.short_errors)
            raise
        if sent is not None:
            from IPython.display import display

            from novamagic.magics.explain import Explanation

            display(Explanation(name, sent, args))
        self.store(output, result)
        return result

    # --- %%nova_boot ---------------------------------------------------------------------------

    def _namespace(self, local_ns) -> dict:
        """Where $var is looked up: the user's namespace, then the caller's locals."""
        namespace = dict(self.shell.user_ns) if self.shell is not None else {}
        if local_ns is not None and local_ns is not namespace:
            namespace.update(local_ns)
        return namespace

    @no_var_expand
    @needs_local_scope
    @cell_magic
    def nova_boot(self, line: str, cell: str, local_ns=None):
        """Boot servers from a YAML spec in the cell (``%%nova_boot --help`` for the options)::

        %%nova_boot --count 3 --wait -o web
        name: web-{n}
        image: cirros
        flavor: m1.small
        metadata: {role: web}
        files:
          /etc/motd: "Welcome"
          /etc/app.conf: {file: app.conf}
        """
        from novamagic.magics.parsing import HelpShown, expand_line, refuse_secrets

        words = expand_line(line, self._namespace(local_ns))
        refuse_secrets(words, "nova_boot")
        command = SUBCOMMANDS["nova_boot"]
        try:
            args = command.parser().parse_args(words)
        except HelpShown:
            return None
        args.spec_text = cell
        return self.call(command.handler, args, output=args.output, name="nova_boot")

    # --- completion ----------------------------------------------------------------------------

    def cached_names(self, kind: str) -> list[str]:
        """Names of servers, flavors, images, networks, security groups, key pairs, volumes or
        floating IPs (addresses) of the current cloud, cached per cloud."""
        if self._cloud is None:
            return []
        key = (id(self._cloud), kind)
        now = time.monotonic()
        cached = self._names_cache.get(key)
        if cached is not None and now - cached[0] < self.completion_ttl:
            return cached[1]
        cloud = self._cloud
        lister = {
            "server": cloud.servers,
            "flavor": cloud.flavors,
            "image": cloud.images,
            "network": cloud.networks,
            "security_group": cloud.security_groups,
            "keypair": cloud.keypairs,
            "volume": cloud.volumes,
            # a floating IP goes by its address
            "floating_ip": lambda: [
                {"name": f.get("floating_ip_address")} for f in cloud.floating_ips()
            ],
        }
        try:
            names = sorted({str(item.get("name")) for item in lister[kind]() if item.get("name")})
        except Exception:  # completion must never raise into the user's typing
            names = cached[1] if cached else []
        self._names_cache[key] = (now, names)
        return names


@contextmanager
def _notes():
    """The client's NovaWarnings (it carried on without something, e.g. image names) as one
    ``note:`` line each, instead of a warning with a file name and a source line; other
    warnings are shown as they would have been."""
    import warnings

    from novamagic.client.errors import NovaWarning

    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NovaWarning)
            yield
    finally:  # also when the command failed: the note may explain the failure
        for warning in caught:
            if issubclass(warning.category, NovaWarning):
                print(f"note: {warning.message}")
            else:
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def progress_place(shell) -> str:
    """``notebook`` (a Jupyter kernel with ipywidgets), ``terminal`` (stderr is a tty) or ``log``."""
    import sys

    kernel = getattr(shell, "kernel", None) is not None
    if kernel:
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook draws with it)
        except ImportError:
            return "log"
        return "notebook"
    stream = sys.stderr
    return "terminal" if getattr(stream, "isatty", lambda: False)() else "log"


class _SummaryBar:
    """Progress for a log: nothing while it runs, one line when it ends
    (``booting: 3/3 server in 1.2 s (3 ACTIVE)``)."""

    def __init__(self, total, desc: str, unit: str):
        import time

        self.n, self.total, self.desc, self.unit = 0, total or 0, desc, unit
        self._postfix = ""
        self._started = time.monotonic()

    def update(self, n=1):
        self.n += n

    def set_postfix_str(self, text="", *args, **kwargs):
        self._postfix = str(text or "")

    def set_description_str(self, text="", *args, **kwargs):
        self.desc = str(text or self.desc)

    def refresh(self):
        pass

    def close(self):
        import sys
        import time

        elapsed = time.monotonic() - self._started
        done = f"{self.n}/{self.total}" if self.total else str(self.n)
        line = f"{self.desc}: {done} {self.unit} in {elapsed:.1f} s"
        print(line + (f" ({self._postfix})" if self._postfix else ""), file=sys.stderr)


class _NoBar:
    """The silent progress bar used when progress is switched off."""

    def __init__(self, total=None):
        self.n = 0
        self.total = total or 0

    def update(self, n=1):
        self.n += n

    def set_postfix_str(self, *args, **kwargs):
        pass

    def set_description_str(self, *args, **kwargs):
        pass

    def refresh(self):
        pass
