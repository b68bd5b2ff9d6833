"""The store's write lock, fair between processes: writers enter in the order they asked.

A plain flock polled by every waiter goes to whoever polls first after a release, so one
append could wait tens of seconds behind a stream of later ones (16, 58
and 46 s). Here each writer takes a ticket and waits only for the writer just before it
(a CLH queue on files, `lockq/` in the store):

1. Under `lockq/tail.lock` (held for microseconds) read the last ticket t from `lockq/tail`,
   write t + 1, and flock our own node file `lockq/<t+1>` before letting go of the guard.
2. Wait until the node of ticket t can be flocked: its writer left the lock (or died: the
   kernel drops a dead process's flocks, so nothing waits on a crashed writer). Remove it.
3. Take `write.lock` itself. It is free at once in the normal order; it only matters when a
   waiter died in the middle of the queue (its node freed early), so mutual exclusion never
   rests on the queue alone.

Release: `write.lock`, then our node (the next writer goes). Nodes are files of 0 bytes.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import diskcache

POLL_MAX_S = 0.002  # a waiter checks its predecessor at least this often


class FairLock:
    """A FIFO inter-process lock in `directory` (one per process; callers serialise threads)."""

    def __init__(self, directory: Path, timeout: float) -> None:
        self.dir = Path(directory)
        self.timeout = timeout
        self._pid: int | None = None
        self._fds: dict[str, int] = {}
        self._node: int | None = None  # fd of our own node while we hold or wait

    def _fd(self, name: str) -> int:
        if self._pid != os.getpid():  # a forked child must not share its parent's locks
            self._fds, self._pid = {}, os.getpid()
        if name not in self._fds:
            path = self.dir / name
            if name.startswith("lockq/"):
                path.parent.mkdir(mode=0o700, exist_ok=True)
            self._fds[name] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fds[name]

    def acquire(self) -> None:
        """Wait for our turn, then hold the lock. Raises diskcache.Timeout after `timeout` s."""
        deadline = time.monotonic() + self.timeout
        guard = self._fd("lockq/tail.lock")
        self._flock(guard, deadline)  # held for microseconds (polled: a stopped holder times out)
        try:
            tail = self._fd("lockq/tail")
            raw = os.pread(tail, 32, 0)
            ticket = (int(raw) if raw.strip().isdigit() else 0) + 1
            node = os.open(self.dir / "lockq" / str(ticket), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(node, fcntl.LOCK_EX)
            data = str(ticket).encode()
            os.pwrite(tail, data.ljust(20), 0)
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
        self._node = node
        try:
            self._wait_for(self.dir / "lockq" / str(ticket - 1), deadline)
            self._wait_for(self.dir / "write.lock", deadline, keep=True)
        except BaseException:
            self._leave_queue()
            raise

    def _wait_for(self, path: Path, deadline: float, keep: bool = False) -> None:
        """Flock `path` (polling, so the deadline holds); keep it (write.lock) or drop and
        remove it (a predecessor's node)."""
        if keep:
            fd = self._fd("write.lock")
        else:
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:  # the first ticket, or a node its successor removed
                return
        try:
            self._flock(fd, deadline)
        finally:
            if not keep:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                os.close(fd)  # closing drops the flock too

    def _flock(self, fd: int, deadline: float) -> None:
        wait = 0.00005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise diskcache.Timeout(f"the run store at {self.dir} stayed locked {self.timeout:.0f} s")
                time.sleep(wait)
                wait = min(wait * 2, POLL_MAX_S)

    def release(self) -> None:
        """Let go of `write.lock`, then of our node: the next ticket's writer goes."""
        fcntl.flock(self._fd("write.lock"), fcntl.LOCK_UN)
        self._leave_queue()

    def close(self) -> None:
        """Close the lock's files (not while held)."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}

    def _leave_queue(self) -> None:
        if self._node is not None:
            os.close(self._node)
            self._node = None
