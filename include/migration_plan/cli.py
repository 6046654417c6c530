"""Command line: validate, lint, show and rules. Exit codes: 0 fine, 1 warnings under --strict, 2 errors."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from migration_plan.issues import Issue

if TYPE_CHECKING:
    from migration_plan.show import DagBuilder

EXIT_OK, EXIT_WARNINGS, EXIT_ERRORS, EXIT_INTERNAL = 0, 1, 2, 3


def _print_issues(issues: list[Issue], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([issue.as_dict() for issue in issues], indent=2))
        return
    for issue in issues:
        print(issue.render())


def _summary(path: str, issues: list[Issue]) -> str:
    counts = {s: sum(1 for i in issues if i.severity == s) for s in ("error", "warning", "info")}
    return f"{path}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)"


def cmd_validate(args) -> int:
    from migration_plan.validate import validate_file

    worst = EXIT_OK
    for path in args.plans:
        result = validate_file(path)
        _print_issues(result.issues, args.format)
        if args.format == "text":
            print(_summary(path, result.issues) if result.issues else f"{path}: valid", file=sys.stderr)
        if result.errors:
            worst = EXIT_ERRORS
    return worst


def cmd_lint(args) -> int:
    from migration_plan.lint import lint_file

    worst = EXIT_OK
    for path in args.plans:
        issues = lint_file(path)
        _print_issues(issues, args.format)
        if args.format == "text":
            print(_summary(path, issues) if issues else f"{path}: clean", file=sys.stderr)
        if any(i.severity == "error" for i in issues):
            worst = EXIT_ERRORS
        elif args.strict and any(i.severity == "warning" for i in issues):
            worst = max(worst, EXIT_WARNINGS)
    return worst


def cmd_show(args) -> int:
    from migration_plan.show import render_show
    from migration_plan.validate import validate_file

    result = validate_file(args.plan)
    if not result.ok:
        _print_issues(result.issues, "text")
        print(f"{args.plan}: not valid, nothing to show", file=sys.stderr)
        return EXIT_ERRORS
    print(render_show(result, build_dags=None if args.no_dags else args.build_dags))
    return EXIT_OK


def cmd_rules(args) -> int:
    from migration_plan.lint import RULES

    for rule in RULES:
        print(f"{rule.id}  {rule.severity:<7}  {rule.title}\n         fix: {rule.fix}")
    return EXIT_OK


def cmd_docs(args) -> int:
    from migration_plan.docs import README, render_readme

    current = README.read_text(encoding="utf-8")
    fresh = render_readme(current)
    if args.write:
        README.write_text(fresh, encoding="utf-8")
        print(f"wrote {README}")
        return EXIT_OK
    if fresh != current:
        print(f"{README} is out of date: run `python -m migration_plan docs --write`", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{README} is up to date")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="migration_plan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check plans against the schema; exit 2 on errors")
    validate.add_argument("plans", nargs="+")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(func=cmd_validate)
    lint = sub.add_parser("lint", help="check plans for migration pitfalls; exit 2 on errors")
    lint.add_argument("plans", nargs="+")
    lint.add_argument("--strict", action="store_true", help="exit 1 on warnings")
    lint.add_argument("--format", choices=["text", "json"], default="text")
    lint.set_defaults(func=cmd_lint)
    show = sub.add_parser("show", help="print the plan with its defaults, its DAGs and its estimated cost")
    show.add_argument("plan")
    show.add_argument("--no-dags", action="store_true", help="skip building the DAGs (no Airflow import)")
    show.set_defaults(func=cmd_show)
    rules = sub.add_parser("rules", help="list the lint rules")
    rules.set_defaults(func=cmd_rules)
    docs = sub.add_parser("docs", help="check (or --write) the field reference in include/plans/README.md")
    docs.add_argument("--write", action="store_true")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None, *, build_dags: DagBuilder | None = None) -> int:
    """``build_dags``: what ``show`` lists the DAGs with (the entry point passes the DAG builders)."""
    args = build_parser().parse_args(argv)
    args.build_dags = build_dags
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours, not bad input: say so without a traceback wall
        print(
            f"internal error in migration_plan {args.command}: {type(exc).__name__}: {exc}\n"
            "This is a bug in the project, not in your plan: please report it with the plan (secrets removed).",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
