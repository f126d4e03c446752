"""A notification is dated by the event it reports, not by the flush that happened to write it
(the demo freezes the clock at many story days; a later flush used to stamp it then)."""
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Notification
from proxy_service.notifications.rules import RULES


def test_a_notification_carries_the_time_of_its_audit_event(world, frozen_clock):
    case = world.case()
    db.session.commit()
    frozen_clock(2026, 11, 2, 10)
    workflow.suspend_case(case, world.users["manager"], "等待环评批复")
    # The event is written now; the notifications it raises reach the database with the
    # next flush, which here happens a day later.
    frozen_clock(2026, 11, 3, 9)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suspend"))
    notes = db.session.scalars(select(Notification).where(
        Notification.kind == "case_suspended")).all()
    assert len(notes) == 2                      # the enterprise and the agent
    assert {n.created_at for n in notes} == {event.at}


def test_every_demo_notification_is_dated_by_the_event_it_reports(demo):
    """seed-demo: each notification has an audit event of its case, of an action that raises
    its kind, at exactly its time ("协议已生成，请签署" was stamped a day before the agreement)."""
    kinds = {}
    for action, rule in RULES.items():
        kinds.setdefault(rule.kind, set()).add(action)
    events = {(e.case_id, e.at, e.action) for e in db.session.scalars(select(AuditEvent))}
    notes = db.session.scalars(select(Notification)).all()
    assert notes
    undated = [(n.kind, n.text, n.created_at) for n in notes
               if not any((n.case_id, n.created_at, action) in events for action in kinds[n.kind])]
    assert undated == []
