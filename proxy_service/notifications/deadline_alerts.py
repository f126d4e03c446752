"""Yellow and red alerts for filed steps, raised once per step, level and due date.

The light is the one the pages show (lights.step_light). A DeadlineAlert row is
inserted first with ON CONFLICT DO NOTHING on (step_id, level, due_on): only the run
whose insert took effect tells anyone, so hourly runs — even two at once on different
hosts — alert once. A due date moved by a pause (补正, 中止) may alert again.
"""
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Case, CaseStatus, DeadlineAlert, Step, StepStatus
from proxy_service.notifications.events import center_managers, deliver
from proxy_service.notifications.rules import DEADLINE_RULES
from proxy_service.notifications.webhook_events import enqueue_deadline

ALERT_LIGHTS = (lights.Light.YELLOW, lights.Light.RED)


def check_deadlines(today=None):
    """Raise the alerts due today (Beijing date); returns how many were raised.

    Commits each alert with its notifications and outbox rows on its own: a short
    transaction per alert, so that on SQLite the app's writers never wait for the whole
    run (they give up after busy_timeout), and a failure keeps the alerts already raised.
    """
    today = today or clock.today()
    raised = 0
    for step in _candidates(today):
        light = lights.step_light(step, today)
        if light in ALERT_LIGHTS and _record_alert(step, light.value):
            _notify(step, light.value)
            enqueue_deadline(db.session, step, light.value)
            db.session.commit()
            raised += 1
    return raised


def _candidates(today):
    # Only running clocks (SUBMITTED steps of IN_PROGRESS cases) can be yellow or red.
    return db.session.scalars(
        select(Step).join(Step.case)
        .where(Step.status == StepStatus.SUBMITTED, Case.status == CaseStatus.IN_PROGRESS,
               Step.due_on.isnot(None),
               or_(Step.due_on < today, Step.yellow_on <= today))
        .options(joinedload(Step.case).joinedload(Case.center), joinedload(Step.item))
        .order_by(Step.id)).all()


def _record_alert(step, level):
    """True when this call recorded the alert, False when it already existed."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(DeadlineAlert)
        .values(step_id=step.id, level=level, due_on=step.due_on, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["step_id", "level", "due_on"])
        .returning(DeadlineAlert.id)).first()
    return inserted is not None


def _notify(step, level):
    rule = DEADLINE_RULES[level]
    case = step.case
    context = {"case": case.number, "step": step.item.name, "due": step.due_on.isoformat(),
               "agent": case.agent.name if case.agent else ""}
    audiences = {"agent": [case.agent] if case.agent is not None and case.agent.active else [],
                 "managers": center_managers(db.session, case.center_id)}
    for audience, text in rule.texts.items():
        for user in audiences[audience]:
            deliver(db.session, user, rule, text, context, case=case, step=step)
