"""Wrong credentials surface as an AirflowException naming the connection (the sandbox checks no keys)."""

from __future__ import annotations

import json

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from operators.mgn import MgnStartTestOperator


def test_missing_credentials_name_the_connection(sandbox, wave, context, monkeypatch, tmp_path):
    conn = {"conn_type": "aws", "extra": {"region_name": "us-east-1", "endpoint_url": sandbox.endpoint_url}}
    monkeypatch.setenv("AIRFLOW_CONN_NO_KEYS", json.dumps(conn))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    op = MgnStartTestOperator(task_id="t", aws_conn_id="no_keys", source_server_ids=wave)
    with pytest.raises(AirflowException, match=r"No usable AWS credentials .* 'no_keys'"):
        op.execute(context)
