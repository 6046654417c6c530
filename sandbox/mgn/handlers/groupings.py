"""What waves and applications share (one `Grouping` each): find, create, update, archive, unarchive,
delete, list, the members they hold (applications in a wave, source servers in an application) and their
view with the members' aggregated status."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.mgn.handlers.common import Mgn, Result, conflict, matching, not_found, paginate
from sandbox.mgn.model import Grouping as Resource
from sandbox.mgn.model import new_id
from sandbox.shapes import prune


def aggregated(
    progress: set[str], health: set[str], not_started: set[str], completed: set[str], error: str, lagging: str
) -> tuple[str, str]:
    """(healthStatus, progressStatus) of a grouping from its members' states (no members: not started)."""
    if progress <= not_started:
        overall = "NOT_STARTED"
    elif progress <= completed:
        overall = "COMPLETED"
    else:
        overall = "IN_PROGRESS"
    return ("ERROR" if error in health else "LAGGING" if lagging in health else "HEALTHY"), overall


@dataclass(frozen=True)
class Members:
    """What a grouping holds (source servers, applications): each member names its grouping in `link`."""

    name: str  # in the API's words: SourceServer, Application
    table: str  # the store's dictionary of the members: servers, applications
    link: str  # the member's attribute naming the grouping: application_id, wave_id
    find: Callable[[Mgn, str], Any]  # a member by id (ResourceNotFoundException when unknown)

    @property
    def words(self) -> list[str]:
        return re.findall("[A-Z][a-z]*", self.name)

    @property
    def kind(self) -> str:  # their resourceType in errors: SOURCE_SERVER, APPLICATION
        return "_".join(self.words).upper()

    @property
    def plural(self) -> str:  # in messages: source servers, applications
        return " ".join(self.words).lower() + "s"

    @property
    def request(self) -> str:  # the request member listing their ids: sourceServerIDs, applicationIDs
        return self.name[0].lower() + self.name[1:] + "IDs"

    @property
    def total(self) -> str:  # the aggregated status's count: totalSourceServers, totalApplications
        return f"total{self.name}s"


@dataclass(frozen=True)
class Grouping:
    """A wave or an application; its resourceType, id member, ARN kind and store table follow from `noun`."""

    noun: str  # wave, application
    prefix: str  # of new ids
    make: type[Resource]
    members: Members
    status: Callable[[Mgn, list[Any]], tuple[str, str]]  # (healthStatus, progressStatus) of the members
    filters: tuple[tuple[str, str], ...] = ()  # List* filters beyond its own ids -> the attribute matched
    extra: Callable[[Any], dict[str, Any]] = lambda found: {}  # more members of the view

    @property
    def kind(self) -> str:  # the resourceType of errors: WAVE, APPLICATION
        return self.noun.upper()

    @property
    def article(self) -> str:
        return "An" if self.noun[0] in "aeiou" else "A"

    def items(self, mgn: Mgn) -> dict[str, Any]:
        return getattr(mgn.store, self.noun + "s")

    def find(self, mgn: Mgn, resource_id: str) -> Any:
        found = self.items(mgn).get(resource_id)
        if found is None:
            raise not_found(self.kind, resource_id)
        return found

    def _of(self, mgn: Mgn, body: dict[str, Any]) -> Any:
        return self.find(mgn, body[f"{self.noun}ID"])

    def held(self, mgn: Mgn, found: Any) -> list[Any]:
        members = getattr(mgn.store, self.members.table).values()
        return [m for m in members if getattr(m, self.members.link) == found.id]

    def view(self, mgn: Mgn, found: Any) -> dict[str, Any]:
        members = self.held(mgn, found)
        health, progress = self.status(mgn, members)
        return prune(
            {
                f"{self.noun}ID": found.id,
                "arn": found.arn,
                "name": found.name,
                "description": found.description,
                "isArchived": found.is_archived,
                f"{self.noun}AggregatedStatus": {
                    "healthStatus": health,
                    "progressStatus": progress,
                    self.members.total: len(members),
                },
                "tags": dict(found.tags),
                **self.extra(found),
            }
        )

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

    def _archived(self, found: Any) -> Exception:
        return conflict(f"{self.noun.capitalize()} {found.id} is archived", resource_type=self.kind)

    def update(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        if found.is_archived:
            raise self._archived(found)
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

    def delete(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        if self.held(mgn, found):
            message = f"{self.noun.capitalize()} {found.id} still holds {self.members.plural}"
            raise conflict(message, resource_type=self.kind)
        del self.items(mgn)[found.id]
        return 204, None

    def associate(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found, link = self._of(mgn, body), self.members.link
        members = [self.members.find(mgn, i) for i in body[self.members.request]]
        taken = [
            (m.id, f"already in {self.noun} {getattr(m, link)}")
            for m in members
            if getattr(m, link) not in (None, found.id)
        ]
        if taken:
            message = f"{self.members.plural.capitalize()} already belong to another {self.noun}"
            raise conflict(message, taken, self.members.kind)
        if found.is_archived:
            raise self._archived(found)
        for member in members:
            setattr(member, link, found.id)
        return 200, {}

    def disassociate(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        found = self._of(mgn, body)
        for member_id in body[self.members.request]:
            member = self.members.find(mgn, member_id)
            if getattr(member, self.members.link) == found.id:
                setattr(member, self.members.link, None)
        return 200, {}

    def list(self, mgn: Mgn, body: dict[str, Any]) -> Result:
        wanted = body.get("filters") or {}
        found = list(self.items(mgn).values())
        for name, attribute in ((f"{self.noun}IDs", "id"), *self.filters):
            found = matching(found, wanted, name, attribute)
        if "isArchived" in wanted:
            found = [g for g in found if g.is_archived == wanted["isArchived"]]
        page = paginate(found, body)
        page["items"] = [self.view(mgn, g) for g in page["items"]]
        return 200, page
