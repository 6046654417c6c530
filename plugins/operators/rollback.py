"""Rollback of a wave: put the servers back to a READY state, terminate what was launched, restore DNS.

Each step does what the wave's current state allows and says what it could not do: after FinalizeCutover
MGN stops replicating and will not terminate the instance any more; that part is left to a person (the
guide: keep the source running for 30 days, move DNS back to it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mgn_checks.ids import as_id_list

from operators.dns import Route53RevertRecordOperator
from operators.mgn.terminate import MgnTerminateTargetInstancesOperator
from operators.mgn.wave_base import MgnWaveOperator, lifecycle_state

if TYPE_CHECKING:
    from airflow.sdk import Context


class MgnRevertLifecycleOperator(MgnWaveOperator):
    """
    Revert each server from a launch state: TESTING -> READY_FOR_TEST, CUTTING_OVER -> READY_FOR_CUTOVER
    (MGN refuses TerminateTargetInstances in those states). Returns ``{reverted, finalized, unchanged,
    terminable}``: ``terminable`` are the servers whose launched instance may still be terminated.
    """

    REVERT: ClassVar[dict[str, str]] = {"TESTING": "READY_FOR_TEST", "CUTTING_OVER": "READY_FOR_CUTOVER"}
    FINAL: ClassVar[frozenset[str]] = frozenset({"CUTOVER", "DISCONNECTED"})

    def execute(self, context: Context) -> dict[str, Any]:
        servers = self.describe_wave()
        reverted: dict[str, str] = {}
        finalized: list[str] = []
        unchanged: dict[str, str] = {}
        for sid, server in servers.items():
            state = lifecycle_state(server)
            if state in self.REVERT:
                self.hook.change_server_life_cycle_state(sid, self.REVERT[state])
                reverted[sid] = f"{state} -> {self.REVERT[state]}"
            elif state in self.FINAL or server.get("isArchived"):
                finalized.append(sid)
            else:
                unchanged[sid] = state
        terminable = [sid for sid in servers if sid not in finalized]
        if finalized:
            self.log.warning(
                "Finalized servers %s cannot be rolled back by MGN (no terminate after FinalizeCutover): point "
                "DNS back at the source (done below where the plan has records) and keep the source running.",
                finalized,
            )
        self.log.info("Lifecycle reverted: %s; unchanged: %s", reverted, unchanged)
        self.persist_links(context)
        return {
            "reverted": reverted,
            "finalized": finalized,
            "unchanged": unchanged,
            "terminable": terminable,
        }


class MgnRollbackTerminateOperator(MgnTerminateTargetInstancesOperator):
    """TerminateTargetInstances for the servers a rollback may still terminate; none is not an error."""

    def execute(self, context: Context) -> str | None:
        ids = as_id_list(self.source_server_ids)
        if not ids:
            self.log.info("No server left that MGN can terminate.")
            return None
        self.source_server_ids = ids
        return super().execute(context)


class Route53RevertIfSwitchedOperator(Route53RevertRecordOperator):
    """Revert a record only when a switch recorded an original (XCom or marker): a rollback before the DNS
    switch has nothing to restore."""

    def execute(self, context: Context) -> str | None:
        if not self.original and self.marker() is None:
            self.log.info("%s was never switched by this migration: nothing to restore.", self.record_name)
            return None
        return super().execute(context)
