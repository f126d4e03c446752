"""The API's case list: keyset pages over (changed_at, id), each page one statement whatever
the depth, stable while cases change (a case changed meanwhile moves behind the cursor and
comes again later, never skips one). Never ordered by the light, which changes every day.
`changed_at` moves with anything shown of the case, its steps, documents and messages
included (workflow/revision.py), not only with the case row (`updated_at`).

The cursor is opaque to callers: the last row's (changed_at, id) as "<µs since 1970>-<id>", a
form the contract states exactly (schemas.CURSOR_PATTERN): every cursor it allows is one the
list can read, and any other is refused by the schema (422 on `cursor`)."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import permissions
from proxy_service.calendar import lights
from proxy_service.core.extensions import db
from proxy_service.core.security import LARGEST_ID
from proxy_service.models import Case, Step

DEFAULT_LIMIT = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CASE_OPTIONS = (joinedload(Case.enterprise), joinedload(Case.project), joinedload(Case.agent),
                selectinload(Case.steps).joinedload(Step.item))


def case_page(user, *, status=None, stage=None, agent=None, light=None, updated_since=None,
              cursor=None, limit=DEFAULT_LIMIT):
    """(cases, next cursor or None) of the cases `user` may see, filtered in SQL as the case
    list page filters them (Case.in_stage, lights.with_light): the light is compared with
    today in the statement, but never ordered by."""
    query = permissions.visible_cases(user).options(*CASE_OPTIONS)
    if status is not None:
        query = query.where(Case.status == status)
    if stage is not None:
        query = query.where(Case.in_stage(stage))
    if agent is not None:
        query = query.where(Case.agent_id == agent)
    query = lights.with_light(query, lights.case_rank(), lights.parse_light(light))
    if updated_since is not None:
        query = query.where(Case.changed_at > updated_since)
    if cursor is not None:
        at, case_id = read_cursor(cursor)
        # (changed_at, id) > (at, case_id), written so that the index on (center, changed_at,
        # id) is entered at `at` (the bare OR makes SQLite walk the center's cases from the first).
        query = query.where(Case.changed_at >= at, or_(Case.changed_at > at, Case.id > case_id))
    rows = db.session.scalars(query.order_by(Case.changed_at, Case.id).limit(limit + 1)).all()
    cases = rows[:limit]
    return cases, (make_cursor(cases[-1]) if len(rows) > limit else None)


def make_cursor(case):
    return f"{(case.changed_at - EPOCH) // timedelta(microseconds=1)}-{case.id}"


def read_cursor(cursor):
    """(changed_at, id) of a cursor matching schemas.CURSOR_PATTERN (checked before). An id
    beyond the largest a key can hold reads as that largest: no case comes after either."""
    microseconds, case_id = cursor.split("-")
    return EPOCH + timedelta(microseconds=int(microseconds)), min(int(case_id), LARGEST_ID)
