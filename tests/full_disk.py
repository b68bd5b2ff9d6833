"""A full disk for tests: every SQLite statement that would write raises as SQLite does when
the disk is full ("database or disk is full"); reads go through. Connections opened after
`simulate` are affected (a Store opened before keeps its own)."""
import sqlite3

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
