"""How a plan field is declared (`F`: what is expected and how to fix it, shown in errors), the strict base of
every plan section, and the patterns and value sets several sections (and the plan importers) use."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from shared.aws_values import DMS_MIGRATION_TYPES

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NAME_EXPECTED = "a name of 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"
SOURCE_SERVER_ID_PATTERN = r"^s-[0-9a-zA-Z]{17}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$"
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9/_+=,.@-]+$"
SNS_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$"

Engine = Literal[
    "mysql", "mariadb", "postgres", "aurora", "aurora-postgresql", "oracle", "sqlserver", "sqlite"
]
MigrationType = Literal[DMS_MIGRATION_TYPES]

# Values several sections declare: the constraint once here, each field keeps its own texts (`F`).
SecretArn = Annotated[str, Field(pattern=SECRET_ARN_PATTERN)]
RoleArn = Annotated[str, Field(pattern=ROLE_ARN_PATTERN)]
SourceServerId = Annotated[str, Field(pattern=SOURCE_SERVER_ID_PATTERN)]
ZoneId = Annotated[str, Field(pattern=r"^Z[A-Z0-9]{1,31}$")]  # botocore's route53 ResourceId: at most 32
RecordTtl = Annotated[int, Field(ge=0, le=172800)]
TTL_EXPECTED = "seconds between 0 and 172800"


def F(default: Any = ..., *, expected: str, fix: str | None = None, **kwargs: Any) -> Any:
    """A field with the texts that validation errors show: what is expected and how to fix it."""
    extra = {"fix": fix} if fix else None
    return Field(default, description=expected, json_schema_extra=extra, **kwargs)


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a plan must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
