"""A full disk for tests: every SQLite statement that would write raises as SQLite does when
the disk is full ("database or disk is full"); reads go through. Connections opened after
`simulate` are affected (a Store opened before keeps its own)."""
import contextlib
import sqlite3
import subprocess

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "VACUUM")


class FullDiskConnection(sqlite3.Connection):
    """A connection on a full disk: writing statements raise sqlite3.OperationalError."""

    def execute(self, sql, *args, **kwargs):
        """Connection.execute, refusing any statement that writes."""
        if sql.lstrip().upper().startswith(WRITES):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args, **kwargs)


def simulate(monkeypatch) -> None:
    """Make every SQLite connection opened from now on behave as on a full disk."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        kwargs.setdefault("factory", FullDiskConnection)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def simulate_while(monkeypatch, full) -> None:
    """As `simulate`, but only while `full()` is true (e.g. until the store's reserve file is
    freed, as deleting a file makes room on a real full disk)."""
    real = sqlite3.connect

    class Connection(sqlite3.Connection):
        def execute(self, sql, *args, **kwargs):
            if full() and sql.lstrip().upper().startswith(WRITES):
                raise sqlite3.OperationalError("database or disk is full")
            return super().execute(sql, *args, **kwargs)

    def connect(*args, **kwargs):
        kwargs.setdefault("factory", Connection)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


@contextlib.contextmanager
def tmpfs(path, size: str = "16m"):
    """A real small file system at `path` (a tmpfs mount; needs root): yields it, or skips
    the test where mounting is not permitted. Unmounted lazily after (workers may linger)."""
    import pytest

    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(path) -> None:
    """Fill the file system holding `path` (a file `filler` there, until no space is left)."""
    subprocess.run(["dd", "if=/dev/zero", f"of={path / 'filler'}", "bs=64k"], capture_output=True)


def simulate_read_only(monkeypatch) -> None:
    """A read-only store for tests (root writes anywhere, so permissions cannot make one):
    the store's directory reads as not writable, and every SQLite write of a connection
    opened from now on fails as SQLite's does on a read-only file."""
    from labcore.runs import disk, store

    real = sqlite3.connect

    class Connection(sqlite3.Connection):
        def execute(self, sql, *args, **kwargs):
            if sql.lstrip().upper().startswith(WRITES):
                raise sqlite3.OperationalError("attempt to write a readonly database")
            return super().execute(sql, *args, **kwargs)

    def connect(*args, **kwargs):
        kwargs.setdefault("factory", Connection)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(disk, "dir_read_only", lambda directory: True)
    monkeypatch.setattr(store, "dir_read_only", lambda directory: True)


@contextlib.contextmanager
def read_only_mount(path):
    """`path` (a directory to fill first, inside the block) on a tmpfs that is remounted
    read-only when the block's first `yield`ed callable is called; skips where mounting is not
    permitted."""
    with tmpfs(path) as disk:
        def remount():
            done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
            if done.returncode != 0:
                import pytest

                pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        yield remount
