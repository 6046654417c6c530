"""Draft a plan from what an AWS account already has: MGN, DMS and Route 53, read through boto3."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from plan_import.aws_dms import read_databases
from plan_import.aws_dns import attach_dns
from plan_import.aws_mgn import read_waves
from plan_import.draft import Draft, plan_settings
from plan_import.servers import waves_from_groups


def clients(region: str | None, endpoint_url: str | None, profile: str | None = None) -> dict[str, Any]:
    session = boto3.Session(profile_name=profile, region_name=region)
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    return {
        name: session.client(name, endpoint_url=endpoint_url, config=config)
        for name in ("mgn", "dms", "route53", "secretsmanager", "sts")
    }


def _account(sts: Any) -> str:
    try:
        return sts.get_caller_identity()["Account"]
    except (ClientError, BotoCoreError):
        return "unknown account"


def draft_from_aws(aws: dict[str, Any], name: str | None = None) -> Draft:
    region = aws["mgn"].meta.region_name
    draft = Draft(source=f"AWS account {_account(aws['sts'])}, {region} (MGN, DMS, Route 53)")
    plan_settings(draft, name, region, default_name=f"imported-{region}")
    groups, unassigned = read_waves(draft, aws["mgn"])
    waves_from_groups(draft, groups, unassigned)
    attach_dns(draft, aws["route53"])
    read_databases(draft, aws["dms"], aws["secretsmanager"])
    if not draft.data["waves"]:
        draft.data.pop("waves")
    if not draft.data["databases"]:
        draft.data.pop("databases")
    return draft
