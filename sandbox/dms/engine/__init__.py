"""The DMS engine: full load, table mappings, task settings and validation between real databases.

Public API: `Database`, `endpoint_url` (connect), `TaskSettings` (settings), `TableMappings` (mappings),
`TaskInputs` (inputs), `FullLoadRun` (run), `read_failures` (failures), and the errors in `errors`.
"""

from .connect import Database, endpoint_url
from .errors import (
    DmsEngineError,
    EndpointConnectionError,
    InvalidTableMappings,
    InvalidTaskSettings,
    NoTablesFound,
)
from .failures import read_failures
from .inputs import TaskInputs
from .mappings import TableMappings
from .run import FullLoadRun, TableStats
from .settings import DEFAULT_TASK_SETTINGS, TaskSettings

__all__ = [
    "DEFAULT_TASK_SETTINGS",
    "Database",
    "DmsEngineError",
    "EndpointConnectionError",
    "FullLoadRun",
    "InvalidTableMappings",
    "InvalidTaskSettings",
    "NoTablesFound",
    "TableMappings",
    "TableStats",
    "TaskInputs",
    "TaskSettings",
    "endpoint_url",
    "read_failures",
]
