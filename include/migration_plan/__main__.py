"""``python -m migration_plan``: the CLI's entry point.

Like ``dags/``, an entry point stands above every layer: it hands ``show`` the DAG builders, which the plan
package itself never imports (tests/unit/test_layers.py).
"""

import sys

from migration_plan.cli import main


def build_plan_dags(result):
    from migration_dags.build import build_plan_dags as build  # only `show` needs Airflow

    return build(result)


sys.exit(main(build_dags=build_plan_dags))
