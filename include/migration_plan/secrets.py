"""Find literal secrets anywhere in a plan, without ever repeating them.

Credentials belong in AWS Secrets Manager (secret_arn) or an Airflow connection (conn_id). A finding names
the path only: the value is never printed, logged or returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from migration_plan.issues import Issue

SECRET_RULE_ID = "MIG005"
SECRET_FIX = (
    "remove the value; store it in AWS Secrets Manager and give the endpoint's secret_arn, or in an Airflow "
    "connection (conn_id); then rotate it, since it has been written down"
)

_SECRET_KEY = re.compile(
    r"(?i)(^|[_-])(pass(word|wd|phrase)?|pwd|secret([_-]?(access[_-]?)?key)?|token|api[_-]?key|"
    r"access[_-]?key([_-]?id)?|private[_-]?key|credentials?)($|[_-])|password|secretkey|accesskey"
)
# Keys that name where a secret lives, not the secret itself.
_REFERENCE_KEYS = {
    "secret_arn",
    "secrets_access_role_arn",
    "conn_id",
    "aws_conn_id",
    "SecretsManagerSecretId",
    "SecretsManagerAccessRoleArn",
}
_REFERENCE_VALUE = re.compile(r"^(arn:aws[a-z-]*:(secretsmanager|iam|kms|ssm):|\{\{.*\}\}$)")
_VALUE_PATTERNS = [
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password"),
    (re.compile(r"(?i)(^|[;\s])(password|pwd|passwd)\s*="), "a password in connection attributes"),
]


def _is_literal(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        return bool(value.strip()) and not _REFERENCE_VALUE.match(value.strip())
    return False


def find_literal_secrets(data: Any, path: tuple = ()) -> Iterator[Issue]:
    """Yield one issue per literal secret: by key name (password: ...) or by value shape (AKIA...)."""
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, key)
            secret_key = isinstance(key, str) and key not in _REFERENCE_KEYS and _SECRET_KEY.search(key)
            if secret_key and _is_literal(value):
                yield Issue.error(
                    SECRET_RULE_ID,
                    child,
                    f"a literal secret ('{key}') is not allowed in a plan; its value is not shown",
                    fix=SECRET_FIX,
                )
                continue
            yield from find_literal_secrets(value, child)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from find_literal_secrets(value, (*path, index))
    elif isinstance(data, str):
        for pattern, what in _VALUE_PATTERNS:
            if pattern.search(data):
                yield Issue.error(
                    SECRET_RULE_ID,
                    path,
                    f"this value contains {what}; its value is not shown",
                    fix=SECRET_FIX,
                )
                break
