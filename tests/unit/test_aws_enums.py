"""Every value the plan or an operator may send for an AWS enum is one botocore's service model allows.

The walk covers every field of the plan model whose values are an enumeration, and every enumerated key of
the DMS task settings the plan checks: each must be classified below (an AWS enum with its botocore shape,
documented AWS values where botocore models no enum, or the plan's own), so a new one cannot slip through.
"""

from __future__ import annotations

import re
import typing
from functools import cache

import botocore.session
import pytest
from migration_plan.dms_format import KNOWN_SETTINGS
from migration_plan.model import MigrationPlan
from operators.mgn import MgnChangeServerLifeCycleStateOperator, MgnUpdateLaunchConfigurationOperator
from operators.rollback import MgnRevertLifecycleOperator
from pydantic import BaseModel
from shared import aws_values

# plan field -> (service, botocore enum shape): the plan's values must be among the shape's.
PLAN_AWS_ENUMS = {
    ("LaunchSettings", "right_sizing"): ("mgn", "TargetInstanceTypeRightSizingMethod"),
    ("LaunchSettings", "launch_disposition"): ("mgn", "LaunchDisposition"),
    ("Database", "migration_type"): ("dms", "MigrationTypeValue"),
    ("DnsRecord", "type"): ("route53", "RRType"),
    ("DatabaseDnsRecord", "type"): ("route53", "RRType"),
}
# plan field -> the botocore member whose documentation lists the valid values (a plain string in the model)
PLAN_AWS_DOCUMENTED = {("Endpoint", "engine"): ("dms", "CreateEndpointMessage", "EngineName")}
SANDBOX_ONLY = {("Endpoint", "engine"): {"sqlite"}}
# plan fields whose values are the plan's own, never sent to AWS
PLAN_OWN = {("Notification", "type"), ("Server", "os")}
# DMS task settings are one JSON string in the API (ReplicationTaskSettings): botocore models no keys.
# TargetTablePrepMode's three modes are the ones the DMS data-migration API models as TablePreparationMode;
# ValidationMode is only documented (DMS user guide, "Data validation task settings").
TASK_SETTING_AWS_ENUMS = {
    ("FullLoadSettings", "TargetTablePrepMode"): (
        "dms",
        "TablePreparationMode",
        {
            "DO_NOTHING": "do-nothing",
            "DROP_AND_CREATE": "drop-tables-on-target",
            "TRUNCATE_BEFORE_LOAD": "truncate",
        },
    ),
}
TASK_SETTING_DOCUMENTED = {("ValidationSettings", "ValidationMode"): {"ROW_LEVEL", "GROUP_LEVEL"}}
# values in shared/aws_values.py -> (service, shape); the operators and the plan use these
SHARED_VALUES = {
    "MGN_RIGHT_SIZING": ("mgn", "TargetInstanceTypeRightSizingMethod"),
    "MGN_LAUNCH_DISPOSITION": ("mgn", "LaunchDisposition"),
    "MGN_BOOT_MODE": ("mgn", "BootMode"),
    "MGN_LIFECYCLE_TARGETS": ("mgn", "ChangeServerLifeCycleStateSourceServerLifecycleState"),
    "DMS_MIGRATION_TYPES": ("dms", "MigrationTypeValue"),
    "ROUTE53_SWITCHED_TYPES": ("route53", "RRType"),
}


@cache
def _model(service: str):
    return botocore.session.get_session().get_service_model(service)


def _enum(service: str, shape: str) -> set[str]:
    values = _model(service).shape_for(shape).enum
    assert values, f"{service} {shape} is not an enum in botocore's model"
    return set(values)


def _literal_values(annotation) -> set[str] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    found = [v for arg in typing.get_args(annotation) if (v := _literal_values(arg)) is not None]
    return set().union(*found) if found else None


