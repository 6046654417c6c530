"""Pieces of a draft that the sandbox world does not reach: settings the plan refuses, names, big waves."""

import json

from plan_import.aws_dms import _settings
from plan_import.draft import Draft, plan_name, render
from plan_import.servers import MAX_WAVE_SERVERS, ServerFacts, waves_from_groups


def test_task_settings_keep_what_the_plan_accepts_and_move_enable_validation():
    draft = Draft(source="test")
    text = json.dumps(
        {
            "ValidationSettings": {"EnableValidation": False, "ThreadCount": 5, "NewThing": 1},
            "FullLoadSettings": {"CommitRate": "lots", "MaxFullLoadSubTasks": 8},
            "BrandNewSection": {"X": 1},
            "Logging": {"EnableLogging": True},
        }
    )
    settings, enable = _settings(draft, "orders", text)
    assert enable is False
    assert settings == {
        "ValidationSettings": {"ThreadCount": 5},
        "FullLoadSettings": {"MaxFullLoadSubTasks": 8},
        "Logging": {"EnableLogging": True},
    }
    (said,) = draft.unmapped
    assert "BrandNewSection" in said and "FullLoadSettings.CommitRate" in said and "NewThing" in said


def test_plan_names_fit_the_rule():
    assert plan_name("Wave 1 (web)") == "Wave-1-web"
    assert plan_name("  ") == "unnamed"
    assert len(plan_name("x" * 100)) == 64


def test_a_wave_over_200_servers_is_split_and_said():
    draft = Draft(source="test")
    servers = [
        ServerFacts(hostname=f"h{n}", source_server_id=f"s-{n:017d}") for n in range(MAX_WAVE_SERVERS + 5)
    ]
    waves_from_groups(draft, [("big", "", servers)], [])
    assert [(w["name"], len(w["servers"])) for w in draft.data["waves"]] == [
        ("big-part-1", MAX_WAVE_SERVERS),
        ("big-part-2", 5),
    ]
    assert any("split into waves of 200" in item for item in draft.unmapped)
    assert "Not mapped (also printed on stderr):" in render(draft)
