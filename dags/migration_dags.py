"""Airflow DAG entry file: builds every DAG from the migration plans in include/plans/ (or $MIGRATION_PLANS_DIR).

Kept thin on purpose; the builders live in include/migration_dags/. A plan that does not validate shows up
as an `invalid_plan__<file>` DAG carrying its errors, and breaks none of the other plans' DAGs.
"""

import sys
from pathlib import Path

_INCLUDE = str(Path(__file__).resolve().parent.parent / "include")
if _INCLUDE not in sys.path:  # deployments without the project's .pth (e.g. docker-compose) still import
    sys.path.append(_INCLUDE)

from migration_dags.build import build_all  # noqa: E402

for _dag in build_all():
    globals()[_dag.dag_id] = _dag
