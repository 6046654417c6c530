"""What every project hook shares: default retries for throttling/5xx and readable credential errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow.providers.common.compat.sdk import AirflowException
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

# botocore "standard" mode retries throttling and 5xx with exponential backoff and jitter; the connection's
# `config_kwargs.retries` (or the operator's `botocore_config`) wins over this default.
DEFAULT_RETRIES: dict[str, Any] = {"mode": "standard", "max_attempts": 10}

CREDENTIAL_ERROR_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthFailure",
    }
)
PERMISSION_ERROR_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})


class StandardRetriesMixin:
    """Give a hook standard-mode retries unless its connection or botocore_config already sets retries."""

    def _get_config(self, config: Config | None = None) -> Config:
        return Config(retries=dict(DEFAULT_RETRIES)).merge(super()._get_config(config))  # type: ignore[misc]


@contextmanager
def explain_aws_errors(conn_id: str | None, service: str) -> Iterator[None]:
    """
    Turn credential and permission failures into an AirflowException that says what to check.

    botocore's own messages name neither the Airflow connection nor the fix, and on a worker nobody can see
    which credentials the default chain picked. Other errors pass through untouched.
    """
    conn = repr(conn_id) if conn_id else "<none: boto3 default credential chain>"
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError) as err:
        raise AirflowException(
            f"No usable AWS credentials for {service} through Airflow connection {conn}: set login/password "
            "(access key id/secret) or role_arn in that connection, or give the worker an instance/task role."
        ) from err
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in CREDENTIAL_ERROR_CODES:
            raise AirflowException(
                f"AWS rejected the credentials of Airflow connection {conn} calling {service} ({code}): check "
                "the access key id/secret or the assumed role, the session token's expiry, and the region."
            ) from err
        if code in PERMISSION_ERROR_CODES:
            raise AirflowException(
                f"Airflow connection {conn} is not allowed to call {service} ({code}: "
                f"{err.response.get('Error', {}).get('Message', '')}): grant the IAM action named above to "
                "the connection's user/role (for MGN see the AWSApplicationMigrationFullAccess policy)."
            ) from err
        if code == "UninitializedAccountException":
            raise AirflowException(
                f"MGN is not initialized in this account/region for connection {conn}: open the MGN console "
                "once in that region (or call InitializeService) and check the connection's region_name."
            ) from err
        raise
