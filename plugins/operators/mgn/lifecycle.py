"""The wave's lifecycle: change its state, finalize the cutover, archive; servers already there are skipped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from mgn_checks.ids import as_id_list
from shared.aws_values import MGN_LIFECYCLE_TARGETS

from operators.mgn.wave_base import MgnWaveOperator, lifecycle_state

if TYPE_CHECKING:
    from airflow.sdk import Context


class MgnChangeServerLifeCycleStateOperator(MgnWaveOperator):
    """
    Set the wave's lifecycle to READY_FOR_TEST, READY_FOR_CUTOVER or CUTOVER (one call per server: the API
    takes one); servers already there are skipped. Returns the IDs that changed.

    MGN accepts this only once a server is launchable (``dataReplicationInfo.lagDuration`` set).
    """

    STATES: ClassVar[frozenset[str]] = frozenset(MGN_LIFECYCLE_TARGETS)
    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "state")

    def __init__(self, *, state: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if state not in self.STATES:
            raise ValueError(f"state must be one of {sorted(self.STATES)}, got {state!r}")
        self.state = state

    def execute(self, context: Context) -> list[str]:
        servers = self.describe_wave()
        todo = [sid for sid, s in servers.items() if lifecycle_state(s) != self.state]
        not_launchable = [
            sid for sid in todo if not (servers[sid].get("dataReplicationInfo") or {}).get("lagDuration")
        ]
        if not_launchable:
            raise AirflowException(
                f"Servers {not_launchable} are not launchable yet (no replication lag reported: initial sync "
                f"unfinished); MGN would refuse {self.state}."
            )
        for sid in todo:
            self.hook.change_server_life_cycle_state(sid, self.state)
        self.log.info(
            "Lifecycle %s: changed %s, already there %s.", self.state, todo, sorted(set(servers) - set(todo))
        )
        self.persist_links(context)
        return todo


class MgnFinalizeCutoverOperator(MgnWaveOperator):
    """
    Finalize the cutover of every server of the wave (irreversible: MGN stops replicating); returns the IDs
    finalized now. Checks the whole wave first and finalizes none unless every server is CUTTING_OVER or done.
    """

    def execute(self, context: Context) -> list[str]:
        servers = self.describe_wave()
        done = [sid for sid, s in servers.items() if lifecycle_state(s) == "CUTOVER" or s.get("isArchived")]
        todo = [sid for sid in servers if sid not in done]
        not_ready = {
            sid: lifecycle_state(servers[sid])
            for sid in todo
            if lifecycle_state(servers[sid]) != "CUTTING_OVER"
        }
        if not_ready:
            raise AirflowFailException(f"Not finalizing any server: these are not CUTTING_OVER: {not_ready}")
        for sid in todo:
            self.hook.finalize_cutover(sid)
        self.log.info("Finalized %s; already finalized %s.", todo, done)
        self.persist_links(context)
        return todo


class MgnMarkAsArchivedOperator(MgnWaveOperator):
    """Archive the wave's servers after cutover (CUTOVER or DISCONNECTED only); returns the IDs archived now."""

    ARCHIVABLE: ClassVar[frozenset[str]] = frozenset({"CUTOVER", "DISCONNECTED"})

    def describe_wave(self) -> dict[str, dict[str, Any]]:
        ids = as_id_list(self.source_server_ids)
        found = {s["sourceServerID"]: s for s in self.hook.describe_source_servers(ids)}
        if missing := [i for i in ids if i not in found]:  # some accounts hide archived servers by default
            found.update(
                {s["sourceServerID"]: s for s in self.hook.describe_source_servers(missing, is_archived=True)}
            )
        if missing := [i for i in ids if i not in found]:
            raise AirflowException(f"MGN source servers not found: {missing}")
        return {i: found[i] for i in ids}

    def execute(self, context: Context) -> list[str]:
        servers = self.describe_wave()
        todo = [sid for sid, s in servers.items() if not s.get("isArchived")]
        refused = {
            sid: lifecycle_state(servers[sid])
            for sid in todo
            if lifecycle_state(servers[sid]) not in self.ARCHIVABLE
        }
        if refused:
            raise AirflowFailException(
                f"Not archiving any server: only CUTOVER or DISCONNECTED can be archived: {refused}"
            )
        for sid in todo:
            self.hook.mark_as_archived(sid)
        self.log.info("Archived %s; already archived %s.", todo, sorted(set(servers) - set(todo)))
        self.persist_links(context)
        return todo
