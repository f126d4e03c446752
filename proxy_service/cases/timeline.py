"""The case's record of what happened (办理记录): the rows cases/_timeline.html draws, the
latest of them on the case page, and the whole log on a page of its own.

The case page shows the latest LATEST events and links to the whole log (/cases/<id>/log),
which shows every event the user may read (internal ones to staff only, as on the case page);
the dossier export and the API keep everything too. Each row is formatted here once (time,
actor, labels), so the template prints strings instead of calling filters per event.
"""
from typing import NamedTuple

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from proxy_service.calendar import pauses
from proxy_service.cases import bp
from proxy_service.core.extensions import db
from proxy_service.core.i18n import beijing
from proxy_service.models import (
    AgreementState,
    AuditEvent,
    Case,
    CaseStatus,
    Grade,
    RectificationStatus,
    Step,
    StepStatus,
    User,
)
from proxy_service.permissions import case_or_404, visible_case_events
from proxy_service.workflow import paper_signing

LATEST = 20
STATUS_ENUMS = {"case": CaseStatus, "step": StepStatus, "evaluation": Grade,
                "rectification": RectificationStatus, "agreement": AgreementState}


class Row(NamedTuple):
    """One event as the timeline shows it."""
    at: str             # Beijing time in the reader's format
    actor: str          # who, or "系统"
    label: str          # what happened
    step_name: str      # the step it is about ("" when it is about something else)
    from_label: str     # the status before, when the event changed it ("" otherwise)
    to_label: str       # the status after, when the event set or changed it ("" otherwise)
    internal: bool
    comment: str        # "" when there is none, or it only repeats the step's name


def status_label(event, value):
    """The label of a status string stored on an audit event of a case or a step."""
    enum_cls = STATUS_ENUMS.get(event.object_type)
    try:
        return str(enum_cls(value).label) if enum_cls and value else value
    except ValueError:
        return value


def rows(events, step_names):
    """The timeline's rows of `events`; `step_names` maps a step id to its item's name."""
    system = _("系统")
    return [_row(event, step_names, system) for event in events]


def _row(event, step_names, system):
    step_name = step_names.get(event.object_id, "") if event.object_type == "step" else ""
    before, after = event.from_status, event.to_status
    changed = bool(before and after and before != after)
    # An added step's event says its item's name, which the step name shows already.
    comment = "" if step_name and event.comment == step_name else event.comment
    return Row(at=beijing(event.at), actor=event.actor.name if event.actor else system,
               label=str(event.action_label), step_name=step_name,
               from_label=status_label(event, before) if changed else "",
               to_label=status_label(event, after) if changed or (after and not before) else "",
               internal=event.internal, comment=comment)


def _events(case):
    # Of the actor only the name is shown: not the user's two dozen other columns a row.
    return visible_case_events(current_user, case).options(
        joinedload(AuditEvent.actor).load_only(User.name))


def latest(case, step_names):
    """What the case page's timeline needs: the rows of the latest LATEST events the user
    reads (oldest first), `timeline_more` when there are older ones, and `rejections` (why a
    paper scan was sent back, paper_signing), read from those events where they tell."""
    newest = db.session.scalars(_events(case).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()).limit(LATEST + 1)).all()
    events = newest[:LATEST][::-1]
    more = len(newest) > LATEST
    return dict(timeline=rows(events, step_names), timeline_more=more,
                rejections=paper_signing.rejections(case.agreements, events, complete=not more))


@bp.get("/cases/<int:case_id>/log")
@login_required
def log(case_id):
    """The case's whole log, for whoever may see the case (scoped as the case page)."""
    case = case_or_404(current_user, case_id, joinedload(Case.project),
                       selectinload(Case.steps).joinedload(Step.item),
                       selectinload(Case.steps).selectinload(Step.rounds),
                       selectinload(Case.suspensions))
    events = db.session.scalars(_events(case).order_by(AuditEvent.at, AuditEvent.id)).all()
    step_names = {step.id: step.item.name for step in case.steps}
    return render_template("cases/log.html", case=case, timeline=rows(events, step_names),
                           timeline_more=False, pauses=pauses.of_case(case))
