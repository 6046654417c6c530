"""Run a wave DAG built from the plugin operators with `dag.test()` in real Airflow, against a sandbox.

A script, run in its own process by test_dag_run.py: Airflow reads AIRFLOW_HOME and the metadata DB at import,
so they must be set before anything imports it. Prints one JSON line: the run's state and its task states.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path

DAG_FILE = """
import json, os
from datetime import datetime
from airflow.sdk import DAG
from operators.mgn import (MgnChangeServerLifeCycleStateOperator, MgnStartCutoverOperator, MgnStartTestOperator,
                           MgnSyncWaveOperator, MgnTerminateTargetInstancesOperator)
from operators.post_launch import MgnPostLaunchValidationOperator
from sensors.mgn import MgnJobCompleteSensor, MgnReplicationReadySensor

aws = {"aws_conn_id": "sandbox_aws", "source_server_ids": json.loads(os.environ["WAVE_IDS"])}
fast = {"waiter_delay": 1, "waiter_max_attempts": 60}
with DAG("plugin_wave", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    sync = MgnSyncWaveOperator(task_id="sync_wave", wave_name="wave-1", **aws)
    ready = MgnReplicationReadySensor(task_id="replication_ready", deferrable=True, **fast, **aws)
    test = MgnStartTestOperator(task_id="start_test", **aws)
    test_done = MgnJobCompleteSensor(task_id="test_done", job_id=test.output, deferrable=True, **fast,
                                     aws_conn_id="sandbox_aws")
    validate = MgnPostLaunchValidationOperator(task_id="validate_test", check_delay=0.2,
                                               http_checks=[{"url": "http://{ip}:8080/health"}],
                                               parity_checks=[{"url": "http://{ip}:8080/files/index.html"}], **aws)
    to_cutover = MgnChangeServerLifeCycleStateOperator(task_id="ready_for_cutover", state="READY_FOR_CUTOVER", **aws)
    terminate = MgnTerminateTargetInstancesOperator(task_id="terminate_test", wait_for_completion=True,
                                                    deferrable=True, **fast, **aws)
    cutover = MgnStartCutoverOperator(task_id="start_cutover", wait_for_completion=True, deferrable=True, **fast, **aws)
    sync >> ready >> test >> test_done >> validate >> to_cutover >> terminate >> cutover
"""


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="plugin-dag-run-"))
    (home / "dags").mkdir()
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        }
    )
    from sandbox.testing import running_sandbox

    with running_sandbox(state_dir=home / "sandbox") as sandbox:
        conn = {"region_name": "us-east-1", "endpoint_url": sandbox.endpoint_url}
        os.environ["AIRFLOW_CONN_SANDBOX_AWS"] = json.dumps(
            {"conn_type": "aws", "login": "testing", "password": "testing", "extra": conn}
        )
        os.environ["WAVE_IDS"] = json.dumps([s["sourceServerID"] for s in sandbox.servers()["servers"]])
        (home / "dags" / "plugin_wave.py").write_text(textwrap.dedent(DAG_FILE))

        from airflow.dag_processing.dagbag import DagBag
        from airflow.models import TaskInstance
        from airflow.utils import db
        from airflow.utils.session import create_session

        db.initdb()
        bag = DagBag(str(home / "dags"))
        if bag.import_errors:
            raise SystemExit(f"import errors: {bag.import_errors}")
        run = bag.get_dag("plugin_wave").test()
        with create_session() as session:
            tis = {ti.task_id: ti.state for ti in session.query(TaskInstance).filter_by(run_id=run.run_id)}
        jobs = sandbox.client("mgn").describe_jobs(filters={})["items"]
        print(
            json.dumps(
                {
                    "state": str(run.state),
                    "tasks": {k: str(v) for k, v in tis.items()},
                    "jobs": sorted(j["initiatedBy"] for j in jobs),
                }
            )
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
