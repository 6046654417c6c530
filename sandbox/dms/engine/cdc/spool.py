"""A disk-backed queue of captured transactions between capture and apply (bounded memory).

One SQLite file per task (WAL mode), with one connection for capture and one for apply. Capture writes a
source transaction as chunks of changes inside one spool transaction (`begin`, `add`..., `commit`); the
commit stores the transaction's source position as the capture position, so the spool always holds whole
transactions and knows where to resume reading the source. Apply reads chunks in order (only committed ones
are visible to its connection) and deletes what it has applied, storing the applied checkpoint.
`pending_bytes` (the spooled payloads) is what the replication instance's FreeStorageSpace loses.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass

from .model import Change, decode, encode

SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: apply reads "after seq"
  txn INTEGER NOT NULL,
  final INTEGER NOT NULL,
  position TEXT,
  commit_time REAL NOT NULL,
  captured REAL NOT NULL,
  n INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class SpooledChunk:
    seq: int
    txn: int
    final: bool
    position: str | None
    commit_time: float
    changes: list[Change]
    size: int


def _connect(path: str) -> sqlite3.Connection:
    # long busy timeout: the other side may hold the write lock while it spools a very large transaction
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=900)
    conn.execute("PRAGMA journal_mode=WAL").fetchall()
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Spool:
    def __init__(self, path: str) -> None:
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._wlock, self._rlock = threading.Lock(), threading.Lock()
        self._w = _connect(path)
        self._w.executescript(SCHEMA)
        self._r = _connect(path)
        with self._wlock:
            self._txn = int(self._meta(self._w, "last_txn") or 0)
            n, size = self._w.execute(
                "SELECT coalesce(sum(n), 0), coalesce(sum(length(payload)), 0) FROM spool"
            ).fetchone()
        self.pending_changes, self.pending_bytes = int(n), int(size)
        self._open: tuple[int, int, int] | None = None  # txn, changes, bytes of the transaction being written

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str | None:
        rows = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchall()  # fetchall: ends the read
        return rows[0][0] if rows else None

    def get(self, key: str) -> str | None:
        with self._rlock:
            return self._meta(self._r, key)

    def put(self, key: str, value: str) -> None:
        with self._rlock:
            self._r.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # capture side (one thread)
    def begin(self) -> None:
        with self._wlock:
            self._w.execute("BEGIN")
            self._txn += 1
            self._open = (self._txn, 0, 0)

    def add(self, changes: list[Change]) -> None:
        assert self._open is not None, "add() outside begin()/commit()"
        payload = encode(changes)
        txn, n, size = self._open
        with self._wlock:
            self._w.execute(
                "INSERT INTO spool (txn, final, position, commit_time, captured, n, payload) "
                "VALUES (?, 0, NULL, 0, ?, ?, ?)",
                (txn, time.time(), len(changes), payload),
            )
        self._open = (txn, n + len(changes), size + len(payload))

    def commit(self, position: str, commit_time: float, extra: dict[str, str] | None = None) -> None:
        assert self._open is not None, "commit() outside begin()"
        txn, n, size = self._open
        with self._wlock:
            self._w.execute("UPDATE spool SET commit_time = ? WHERE txn = ?", (commit_time, txn))
            self._w.execute(
                "UPDATE spool SET final = 1, position = ? WHERE seq = (SELECT max(seq) FROM spool WHERE txn = ?)",
                (position, txn),
            )
            self._w.execute(
                "INSERT OR REPLACE INTO meta VALUES ('captured', ?), ('last_txn', ?)", (position, str(txn))
            )
            for key, value in (extra or {}).items():
                self._w.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            self._w.execute("COMMIT")
        self._open = None
        self.pending_changes += n
        self.pending_bytes += size

    def rollback(self) -> None:
        if self._open is not None:
            with self._wlock:
                self._w.execute("ROLLBACK")
            self._txn -= 1
            self._open = None

    def mark_captured(self, position: str) -> None:
        """Everything up to `position` is spooled or was not selected (skipped transactions, heartbeats)."""
        with self._wlock:
            self._w.execute("INSERT OR REPLACE INTO meta VALUES ('captured', ?)", (position,))

    # apply side (one thread)
    def read(self, after_seq: int, limit_chunks: int = 64) -> list[SpooledChunk]:
        with self._rlock:
            rows = self._r.execute(
                "SELECT seq, txn, final, position, commit_time, payload FROM spool WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (after_seq, limit_chunks),
            ).fetchall()
        return [SpooledChunk(r[0], r[1], bool(r[2]), r[3], r[4], decode(r[5]), len(r[5])) for r in rows]

    def release(
        self, up_to_seq: int, changes: int, size: int, checkpoint: str, extra: dict[str, str] | None = None
    ) -> None:
        """Applied through `up_to_seq`: delete those chunks, store the applied source position."""
        with self._rlock:  # the apply connection: capture may hold the writer's transaction open meanwhile
            self._r.execute("BEGIN IMMEDIATE")
            self._r.execute("DELETE FROM spool WHERE seq <= ?", (up_to_seq,))
            self._r.execute("INSERT OR REPLACE INTO meta VALUES ('applied', ?)", (checkpoint,))
            for key, value in (extra or {}).items():
                self._r.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            self._r.execute("COMMIT")
        self.pending_changes = max(0, self.pending_changes - changes)
        self.pending_bytes = max(0, self.pending_bytes - size)

    def oldest_commit_time(self) -> float | None:
        with self._rlock:
            rows = self._r.execute(
                "SELECT commit_time FROM spool WHERE final = 1 ORDER BY seq LIMIT 1"
            ).fetchall()
        return rows[0][0] if rows else None

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._w.close()
            self._r.close()

    def destroy(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(self.path + suffix)
