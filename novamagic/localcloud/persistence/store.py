"""The state file: one SQLite database (stdlib ``sqlite3``) that holds a whole local cloud.

Why this shape:

* **Rows per attribute of** :class:`CloudState` (``servers``, ``tokens``, ``_rng`` ...), each the
  JSON of :mod:`.codec`; a save encodes them all, compares them with what the file holds and
  rewrites only the rows that changed, in one transaction. Encoding everything is what makes a
  save need no bookkeeping in the model (no resource has to say it changed); writing only what
  changed keeps the disk work to the few rows a request touched.
* **Committed before the answer leaves**: ``journal_mode=WAL`` with ``synchronous=FULL``, so a
  commit that returned has reached the disk and survives a SIGKILL (or a power cut); a save cut
  short is rolled back as a whole, and the file holds the last change that was answered.
* **The clock's reading, not the clock**: a row ``clock`` with its kind and time (and, for a
  :class:`ScaledClock`, its speed and the wall time of the reading), so a restarted cloud goes on
  from where it was: a scaled clock adds the wall time it was down times its speed, a manual one
  resumes at its saved time. Lifecycles are settled from the clock on every read, so a server
  that was building when the process died is ACTIVE as soon as its build's end has passed.
* **Refused, never touched**: a file that is not ours (not SQLite, another program's SQLite by
  ``PRAGMA application_id``, no ``meta`` table with our format version, damaged, or from a newer
  format) is only ever read, through a read-only connection after its header was checked, and
  the cloud does not start. A new file is written whole under a temporary name (mode 0600: it
  holds passwords and tokens, as Keystone's database does) and linked into place, so a crash
  while creating it never leaves a half-made state file behind. ``flock`` keeps a second cloud
  off a file one is using.
* **Not pickle**: loading a state file runs no code (see :mod:`.codec`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from novamagic.localcloud.clock import Clock, ManualClock, ScaledClock
from novamagic.localcloud.model.state import CloudState
from novamagic.localcloud.persistence.codec import CodecError, decode_rows, encode_rows

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the rest works
    fcntl = None

__all__ = ["APPLICATION_ID", "FORMAT_VERSION", "StateFile", "StateFileError", "StateSaveError"]

#: ``PRAGMA application_id`` of a state file: "nmlc" (novamagic local cloud).
APPLICATION_ID = int.from_bytes(b"nmlc", "big")
#: Bumped whenever what a state file holds changes in a way this code could not read back.
FORMAT_VERSION = 1
#: What a CloudState holds only while it runs.
#: _rendered: model/rendered.py; _project_index: ServerBackend._by_project.
RUNTIME_ONLY = frozenset({"lock", "clock", "_rendered", "_project_index"})
SQLITE_MAGIC = b"SQLite format 3\x00"


class StateFileError(ValueError):
    """A state file that cannot be used: one line saying why, and that it was left alone."""


class StateSaveError(Exception):
    """A change could not be written (a full disk, a file taken away)."""


def _refuse(path: Path, why: str) -> StateFileError:
    return StateFileError(f"state file {path} {why}; it was left as it is")


def clock_reading(clock: Clock) -> dict:
    if type(clock) is ManualClock:
        return {
            "type": "ManualClock",
            "now": clock.now(),
            "step_per_request": clock.step_per_request,
        }
    if type(clock) is ScaledClock:
        return {
            "type": "ScaledClock",
            "now": clock.now(),
            "speed": clock.speed,
            "wall": time.time(),
        }
    raise StateFileError(
        f"a state file keeps a ManualClock or a ScaledClock, not a {type(clock).__name__}"
    )


def _clock_key(reading: dict) -> str:
    """What must be saved of a reading: a manual clock's time; a scaled clock's speed and its
    offset from the wall clock (which only a tick or a new speed moves)."""
    if reading["type"] == "ScaledClock":
        offset = reading["now"] - reading["wall"] * reading["speed"]
        return json.dumps(["ScaledClock", reading["speed"], round(offset, 2)])
    return json.dumps(reading)


def resume_clock(reading: dict) -> Clock:
    if reading.get("type") == "ManualClock":
        return ManualClock(start=reading["now"], step_per_request=reading["step_per_request"])
    if reading.get("type") == "ScaledClock":
        down = max(0.0, time.time() - reading["wall"])  # a wall clock set back never rewinds
        return ScaledClock(speed=reading["speed"], start=reading["now"] + down * reading["speed"])
    raise CodecError(f"an unknown clock {reading.get('type')!r}")


def origin_of(state_options: dict) -> dict:
    """What made a cloud, as a state file records it: the options, with the users file's
    content as a digest (passwords are not written twice)."""
    origin = dict(state_options)
    users = origin.pop("users", None)
    canonical = json.dumps(users, sort_keys=True, default=str)
    origin["users"] = None if users is None else hashlib.sha256(canonical.encode()).hexdigest()
    return json.loads(json.dumps(origin, sort_keys=True, default=str))


def _attributes(state: CloudState) -> dict:
    return {k: v for k, v in vars(state).items() if k not in RUNTIME_ONLY}


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if read_only:
        uri = Path(path).absolute().as_uri() + "?mode=ro"
        if not os.path.exists(f"{path}-wal"):
            # Stopped cleanly (or not ours): the file alone holds everything, and SQLite need
            # not make its -wal and -shm beside it to read it.
            uri += "&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    return conn


class StateFile:
    """An open state file. Build one with :meth:`open` (an existing file, checked and read) or
    :meth:`create` (a new one holding ``state``); :meth:`save` after every change."""

    def __init__(self, path: Path, lock_fd: int, stored: dict[str, tuple[int, str]]):
        self.path = path
        self._lock_fd = lock_fd
        self._saved = stored  # name -> (position, JSON) as the file holds them
        self._clock_key = None
        self._conn: sqlite3.Connection | None = None
        self._turn = threading.Condition()  # who takes the next picture, and who waits
        self._saving = False
        self._begun = self._written = 0  # pictures of the state begun, and the last on disk
        self.meta: dict = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path) -> StateFile | None:
        """The state file at ``path``, checked and read (nothing written), or None if there is
        no file there yet."""
        path = Path(path)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"cannot read state file {path}: {exc.strerror}") from None
        try:
            if os.path.isdir(path):
                raise StateFileError(f"state file {path} is a directory")
            _lock(fd, path)
            header = os.pread(fd, 100, 0)
            _check_header(path, header)
            self = cls(path, fd, {})
            self.meta, self._saved = _read(path)
        except BaseException:
            os.close(fd)
            raise
        return self  # written to only once restore() has read it all

    @classmethod
    def create(cls, path, state: CloudState, origin: dict) -> StateFile:
        """A new state file at ``path`` holding ``state``: written whole under a temporary
        name, then linked into place (refused if a file appeared there meanwhile)."""
        path = Path(path)
        clock = clock_reading(state.clock)  # refuses a clock it could not resume first
        temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
        try:
            fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise StateFileError(f"cannot create state file {path}: {exc.strerror}") from None
        os.close(fd)
        try:
            conn = _connect(temporary, read_only=False)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA synchronous = FULL")
                conn.executescript(
                    """
                    BEGIN;
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE state (name TEXT PRIMARY KEY, position INTEGER NOT NULL,
                                        json TEXT NOT NULL);
                    COMMIT;
                    """
                )
                meta = {
                    "format_version": FORMAT_VERSION,
                    "created": time.time(),
                    "origin": origin,
                }
                with state.lock:
                    rows = encode_rows(_attributes(state))
                    rows["clock"] = json.dumps(clock)
                conn.execute("BEGIN")
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
                )
                conn.executemany(
                    "INSERT INTO state VALUES (?, ?, ?)",
                    [(name, n, text) for n, (name, text) in enumerate(rows.items())],
                )
                conn.execute("COMMIT")
                conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise StateFileError(
                    f"state file {path} appeared while it was being created"
                ) from None
            except OSError as exc:
                raise StateFileError(f"cannot create state file {path}: {exc.strerror}") from None
            _sync_directory(path)
        finally:
            temporary.unlink(missing_ok=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            _lock(fd, path)
        except BaseException:
            os.close(fd)
            raise
        self = cls(path, fd, {n: (i, t) for i, (n, t) in enumerate(rows.items())})
        self.meta = meta
        self._clock_key = _clock_key(clock)
        self._open_for_writing()
        return self

    def _open_for_writing(self) -> None:
        try:
            conn = _connect(self.path, read_only=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise StateFileError(f"cannot write state file {self.path}: {exc}") from None
        self._conn = conn

    # ------------------------------------------------------------------ reading back
    def restore(self) -> CloudState:
        """The cloud the file holds, with its clock resumed. Raises StateFileError if the rows
        are not what this novamagic writes."""
        rows = {name: text for name, (_, text) in sorted(self._saved.items(), key=_position)}
        try:
            reading = json.loads(rows.pop("clock"))
            clock = resume_clock(reading)
            attributes = decode_rows(rows)
        except (KeyError, ValueError, TypeError) as exc:
            raise _refuse(self.path, f"holds what this novamagic cannot read ({exc})") from None
        # One a fresh cloud holds that the file lacks cannot be made up (an id stream's place,
        # a counter). One the file holds beyond them was set later by the model: it comes back.
        missing = _expected_attributes() - set(attributes)
        if missing:
            raise _refuse(
                self.path,
                f"was written by another version of novamagic (it lacks {', '.join(sorted(missing))})",
            )
        state = CloudState.__new__(CloudState)
        for name, value in attributes.items():
            setattr(state, name, value)
        state.lock = threading.RLock()
        state.clock = clock
        self._clock_key = _clock_key(reading)
        self._open_for_writing()
        return state

    def differences(self, origin: dict) -> list[str]:
        """The options of ``origin`` that differ from those the file's cloud was made with."""
        made_with = self.meta.get("origin") or {}
        return sorted(k for k in set(made_with) | set(origin) if made_with.get(k) != origin.get(k))

    # ------------------------------------------------------------------ saving
    def save(self, state: CloudState) -> bool:
        """Write what changed in ``state``, in one transaction, before returning; True if this
        call wrote. Never call it holding the state's lock. Raises :class:`StateSaveError`
        when the disk refuses (the next save tries again).

        Saves are committed in groups: a picture of the state taken after this call began
        holds this call's change, so while one save writes, the calls that arrive wait for the
        next picture, which one of them takes for all (a class booting at once costs a few
        pictures, not one per boot)."""
        with self._turn:
            wanted = self._begun + 1  # the picture under way may predate this call's change
            while self._written < wanted:
                if not self._saving:
                    self._saving = True
                    break
                self._turn.wait()
            else:
                return False  # another call's picture held this change and is on disk
        try:
            with state.lock:
                with self._turn:
                    self._begun += 1
                    picture = self._begun
                try:
                    rows = encode_rows(_attributes(state))
                except CodecError as exc:  # a model object this module was not taught
                    raise StateSaveError(f"cannot save the state to {self.path}: {exc}") from None
                reading = clock_reading(state.clock)
            # The state is let go before the commit: reads carry on while the disk works.
            wrote = self._write_changes(rows, reading)
            with self._turn:
                self._written = picture
            return wrote
        finally:
            with self._turn:
                self._saving = False
                self._turn.notify_all()

    def _write_changes(self, rows: dict[str, str], reading: dict) -> bool:
        changed = [
            (name, n, text)
            for n, (name, text) in enumerate(rows.items())
            if self._saved.get(name) != (n, text)
        ]
        clock_key = _clock_key(reading)
        if not changed and clock_key == self._clock_key:
            return False
        changed.append(("clock", len(rows), json.dumps(reading)))
        gone = set(self._saved) - set(rows) - {"clock"}
        self._write(changed, gone)
        for name, n, text in changed:
            self._saved[name] = (n, text)
        for name in gone:
            del self._saved[name]
        self._clock_key = clock_key
        return True

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def _write(self, changed: list, gone: set) -> None:
        if self._conn is None:
            raise StateSaveError(f"state file {self.path} is closed")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT INTO state VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE "
                    "SET position = excluded.position, json = excluded.json",
                    changed,
                )
                self._conn.executemany("DELETE FROM state WHERE name = ?", [(n,) for n in gone])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StateSaveError(f"cannot write state file {self.path}: {exc}") from None

    def close(self) -> None:
        """Checkpoint the log into the file and let go of it (another cloud may open it)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass  # the log stays beside the file; the next open reads it
            conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def reopen(self, state: CloudState) -> None:
        """After :meth:`close`: take the file again and write the whole of ``state``."""
        if self._conn is not None:
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            _lock(fd, self.path)
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd = fd
        self._open_for_writing()
        self._saved = {}
        self.save(state)


def _position(item) -> int:
    return item[1][0]


def _lock(fd: int, path: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise StateFileError(f"state file {path} is in use by another local cloud") from None


def _check_header(path: Path, header: bytes) -> None:
    if not header:
        raise _refuse(path, "is empty, not a novamagic state file (give a new path to start one)")
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        raise _refuse(path, "is not a novamagic state file (not an SQLite database)")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id != APPLICATION_ID:
        raise _refuse(
            path,
            f"is another program's SQLite database (application_id {application_id:#x}), "
            "not a novamagic state file",
        )


def _read(path: Path) -> tuple[dict, dict]:
    """The meta and state rows, through a read-only connection (a damaged file stays as it is)."""
    try:
        conn = _connect(path, read_only=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _refuse(path, f"is damaged ({check})")
            meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
            version = meta.get("format_version")
            if not isinstance(version, int):
                raise _refuse(path, "is damaged (no format version)")
            if version > FORMAT_VERSION:
                raise _refuse(
                    path,
                    f"was written by a newer novamagic (format {version}; this one reads format "
                    f"{FORMAT_VERSION} at most)",
                )
            rows = {
                name: (position, text)
                for name, position, text in conn.execute("SELECT name, position, json FROM state")
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _refuse(path, f"is damaged ({exc})") from None
    except ValueError as exc:  # JSON in meta
        if isinstance(exc, StateFileError):
            raise
        raise _refuse(path, "is damaged (its meta table is not JSON)") from None
    if "clock" not in rows:
        raise _refuse(path, "is damaged (no clock reading)")
    return meta, rows


def _sync_directory(path: Path) -> None:
    """A new file's name survives a crash only once its directory reached the disk."""
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_EXPECTED: set[str] = set()


def _expected_attributes() -> set[str]:
    """What a CloudState holds, read from a small one (made once)."""
    if not _EXPECTED:
        _EXPECTED.update(set(vars(CloudState(users=[], seed=0))) - RUNTIME_ONLY)
    return _EXPECTED
