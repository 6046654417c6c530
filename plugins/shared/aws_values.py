"""The values of the AWS API enums the project sends, once for the plan model and the operators.

Spelled as botocore's service models define them; tests/unit/test_aws_enums.py checks every one against
the installed botocore. They are not read from botocore at run time: loading a service model costs about
100 ms per process, and Airflow parses DAG files in fresh processes.
"""

from __future__ import annotations

# MGN: UpdateLaunchConfiguration (TargetInstanceTypeRightSizingMethod, LaunchDisposition, BootMode)
MGN_RIGHT_SIZING = ("NONE", "BASIC")
MGN_LAUNCH_DISPOSITION = ("STARTED", "STOPPED")
MGN_BOOT_MODE = ("LEGACY_BIOS", "UEFI", "USE_SOURCE")
# MGN: ChangeServerLifeCycleState (ChangeServerLifeCycleStateSourceServerLifecycleState)
MGN_LIFECYCLE_TARGETS = ("READY_FOR_TEST", "READY_FOR_CUTOVER", "CUTOVER")
# DMS: CreateReplicationTask (MigrationTypeValue), in the order the plan's errors list them
DMS_MIGRATION_TYPES = ("full-load", "full-load-and-cdc", "cdc")
# Route 53: the record types the DNS switch writes (a subset of RRType)
ROUTE53_SWITCHED_TYPES = ("A",)


def one_of(values: tuple[str, ...]) -> str:
    """``A, B or C``: the values as a plan's field description lists them."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
