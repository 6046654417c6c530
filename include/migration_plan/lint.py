"""Lint: the pitfalls of MGN and DMS migrations, caught before they cost money or data.

Each rule has an id, a severity and a fix, listed in RULES (and in include/plans/README.md). Lint runs on a
plan that validates; a plan with validation errors gets those errors instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shared.free_tier import MGN_FREE_DAYS

from migration_plan import defaults as D
from migration_plan.campaign import past_free_period
from migration_plan.issues import Issue, Severity
from migration_plan.model import Database, MigrationPlan
from migration_plan.secrets import SECRET_FIX, SECRET_RULE_ID
from migration_plan.validate import PlanResult, validate_file

LOB_CHUNK_LIMIT_KB = 64


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    fix: str
    check: Callable[[MigrationPlan], Iterator[tuple[tuple, str]]] | None


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity, title: str, fix: str):
    def register(check):
        RULES.append(Rule(rule_id, severity, title, fix, check))
        return check

    return register


def _settings(database: Database, section: str) -> dict:
    value = database.task_settings.get(section)
    return value if isinstance(value, dict) else {}


def _servers(plan: MigrationPlan):
    """(yaml path, wave, server) of every server of the plan."""
    for wave_index, wave in enumerate(plan.waves):
        for server_index, server in enumerate(wave.servers):
            yield ("waves", wave_index, "servers", server_index), wave, server


def _databases(plan: MigrationPlan):
    for index, database in enumerate(plan.databases):
        yield ("databases", index), database


@rule(
    "MIG001",
    "warning",
    "DMS validation is disabled",
    "set validation.dms_validation: true; without it corrupted or missing rows go unnoticed",
)
def _validation_disabled(plan):
    for path, database in _databases(plan):
        if not database.validation.dms_validation:
            yield (
                (*path, "validation", "dms_validation"),
                f"database '{database.name}' runs without DMS validation",
            )


@rule(
    "MIG002",
    "warning",
    "LOB columns possible but no LOB settings",
    "set task_settings.TargetMetadata SupportLobs: true with LimitedSizeLobMode: true and LobMaxSize (KB) "
    "above your largest LOB, or has_lob_columns: false if the source has none",
)
def _lob_settings_missing(plan):
    for path, database in _databases(plan):
        if database.has_lob_columns is False:
            continue
        metadata = _settings(database, "TargetMetadata")
        if not any(key in metadata for key in ("SupportLobs", "LimitedSizeLobMode", "FullLobMode")):
            why = (
                "has LOB columns"
                if database.has_lob_columns
                else "may have LOB columns (has_lob_columns unset)"
            )
            yield (*path, "task_settings"), f"database '{database.name}' {why} but no LOB mode is set"


@rule(
    "MIG003",
    "warning",
    "FullLobMode with LobChunkSize above 64 KB",
    "keep LobChunkSize at 64 KB or less in FullLobMode, or use LimitedSizeLobMode (much faster)",
)
def _lob_chunk_size(plan):
    for path, database in _databases(plan):
        metadata = _settings(database, "TargetMetadata")
        chunk = metadata.get("LobChunkSize")
        if metadata.get("FullLobMode") is True and isinstance(chunk, int) and chunk > LOB_CHUNK_LIMIT_KB:
            yield (
                (*path, "task_settings", "TargetMetadata", "LobChunkSize"),
                f"LobChunkSize {chunk} KB in FullLobMode: DMS slows down and may fail on large LOBs",
            )


@rule(
    "MIG004",
    "error",
    "DROP_AND_CREATE against a target that holds data",
    "use TargetTablePrepMode TRUNCATE_BEFORE_LOAD or DO_NOTHING, or point the task at an empty target",
)
def _drop_and_create_on_data(plan):
    for path, database in _databases(plan):
        mode = _settings(database, "FullLoadSettings").get("TargetTablePrepMode")
        if mode == "DROP_AND_CREATE" and database.target.holds_data:
            yield (
                (*path, "task_settings", "FullLoadSettings", "TargetTablePrepMode"),
                f"the target of '{database.name}' holds data (target.holds_data: true) and would be dropped",
            )


RULES.append(
    Rule(SECRET_RULE_ID, "error", "access keys, passwords or secrets in the plan", SECRET_FIX, check=None)
)


@rule(
    "MIG006",
    "warning",
    "a wave does not finalize or archive its servers",
    "set finalize: true and archive: true; unfinalized servers keep replicating (and billing after 90 days)",
)
def _no_finalize(plan):
    for index, wave in enumerate(plan.waves):
        for field_name in ("finalize", "archive"):
            if not getattr(wave, field_name):
                yield ("waves", index, field_name), f"wave '{wave.name}' has {field_name}: false"


@rule(
    "MIG007",
    "warning",
    "DMS resources are not cleaned up",
    "set cleanup.delete_replication_instance (and delete_task, delete_endpoints) to true; an idle instance "
    "still bills every hour",
)
def _no_cleanup(plan):
    for path, database in _databases(plan):
        cleanup = database.cleanup
        kept = [name for name, value in cleanup.model_dump().items() if not value]
        if kept:
            yield (*path, "cleanup"), f"database '{database.name}' keeps: {', '.join(kept)}"


@rule(
    "MIG008",
    "warning",
    "replication instance storage below 2x the source size",
    "set replication_instance.allocated_storage_gb to at least twice size_gb: CDC change logs are stored there",
)
def _storage(plan):
    for path, database in _databases(plan):
        storage = database.replication_instance.allocated_storage_gb
        if database.size_gb is not None and storage < 2 * database.size_gb:
            yield (
                (*path, "replication_instance", "allocated_storage_gb"),
                f"{storage} GB for a {database.size_gb:g} GB database (at least {2 * database.size_gb:g} GB)",
            )


@rule(
    "MIG009",
    "error",
    f"a wave has more than {D.MGN_MAX_SERVERS_PER_CALL} servers (the MGN API limit per call)",
    f"split the wave into waves of at most {D.MGN_MAX_SERVERS_PER_CALL} servers",
)
def _wave_too_large(plan):
    for index, wave in enumerate(plan.waves):
        if len(wave.servers) > D.MGN_MAX_SERVERS_PER_CALL:
            yield ("waves", index, "servers"), f"wave '{wave.name}' has {len(wave.servers)} servers"


@rule(
    "MIG010",
    "error",
    "a server is in two waves",
    "keep each source server in exactly one wave: two waves would launch and cut it over twice",
)
def _server_in_two_waves(plan):
    first: dict[str, tuple[int, str]] = {}
    for wave_index, wave in enumerate(plan.waves):
        for server_index, server in enumerate(wave.servers):
            key = server.source_server_id
            if key in first and first[key][0] != wave_index:
                yield (
                    ("waves", wave_index, "servers", server_index, "source_server_id"),
                    f"{server.hostname} ({key}) is already in wave '{first[key][1]}'",
                )
            first.setdefault(key, (wave_index, wave.name))


@rule(
    "MIG011",
    "error",
    "a wave or database has no approver",
    "set plan.approvers (or approvers on the wave/database) to Airflow user ids",
)
def _no_approver(plan):
    for index, wave in enumerate(plan.waves):
        if not plan.wave_approvers(wave):
            yield ("waves", index), f"nobody can approve the gates of wave '{wave.name}'"
    for path, database in _databases(plan):
        if not plan.database_approvers(database):
            yield path, f"nobody can approve the gates of database '{database.name}'"


@rule(
    "MIG012",
    "warning",
    "the CDC lag threshold does not fit the downtime budget",
    "lower cutover.max_cdc_lag_seconds well under downtime_budget_seconds (the guide waits for < 5 s)",
)
def _lag_vs_downtime(plan):
    for path, database in _databases(plan):
        if database.migration_type == "full-load":
            continue
        cutover = database.cutover
        # Draining the lag is only part of the cutover window: leave at least half for the switch itself.
        if cutover.max_cdc_lag_seconds * 2 > cutover.downtime_budget_seconds:
            yield (
                (*path, "cutover", "max_cdc_lag_seconds"),
                f"a lag of up to {cutover.max_cdc_lag_seconds} s leaves too little of the "
                f"{cutover.downtime_budget_seconds} s downtime budget",
            )


@rule(
    "MIG013",
    "warning",
    "a full-load-only migration of a database",
    "use full-load-and-cdc for production: full-load needs the source frozen for the whole load",
)
def _full_load_only(plan):
    for path, database in _databases(plan):
        if database.migration_type == "full-load" and not database.cutover.source_read_only:
            yield (
                (*path, "migration_type"),
                f"'{database.name}' is full-load only and its source is not made read-only: "
                "writes during the load are lost",
            )


@rule(
    "MIG014",
    "warning",
    "a DNS record with a long TTL",
    "lower the record's ttl to 300 s or less some days before cutover, so a rollback takes effect quickly",
)
def _dns_ttl(plan):
    for path, _, server in _servers(plan):
        if server.dns is not None and server.dns.ttl > 300:
            yield (*path, "dns", "ttl"), f"{server.dns.name} has a TTL of {server.dns.ttl} s"


@rule(
    "MIG015",
    "warning",
    "a server has no health checks",
    "add health_checks (http, tcp or content_match) to the server or its wave: approvers need evidence",
)
def _no_health_checks(plan):
    for path, wave, server in _servers(plan):
        if wave.effective_health_checks(server).is_empty():
            yield path, f"{server.hostname} is never checked"


@rule(
    "MIG016",
    "info",
    "a Windows server without an explicit licensing choice",
    "set launch.byol: true to bring your own Windows licence, or keep false for licence-included (billed)",
)
def _windows_licensing(plan):
    for path, _, server in _servers(plan):
        if server.os == "windows" and "byol" not in server.launch.model_fields_set:
            yield (*path, "launch"), f"{server.hostname} runs Windows; licensing defaults to licence-included"


@rule(
    "MIG017",
    "info",
    "a Multi-AZ replication instance",
    "use multi_az: false during the migration unless the task must survive an AZ failure (Multi-AZ costs 2x)",
)
def _multi_az(plan):
    for path, database in _databases(plan):
        if database.replication_instance.multi_az:
            yield (
                (*path, "replication_instance", "multi_az"),
                "Multi-AZ doubles the replication instance cost",
            )


@rule(
    "MIG018",
    "info",
    "content checks without a source address",
    "set source_ip on the server when the address MGN reports for the source is not the one the Airflow "
    "workers can reach",
)
def _content_without_source(plan):
    for path, wave, server in _servers(plan):
        if wave.effective_health_checks(server).content_match and server.source_ip is None:
            yield path, f"{server.hostname}: content_match fetches from the source address MGN reports"


@rule(
    "MIG019",
    "warning",
    f"the campaign's schedule runs past MGN's {MGN_FREE_DAYS} free days",
    "raise campaign.max_waves_in_flight, shorten campaign.wave_days, or install the replication agents of "
    "the later waves nearer their turn (each server's free period starts at its first replication)",
)
def _past_free_period(plan):
    for index, slot in past_free_period(plan):
        over = slot.end_day - MGN_FREE_DAYS
        yield (
            ("waves", index),
            f"wave '{slot.wave}' would finish on day {slot.end_day:g} of the campaign (starting day "
            f"{slot.start_day:g}): its {slot.servers} server(s) would replicate {over:g} day(s) past the free "
            "period if they replicate from the campaign's start",
        )


RULES_BY_ID = {r.id: r for r in RULES}


def lint_plan(result: PlanResult) -> list[Issue]:
    """Findings of every rule on a validated plan, located in its file."""
    if not result.ok:
        return result.issues
    source_map = result.source_map
    findings: list[Issue] = []
    for r in RULES:
        if r.check is None:
            continue
        for path, message in r.check(result.plan):
            issue = Issue(r.severity, r.id, tuple(path), f"{r.title}: {message}", r.fix)
            findings.append(issue.located(str(result.file), source_map.position(issue.path)))
    findings.sort(key=lambda i: (i.position.line, i.position.column))
    return findings


def lint_file(path) -> list[Issue]:
    return lint_plan(validate_file(path))
