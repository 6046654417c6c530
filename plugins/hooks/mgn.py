"""AWS Application Migration Service (MGN): a thin hook, one method per API call."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.config import Config

from hooks.aws_common import StandardRetriesMixin, explain_aws_errors

WAITERS_FILE = Path(__file__).parent / "waiters" / "mgn.json"


def _pruned(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


class MgnHook(StandardRetriesMixin, AwsBaseHook):
    """
    Interact with AWS MGN through boto3's ``mgn`` client.

    Methods return the useful slice of the response (a job, a list of items) and paginate where the API does.
    botocore ships no MGN waiters: this hook's ``get_waiter`` finds ours in ``hooks/waiters/mgn.json``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "mgn"
        super().__init__(*args, **kwargs)

    @cached_property
    def waiter_path(self) -> Path:
        # AwsBaseHook looks next to *its own* module (the provider's waiters/ folder): point it at ours.
        return WAITERS_FILE

    @cached_property
    def single_attempt_conn(self) -> Any:
        """
        A client that never resends a call by itself, for StartTest/StartCutover/TerminateTargetInstances.

        They take no client token: if a 5xx or a timeout came after MGN acted, a blind resend would launch a
        second time. The operators retry these themselves, describing the wave first.
        """
        config = self.config.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))
        return self.get_client_type(region_name=self.region_name, config=config)

    def _call(self, operation: str, *, single_attempt: bool = False, **kwargs: Any) -> dict[str, Any]:
        conn = self.single_attempt_conn if single_attempt else self.conn
        with explain_aws_errors(self.aws_conn_id, f"mgn:{operation}"):
            return getattr(conn, operation)(**_pruned(**kwargs))

    def _paginate(self, operation: str, **kwargs: Any) -> list[dict[str, Any]]:
        with explain_aws_errors(self.aws_conn_id, f"mgn:{operation}"):
            pages = self.conn.get_paginator(operation).paginate(**_pruned(**kwargs))
            return [item for page in pages for item in page.get("items", [])]

    # --- source servers -----------------------------------------------------------------------------------
    def describe_source_servers(
        self, source_server_ids: list[str] | None = None, *, is_archived: bool | None = None
    ) -> list[dict[str, Any]]:
        """One call (per 1000) for a whole wave: the filter takes up to 200 IDs."""
        filters = _pruned(sourceServerIDs=list(source_server_ids or []) or None, isArchived=is_archived)
        return self._paginate("describe_source_servers", filters=filters, maxResults=1000)

    def change_server_life_cycle_state(self, source_server_id: str, state: str) -> dict[str, Any]:
        return self._call(
            "change_server_life_cycle_state", sourceServerID=source_server_id, lifeCycle={"state": state}
        )

    def finalize_cutover(self, source_server_id: str) -> dict[str, Any]:
        return self._call("finalize_cutover", sourceServerID=source_server_id)

    def mark_as_archived(self, source_server_id: str) -> dict[str, Any]:
        return self._call("mark_as_archived", sourceServerID=source_server_id)

    def get_launch_configuration(self, source_server_id: str) -> dict[str, Any]:
        return self._call("get_launch_configuration", sourceServerID=source_server_id)

    def update_launch_configuration(self, source_server_id: str, **settings: Any) -> dict[str, Any]:
        """``settings`` are UpdateLaunchConfiguration's own camelCase members (copyPrivateIp, licensing...)."""
        return self._call("update_launch_configuration", sourceServerID=source_server_id, **settings)

    # --- jobs ---------------------------------------------------------------------------------------------
    def start_test(self, source_server_ids: list[str], tags: dict[str, str] | None = None) -> dict[str, Any]:
        return self._start_job("start_test", source_server_ids, tags)

    def start_cutover(
        self, source_server_ids: list[str], tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._start_job("start_cutover", source_server_ids, tags)

    def terminate_target_instances(
        self, source_server_ids: list[str], tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._start_job("terminate_target_instances", source_server_ids, tags)

    def _start_job(self, operation: str, source_server_ids: list[str], tags: dict[str, str] | None) -> dict:
        """A job-starting call takes no client token: sent once, never resent by botocore (see _call)."""
        return self._call(
            operation, single_attempt=True, sourceServerIDs=list(source_server_ids), tags=tags or None
        )["job"]

    def describe_jobs(
        self, job_ids: list[str] | None = None, *, from_date: str | None = None, to_date: str | None = None
    ) -> list[dict[str, Any]]:
        filters = _pruned(jobIDs=list(job_ids or []) or None, fromDate=from_date, toDate=to_date)
        return self._paginate("describe_jobs", filters=filters)

    def describe_job(self, job_id: str) -> dict[str, Any] | None:
        jobs = self.describe_jobs([job_id])
        return jobs[0] if jobs else None

    def describe_job_log_items(self, job_id: str) -> list[dict[str, Any]]:
        # The largest page the model allows: the service's default page size is undocumented.
        return self._paginate("describe_job_log_items", jobID=job_id, maxResults=1000)

    # --- waves and applications ---------------------------------------------------------------------------
    def list_waves(self, *, is_archived: bool | None = None) -> list[dict[str, Any]]:
        return self._paginate("list_waves", filters=_pruned(isArchived=is_archived))

    def create_wave(
        self, name: str, description: str | None = None, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._call("create_wave", name=name, description=description, tags=tags or None)

    def list_applications(
        self, *, wave_ids: list[str] | None = None, is_archived: bool | None = None
    ) -> list[dict[str, Any]]:
        return self._paginate(
            "list_applications", filters=_pruned(waveIDs=wave_ids or None, isArchived=is_archived)
        )

    def create_application(
        self, name: str, description: str | None = None, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._call("create_application", name=name, description=description, tags=tags or None)

    def associate_applications(self, wave_id: str, application_ids: list[str]) -> None:
        self._call("associate_applications", waveID=wave_id, applicationIDs=list(application_ids))

    def disassociate_applications(self, wave_id: str, application_ids: list[str]) -> None:
        self._call("disassociate_applications", waveID=wave_id, applicationIDs=list(application_ids))

    def associate_source_servers(self, application_id: str, source_server_ids: list[str]) -> None:
        self._call(
            "associate_source_servers", applicationID=application_id, sourceServerIDs=list(source_server_ids)
        )

    def disassociate_source_servers(self, application_id: str, source_server_ids: list[str]) -> None:
        self._call(
            "disassociate_source_servers",
            applicationID=application_id,
            sourceServerIDs=list(source_server_ids),
        )
