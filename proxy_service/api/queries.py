"""The API's case list: keyset pages over (updated_at, id), each page one statement whatever
the depth, stable while cases change (a case updated meanwhile moves behind the cursor and
comes again later, never skips one). Never ordered by the light, which changes every day.

The cursor is opaque to callers: the last row's (updated_at, id), base64url."""
import base64
import binascii
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from sqlalchemy import and_, or_
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import permissions
from proxy_service.calendar import lights
from proxy_service.core.extensions import db
from proxy_service.models import Case, Step

DEFAULT_LIMIT = 50
INVALID_CURSOR = _l("游标无效：请传回上一页返回的 next。")
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
        query = query.where(Case.updated_at > updated_since)
    if cursor is not None:
        at, case_id = read_cursor(cursor)
        query = query.where(or_(Case.updated_at > at,
                                and_(Case.updated_at == at, Case.id > case_id)))
    rows = db.session.scalars(query.order_by(Case.updated_at, Case.id).limit(limit + 1)).all()
    cases = rows[:limit]
    return cases, (make_cursor(cases[-1]) if len(rows) > limit else None)


def make_cursor(case):
    raw = f"{case.updated_at.isoformat()}|{case.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor):
    """(updated_at, id) of a cursor this API made; 422 on the `cursor` field otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, case_id = raw.split("|")
        found = datetime.fromisoformat(at), int(case_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        found = None
    if found is None or found[0].tzinfo is None:
        abort(422, messages={"query": {"cursor": [str(INVALID_CURSOR)]}})
    return found
