"""Errors raised by the DMS engine, each carrying the AWS error code the control plane returns."""

from __future__ import annotations


class DmsEngineError(Exception):
    """Base error: `code` is the AWS `__type` the service answers with."""

    code = "InvalidParameterValueException"


class InvalidTableMappings(DmsEngineError):
    """The table-mapping JSON is not valid (AWS: InvalidParameterValueException)."""


class InvalidTaskSettings(DmsEngineError):
    """The task-settings JSON is not valid or names an unknown setting."""


class EndpointConnectionError(DmsEngineError):
    """An endpoint cannot be reached or refused the login."""


class NoTablesFound(DmsEngineError):
    """No source table matched the selection rules (DMS fails the task with this text)."""

    def __init__(self) -> None:
        super().__init__(
            "No tables were found at task initialization. Either the selected table(s) or schemas(s) "
            "do no exist or no table(s) were matched by the tables' selection rule(s)"
        )


class LoadCancelled(Exception):
    """The task was stopped while a table loaded (not an error: the run ends as stopped)."""
