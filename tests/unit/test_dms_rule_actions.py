"""The DMS table-mapping rule actions are listed twice, on purpose: the plan validator's
(`migration_plan.dms_format.RULE_ACTIONS`, every action AWS DMS documents) and the sandbox's
(`sandbox.dms.engine.rules`, the actions its DMS carries out). The two are separate programs that must not
import each other, and botocore models TableMappings as a plain string, so there is no source both could
read. These tests keep the lists from drifting apart: whatever the sandbox carries out, the plan accepts.
"""

from __future__ import annotations

from migration_plan.dms_format import RULE_ACTIONS, TRANSFORMATION_TARGETS

from sandbox.dms.engine import rules


def test_the_sandbox_selects_with_the_actions_the_plan_accepts():
    assert RULE_ACTIONS["selection"] == rules.SELECTION_ACTIONS


def test_every_transformation_the_sandbox_carries_out_is_one_the_plan_accepts():
    carried_out = rules.NAME_ACTIONS | rules.COLUMN_ONLY_ACTIONS | rules.TABLE_ONLY_ACTIONS
    assert carried_out <= RULE_ACTIONS["transformation"], carried_out - RULE_ACTIONS["transformation"]
    assert {"schema", "table", "column"} <= TRANSFORMATION_TARGETS
