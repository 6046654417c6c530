"""DMS task settings: the AWS defaults, user JSON merged over them, unknown keys rejected with their path.

`DEFAULT_TASK_SETTINGS` is the document AWS returns for a task created without settings. A user document
may name any subset of it; a key that is not in it is an error (`InvalidTaskSettings`, with the JSON path),
as is a value of the wrong JSON type. Sections whose AWS default is `null` take any object.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from sandbox import strict_json

from .errors import InvalidTaskSettings

DEFAULT_TASK_SETTINGS: dict[str, Any] = {
    "TargetMetadata": {
        "TargetSchema": "",
        "SupportLobs": True,
        "FullLobMode": False,
        "LobChunkSize": 64,
        "LimitedSizeLobMode": True,
        "LobMaxSize": 32,
        "InlineLobMaxSize": 0,
        "LoadMaxFileSize": 0,
        "ParallelLoadThreads": 0,
        "ParallelLoadBufferSize": 0,
        "ParallelLoadQueuesPerThread": 0,
        "ParallelApplyThreads": 0,
        "ParallelApplyBufferSize": 0,
        "ParallelApplyQueuesPerThread": 0,
        "BatchApplyEnabled": False,
        "TaskRecoveryTableEnabled": False,
    },
    "FullLoadSettings": {
        "TargetTablePrepMode": "DROP_AND_CREATE",
        "CreatePkAfterFullLoad": False,
        "StopTaskCachedChangesApplied": False,
        "StopTaskCachedChangesNotApplied": False,
        "MaxFullLoadSubTasks": 8,
        "TransactionConsistencyTimeout": 600,
        "CommitRate": 10000,
    },
    "TTSettings": {"EnableTT": False, "TTS3Settings": None, "TTRecordSettings": None},
    "Logging": {
        "EnableLogging": False,
        "EnableLogContext": False,
        "LogComponents": None,
        "CloudWatchLogGroup": None,
        "CloudWatchLogStream": None,
    },
    "ControlTablesSettings": {
        "historyTimeslotInMinutes": 5,
        "HistoryTimeslotInMinutes": 5,
        "ControlSchema": "",
        "HistoryTableEnabled": False,
        "SuspendedTablesTableEnabled": False,
        "StatusTableEnabled": False,
        "FullLoadExceptionTableEnabled": False,
    },
    "StreamBufferSettings": {
        "StreamBufferCount": 3,
        "StreamBufferSizeInMB": 8,
        "CtrlStreamBufferSizeInMB": 5,
    },
    "ChangeProcessingDdlHandlingPolicy": {
        "HandleSourceTableDropped": True,
        "HandleSourceTableTruncated": True,
        "HandleSourceTableAltered": True,
    },
    "ErrorBehavior": {
        "DataErrorPolicy": "LOG_ERROR",
        "DataTruncationErrorPolicy": "LOG_ERROR",
        "DataMaskingErrorPolicy": "STOP_TASK",
        "DataErrorEscalationPolicy": "SUSPEND_TABLE",
        "DataErrorEscalationCount": 0,
        "TableErrorPolicy": "SUSPEND_TABLE",
        "TableErrorEscalationPolicy": "STOP_TASK",
        "TableErrorEscalationCount": 0,
        "RecoverableErrorCount": -1,
        "RecoverableErrorInterval": 5,
        "RecoverableErrorThrottling": True,
        "RecoverableErrorThrottlingMax": 1800,
        "RecoverableErrorStopRetryAfterThrottlingMax": True,
        "ApplyErrorDeletePolicy": "IGNORE_RECORD",
        "ApplyErrorInsertPolicy": "LOG_ERROR",
        "ApplyErrorUpdatePolicy": "LOG_ERROR",
        "ApplyErrorEscalationPolicy": "LOG_ERROR",
        "ApplyErrorEscalationCount": 0,
        "ApplyErrorFailOnTruncationDdl": False,
        "FullLoadIgnoreConflicts": True,
        "FailOnTransactionConsistencyBreached": False,
        "FailOnNoTablesCaptured": True,
        "EventErrorPolicy": "IGNORE",
    },
    "ChangeProcessingTuning": {
        "BatchApplyPreserveTransaction": True,
        "BatchApplyTimeoutMin": 1,
        "BatchApplyTimeoutMax": 30,
        "BatchApplyMemoryLimit": 500,
        "BatchSplitSize": 0,
        "MinTransactionSize": 1000,
        "CommitTimeout": 1,
        "MemoryLimitTotal": 1024,
        "MemoryKeepTime": 60,
        "StatementCacheSize": 50,
    },
    "ValidationSettings": {
        "EnableValidation": False,
        "ValidationMode": "ROW_LEVEL",
        "ThreadCount": 5,
        "PartitionSize": 10000,
        "FailureMaxCount": 10000,
        "RecordFailureDelayInMinutes": 5,
        "RecordSuspendDelayInMinutes": 30,
        "MaxKeyColumnSize": 8096,
        "TableFailureMaxCount": 1000,
        "ValidationOnly": False,
        "HandleCollationDiff": False,
        "RecordFailureDelayLimitInMinutes": 0,
        "SkipLobColumns": False,
        "ValidationPartialLobSize": 0,
        "ValidationQueryCdcDelaySeconds": 0,
    },
    "PostProcessingRules": None,
    "CharacterSetSettings": None,
    "LoopbackPreventionSettings": None,
    "BeforeImageSettings": None,
    "FailTaskWhenCleanTaskResourceFailed": False,
}

_ENUMS = {
    ("FullLoadSettings", "TargetTablePrepMode"): {"DO_NOTHING", "DROP_AND_CREATE", "TRUNCATE_BEFORE_LOAD"},
    ("ValidationSettings", "ValidationMode"): {"ROW_LEVEL"},
}
_RANGES = {
    ("FullLoadSettings", "MaxFullLoadSubTasks"): (1, 49),
    ("FullLoadSettings", "CommitRate"): (1, 50000),
    ("ValidationSettings", "ThreadCount"): (1, 64),
    ("ValidationSettings", "PartitionSize"): (1, 1_000_000),
    ("TargetMetadata", "LobMaxSize"): (0, 102400),
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _merge(default: Any, given: Any, path: str) -> Any:
    if isinstance(default, dict):
        if not isinstance(given, dict):
            raise InvalidTaskSettings(f"Task Settings {path} must be a JSON object")
        merged = copy.deepcopy(default)
        for key, value in given.items():
            if key not in default:
                raise InvalidTaskSettings(
                    f"Task Settings contain an unknown setting: {path}.{key}".replace("$.", "")
                )
            merged[key] = _merge(default[key], value, f"{path}.{key}")
        return merged
    if default is None or given is None:  # null sections and null values: opaque
        return copy.deepcopy(given)
    if _type_name(default) != _type_name(given):
        raise InvalidTaskSettings(
            f"Task Settings {path.removeprefix('$.')} must be a {_type_name(default)}, got {json.dumps(given)}"
        )
    return copy.deepcopy(given)


def _deep_update(base: dict[str, Any], given: dict[str, Any]) -> None:
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


@dataclass(frozen=True)
class TaskSettings:
    """The merged settings document and typed accessors for what the engine honours."""

    document: dict[str, Any]

    @classmethod
    def parse(cls, text: str | None) -> TaskSettings:
        if text is None or not str(text).strip():
            return cls(copy.deepcopy(DEFAULT_TASK_SETTINGS))
        try:
            given = strict_json.loads(text)
        except ValueError as exc:
            raise InvalidTaskSettings(f"Task Settings are not valid JSON: {exc}") from exc
        merged = _merge(DEFAULT_TASK_SETTINGS, given, "$")
        for (section, key), allowed in _ENUMS.items():
            if merged[section][key] not in allowed:
                raise InvalidTaskSettings(
                    f"Task Settings {section}.{key} must be one of {sorted(allowed)}, got {merged[section][key]!r}"
                )
        for (section, key), (low, high) in _RANGES.items():
            value = merged[section][key]
            if not low <= value <= high:
                raise InvalidTaskSettings(f"Task Settings {section}.{key} must be between {low} and {high}")
        return cls(merged)

    def merged_with(self, text: str | None) -> TaskSettings:
        """ModifyReplicationTask: the new document is applied over the current one."""
        if text is None or not str(text).strip():
            return self
        try:
            given = strict_json.loads(text)
        except ValueError as exc:
            raise InvalidTaskSettings(f"Task Settings are not valid JSON: {exc}") from exc
        _merge(DEFAULT_TASK_SETTINGS, given, "$")  # validates keys and types
        base = copy.deepcopy(self.document)
        _deep_update(base, given)
        return TaskSettings.parse(json.dumps(base))

    def to_json(self) -> str:
        return json.dumps(self.document)

    # Full load
    @property
    def prep_mode(self) -> str:
        return self.document["FullLoadSettings"]["TargetTablePrepMode"]

    @property
    def max_subtasks(self) -> int:
        return int(self.document["FullLoadSettings"]["MaxFullLoadSubTasks"])

    @property
    def commit_rate(self) -> int:
        return int(self.document["FullLoadSettings"]["CommitRate"])

    # LOBs
    @property
    def support_lobs(self) -> bool:
        return bool(self.document["TargetMetadata"]["SupportLobs"])

    @property
    def full_lob_mode(self) -> bool:
        return bool(self.document["TargetMetadata"]["FullLobMode"])

    @property
    def lob_max_bytes(self) -> int | None:
        """Limited LOB mode: LOBs longer than this are truncated; None in full LOB mode."""
        tm = self.document["TargetMetadata"]
        if tm["FullLobMode"] or not tm["LimitedSizeLobMode"]:
            return None
        return int(tm["LobMaxSize"]) * 1024

    @property
    def target_schema(self) -> str:
        return self.document["TargetMetadata"]["TargetSchema"] or ""

    @property
    def control_schema(self) -> str:
        return self.document["ControlTablesSettings"]["ControlSchema"] or ""

    # Validation
    @property
    def validation(self) -> dict[str, Any]:
        return self.document["ValidationSettings"]

    @property
    def validation_enabled(self) -> bool:
        return bool(self.validation["EnableValidation"])
