"""What waves and applications share: find, create, update, archive and unarchive (one `Grouping` each)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.mgn.handlers.common import Mgn, Result, conflict, not_found, paginate
from sandbox.mgn.model import Grouping as Resource
from sandbox.mgn.model import new_id


@dataclass(frozen=True)
class Grouping:
    kind: str  # the resourceType of errors: WAVE, APPLICATION
    noun: str  # wave, application (also the id member: waveID, applicationID)
    article: str
    prefix: str  # of new ids
    make: type[Resource]
    table: str  # the store's dictionary
    view: Callable[[Mgn, Any], dict[str, Any]]
    filters: tuple[tuple[str, str], ...]  # List* filter -> the attribute it matches

    def items(self, mgn: Mgn) -> dict[str, Any]:
        return getattr(mgn.store, self.table)

    def find(self, mgn: Mgn, resource_id: str) -> Any:
        found = self.items(mgn).get(resource_id)
        if found is None:
            raise not_found(self.kind, resource_id)
        return found

    def _of(self, mgn: Mgn, body: dict[str, Any]) -> Any:
        return self.find(mgn, body[f"{self.noun}ID"])

    def create(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        if any(g.name == body["name"] and not g.is_archived for g in self.items(mgn).values()):
            raise conflict(
                f"{self.article} {self.noun} named {body['name']!r} already exists", resource_type=self.kind
            )
        resource_id = new_id(self.prefix)
        made = self.make(
            resource_id,
            mgn.store.arn(self.noun, resource_id),
            body["name"],
            body.get("description"),
            body.get("tags") or {},
            time.time(),
        )
        self.items(mgn)[resource_id] = made
        return 201, self.view(mgn, made)

    def update(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        if found.is_archived:
            raise conflict(f"{self.noun.capitalize()} {found.id} is archived", resource_type=self.kind)
        found.name = body.get("name", found.name)
        found.description = body.get("description", found.description)
        return 200, self.view(mgn, found)

    def archive(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        found.is_archived = True
        return 200, self.view(mgn, found)

    def unarchive(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        found.is_archived = False
        return 200, self.view(mgn, found)

    def list(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        wanted = body.get("filters") or {}
        found = list(self.items(mgn).values())
        for name, attribute in self.filters:
            if wanted.get(name):
                found = [g for g in found if getattr(g, attribute) in set(wanted[name])]
        if "isArchived" in wanted:
            found = [g for g in found if g.is_archived == wanted["isArchived"]]
        page = paginate(found, body)
        page["items"] = [self.view(mgn, g) for g in page["items"]]
        return 200, page
