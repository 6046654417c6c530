"""The two intake files the field uses, as plan drafts.

- MGN's import CSV (MGN user guide, "Importing your data inventory", import parameters): one row per
  server, columns `mgn:wave:name`, `mgn:wave:description`, `mgn:app:name`, `mgn:server:user-provided-id`,
  `mgn:server:platform`, `mgn:server:fqdn-for-action-framework`, `mgn:launch:...`; an export adds the ids
  (`mgn:server:id`, `mgn:app:id`, `mgn:wave:id`).
- Cloud Migration Factory's intake form: `wave_name` (older forms: `wave_id`), `app_name`, `aws_accountid`,
  `aws_region`, `server_name`, `server_os_family`, `server_os_version`, `server_fqdn`, `server_tier`,
  `server_environment`, `r_type`, `subnet_IDs`, `securitygroup_IDs`, `instanceType`, `tenancy`, ...

Neither file knows a server's MGN id before its agent is installed (an MGN export does): such servers get
a placeholder id, marked, that validates and must be replaced.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from migration_plan.model import REGION_PATTERN, SOURCE_SERVER_ID_PATTERN

from plan_import.draft import Draft, plan_settings
from plan_import.servers import ServerFacts, waves_from_groups

MGN_MAPPED = {
    "mgn:account-id", "mgn:region", "mgn:wave:name", "mgn:wave:description", "mgn:wave:id", "mgn:app:name",
    "mgn:app:description", "mgn:app:id", "mgn:server:id", "mgn:server:user-provided-id", "mgn:server:platform",
    "mgn:server:fqdn-for-action-framework", "mgn:server:tag:Name",
    "mgn:launch:placement:operating-system-licensing", "mgn:launch:transfer-server-tags",
}  # fmt: skip
CMF_MAPPED = {
    "wave_name", "wave_id", "app_name", "aws_accountid", "aws_region", "server_name", "server_os_family",
    "server_os_version", "server_fqdn", "server_environment", "r_type",
}  # fmt: skip
CMF_REQUIRED = {"app_name", "server_name", "server_os_family"}


class CsvFormatError(ValueError):
    pass


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:  # Excel writes a BOM
        reader = csv.DictReader(handle)
        rows = [
            {key.strip(): (value or "").strip() for key, value in row.items() if key}
            for row in reader
            if any((value or "").strip() for value in row.values() if isinstance(value, str))
        ]
        return [name.strip() for name in reader.fieldnames or []], rows


def detect(columns: list[str]) -> str:
    if any(column.startswith("mgn:") for column in columns):
        return "mgn"
    if set(columns) >= CMF_REQUIRED and ({"wave_name", "wave_id"} & set(columns)):
        return "cmf"
    raise CsvFormatError(
        "not an MGN import CSV (columns mgn:wave:name, mgn:server:user-provided-id, ...) nor a Cloud Migration "
        "Factory intake CSV (columns wave_name, app_name, server_name, server_os_family, ...); "
        f"its columns are: {', '.join(columns) or 'none'}"
    )


def _group(rows: list[tuple[str, str, str, ServerFacts]]) -> tuple[list, list[ServerFacts]]:
    """(wave, wave description, app, facts) rows -> waves in first-seen order, and servers in no wave."""
    order: dict[str, tuple[str, list[ServerFacts], list[str]]] = {}
    unassigned = []
    for wave, description, app, facts in rows:
        if not wave:
            unassigned.append(facts)
            continue
        _, servers, apps = order.setdefault(wave, (description, [], []))
        servers.append(facts)
        if app and app not in apps:
            apps.append(app)
        if description and not order[wave][0]:
            order[wave] = (description, servers, apps)
    groups = [
        (wave, (text or wave) + (f" (applications: {', '.join(apps)})" if apps else ""), servers)
        for wave, (text, servers, apps) in order.items()
    ]
    return groups, unassigned


def _mgn_server(draft: Draft, row: dict[str, str]) -> ServerFacts | None:
    fqdn, user_id = (
        row.get("mgn:server:fqdn-for-action-framework", ""),
        row.get("mgn:server:user-provided-id", ""),
    )
    hostname = fqdn.split(".")[0] or user_id or row.get("mgn:server:tag:Name", "")
    if not hostname:
        draft.skip(
            f"a row of wave {row.get('mgn:wave:name') or '(none)'}: no FQDN, user-provided id or Name tag"
        )
        return None
    sid = row.get("mgn:server:id", "")
    licensing = row.get("mgn:launch:placement:operating-system-licensing", "").upper()
    transfer = row.get("mgn:launch:transfer-server-tags", "").lower()
    launch = {"byol": licensing == "BYOL"} if licensing in {"BYOL", "LI"} else {}
    if transfer in {"true", "false"}:
        launch["copy_tags"] = transfer == "true"
    notes = [f"MGN import: user-provided id {user_id}"] if user_id else []
    return ServerFacts(
        hostname=hostname,
        source_server_id=sid if re.match(SOURCE_SERVER_ID_PATTERN, sid) else None,
        os_text=row.get("mgn:server:platform") or None,
        launch=launch or None,
        notes=notes,
    )


def _cmf_server(draft: Draft, row: dict[str, str]) -> ServerFacts | None:
    name, r_type = row.get("server_name", ""), row.get("r_type", "")
    if not name:
        draft.skip(f"a row of application {row.get('app_name') or '(none)'}: no server_name")
        return None
    if r_type and r_type.lower() != "rehost":
        draft.skip(f"server {name}: r_type {r_type} (only Rehost servers move with MGN)")
        return None
    os_text = " ".join(filter(None, [row.get("server_os_family"), row.get("server_os_version")]))
    notes = [f"CMF: {key} {row[key]}" for key in ("server_fqdn", "server_environment") if row.get(key)]
    return ServerFacts(hostname=name, source_server_id=None, os_text=os_text or None, notes=notes)


def _unmapped_columns(draft: Draft, columns: list[str], mapped: set[str], rows: list[dict[str, str]]) -> None:
    for column in columns:
        if column not in mapped and any(row.get(column) for row in rows):
            draft.skip(
                f"column {column}: the plan has no field for it (keep it in MGN: launch template, tags)"
            )


def _region(draft: Draft, regions: set[str], given: str | None) -> str:
    if given:
        return given
    valid = sorted(r for r in regions if re.match(REGION_PATTERN, r))
    if len(valid) > 1:
        draft.skip(f"regions {', '.join(valid)}: a plan is for one region; drafted for {valid[0]}")
    if valid:
        return valid[0]
    draft.guess(("plan", "region"), "the CSV names no region")
    return "us-east-1"


def draft_from_csv(
    path: Path, fmt: str = "auto", *, name: str | None = None, region: str | None = None
) -> Draft:
    columns, rows = _rows(path)
    fmt = detect(columns) if fmt == "auto" else fmt
    label = "MGN import CSV" if fmt == "mgn" else "Cloud Migration Factory intake CSV"
    draft = Draft(source=f"{label} {path.name}")
    region_key, reader, mapped = (
        ("mgn:region", _mgn_server, MGN_MAPPED) if fmt == "mgn" else ("aws_region", _cmf_server, CMF_MAPPED)
    )
    plan_settings(draft, name, "us-east-1", default_name=path.stem)
    draft.data["plan"]["region"] = _region(draft, {row.get(region_key, "") for row in rows}, region)
    grouped = []
    for row in rows:
        facts = reader(draft, row)
        if facts is None:
            continue
        if fmt == "mgn":
            wave, description, app = (
                row.get("mgn:wave:name", ""),
                row.get("mgn:wave:description", ""),
                row.get("mgn:app:name", ""),
            )
        else:
            wave = row.get("wave_name") or (f"wave-{row['wave_id']}" if row.get("wave_id") else "")
            description, app = "", row.get("app_name", "")
        grouped.append((wave, description, app, facts))
    _unmapped_columns(draft, columns, mapped, rows)
    waves_from_groups(draft, *_group(grouped))
    return draft
