"""
Operators for MGN waves: launch, terminate, finalize, archive, lifecycle, launch settings, wave sync.

Every operator takes the wave as plain ``source_server_ids`` (a DAG builder wires them from the plan), acts
on the whole wave in one call where the API allows, and is idempotent: it describes first and reuses the job
this run already started, or skips servers already in the target state. A retry never launches twice.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.exceptions import WaiterTerminalFailure
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.amazon.aws.utils.waiter_with_logging import wait
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, conf
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from hooks.mgn import MgnHook
from links.mgn import MgnJobLink, MgnSourceServersLink, MgnWaveLink
from mgn_checks.ids import as_id_list
from mgn_checks.jobs import job_result
from triggers.mgn import MgnJobCompleteTrigger

from operators.defaults import with_retry_defaults

if TYPE_CHECKING:
    from airflow.sdk import Context

# AWS and Airflow clocks differ a little: a job started by this run may carry a time slightly before it.
CLOCK_SKEW = timedelta(minutes=5)
# StartTest/StartCutover/TerminateTargetInstances and the DescribeSourceServers filter take 1..200 IDs.
MAX_WAVE_SIZE = 200


TRANSIENT_ERROR_CODES = frozenset(
    {"ThrottlingException", "InternalServerException", "ServiceUnavailableException", "RequestTimeout"}
)
TRANSIENT_HTTP_STATUS = frozenset({429, 500, 502, 503, 504})


def _transient(error: Exception) -> bool:
    """Worth another try: throttling, 5xx, a connection dropped (botocore would retry these itself)."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_ERROR_CODES or status in TRANSIENT_HTTP_STATUS
    return isinstance(error, BotoConnectionError | HTTPClientError)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _run_started(context: Context) -> datetime | None:
    """
    When this DAG run began (less clock skew). ``run_after`` first: unlike ``start_date`` it does not move
    when a task or the run is cleared.
    """
    dag_run = context.get("dag_run")
    starts = [t for t in (getattr(dag_run, "run_after", None), getattr(dag_run, "start_date", None)) if t]
    return min(starts) - CLOCK_SKEW if starts else None


def _lifecycle_state(server: dict[str, Any]) -> str:
    return server.get("lifeCycle", {}).get("state", "UNKNOWN")


