"""What every run of a DMS task starts from (a full load, a validation, a CDC phase)."""

from __future__ import annotations

from dataclasses import dataclass

from .connect import Database
from .settings import TaskSettings


@dataclass(frozen=True)
class TaskInputs:
    """The task's two databases, its table mappings (the JSON document, as the API holds it), its settings
    and its name (the task's resource id: names the run's control tables and its CDC capture)."""

    source: Database
    target: Database
    table_mappings: str
    settings: TaskSettings
    task_name: str
