"""Storage conventions: exact decimals, UTC-aware timestamps, the open-case constraint."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Case, Project, Step


def test_investment_is_exact_after_a_round_trip(world):
    world.project.total_investment = Decimal("123456789012.3456")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Project, world.project.id).total_investment == Decimal("123456789012.3456")


def test_timestamps_come_back_timezone_aware_in_utc(world):
    beijing_noon = datetime(2026, 10, 8, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    case = world.case(accepted=False)
    case.submitted_at = beijing_noon
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Case, case.id).submitted_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == beijing_noon


def test_naive_timestamps_are_refused(world):
    event = db.session.query(AuditEvent).first() or AuditEvent(object_type="x", object_id=1, action="x")
    event.at = datetime(2026, 1, 1, 8, 0)
    db.session.add(event)
    with pytest.raises(Exception, match="naive"):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_second_open_case_for_a_project(world):
    first = world.case(accepted=False)
    twin = Case(number="JZKFQ-2026-99999", center_id=first.center_id, enterprise_id=first.enterprise_id,
                project_id=first.project_id, contact_name="x", contact_mobile="13900000000")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("run", ["first", "after a test's cleanup"])
def test_the_database_refuses_a_row_that_points_nowhere(world, run):
    """Foreign keys hold in every test, on SQLite too (the app turns them on per connection;
    the suite's cleanup turns them off and on again around its deletes)."""
    db.session.add(Step(case_id=999_999, item_id=world.items[0].id, stage=world.items[0].stage))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
