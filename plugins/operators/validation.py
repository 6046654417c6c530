"""GxRowChecksOperator: source against target, per table, with GX Core, after DMS validation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator, BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.types import TaskInstanceKey

RESULT_KEY = "gx_result"
DOCS_KEY = "data_docs_url"


class GxDataDocsLink(BaseOperatorLink):
    """The Data Docs index this run wrote (a file:// URL on the worker's shared folder)."""

    name = "GX Data Docs"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return XCom.get_value(key=DOCS_KEY, ti_key=ti_key) or ""


def _ref(value: Any) -> Any:
    from gx_checks.figures import TableRef

    if isinstance(value, TableRef):
        return value
    schema, _, table = str(value).rpartition(".")
    return TableRef(schema or None, table)


def failure_lines(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for r in results:
        if r["success"]:
            continue
        detail = r["error"] or f"expected {r['expected']}, observed {r['observed']}"
        lines.append(f"{r['table']}: {r['check']} ({r['expectation']}): {detail}")
    return lines


class GxRowChecksOperator(BaseOperator):
    """
    Compare every table pair: equal row counts, key columns not null and unique, equal SUM/MIN/MAX of each
    numeric column, equal column sets, plus the plan's own expectations and SQL checks (``{table, query}``
    with ``{batch}`` standing for the table: the rows it returns are failures).

    The source's figures are computed at execute time with one aggregate query per table and passed to GX
    as expectation parameters; GX checks the target with SQL in the database. Data Docs go to
    ``data_docs_dir`` (linked on the task and returned). On failure the result is pushed to XCom
    ``gx_result`` first, then the task fails with one line per failed check.

    :param source: / :param target: the databases as plain values (see ``hooks.databases.DatabaseAddress``).
    :param tables: ``[{"source": "schema.table", "target": "schema.table"}]``; default: every table of
        ``source_schema``, under the same name in ``target_schema``.
    :return: ``{"success", "tables", "checks", "failed", "results", "data_docs"}``.
    """

    template_fields: Sequence[str] = ("source", "target", "tables", "data_docs_dir")
    operator_extra_links = (GxDataDocsLink(),)

    def __init__(
        self,
        *,
        source: dict[str, Any],
        target: dict[str, Any],
        tables: list[dict[str, str]] | None = None,
        source_schema: str | None = None,
        target_schema: str | None = None,
        expectations: list[dict[str, Any]] | None = None,
        sql_checks: list[dict[str, Any]] | None = None,
        data_docs_dir: str | None = None,
        report_only: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.report_only = report_only
        self.source, self.target, self.tables = source, target, tables
        self.source_schema, self.target_schema = source_schema, target_schema
        self.expectations, self.sql_checks = expectations or [], sql_checks or []
        self.data_docs_dir = data_docs_dir
        self.aws_conn_id, self.region_name = aws_conn_id, region_name

    def _pairs(self, source_engine: Any) -> list[Any]:
        from gx_checks.figures import TableRef, profile
        from gx_checks.suite import TablePair
        from sqlalchemy import inspect

        if self.tables:
            refs = [(_ref(t["source"]), _ref(t["target"])) for t in self.tables]
        else:
            names = inspect(source_engine).get_table_names(schema=self.source_schema)
            refs = [
                (TableRef(self.source_schema, n), TableRef(self.target_schema, n))
                for n in sorted(names)
                if not n.startswith("awsdms_")
            ]
        return [TablePair(profile(source_engine, src), tgt) for src, tgt in refs]

    def execute(self, context: Context) -> dict[str, Any]:
        from gx_checks.figures import figures
        from gx_checks.suite import expectation_specs, parameters, run_checkpoint
        from hooks.databases import DatabaseAddress, create_engine_for, engine_family, sqlalchemy_url

        aws = {"aws_conn_id": self.aws_conn_id, "region_name": self.region_name}
        source_engine = create_engine_for(DatabaseAddress.from_dict(self.source), aws)
        try:
            pairs = self._pairs(source_engine)
            params: dict[str, Any] = {}
            for pair in pairs:
                params.update(parameters(pair, figures(source_engine, pair.source)))
        finally:
            source_engine.dispose()
        if not pairs:
            raise AirflowFailException(f"no tables to check in the source schema {self.source_schema!r}")
        suites = [(pair, expectation_specs(pair, self.expectations, self.sql_checks)) for pair in pairs]
        docs_dir = str(Path(self.data_docs_dir)) if self.data_docs_dir else None
        target_url = sqlalchemy_url(DatabaseAddress.from_dict(self.target), aws).render_as_string(
            hide_password=False
        )
        outcome = run_checkpoint(target_url, engine_family(self.target["engine"]), suites, params, docs_dir)
        summary = self._summary(outcome, len(pairs))
        if outcome["data_docs"]:
            context["ti"].xcom_push(key=DOCS_KEY, value=outcome["data_docs"])
        if not outcome["success"] and self.report_only:
            self.log.warning(
                "GX row checks failed (report only: %s)", "; ".join(failure_lines(outcome["results"]))
            )
        elif not outcome["success"]:
            context["ti"].xcom_push(key=RESULT_KEY, value=summary)
            lines = failure_lines(outcome["results"])
            raise AirflowFailException("GX row checks failed:\n" + "\n".join(f"  - {line}" for line in lines))
        return summary

    def _summary(self, outcome: dict[str, Any], tables: int) -> dict[str, Any]:
        results = outcome["results"]
        failed = [r for r in results if not r["success"]]
        self.log.info("GX row checks: %d tables, %d checks, %d failed.", tables, len(results), len(failed))
        return {
            "success": outcome["success"],
            "tables": tables,
            "checks": len(results),
            "failed": len(failed),
            "results": results,
            "data_docs": outcome["data_docs"],
        }
