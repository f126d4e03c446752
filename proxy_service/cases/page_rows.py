"""The case page's steps and documents as rows, each worked out once: the step's light and
clock, the dates and labels of its record, the button the user gets, its documents' lines.
cases/_steps.html and cases/_documents.html print these values instead of calling filters,
predicates and lookups per cell (issue 18); the timeline's rows are in timeline.py.
"""
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext as _

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.i18n import beijing, day
from proxy_service.core.templating import filesize
from proxy_service.models import StepStatus
from proxy_service.permissions import can_open_steps, can_update_steps


class DocumentRow(NamedTuple):
    url: str            # where it downloads
    filename: str
    kind: str           # the kind's label
    size: str           # 1.2 MB
    at: str             # when it was uploaded, Beijing time
    step_id: int | None
    step_name: str      # the step it belongs to ("" for the whole case)
    uploader: str       # who uploaded it, or "系统生成"


class StepRow(NamedTuple):
    step: object        # the Step: its name, status and numbers as stored
    light: object       # lights.Light
    clock: object       # lights.StepClock, None when it has none or the step is done
    link: str           # the button the user gets: "update", "open" or ""
    facts: list         # (label, value) of what is on record, in the page's order
    documents: list     # DocumentRow of the step's documents


class StageGroup(NamedTuple):
    stage: object       # models.Stage
    rows: list          # StepRow
    state: str          # the stepper's css class: "done", "active" or ""
    done: int           # steps done


def document_rows(documents, step_names):
    generated = _("系统生成")
    return [DocumentRow(url_for("cases.download", document_id=d.id), d.filename, str(d.kind_label), filesize(d.size),
                        beijing(d.created_at), d.step_id,
                        step_names.get(d.step_id, "") if d.step_id else "",
                        d.uploaded_by.name if d.uploaded_by else generated)
            for d in documents]


def stage_groups(case, user, documents):
    """The case's steps by stage, for the stepper and the lists; `documents` are DocumentRows
    of the case. The first stage not done is the active one."""
    by_step, today = {}, clock.today()
    for document in documents:
        if document.step_id is not None:
            by_step.setdefault(document.step_id, []).append(document)
    groups, active = [], False
    # Every step of the case gets the same button (the checks depend on the case only).
    link = ("update" if can_update_steps(user, case)
            else "open" if can_open_steps(user, case) else "")
    for stage, steps in case.steps_by_stage():
        done = sum(1 for step in steps if step.status.is_done)
        state = "done" if done == len(steps) else "" if active else "active"
        active = active or state == "active"
        rows = [_step_row(step, link, today, by_step.get(step.id, [])) for step in steps]
        groups.append(StageGroup(stage, rows, state, done))
    return groups


def _step_row(step, link, today, documents):
    return StepRow(step, lights.step_light(step, today),
                   None if step.status.is_done else lights.step_clock(step, today),
                   link, _facts(step), documents)


def _facts(step):
    shown_when_set = [(_("受理号"), step.acceptance_no), (_("报送日期"), day(step.submitted_on)),
                      (_("批准日期"), day(step.approved_on)), (_("批文/证照编号"), step.permit_no)]
    facts = [(label, value) for label, value in shown_when_set if value]
    if step.status is StepStatus.REFUSED:
        facts.append((_("不予许可理由"), step.refusal_reason))     # listed even when empty
        if step.refusal_decision_no:
            facts.append((_("决定书文号"), step.refusal_decision_no))
    if step.status is StepStatus.NOT_REQUIRED and step.not_required_reason:
        facts.append((_("无需办理原因"), step.not_required_reason))
    return facts