def _models(model: type[BaseModel], seen: set[type]) -> None:
    seen.add(model)
    for field in model.model_fields.values():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            for inner in (arg, *typing.get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    _models(inner, seen)


def _plan_enum_fields() -> dict[tuple[str, str], set[str]]:
    models: set[type] = set()
    _models(MigrationPlan, models)
    return {
        (model.__name__, name): values
        for model in models
        for name, field in model.model_fields.items()
        if (values := _literal_values(field.annotation)) is not None
    }


def test_the_walk_finds_every_enumerated_plan_field():
    fields = _plan_enum_fields()
    assert {
        ("LaunchSettings", "right_sizing"),
        ("Database", "migration_type"),
        ("Endpoint", "engine"),
    } <= set(fields)
    unclassified = set(fields) - set(PLAN_AWS_ENUMS) - set(PLAN_AWS_DOCUMENTED) - PLAN_OWN
    assert not unclassified, f"classify these enumerated plan fields in this test: {sorted(unclassified)}"


@pytest.mark.parametrize("field", sorted(PLAN_AWS_ENUMS))
def test_plan_enum_values_are_botocore_values(field):
    plan_values = _plan_enum_fields()[field]
    allowed = _enum(*PLAN_AWS_ENUMS[field])
    assert plan_values <= allowed, (
        f"{field}: {sorted(plan_values - allowed)} not in botocore's {sorted(allowed)}"
    )


def test_plan_right_sizing_is_exactly_what_mgn_accepts():
    assert (
        _plan_enum_fields()[("LaunchSettings", "right_sizing")]
        == {"NONE", "BASIC"}
        == _enum("mgn", "TargetInstanceTypeRightSizingMethod")
    )


@pytest.mark.parametrize("field", sorted(PLAN_AWS_DOCUMENTED))
def test_plan_engines_are_named_by_botocore_documentation(field):
    service, shape, member = PLAN_AWS_DOCUMENTED[field]
    doc = _model(service).shape_for(shape).members[member].documentation
    documented = set(re.findall(r'<code>"([a-z0-9-]+)"</code>', doc))
    assert len(documented) > 10
    values = _plan_enum_fields()[field] - SANDBOX_ONLY.get(field, set())
    assert values <= documented, sorted(values - documented)


def test_every_enumerated_task_setting_is_classified_and_matches_dms():
    enumerated = {key for key, kind in _settings_items() if isinstance(kind, set)}
    assert enumerated == set(TASK_SETTING_AWS_ENUMS) | set(TASK_SETTING_DOCUMENTED)
    for key, (service, shape, spelled) in TASK_SETTING_AWS_ENUMS.items():
        assert set(spelled) == _known(key), key
        assert set(spelled.values()) == _enum(service, shape), key
    for key, documented in TASK_SETTING_DOCUMENTED.items():
        assert _known(key) == documented, key


def _settings_items():
    return [((section, key), kind) for section, keys in KNOWN_SETTINGS.items() for key, kind in keys.items()]


def _known(key: tuple[str, str]) -> set[str]:
    return set(KNOWN_SETTINGS[key[0]][key[1]])


@pytest.mark.parametrize("name", sorted(SHARED_VALUES))
def test_shared_aws_values_are_botocore_values(name):
    values = set(getattr(aws_values, name))
    allowed = _enum(*SHARED_VALUES[name])
    assert values <= allowed, f"{name}: {sorted(values - allowed)}"
    if name != "ROUTE53_SWITCHED_TYPES":  # the DNS switch writes A records only
        assert values == allowed, f"{name}: botocore also allows {sorted(allowed - values)}"


def test_every_shared_value_is_checked():
    public = {n for n in vars(aws_values) if n.isupper()}
    assert public == set(SHARED_VALUES)


def test_operator_enums_are_botocore_values():
    launch = MgnUpdateLaunchConfigurationOperator.ENUMS
    assert launch["targetInstanceTypeRightSizingMethod"] == _enum(
        "mgn", "TargetInstanceTypeRightSizingMethod"
    )
    assert launch["launchDisposition"] == _enum("mgn", "LaunchDisposition")
    assert launch["bootMode"] == _enum("mgn", "BootMode")
    targets = _enum("mgn", "ChangeServerLifeCycleStateSourceServerLifecycleState")
    assert set(MgnChangeServerLifeCycleStateOperator.STATES) == targets
    states = _enum("mgn", "LifeCycleState")
    assert (
        set(MgnRevertLifecycleOperator.REVERT) <= states
        and set(MgnRevertLifecycleOperator.REVERT.values()) <= targets
    )
    assert set(MgnRevertLifecycleOperator.FINAL) <= states
