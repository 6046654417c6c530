"""What the DMS handlers share: the context they act on, DMS's errors, lookups, filters, pages, identifiers."""

from __future__ import annotations

import re
from typing import Any, Protocol

import botocore.session

from sandbox.api.errors import ApiError
from sandbox.api.pages import marker_page
from sandbox.api.protocols import Json11
from sandbox.dms.runs import TaskRuns
from sandbox.dms.store import DmsStore, DmsTimings

MODEL = botocore.session.get_session().get_service_model("dms")
PROTOCOL = Json11(MODEL)


class Dms(Protocol):
    """What a handler receives (the service): the resources, the task runs, the timings."""

    store: DmsStore
    runs: TaskRuns
    timings: DmsTimings


def not_found(message: str) -> ApiError:
    return ApiError("ResourceNotFoundFault", message)


def bad_state(message: str) -> ApiError:
    return ApiError("InvalidResourceStateFault", message)


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def already_exists(message: str) -> ApiError:
    return ApiError("ResourceAlreadyExistsFault", message)


def instance(dms: Dms, instance_arn: str) -> dict[str, Any]:
    inst = dms.store.state.instances.get(instance_arn)
    if inst is None:
        raise not_found(f"Replication instance {instance_arn} not found")
    return inst


def endpoint(dms: Dms, endpoint_arn: str) -> dict[str, Any]:
    ep = dms.store.state.endpoints.get(endpoint_arn)
    if ep is None:
        raise not_found(f"Endpoint {endpoint_arn} not found")
    return ep


def task(dms: Dms, task_arn: str) -> dict[str, Any]:
    found = dms.store.state.tasks.get(task_arn)
    if found is None:
        raise not_found(f"Replication task {task_arn} not found")
    return found


def view(resource: dict[str, Any], *hidden: str) -> dict[str, Any]:
    """A resource as the API shows it: no sandbox bookkeeping (`_...`), nothing in `hidden`."""
    return {k: v for k, v in resource.items() if not k.startswith("_") and k not in hidden}


# The filter names each Describe<key> accepts (the DMS API reference lists them; botocore's model does not).
FILTER_NAMES = {
    "Connections": ("endpoint-arn", "replication-instance-arn"),
    "Endpoints": ("endpoint-arn", "endpoint-type", "endpoint-id", "engine-name"),
    "ReplicationInstances": (
        "replication-instance-arn",
        "replication-instance-id",
        "replication-instance-class",
        "engine-version",
    ),
    "ReplicationTasks": (
        "replication-task-arn",
        "replication-task-id",
        "migration-type",
        "endpoint-arn",
        "replication-instance-arn",
    ),
    "TableStatistics": ("schema-name", "table-name", "table-state"),
}


def filter_field(name: str) -> str:
    """The field a DMS filter name matches: replication-instance-id -> ReplicationInstanceIdentifier."""
    return "".join("Identifier" if word == "id" else word.capitalize() for word in name.split("-"))


def filters(
    body: dict[str, Any], key: str, fields: dict[str, str] | None = None
) -> list[tuple[str, list[str]]]:
    """The request's Filters of Describe<key> as (field, values); a name not in its `FILTER_NAMES` is
    refused. `fields`: the names whose field is not `filter_field`'s ("A|B" matches either field)."""
    allowed = {name: (fields or {}).get(name) or filter_field(name) for name in FILTER_NAMES[key]}
    out = []
    for f in body.get("Filters") or []:
        name = f.get("Name")
        if name not in allowed:
            raise invalid(f"Invalid filter name {name!r}; valid names: {', '.join(sorted(allowed))}")
        out.append((allowed[name], [str(v) for v in f.get("Values") or []]))
    return out


def select(
    items: list[dict[str, Any]], chosen_by: list[tuple[str, list[str]]], kind: str
) -> list[dict[str, Any]]:
    """The items every filter matches (a field "A|B" matches either); none at all is ResourceNotFoundFault."""

    def ok(item: dict[str, Any]) -> bool:
        return all(any(str(item.get(f)) in values for f in field.split("|")) for field, values in chosen_by)

    chosen = [i for i in items if ok(i)]
    if chosen_by and not chosen:
        raise not_found(f"No {kind} found matching the filters")
    return chosen


def _table(dms: Dms, key: str) -> dict[str, dict[str, Any]]:
    """The store's table of the resources an operation names `key` (Endpoints, ReplicationInstance: instances)."""
    words = re.findall("[A-Z][a-z]*", key)
    return getattr(dms.store.state, words[-1].lower().removesuffix("s") + "s")


def tasks_using(dms: Dms, arn: str, *fields: str) -> list[dict[str, Any]]:
    """The replication tasks that name `arn` in one of `fields` (a resource they use cannot be deleted)."""
    return [t for t in dms.store.state.tasks.values() if arn in (t[f] for f in fields)]


def created(dms: Dms, key: str, resource: dict[str, Any], *hidden: str) -> dict[str, Any]:
    """A new resource stored under its ARN and answered as Create<key> does (without the `hidden` fields)."""
    _table(dms, key)[resource[f"{key}Arn"]] = resource
    return {key: view(resource, *hidden)}


def described(
    dms: Dms,
    body: dict[str, Any],
    key: str,
    hidden: tuple[str, ...] = (),
    upper: tuple[str, ...] = (),
    fields: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Describe<key> answer: the resources of the store's table for `key` (Endpoints: endpoints) that the
    request's Filters choose (`fields` as for `filters`; the `upper` fields' values compared in
    upper case), paged, each shown without the `hidden` fields."""
    chosen = filters(body, key, fields)
    chosen_by = [(f, [v.upper() for v in vals] if f in upper else vals) for f, vals in chosen]
    kind = " ".join(re.findall("[A-Z][a-z]*", key)).lower()
    items = select(list(_table(dms, key).values()), chosen_by, kind)
    return page([view(i, *hidden) for i in items], body, key)


def page(items: list[Any], body: dict[str, Any], key: str) -> dict[str, Any]:
    """`key` names the list and the operation: DescribeEndpoints pages Endpoints."""
    return marker_page(items, body, key, MODEL.operation_model(f"Describe{key}"), PROTOCOL)


def check_identifier(ident: str, field: str) -> None:
    """DMS identifiers: 1-255 letters, digits or hyphens, start with a letter, no double or trailing hyphen."""
    ok = (
        bool(ident)
        and len(ident) <= 255
        and ident[0].isalpha()
        and all(c.isalnum() or c == "-" for c in ident)
        and "--" not in ident
        and not ident.endswith("-")
    )
    if not ok:
        raise invalid(
            f"The parameter {field} is not a valid identifier. Identifiers must begin with a letter; must contain "
            "only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."
        )
