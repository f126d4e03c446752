"""Adding approval items to an open case (追加事项).

Before the agreement is sealed the new items simply join it (it is regenerated, and any
signatures given are voided). After sealing the agreement stays as it is: the items go into
a supplementary delegation (续办委托书) signed the same way, and their steps cannot start
until it is sealed. An open, unsealed supplement takes further items the same way.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError, check_version
from proxy_service.core.extensions import db
from proxy_service.models import (
    AgreementKind,
    AgreementState,
    ApprovalItem,
    CaseStatus,
    Step,
    StepStatus,
)
from proxy_service.workflow import agreements
from proxy_service.workflow.moves import _audit_event, _begin

ADDABLE = (CaseStatus.ACCEPTED, CaseStatus.SIGNING, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)
# Before each added step had its own add_items event, one event on the case named all the
# items an addition added, joined with this separator.
SEPARATOR = "、"  # i18n-keep: the audit record's separator


def steps_added_by(events, steps):
    """The ids of the `steps` of one case (rows with id and item_name) that its add_items
    audit `events` added. An event on a step names it by id; an older event on the case names
    the items by their names joined with 、, and a name may hold 、 itself (供水、排水接入):
    its comment is split into whole names of the case's items (added_names)."""
    names, added = {step.item_name for step in steps}, set()
    for event in events:
        if event.object_type == "step":
            added.add(event.object_id)
        else:
            named = added_names(event.comment, names)
            added.update(step.id for step in steps if step.item_name in named)
    return added


def added_names(comment, names):
    """The `names` an older add_items comment lists: the partition of its 、-separated parts
    into whole names that covers the most parts, the longest name first where two do
    (供水、排水接入 rather than 供水 and 排水接入 when the case has all three); a part no name
    covers (an item renamed since) is passed over."""
    parts = (comment or "").split(SEPARATOR)
    best = [(0, ())] * (len(parts) + 1)      # from each part on: (parts covered, names)
    for start in reversed(range(len(parts))):
        options = [(best[end][0] + end - start, (name, *best[end][1]))
                   for end in range(len(parts), start, -1)
                   if (name := SEPARATOR.join(parts[start:end])) in names]
        best[start] = max([*options, best[start + 1]], key=lambda option: option[0])
    return set(best[0][1])


def addable_items(case):
    """The items of the center's current catalogue (retired ones left out) the case does not
    have yet, in the catalogue's order."""
    have = {step.item_id for step in case.steps}
    catalogue = db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == case.center_id, ApprovalItem.retired.is_(False))
        .order_by(ApprovalItem.sort, ApprovalItem.id)).all()
    return [item for item in catalogue if item.id not in have]


def add_items(case, actor, items, seen_version=None):
    """New steps for `items` and the agreement or supplement that covers them.

    Returns the Agreement now covering them (None while no agent is assigned yet: the
    agreement generated at assignment will include them). Raises TransitionError."""
    check_version(case, seen_version)
    if case.status not in ADDABLE:
        raise TransitionError(_l("当前状态“%(status)s”下不能追加事项。", status=case.status.label))
    have = {step.item_id for step in case.steps}
    if not items or any(i.center_id != case.center_id or i.retired or i.id in have for i in items):
        raise TransitionError(_l("请选择本中心目录中、本案件尚未包含的事项。"))
    # Touch the case: its version moves, so a second addition made at the same time fails
    # on it (StaleDataError) instead of adding the same items twice.
    case.updated_at = clock.now()
    steps = [_begin(Step(case=case, item=item, stage=item.stage, stage_order=item.stage.order,
                         sort=item.sort), StepStatus.PENDING) for item in items]
    db.session.add_all(steps)
    db.session.flush()
    # One event per step: its id says which step was added (the reports and the notices
    # stored after the fact read it); the comment is the item's name as it was.
    for step in steps:
        _audit_event(actor, step, "add_items", comment=step.item.name)  # i18n-keep: audit record
    covering = _covering(case, actor, steps)
    db.session.flush()
    return covering


def _covering(case, actor, steps):
    if case.status is CaseStatus.ACCEPTED:
        return None
    main = agreements.main_agreement(case)
    target = main if main is not None and main.state is not AgreementState.SEALED else next(
        (a for a in agreements.open_agreements(case) if a.kind is AgreementKind.SUPPLEMENT), None)
    if target is None:
        return agreements.generate(case, actor, kind=AgreementKind.SUPPLEMENT, steps=steps)
    for step in steps:
        step.agreement_id = target.id
    target.item_ids = ",".join(filter(None, [target.item_ids] + [str(s.item_id) for s in steps]))
    db.session.flush()
    agreements.refresh(case, actor, _l("追加事项"))
    return target
