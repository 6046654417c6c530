"""The GX Core suite of one table pair, and running every suite as one Checkpoint against the target.

Source figures enter as expectation parameters (``{"$PARAMETER": name}``), so the suite is fixed and the
values are the ones computed at execute time. GX runs every check as SQL on the target through its SQL
data source (aggregates bundled into few queries); unexpected values are not collected
(``partial_unexpected_count`` 0), so results, XCom and Data Docs hold counts, not rows. The connection
string reaches GX as a ``${VARIABLE}`` substituted from the environment during the run, so GX never
renders or stores the password. ``great_expectations`` is imported only inside ``run_checkpoint``.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

from gx_checks.figures import TableProfile, TableRef

URL_VARIABLE = "MIGRATION_GX_TARGET_URL"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


@dataclass
class TablePair:
    source: TableProfile
    target: TableRef

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.target.label).strip("_")


def _tolerance(value: float, exact: bool) -> float:
    return max(abs(value) * (1e-12 if exact else 1e-6), 1e-9 if exact else 1e-6)


def parameters(pair: TablePair, figures: dict[str, Any]) -> dict[str, Any]:
    """The expectation parameters of one pair from the source's figures (JSON-safe floats)."""
    params: dict[str, Any] = {f"{pair.slug}__rows": figures["rows"]}
    for col, stats in figures["columns"].items():
        exact = pair.source.numeric[col]
        for stat, value in stats.items():
            name = f"{pair.slug}__{col}__{stat}"
            if value is None:  # an empty or all-NULL column: the target must be empty/NULL as well
                params[f"{name}_lo"] = params[f"{name}_hi"] = None
                continue
            value = float(value)
            tol = _tolerance(value, exact)
            params[f"{name}_lo"], params[f"{name}_hi"] = value - tol, value + tol
    return params


def _spec(expectation: str, check: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"type": expectation, "kwargs": kwargs, "check": check}


def _structure_specs(pair: TablePair) -> list[dict[str, Any]]:
    """Row count, column set, key not null and unique."""
    prof = pair.source
    specs = [
        _spec(
            "expect_table_row_count_to_equal", "row count", {"value": {"$PARAMETER": f"{pair.slug}__rows"}}
        ),
        _spec(
            "expect_table_columns_to_match_set",
            "column set",
            {"column_set": prof.columns, "exact_match": True},
        ),
    ]
    specs += [
        _spec("expect_column_values_to_not_be_null", f"key {c} not null", {"column": c}) for c in prof.key
    ]
    if len(prof.key) == 1:
        specs.append(_spec("expect_column_values_to_be_unique", "key unique", {"column": prof.key[0]}))
    elif prof.key:
        specs.append(_spec("expect_compound_columns_to_be_unique", "key unique", {"column_list": prof.key}))
    return specs


def _aggregate_specs(pair: TablePair) -> list[dict[str, Any]]:
    """SUM, MIN and MAX of each numeric column within the source's figures (parameters ``_lo``/``_hi``)."""
    specs = []
    for col in pair.source.numeric:
        for stat in ("sum", "min", "max"):
            name = f"{pair.slug}__{col}__{stat}"
            between = {"min_value": {"$PARAMETER": f"{name}_lo"}, "max_value": {"$PARAMETER": f"{name}_hi"}}
            check = f"{col} {stat} equals the source"
            specs.append(_spec(f"expect_column_{stat}_to_be_between", check, {"column": col, **between}))
    return specs


def expectation_specs(
    pair: TablePair, plan_expectations: list[dict[str, Any]], sql_checks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``[{"type": snake_name, "kwargs": {...}, "check": what it proves}]`` for one table pair: its
    structure, its aggregates, then the plan's expectations and SQL checks on this table."""
    names = {pair.target.table, pair.target.label}
    plan = [
        _spec(e["expectation"], "plan expectation", dict(e.get("kwargs") or {}))
        for e in plan_expectations
        if e["table"] in names
    ]
    sql = [
        _spec(
            "unexpected_rows_expectation",
            f"SQL check {c.get('name') or c['query']}",
            {"unexpected_rows_query": c["query"], "description": c.get("name") or c["query"]},
        )
        for c in sql_checks
        if c["table"] in names
    ]
    return _structure_specs(pair) + _aggregate_specs(pair) + plan + sql


def _docs_site(context: Any, folder: str) -> None:
    context.add_data_docs_site(
        site_name="migration",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": folder},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


def run_checkpoint(
    target_url: str,
    family: str,
    suites: list[tuple[TablePair, list[dict[str, Any]]]],
    params: dict[str, Any],
    docs_dir: str | None,
) -> dict[str, Any]:
    """Run every pair's suite as one Checkpoint (``family``: postgres, mysql or sqlite); ``{"success", "results": [...], "data_docs"}``."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.expectations.registry import get_expectation_impl

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    actions = []
    if docs_dir:
        _docs_site(context, docs_dir)
        actions.append(UpdateDataDocsAction(name="data_docs", site_names=["migration"]))
    variable = f"{URL_VARIABLE}_{uuid.uuid4().hex[:8].upper()}"
    os.environ[variable] = target_url
    try:
        add = {"postgres": "add_postgres", "sqlite": "add_sqlite"}.get(family, "add_sql")
        source = getattr(context.data_sources, add)(name="target", connection_string="${" + variable + "}")
        definitions = []
        for pair, specs in suites:
            asset = source.add_table_asset(
                name=pair.slug, table_name=pair.target.table, schema_name=pair.target.schema
            )
            suite = context.suites.add(gx.ExpectationSuite(name=f"rows_{pair.slug}"))
            for spec in specs:
                impl = get_expectation_impl(spec["type"])
                suite.add_expectation(
                    impl(**spec["kwargs"], meta={"check": spec["check"], "table": pair.target.label})
                )
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(
                        name=f"vd_{pair.slug}",
                        data=asset.add_batch_definition_whole_table("all"),
                        suite=suite,
                    )
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="row_checks",
                validation_definitions=definitions,
                actions=actions,
                result_format=RESULT_FORMAT,
            )
        )
        result = checkpoint.run(expectation_parameters=params)
    finally:
        os.environ.pop(variable, None)
    docs = next((s["site_url"] for s in context.get_docs_sites_urls() if s["site_name"] == "migration"), None)
    return {"success": bool(result.success), "results": _rows(result), "data_docs": docs}


def _rows(result: Any) -> list[dict[str, Any]]:
    rows = []
    for validation in result.run_results.values():
        for r in validation.results:
            cfg = r.expectation_config
            meta = cfg.meta or {}
            observed = {k: r.result.get(k) for k in ("observed_value", "unexpected_count") if k in r.result}
            expected = {
                k: v
                for k, v in cfg.kwargs.items()
                if k not in ("batch_id", "column_set", "unexpected_rows_query")
            }
            rows.append(
                {
                    "table": meta.get("table"),
                    "check": meta.get("check"),
                    "expectation": cfg.type,
                    "success": bool(r.success),
                    "expected": expected,
                    "observed": observed,
                    "error": _exception(r) if not r.success else None,
                }
            )
    return rows


def _exception(result: Any) -> str | None:
    """GX's exception message of a check that could not run (the info is flat or keyed by metric)."""
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
