"""A portable write workload for the CDC tests and benchmark: inserts, updates, deletes over several tables.

`Workload(url).create()` makes the tables; `run(seconds, rate)` writes about `rate` changes per second in
transactions of 1 to 50 rows (some touching many rows at once).
Key columns and values are the same on every engine, so the comparison is row by row.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from decimal import Decimal

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    delete,
    insert,
    update,
)
from sqlalchemy.engine import URL

TABLES = {"accounts": ["id"], "items": ["owner", "code"], "notes": ["id"]}


def metadata() -> MetaData:
    md = MetaData()
    Table(
        "accounts",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(60), nullable=False),
        Column("balance", Numeric(12, 2)),
        Column("updated", DateTime),
    )
    Table(
        "items",
        md,
        Column("owner", Integer, primary_key=True, autoincrement=False),
        Column("code", String(12), primary_key=True),
        Column("qty", Integer),
    )
    Table(
        "notes",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("body", String(400)),
        Column("blob", LargeBinary),
    )
    return md


class Workload:
    def __init__(self, url: URL, seed: int = 7) -> None:
        self.url = url
        self.md = metadata()
        args = {"timeout": 60} if url.get_backend_name() == "sqlite" else {}  # SQLite: wait for the lock
        self.engine = create_engine(url, pool_size=1, connect_args=args)
        self.error: BaseException | None = None
        self.rng = random.Random(seed)
        self.next_id = {"accounts": 1, "items": 1, "notes": 1}
        self.live: dict[str, list] = {name: [] for name in TABLES}
        self.changes = 0
        self.commits: list[tuple[int, float]] = []  # (marker, commit wall time): for lag measurement

    def create(self, rows: int = 200) -> None:
        self.md.create_all(self.engine)
        with self.engine.begin() as conn:
            for _ in range(rows):
                self._insert(conn, self.rng.choice(list(TABLES)))

    def _row(self, table: str) -> dict:
        i = self.next_id[table]
        self.next_id[table] += 1
        r = self.rng
        if table == "accounts":
            return {
                "id": i,
                "name": f"name {i} é",
                "balance": Decimal(r.randint(0, 10**6)) / 100,
                "updated": dt.datetime(2024, 1, 1) + dt.timedelta(seconds=r.randint(0, 10**7)),
            }
        if table == "items":
            return {"owner": i % 97, "code": f"c{i}", "qty": r.randint(0, 1000)}
        return {"id": i, "body": "x" * r.randint(0, 300), "blob": bytes(r.randrange(256) for _ in range(20))}

    def _insert(self, conn, table: str) -> None:
        row = self._row(table)
        conn.execute(insert(self.md.tables[table]), row)
        self.live[table].append(tuple(row[k] for k in TABLES[table]))
        self.changes += 1

    def _where(self, table: str, key: tuple):
        t = self.md.tables[table]
        clause = None
        for name, value in zip(TABLES[table], key, strict=True):
            c = t.c[name] == value
            clause = c if clause is None else clause & c
        return clause

    def transaction(self, size: int) -> None:
        r = self.rng
        with self.engine.begin() as conn:
            for _ in range(size):
                table = r.choice(list(TABLES))
                live = self.live[table]
                op = r.random()
                if op < 0.45 or len(live) < 20:
                    self._insert(conn, table)
                elif op < 0.85:
                    key = r.choice(live)
                    t = self.md.tables[table]
                    values = {
                        "accounts": {"balance": Decimal(r.randint(0, 10**6)) / 100, "name": f"n{r.random()}"},
                        "items": {"qty": r.randint(0, 1000)},
                        "notes": {"body": "y" * r.randint(0, 300)},
                    }[table]
                    conn.execute(update(t).where(self._where(table, key)).values(**values))
                    self.changes += 1
                else:
                    key = live.pop(r.randrange(len(live)))
                    conn.execute(delete(self.md.tables[table]).where(self._where(table, key)))
                    self.changes += 1

    def run(self, seconds: float, rate: float, stop: threading.Event | None = None) -> None:
        """About `rate` changes per second for `seconds`; one in 20 transactions touches 50 rows."""
        try:
            self._run(seconds, rate, stop or threading.Event())
        except BaseException as exc:  # seen by the test (a writer thread's exception is otherwise lost)
            self.error = exc
            raise

    def _run(self, seconds: float, rate: float, stop: threading.Event) -> None:
        start = time.monotonic()
        done = 0
        while time.monotonic() - start < seconds and not stop.is_set():
            size = 50 if self.rng.random() < 0.05 else self.rng.randint(1, 8)
            self.transaction(size)
            done += size
            ahead = done / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)

    def dispose(self) -> None:
        self.engine.dispose()
