"""Command line: `aws` drafts a plan from an account, `csv` from MGN's import CSV or CMF's intake CSV.

The draft is written to --out, then validated and linted. Exit 0 when it has no errors (warnings are
expected in a draft), 2 when it has errors or the input cannot be read, 3 on a bug of ours.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from migration_plan.cli import internal_error

from plan_import.draft import Draft, write_and_check

EXIT_OK, EXIT_ERRORS, EXIT_INTERNAL = 0, 2, 3


def _finish(draft: Draft, out: Path) -> int:
    issues = write_and_check(draft, out)
    for item in draft.unmapped:
        print(f"{out}: not mapped: {item}", file=sys.stderr)
    errors = [issue for issue in issues if issue.severity == "error"]
    for issue in errors:
        print(issue.render(), file=sys.stderr)
    warnings = sum(1 for issue in issues if issue.severity == "warning")
    guessed = sum(1 for text in draft.comments.values() if text.startswith("GUESSED"))
    print(
        f"{out}: drafted; {guessed} guessed value(s) marked GUESSED, {len(draft.unmapped)} item(s) not mapped, "
        f"{len(errors)} error(s), {warnings} lint warning(s) (make lint PLAN={out})",
        file=sys.stderr,
    )
    return EXIT_ERRORS if errors else EXIT_OK


def cmd_aws(args) -> int:
    from plan_import.aws import clients, draft_from_aws

    try:
        draft = draft_from_aws(clients(args.region, args.endpoint_url, args.profile), args.name)
    except (ClientError, BotoCoreError) as exc:
        print(f"plan-from-aws: AWS refused or could not be reached: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    return _finish(draft, Path(args.out))


def cmd_csv(args) -> int:
    from plan_import.csv_formats import CsvFormatError, draft_from_csv

    try:
        draft = draft_from_csv(Path(args.csv), args.format, name=args.name, region=args.region)
    except (CsvFormatError, OSError, UnicodeDecodeError) as exc:
        print(f"plan-from-csv: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    return _finish(draft, Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plan_import", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    aws = sub.add_parser("aws", help="draft a plan from the account's MGN, DMS and Route 53")
    aws.add_argument("--out", required=True, help="the plan file to write")
    aws.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:4566 for the sandbox")
    aws.add_argument("--region", help="default: the AWS configuration's region")
    aws.add_argument("--profile", help="an AWS configuration profile")
    aws.add_argument("--name", help="the plan's name (default: imported-REGION, marked as guessed)")
    aws.set_defaults(func=cmd_aws)
    csv = sub.add_parser("csv", help="draft a plan from MGN's import CSV or CMF's intake CSV")
    csv.add_argument("csv")
    csv.add_argument("--out", required=True, help="the plan file to write")
    csv.add_argument("--format", choices=["auto", "mgn", "cmf"], default="auto")
    csv.add_argument("--region", help="default: the CSV's region column, else us-east-1 (marked)")
    csv.add_argument("--name", help="the plan's name (default: the CSV file's name, marked as guessed)")
    csv.set_defaults(func=cmd_csv)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours, not bad input: say so without a traceback wall
        return internal_error(
            f"plan_import {args.command}", exc, ": please report it with the command you ran"
        )
