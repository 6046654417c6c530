"""The row-check suite of one table pair: which expectations, which parameters from the source figures."""

from __future__ import annotations

from decimal import Decimal

from gx_checks.figures import TableProfile, TableRef
from gx_checks.suite import TablePair, expectation_specs, parameters
from operators.validation import failure_lines

PAIR = TablePair(
    TableProfile(
        TableRef("shop", "lines"),
        ["order_id", "line", "price", "w"],
        ["order_id", "line"],
        {"price": True, "w": False},
    ),
    TableRef("public", "lines"),
)


def test_specs_cover_count_columns_keys_aggregates_and_the_plans_own_checks():
    specs = expectation_specs(
        PAIR,
        [{"table": "lines", "expectation": "expect_column_values_to_not_be_null", "kwargs": {"column": "w"}}],
        [
            {
                "table": "public.lines",
                "name": "no free lines",
                "query": "SELECT * FROM {batch} WHERE price = 0",
            }
        ],
    )
    checks = [s["check"] for s in specs]
    assert checks[:5] == [
        "row count",
        "column set",
        "key order_id not null",
        "key line not null",
        "key unique",
    ]
    assert specs[4]["type"] == "expect_compound_columns_to_be_unique"
    assert "price sum equals the source" in checks and "w max equals the source" in checks
    assert checks[-2:] == ["plan expectation", "SQL check no free lines"]
    assert specs[0]["kwargs"] == {"value": {"$PARAMETER": "public_lines__rows"}}


def test_parameters_are_exact_for_decimals_and_tolerant_for_floats():
    params = parameters(
        PAIR,
        {
            "rows": 3,
            "columns": {
                "price": {"sum": Decimal("12345678.91"), "min": Decimal("0.01"), "max": None},
                "w": {"sum": 0.3, "min": 0.1, "max": 0.2},
            },
        },
    )
    assert params["public_lines__rows"] == 3
    lo, hi = params["public_lines__price__sum_lo"], params["public_lines__price__sum_hi"]
    assert hi - lo < 0.001 and lo < 12345678.91 < hi
    assert params["public_lines__price__max_lo"] is None
    assert params["public_lines__w__sum_hi"] - params["public_lines__w__sum_lo"] > 1.9e-6


def test_failure_lines_are_readable():
    rows = [
        {
            "table": "public.lines",
            "check": "row count",
            "expectation": "expect_table_row_count_to_equal",
            "success": False,
            "expected": {"value": 3},
            "observed": {"observed_value": 2},
            "error": None,
        },
        {
            "table": "public.lines",
            "check": "key unique",
            "expectation": "x",
            "success": True,
            "expected": {},
            "observed": {},
            "error": None,
        },
    ]
    assert failure_lines(rows) == [
        "public.lines: row count (expect_table_row_count_to_equal): expected {'value': 3}, observed {'observed_value': 2}"
    ]
