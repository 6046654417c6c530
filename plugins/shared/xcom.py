"""XCom keys that one task pushes and another task (or a gate's template) reads."""

from __future__ import annotations

# MgnPostLaunchValidationOperator: the results table (rows) and the same as Markdown for a gate's body.
VALIDATION_RESULTS_KEY = "validation_results"
VALIDATION_REPORT_KEY = "validation_report"
