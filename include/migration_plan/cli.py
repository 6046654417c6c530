"""Command line: validate, lint, show and rules. Exit codes: 0 fine, 1 warnings under --strict, 2 errors."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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


def _summary(path: str, issues: list[Issue], clean: str) -> None:
    """The per-file summary on stderr, on a line of its own: the findings on stdout are flushed first, so
    the two streams merged (`2>&1 | less`, CI logs) never glue the summary to the last fix line."""
    counts = {s: sum(1 for i in issues if i.severity == s) for s in ("error", "warning", "info")}
    text = f"{path}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)"
    sys.stdout.flush()
    print(text if issues else f"{path}: {clean}", file=sys.stderr, flush=True)


def cmd_validate(args) -> int:
    from migration_plan.validate import validate_file

    worst = EXIT_OK
    for path in args.plans:
        result = validate_file(path)
        if result.errors:
            worst = args.exit_code = EXIT_ERRORS
        _print_issues(result.issues, args.format)
        if args.format == "text":
            _summary(path, result.issues, "valid")
    return worst


def cmd_lint(args) -> int:
    from migration_plan.lint import lint_file

    worst = EXIT_OK
    for path in args.plans:
        issues = lint_file(path)
        if any(i.severity == "error" for i in issues):
            worst = EXIT_ERRORS
        elif args.strict and any(i.severity == "warning" for i in issues):
            worst = max(worst, EXIT_WARNINGS)
        args.exit_code = worst
        _print_issues(issues, args.format)
        if args.format == "text":
            _summary(path, issues, "clean")
    return worst


@contextlib.contextmanager
def _stdout_to_stderr():
    """While the DAGs are built, whatever Airflow logs to file descriptor 1 goes to stderr: stdout carries
    the YAML document only, so `make show | yaml-reader` works with any logging configuration."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def cmd_show(args) -> int:
    from migration_plan.show import render_show
    from migration_plan.validate import validate_file

    result = validate_file(args.plan)
    if not result.ok:
        args.exit_code = EXIT_ERRORS
        _print_issues(result.issues, "text")
        sys.stdout.flush()
        print(f"{args.plan}: not valid, nothing to show", file=sys.stderr)
        return EXIT_ERRORS
    with _stdout_to_stderr():
        text = render_show(result, build_dags=None if args.no_dags else args.build_dags)
    print(text)
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


def _quiet_closed_pipe() -> None:
    """The reader left (`| head`): send what is still buffered nowhere, so exit prints no traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def internal_error(command: str, exc: Exception, report: str) -> int:
    """Say that `command` hit a bug of the project (not bad input), without a traceback wall; `report`: what
    the user should send. The exit code is EXIT_INTERNAL (also plan_import's)."""
    print(
        f"internal error in {command}: {type(exc).__name__}: {exc}\nThis is a bug in the project{report}.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def main(argv: list[str] | None = None, *, build_dags: DagBuilder | None = None) -> int:
    """``build_dags``: what ``show`` lists the DAGs with (the entry point passes the DAG builders)."""
    args = build_parser().parse_args(argv)
    args.build_dags = build_dags
    args.exit_code = EXIT_OK  # what was found before the output pipe closed, if it closes
    try:
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that left must not turn into a traceback at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_closed_pipe()
        return args.exit_code
    except Exception as exc:  # a bug of ours, not bad input: say so without a traceback wall
        return internal_error(
            f"migration_plan {args.command}",
            exc,
            ", not in your plan: please report it with the plan (secrets removed)",
        )
