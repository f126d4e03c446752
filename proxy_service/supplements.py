"""Adding approval items to an open case (追加事项).

Before the agreement is sealed the new items simply join it (it is regenerated, and any
signatures given are voided). After sealing the agreement stays as it is: the items go into
a supplementary delegation (续办委托书) signed the same way, and their steps cannot start
until it is sealed. An open, unsealed supplement takes further items the same way.
"""
from flask_babel import lazy_gettext as _l

from . import clock, signing, workflow
from .extensions import db
from .models import AgreementKind, AgreementState, AuditEvent, CaseStatus, Step, StepStatus

ADDABLE = (CaseStatus.ACCEPTED, CaseStatus.SIGNING, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)
# The add_items audit comment names the items added, joined with this separator.
SEPARATOR = "、"  # i18n-keep: the audit record's separator


def names_item(comment, name):
    """Whether an add_items audit comment names the item `name` among those it added: a whole
    name between separators, since a catalogue name may hold the separator itself
    (供水、排水接入)."""
    return f"{SEPARATOR}{name}{SEPARATOR}" in f"{SEPARATOR}{comment or ''}{SEPARATOR}"


def addable_items(case, catalogue):
    """The catalogue items the case does not have yet."""
    have = {step.item_id for step in case.steps}
    return [item for item in catalogue if item.id not in have]


def add_items(case, actor, items, seen_version=None):
    """New steps for `items` and the agreement or supplement that covers them.

    Returns the Agreement now covering them (None while no agent is assigned yet: the
    agreement generated at assignment will include them). Raises workflow.TransitionError."""
    workflow.check_version(case, seen_version)
    if case.status not in ADDABLE:
        raise workflow.TransitionError(_l("当前状态“%(status)s”下不能追加事项。",
                                          status=case.status.label))
    have = {step.item_id for step in case.steps}
    if not items or any(i.center_id != case.center_id or i.retired or i.id in have for i in items):
        raise workflow.TransitionError(_l("请选择本中心目录中、本案件尚未包含的事项。"))
    # Touch the case: its version moves, so a second addition made at the same time fails
    # on it (StaleDataError) instead of adding the same items twice.
    case.updated_at = clock.now()
    steps = [Step(case=case, item=item, stage=item.stage, stage_order=item.stage.order,
                  sort=item.sort, status=StepStatus.PENDING) for item in items]
    db.session.add_all(steps)
    db.session.flush()
    db.session.add(AuditEvent.record(actor, case, "add_items", case.status, case.status,  # i18n-keep: audit record
                                     SEPARATOR.join(item.name for item in items)))
    covering = _covering(case, actor, steps)
    db.session.flush()
    return covering


def _covering(case, actor, steps):
    if case.status is CaseStatus.ACCEPTED:
        return None
    main = signing.main_agreement(case)
    target = main if main is not None and main.state is not AgreementState.SEALED else \
        next((a for a in signing.open_agreements(case) if a.kind is AgreementKind.SUPPLEMENT), None)
    if target is None:
        return signing.generate(case, actor, kind=AgreementKind.SUPPLEMENT, steps=steps)
    for step in steps:
        step.agreement_id = target.id
    target.item_ids = ",".join(filter(None, [target.item_ids] + [str(s.item_id) for s in steps]))
    db.session.flush()
    signing.refresh(case, actor, _l("追加事项"))
    return target
