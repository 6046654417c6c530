"""The two threads of a CdcRun: capture (source → spool) and apply (spool → target)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from .apply import Applier
from .model import Change

if TYPE_CHECKING:
    from .runner import CdcRun

CHUNK = 2000  # changes per spool chunk
COMMIT_EVERY = 5000  # at most this many changes (whole source transactions) per target transaction


class _Rate:
    """Rows per second over the last second or so."""

    def __init__(self) -> None:
        self.total, self.value = 0, 0.0
        self._t, self._n = time.monotonic(), 0

    def add(self, n: int) -> None:
        self.total += n
        now = time.monotonic()
        if now - self._t >= 1.0:
            self.value = (self.total - self._n) / (now - self._t)
            self._t, self._n = now, self.total


class CaptureLoop:
    def __init__(self, run: CdcRun) -> None:
        self.run, self.spool, self.capture = run, run.spool, run.capture
        self.rate = _Rate()

    def run_loop(self, position: str) -> None:
        run, down_since = self.run, None
        while not run._stop.is_set():
            try:
                if run.faults.source_unreachable:
                    raise ConnectionError(f"Cannot connect to source endpoint {run.source.name}: unreachable")
                run._check_faults()
                got, position, done = self._read(position)
                down_since = None
                run.recoverable_error = ""
            except Exception as exc:
                if run.faults.fail_message:
                    raise
                now = time.monotonic()
                down_since = down_since or now
                run.recoverable_error = str(exc)[:500]
                if now - down_since > run.options.source_retry_seconds:
                    raise
                run._stop.wait(min(1.0, run.options.source_retry_seconds / 10))
                continue
            self.rate.add(0)
            run._rates["source"] = self.rate.value
            if done:
                run.reached_stop = run.stop_at[0]
                return
            if not got:
                run._stop.wait(run.options.poll_seconds)

    def _read(self, position: str) -> tuple[bool, str, bool]:
        """One pass over what the source has after `position`: (spooled anything, new position, stop reached)."""
        run, spool = self.run, self.spool
        stop_kind, stop_ts = run.stop_at or (None, 0.0)
        source_now = (
            self.capture.server_time() if stop_kind == "commit_time" else time.time() if stop_kind else 0.0
        )
        got, began, buf, counts, start = False, False, [], {}, position
        for event in self.capture.events(position):
            kind = event[0]
            if kind == "B":
                buf, counts = [], {}
            elif kind == "C":
                change: Change = event[1]
                if (change.schema, change.table) not in run.loaders:
                    continue
                buf.append(change)
                key = (change.schema, change.table, change.op)
                counts[key] = counts.get(key, 0) + 1
                if len(buf) >= CHUNK:
                    if not began:
                        spool.begin()
                        began = True
                    spool.add(buf)
                    buf = []
            elif kind == "X":
                if began:
                    spool.rollback()
                began, buf, counts = False, [], {}
            elif kind == "E":
                txn_position, commit_time = event[1], event[2]
                if stop_kind and commit_time >= stop_ts:
                    if began:
                        spool.rollback()
                    return got, position, True
                if began or buf:
                    if not began:
                        spool.begin()
                    if buf:
                        spool.add(buf)
                    spool.commit(
                        txn_position, commit_time, {"captured_counts": run._count(counts, captured=True)}
                    )
                    got = True
                    n = sum(counts.values())
                    self.rate.add(n)
                    run._last_lag, run._last_lag_at = max(0.0, time.time() - commit_time), time.monotonic()
                position, began, buf, counts = txn_position, False, [], {}
        if position != start:
            if not got:
                spool.mark_captured(position)
            self.capture.ack(position)
        return got, position, bool(stop_kind) and source_now >= stop_ts


class ApplyLoop:
    def __init__(self, run: CdcRun) -> None:
        self.run, self.spool = run, run.spool
        self.applier = Applier(run.target, run.loaders)
        self.rate = _Rate()
        self._reset()

    def _reset(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}
        self.changes = self.size = 0
        self.final: Any = None  # the last applied final chunk not yet committed

    def run_loop(self) -> None:
        run, after = self.run, 0
        try:
            while not run._stop.is_set():
                run._check_faults()
                chunks = self.spool.read(after, 8)  # at most 16,000 changes decoded at once: bounded memory
                if not chunks:
                    if run._capture_done.is_set():
                        if run.reached_stop and not run.error:
                            run.stop_reason = "STOPPED_AT_" + run.reached_stop.upper()
                        return
                    run._stop.wait(run.options.poll_seconds)
                    self.rate.add(0)
                    run._rates["target"] = self.rate.value
                    continue
                for i, chunk in enumerate(chunks):
                    self._delay(len(chunk.changes))
                    if run._stop.is_set():
                        return
                    for key, n in self.applier.apply(chunk.changes).items():
                        self.counts[key] = self.counts.get(key, 0) + n
                    self.changes += len(chunk.changes)
                    self.size += chunk.size
                    after = chunk.seq
                    if chunk.final:
                        self.final = chunk
                        if i == len(chunks) - 1 or self.changes >= COMMIT_EVERY:
                            self._commit()
        finally:
            self.applier.close()

    def _delay(self, n: int) -> None:
        """The apply-slower fault: sleep per change, in slices, so a changed or cleared fault takes effect."""
        start = time.monotonic()
        while not self.run._stop.is_set():
            left = self.run.faults.apply_delay_seconds * n - (time.monotonic() - start)
            if left <= 0:
                return
            self.run._stop.wait(min(left, 0.1))

    def _commit(self) -> None:
        run = self.run
        self.applier.commit()
        counts_json = run._count(self.counts, captured=False)
        self.spool.release(
            self.final.seq, self.changes, self.size, self.final.position, {"applied_counts": counts_json}
        )
        run.applied_commit_time = self.final.commit_time
        self.rate.add(self.changes)
        run._rates["target"] = self.rate.value
        self._reset()


def counts_json(book: dict[str, dict[str, int]]) -> str:
    return json.dumps(book, separators=(",", ":"))
