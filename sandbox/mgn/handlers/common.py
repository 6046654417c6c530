"""What the MGN handlers share: the context they act on, MGN's errors, lookups and pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import botocore.session

from sandbox.api.errors import ApiError
from sandbox.api.pages import token_page
from sandbox.api.protocols import RestJson
from sandbox.mgn.launch import Launcher
from sandbox.mgn.model import Job, SourceServer
from sandbox.mgn.store import MgnStore

MODEL = botocore.session.get_session().get_service_model("mgn")
PROTOCOL = RestJson(MODEL)
Result = tuple[int, dict[str, Any] | None]  # (HTTP status, payload) as the model's operation answers


class Mgn(Protocol):
    """What a handler receives (the service): the resources and the job runner."""

    store: MgnStore
    launcher: Launcher


def not_found(kind: str, resource_id: str) -> ApiError:
    return ApiError(
        "ResourceNotFoundException",
        f"{kind} {resource_id} not found",
        resourceId=resource_id,
        resourceType=kind,
    )


def conflict(
    message: str, problems: list[tuple[str, str]] | None = None, resource_type: str = "SOURCE_SERVER"
) -> ApiError:
    errors = [
        {"resourceId": rid, "resourceType": resource_type, "message": why} for rid, why in problems or []
    ]
    return ApiError("ConflictException", message, errors=errors or None)


def invalid(message: str, fields: Iterable[tuple[str, str]] = ()) -> ApiError:
    return PROTOCOL.invalid(message, fields)


def paginate(items: list[Any], body: dict[str, Any]) -> dict[str, Any]:
    return token_page(items, body, PROTOCOL)


def matching(items: list[Any], filters: dict[str, Any], name: str, attribute: str = "id") -> list[Any]:
    """The items whose `attribute` is one of the filter's values; all of them when the filter is absent or empty."""
    if not filters.get(name):
        return items
    wanted = set(filters[name])
    return [item for item in items if getattr(item, attribute) in wanted]


def server_of(mgn: Mgn, server_id: str) -> SourceServer:
    server = mgn.store.servers.get(server_id)
    if server is None:
        raise not_found("SOURCE_SERVER", server_id)
    return server


def servers_for_batch(mgn: Mgn, ids: list[str]) -> list[SourceServer]:
    unknown = [i for i in ids if i not in mgn.store.servers]
    if unknown:
        raise invalid(
            f"Source servers not found: {', '.join(unknown)}",
            [("sourceServerIDs", f"{i} not found") for i in unknown],
        )
    return [mgn.store.servers[i] for i in dict.fromkeys(ids)]


def active_job_of(mgn: Mgn, server_id: str) -> Job | None:
    for job in mgn.store.jobs.values():
        if job.status != "COMPLETED" and any(p["sourceServerID"] == server_id for p in job.servers):
            return job
    return None


def view(mgn: Mgn, server: SourceServer) -> dict[str, Any]:
    return server.to_api()
