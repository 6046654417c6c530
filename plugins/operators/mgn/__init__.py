"""
Operators for MGN waves: launch, terminate, finalize, archive, lifecycle, launch settings, wave sync.

Every operator takes the wave as plain ``source_server_ids`` (a DAG builder wires them from the plan), acts
on the whole wave in one call where the API allows, and is idempotent: it describes first and reuses the job
this run already started, or skips servers already in the target state. A retry never launches twice.

| module | holds |
|---|---|
| ``wave_base`` | ``MgnWaveOperator``: the wave described in one call, console links |
| ``job_base`` | ``MgnJobOperator``: start a job at most once per attempt, tag it, wait for it |
| ``launch`` | ``MgnStartTestOperator``, ``MgnStartCutoverOperator`` (reuse the job of this run) |
| ``terminate`` | ``MgnTerminateTargetInstancesOperator`` |
| ``lifecycle`` | ``MgnChangeServerLifeCycleStateOperator``, ``MgnFinalizeCutoverOperator``, ``MgnMarkAsArchivedOperator`` |
| ``launch_configuration`` | ``MgnUpdateLaunchConfigurationOperator`` |
| ``wave_sync`` | ``MgnSyncWaveOperator`` |
"""

from operators.mgn.job_base import MgnJobOperator
from operators.mgn.launch import MgnStartCutoverOperator, MgnStartTestOperator
from operators.mgn.launch_configuration import MgnUpdateLaunchConfigurationOperator
from operators.mgn.lifecycle import (
    MgnChangeServerLifeCycleStateOperator,
    MgnFinalizeCutoverOperator,
    MgnMarkAsArchivedOperator,
)
from operators.mgn.terminate import MgnTerminateTargetInstancesOperator
from operators.mgn.wave_base import MAX_WAVE_SIZE, MgnWaveOperator, lifecycle_state
from operators.mgn.wave_sync import MgnSyncWaveOperator

__all__ = [
    "MAX_WAVE_SIZE",
    "MgnChangeServerLifeCycleStateOperator",
    "MgnFinalizeCutoverOperator",
    "MgnJobOperator",
    "MgnMarkAsArchivedOperator",
    "MgnStartCutoverOperator",
    "MgnStartTestOperator",
    "MgnSyncWaveOperator",
    "MgnTerminateTargetInstancesOperator",
    "MgnUpdateLaunchConfigurationOperator",
    "MgnWaveOperator",
    "lifecycle_state",
]