class MgnWaveOperator(AwsBaseOperator[MgnHook]):
    """Base for operators acting on a wave of MGN source servers."""

    aws_hook_class = MgnHook
    template_fields: Sequence[str] = aws_template_fields("source_server_ids")
    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(),)

    def __init__(self, *, source_server_ids: list[str], **kwargs: Any) -> None:
        super().__init__(**with_retry_defaults(kwargs))
        self.source_server_ids = source_server_ids

    def describe_wave(self) -> dict[str, dict[str, Any]]:
        """The wave's servers by ID, in plan order; an ID MGN does not return is an error, not a skip."""
        ids = as_id_list(self.source_server_ids)
        if not ids:
            raise AirflowFailException(
                "source_server_ids is empty: a wave needs at least one MGN source server"
            )
        if len(ids) > MAX_WAVE_SIZE:
            raise AirflowFailException(
                f"{len(ids)} servers in one wave: MGN's launch and describe calls take at most {MAX_WAVE_SIZE}; "
                "split the wave in the plan."
            )
        found = {s["sourceServerID"]: s for s in self.hook.describe_source_servers(ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise AirflowException(
                f"MGN source servers not found: {missing} (wrong region or account? archived or deleted?)"
            )
        return {i: found[i] for i in ids}

    def persist_links(self, context: Context, **link_values: Any) -> None:
        kwargs = {"region_name": self.hook.conn_region_name, "aws_partition": self.hook.conn_partition}
        MgnSourceServersLink.persist(context=context, operator=self, **kwargs)
        if "job_id" in link_values:
            MgnJobLink.persist(context=context, operator=self, job_id=link_values["job_id"], **kwargs)
        if "wave_id" in link_values:
            MgnWaveLink.persist(context=context, operator=self, wave_id=link_values["wave_id"], **kwargs)


class _MgnJobOperator(MgnWaveOperator):
    """A wave operator that starts one MGN job and can wait for it with the four standard parameters."""

    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(), MgnJobLink())

    def __init__(
        self,
        *,
        wait_for_completion: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        waiter_delay: int = 30,
        waiter_max_attempts: int = 240,
        tags: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.tags = tags

    start_attempts: ClassVar[int] = 5
    start_pause: ClassVar[float] = 2.0

    def start_job(
        self, start: Callable[[], dict[str, Any]], started_meanwhile: Callable[[], str | None]
    ) -> str:
        """
        Call a job-starting API at most once per attempt, and before each new attempt look whether MGN acted
        on the previous one (a 5xx or a timeout can come after the job was created).
        """
        for attempt in range(1, self.start_attempts + 1):
            try:
                return start()["jobID"]
            except (ClientError, BotoCoreError) as error:
                if attempt == self.start_attempts or not _transient(error):
                    raise
                pause = min(self.start_pause * 2 ** (attempt - 1), 30)
                self.log.warning(
                    "Starting the MGN job failed (%s); checking in %.0fs whether it started.", error, pause
                )
                time.sleep(pause)
                if job_id := started_meanwhile():
                    self.log.info("MGN had started job %s despite the error: using it.", job_id)
                    return job_id
        raise AssertionError("unreachable")

    def job_tags(self, context: Context) -> dict[str, str]:
        """Provenance on the job (visible in the console and DescribeJobs): which DAG run started it."""
        ti = context.get("ti")
        run = {
            "airflow-dag-id": getattr(ti, "dag_id", None),
            "airflow-run-id": getattr(ti, "run_id", None),
            "airflow-task-id": self.task_id,
        }
        return {**{k: str(v)[:256] for k, v in run.items() if v}, **(self.tags or {})}

    def finish(self, context: Context, job_id: str) -> str:
        self.persist_links(context, job_id=job_id)
        if not self.wait_for_completion:
            return job_id
        if self.deferrable:
            self.defer(
                trigger=MgnJobCompleteTrigger(
                    job_id=job_id,
                    waiter_delay=int(self.waiter_delay),
                    waiter_max_attempts=int(self.waiter_max_attempts),
                    aws_conn_id=self.aws_conn_id,
                    region_name=self.region_name,
                    verify=self.verify,
                    botocore_config=self.botocore_config,
                ),
                method_name="execute_complete",
            )
        # A FAILED server ends the wait early; job_result then explains it with the job log.
        with contextlib.suppress(WaiterTerminalFailure):
            wait(
                waiter=self.hook.get_waiter("job_completed"),
                waiter_delay=int(self.waiter_delay),
                waiter_max_attempts=int(self.waiter_max_attempts),
                args={"filters": {"jobIDs": [job_id]}},
                failure_message=f"MGN job {job_id} failed",
                status_message=f"MGN job {job_id} status",
                status_args=["items[0].status", "items[0].participatingServers[].launchStatus"],
            )
        job_result(self.hook, job_id)
        return job_id

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        event = validate_execute_complete_event(event)
        job_result(self.hook, event["job_id"])
        return event["job_id"]


class _MgnLaunchOperator(_MgnJobOperator):
    """StartTest / StartCutover with reuse of the job this run already started."""

    kind: ClassVar[str]
    lifecycle_key: ClassVar[str]
    reached_states: ClassVar[frozenset[str]]
    refused_states: ClassVar[frozenset[str]] = frozenset()

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def jobs_of_this_run(self, initiated: dict[str, dict[str, Any]], context: Context) -> set[str]:
        """
        The servers' last jobs that this DAG run started: tagged with its dag/run id (exact, and stable when
        the task is cleared), or, for a job without our tags, initiated since the run began.
        """
        ti = context.get("ti")
        run = (str(getattr(ti, "dag_id", "")), str(getattr(ti, "run_id", ""))[:256])
        known = sorted({i["jobID"] for i in initiated.values() if i.get("jobID")})
        jobs = self.hook.describe_jobs(known) if known else []
        ours = {
            j["jobID"]
            for j in jobs
            if ((j.get("tags") or {}).get("airflow-dag-id"), (j.get("tags") or {}).get("airflow-run-id"))
            == run
        }
        untagged = {j["jobID"] for j in jobs if "airflow-run-id" not in (j.get("tags") or {})}
        since = _run_started(context)
        ours |= {
            i["jobID"]
            for i in initiated.values()
            if i.get("jobID") in untagged
            and since
            and (t := _parse_time(i.get("apiCallDateTime")))
            and t >= since
        }
        return ours

    def job_to_reuse(self, servers: dict[str, dict[str, Any]], context: Context) -> str | None:
        """
        The job every server's ``lifeCycle.<last launch>.initiated`` points to, when this run started it or
        the servers already reached the launch's state; None when a new launch is due. Raises when the wave
        is half launched, rather than guess.
        """
        initiated = {
            sid: s.get("lifeCycle", {}).get(self.lifecycle_key, {}).get("initiated") or {}
            for sid, s in servers.items()
        }
        states = {_lifecycle_state(s) for s in servers.values()}
        if refused := states & self.refused_states:
            raise AirflowFailException(
                f"Refusing a {self.kind} launch: servers are already {sorted(refused)}."
            )
        job_ids = {i.get("jobID") for i in initiated.values()}
        ours = self.jobs_of_this_run(initiated, context)
        if len(job_ids) == 1 and None not in job_ids:
            (job_id,) = job_ids
            if states <= self.reached_states or job_id in ours:
                return job_id
        if ours or states <= self.reached_states:
            by_job = {sid: (i.get("jobID"), _lifecycle_state(servers[sid])) for sid, i in initiated.items()}
            raise AirflowFailException(
                f"Refusing a second {self.kind} launch: the wave's servers disagree about their last "
                f"{self.kind} job (server: (job, lifecycle)) {by_job}. Revert them to a READY_FOR_* state and "
                "terminate their instances (the rollback DAG does this), then start a new run."
            )
        return None

    def execute(self, context: Context) -> str:
        servers = self.describe_wave()
        job_id = self.job_to_reuse(servers, context)
        if job_id:
            self.log.info(
                "Reusing MGN %s job %s started earlier for this wave: not launching again.", self.kind, job_id
            )
        else:
            job_id = self.start_job(
                lambda: self.start(list(servers), self.job_tags(context)),
                lambda: self.job_to_reuse(self.describe_wave(), context),
            )
            self.log.info("Started MGN %s job %s for %d servers.", self.kind, job_id, len(servers))
        return self.finish(context, job_id)


class MgnStartTestOperator(_MgnLaunchOperator):
    """
    Launch test instances for the whole wave in one MGN job; returns the job ID.

    :param source_server_ids: the wave's source server IDs.
    :param wait_for_completion: wait for the job (else use MgnJobCompleteSensor downstream).
    :param tags: extra tags for the job; the DAG/run/task IDs are always added.
    """

    kind = "test"
    lifecycle_key = "lastTest"
    reached_states = frozenset({"TESTING"})
    refused_states = frozenset({"CUTTING_OVER", "CUTOVER"})

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        return self.hook.start_test(source_server_ids, tags=tags)


class MgnStartCutoverOperator(_MgnLaunchOperator):
    """
    Launch cutover instances for the whole wave in one MGN job; returns the job ID.

    Servers must be READY_FOR_CUTOVER with their test instances terminated (MgnChangeServerLifeCycleState,
    then MgnTerminateTargetInstances).
    """

    kind = "cutover"
    lifecycle_key = "lastCutover"
    reached_states = frozenset({"CUTTING_OVER", "CUTOVER"})

    def start(self, source_server_ids: list[str], tags: dict[str, str]) -> dict[str, Any]:
        return self.hook.start_cutover(source_server_ids, tags=tags)


class MgnTerminateTargetInstancesOperator(_MgnJobOperator):
    """
    Terminate the wave's launched (test or cutover) instances in one job; returns the job ID, or None when
    no server has an instance left.

    MGN refuses this while a server is TESTING, CUTTING_OVER or CUTOVER: change the lifecycle to
    READY_FOR_CUTOVER (or READY_FOR_TEST) first. A retry reuses the terminate job this run started.
    """

    refused_states = frozenset({"TESTING", "CUTTING_OVER", "CUTOVER"})

    def execute(self, context: Context) -> str | None:
        servers = self.describe_wave()
        refused = {
            sid: _lifecycle_state(s)
            for sid, s in servers.items()
            if _lifecycle_state(s) in self.refused_states
        }
        if refused:
            raise AirflowFailException(
                f"MGN refuses TerminateTargetInstances for servers in {refused}: change their lifecycle to "
                "READY_FOR_CUTOVER (MgnChangeServerLifeCycleStateOperator) first."
            )
        job_id = self._terminate_job_of_this_run(set(servers), context)
        if job_id:
            self.log.info("Reusing MGN terminate job %s started earlier in this run.", job_id)
            return self.finish(context, job_id)
        targets = [
            sid for sid, s in servers.items() if (s.get("launchedInstance") or {}).get("ec2InstanceID")
        ]
        if not targets:
            self.log.info("No server of the wave has a launched instance: nothing to terminate.")
            self.persist_links(context)
            return None
        job_id = self.start_job(
            lambda: self.hook.terminate_target_instances(targets, tags=self.job_tags(context)),
            lambda: self._terminate_job_of_this_run(set(servers), context),
        )
        self.log.info("Started MGN terminate job %s for %s.", job_id, targets)
        return self.finish(context, job_id)

    def _terminate_job_of_this_run(self, wave: set[str], context: Context) -> str | None:
        """
        A terminate job this very task started in this run (tags dag/run/task), for servers of the wave. The
        task ID matters: a wave DAG terminates twice (test instances, then cutover ones on rollback).
        """
        since = _run_started(context)
        if since is None:
            return None
        mine = self.job_tags(context)
        keys = ("airflow-dag-id", "airflow-run-id", "airflow-task-id")
        from_date = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        jobs = [
            j
            for j in self.hook.describe_jobs(from_date=from_date)
            if j.get("type") == "TERMINATE"
            and all((j.get("tags") or {}).get(k) == mine.get(k) for k in keys)
            and {p["sourceServerID"] for p in j.get("participatingServers", [])} & wave
        ]
        jobs.sort(key=lambda j: j.get("creationDateTime", ""), reverse=True)
        return jobs[0]["jobID"] if jobs else None


class MgnChangeServerLifeCycleStateOperator(MgnWaveOperator):
    """
    Set the wave's lifecycle to READY_FOR_TEST, READY_FOR_CUTOVER or CUTOVER (one call per server: the API
    takes one); servers already there are skipped. Returns the IDs that changed.

    MGN accepts this only once a server is launchable (``dataReplicationInfo.lagDuration`` set).
    """

    STATES: ClassVar[frozenset[str]] = frozenset({"READY_FOR_TEST", "READY_FOR_CUTOVER", "CUTOVER"})
    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "state")

    def __init__(self, *, state: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if state not in self.STATES:
            raise ValueError(f"state must be one of {sorted(self.STATES)}, got {state!r}")
        self.state = state

    def execute(self, context: Context) -> list[str]:
        servers = self.describe_wave()
        todo = [sid for sid, s in servers.items() if _lifecycle_state(s) != self.state]
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
        done = [sid for sid, s in servers.items() if _lifecycle_state(s) == "CUTOVER" or s.get("isArchived")]
        todo = [sid for sid in servers if sid not in done]
        not_ready = {
            sid: _lifecycle_state(servers[sid])
            for sid in todo
            if _lifecycle_state(servers[sid]) != "CUTTING_OVER"
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
            sid: _lifecycle_state(servers[sid])
            for sid in todo
            if _lifecycle_state(servers[sid]) not in self.ARCHIVABLE
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


class MgnUpdateLaunchConfigurationOperator(MgnWaveOperator):
    """
    Apply the plan's launch settings to every server of the wave; only differences are sent. Returns the IDs
    whose configuration changed. Settings left None are not touched.

    :param right_sizing: ``targetInstanceTypeRightSizingMethod``: "NONE" or "BASIC".
    :param copy_private_ip: keep the source's private IP on the launched instance.
    :param copy_tags: copy the source server's tags to the instance.
    :param os_byol: bring your own OS licence (``licensing.osByol``).
    :param launch_disposition: "STARTED" or "STOPPED" after launch.
    :param boot_mode: "LEGACY_BIOS", "UEFI" or "USE_SOURCE".
    """

    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "targetInstanceTypeRightSizingMethod": frozenset({"NONE", "BASIC"}),
        "launchDisposition": frozenset({"STOPPED", "STARTED"}),
        "bootMode": frozenset({"LEGACY_BIOS", "UEFI", "USE_SOURCE"}),
    }
    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "settings")

    def __init__(
        self,
        *,
        right_sizing: str | None = None,
        copy_private_ip: bool | None = None,
        copy_tags: bool | None = None,
        os_byol: bool | None = None,
        launch_disposition: str | None = None,
        boot_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        settings: dict[str, Any] = {
            "targetInstanceTypeRightSizingMethod": right_sizing,
            "copyPrivateIp": copy_private_ip,
            "copyTags": copy_tags,
            "licensing": None if os_byol is None else {"osByol": os_byol},
            "launchDisposition": launch_disposition,
            "bootMode": boot_mode,
        }
        self.settings = {k: v for k, v in settings.items() if v is not None}
        for key, allowed in self.ENUMS.items():  # botocore never checks enums client-side
            if key in self.settings and self.settings[key] not in allowed:
                raise ValueError(f"{key} must be one of {sorted(allowed)}, got {self.settings[key]!r}")

    def execute(self, context: Context) -> list[str]:
        changed = []
        for sid in self.describe_wave():
            current = self.hook.get_launch_configuration(sid)
            diff = {k: v for k, v in self.settings.items() if current.get(k) != v}
            if diff:
                self.hook.update_launch_configuration(sid, **diff)
                changed.append(sid)
                self.log.info("Launch configuration of %s: set %s", sid, sorted(diff))
        self.log.info("Launch configuration changed for %s, already as planned for the others.", changed)
        self.persist_links(context)
        return changed


class MgnSyncWaveOperator(MgnWaveOperator):
    """
    Mirror a plan wave in MGN's own Waves and Applications, by name: the wave, one application holding the
    wave's servers (MGN associates servers with applications, and applications with waves). Creates what is
    missing, moves servers from another application, and changes nothing when MGN already matches.
    Returns ``{"wave_id": ..., "application_id": ...}``.

    :param wave_name: the MGN wave name (the plan's wave name).
    :param application_name: defaults to the wave name.
    """

    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "wave_name", "application_name")
    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(), MgnWaveLink())

    def __init__(
        self,
        *,
        wave_name: str,
        application_name: str | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wave_name = wave_name
        self.application_name = application_name
        self.description = description

    def execute(self, context: Context) -> dict[str, str]:
        servers = self.describe_wave()
        wave_id = self._wave_id()
        app_id = self._application_id(wave_id)
        moves: dict[str, list[str]] = {}
        for sid, server in servers.items():
            if server.get("applicationID") != app_id:
                moves.setdefault(server.get("applicationID") or "", []).append(sid)
        for old_app, sids in moves.items():
            if old_app:
                self.hook.disassociate_source_servers(old_app, sids)
        if to_add := [sid for sids in moves.values() for sid in sids]:
            self.hook.associate_source_servers(app_id, to_add)
        self.log.info("MGN wave %s / application %s: added %s.", wave_id, app_id, to_add)
        self.persist_links(context, wave_id=wave_id)
        return {"wave_id": wave_id, "application_id": app_id}

    def _wave_id(self) -> str:
        waves = [w for w in self.hook.list_waves(is_archived=False) if w["name"] == self.wave_name]
        if waves:
            return waves[0]["waveID"]
        wave = self.hook.create_wave(self.wave_name, description=self.description)
        self.log.info("Created MGN wave %s (%s).", self.wave_name, wave["waveID"])
        return wave["waveID"]

    def _application_id(self, wave_id: str) -> str:
        name = self.application_name or self.wave_name
        apps = [a for a in self.hook.list_applications(is_archived=False) if a["name"] == name]
        if apps:
            app = apps[0]
        else:
            app = self.hook.create_application(name, description=self.description)
            self.log.info("Created MGN application %s (%s).", name, app["applicationID"])
        if app.get("waveID") != wave_id:
            if app.get("waveID"):
                self.hook.disassociate_applications(app["waveID"], [app["applicationID"]])
            self.hook.associate_applications(wave_id, [app["applicationID"]])
        return app["applicationID"]
