"""Tags of source servers, jobs, waves and applications (by ARN), and InitializeService."""

from __future__ import annotations

from typing import Any

from sandbox.mgn.handlers.common import Mgn, Result, not_found


def taggable(mgn: Mgn, arn: str) -> dict[str, str]:
    resource_id = arn.rsplit("/", 1)[-1]
    for store in (mgn.store.servers, mgn.store.jobs, mgn.store.waves, mgn.store.applications):
        resource = store.get(resource_id)
        if resource is not None and resource.arn == arn:
            return resource.tags
    raise not_found("RESOURCE", arn)


def list_tags_for_resource(mgn: Mgn, body: dict[str, Any]) -> Result:
    return 200, {"tags": dict(taggable(mgn, body["resourceArn"]))}


def tag_resource(mgn: Mgn, body: dict[str, Any]) -> Result:
    taggable(mgn, body["resourceArn"]).update(body["tags"])
    return 200, None


def untag_resource(mgn: Mgn, body: dict[str, Any]) -> Result:
    tags = taggable(mgn, body["resourceArn"])
    for key in body["tagKeys"]:
        tags.pop(key, None)
    return 200, None


def initialize_service(mgn: Mgn, body: dict[str, Any]) -> Result:
    return 204, None


OPERATIONS = {
    "ListTagsForResource": list_tags_for_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "InitializeService": initialize_service,
}
