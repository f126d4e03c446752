"""Service evaluation (好差评) and rectification (整改) rules.

An enterprise rates a completed case once; it may change its rating within
EVALUATION_EDIT_DAYS (permissions.py, whose predicates say who may do what here). A poor
grade opens a rectification for a manager of the center, due in RESPONSE_WORKDAYS working
days; the manager answers with a response and an outcome; the enterprise may appeal the
answer once (复核), which reopens the rectification for a second answer with a new due date.
The rectification's small state machine (its transition table, its first state and every
change of status) is in moves.py; the rules that drive it are here.
Every verb takes the actor, writes an AuditEvent and flushes; the view commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from proxy_service.calendar import workdays
from proxy_service.core import clock
from proxy_service.core.conflicts import EvaluationError, check_version
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import (
    AuditEvent,
    CaseStatus,
    Evaluation,
    Grade,
    Outcome,
    Rectification,
    RectificationStatus,
    Role,
    User,
)
from proxy_service.models.evaluations import SUB_SCORES
from proxy_service.permissions import EVALUATION_EDIT_DAYS, can_rate, evaluation_editable
from proxy_service.workflow.moves import RECTIFICATION_MOVES, _audit_event, _begin, _move

RESPONSE_WORKDAYS = 15
RS = RectificationStatus
ALREADY_RATED = _l("该案件已评价，每个案件只能评价一次。")


# --- reading (the evaluation pages and the case page) --------------------------------

def evaluation_of(case):
    """The case's evaluation with its rectification (one query; none before completion)."""
    if case.status is not CaseStatus.COMPLETED:
        return None
    return db.session.scalar(select(Evaluation).where(Evaluation.case_id == case.id).options(
        joinedload(Evaluation.rectification).joinedload(Rectification.responded_by),
        joinedload(Evaluation.rectification).joinedload(Rectification.reviewed_by)))


# --- evaluation ----------------------------------------------------------------------

def rate_or_edit(case, actor, evaluation=None, **values):
    """The enterprise's evaluation form posted: its rating of the case (`rate`) or, with the
    `evaluation` it gave, the change of it (`edit`). Raises EvaluationError."""
    if evaluation is None:
        return rate(case, actor, **values)
    return edit(evaluation, actor, **values)


def rate(case, actor, *, grade, efficiency, attitude, expertise, comment=""):
    """The enterprise's evaluation of a completed case. Raises EvaluationError when the actor
    is not of the case's enterprise, the case is not completed, or it is already rated (also
    when another submission rated it a moment ago: the unique key on the case)."""
    if not can_rate(actor, case):
        raise EvaluationError(_l("只有该案件的企业可在案件办结后评价。"))
    if db.session.scalar(select(Evaluation.id).where(Evaluation.case_id == case.id)):
        raise EvaluationError(ALREADY_RATED)
    now = clock.now()
    evaluation = Evaluation(case=case, center_id=case.center_id, enterprise_id=case.enterprise_id,
                            agent_id=case.agent_id, author_id=actor.id, created_at=now,
                            updated_at=now)
    _fill(evaluation, grade, efficiency, attitude, expertise, comment)
    db.session.add(evaluation)
    try:
        db.session.flush()
    except IntegrityError as err:   # two submissions raced past the check above
        raise EvaluationError(ALREADY_RATED) from err
    _audit_event(actor, evaluation, "evaluate", "", grade, comment)
    if grade.is_poor:
        open_rectification(evaluation, actor)
    db.session.flush()
    return evaluation


def edit(evaluation, actor, *, grade, efficiency, attitude, expertise, comment=""):
    """Change a rating within EVALUATION_EDIT_DAYS of its creation. A change to a poor grade opens a
    rectification when none exists; an existing one stays (the complaint was made)."""
    if not can_rate(actor, evaluation.case):
        raise EvaluationError(_l("只有该案件的企业可以修改评价。"))
    if not evaluation_editable(evaluation):
        raise EvaluationError(_l("评价提交已超过 %(days)s 天，不能再修改。", days=EVALUATION_EDIT_DAYS))
    before = evaluation.grade
    _fill(evaluation, grade, efficiency, attitude, expertise, comment)
    evaluation.updated_at = clock.now()
    _audit_event(actor, evaluation, "evaluation_edit", before, grade, comment)
    if grade.is_poor and evaluation.rectification is None:
        open_rectification(evaluation, actor)
    db.session.flush()
    return evaluation


def _fill(evaluation, grade, efficiency, attitude, expertise, comment):
    if not isinstance(grade, Grade):
        raise EvaluationError(_l("请选择总体评价。"))
    scores = dict(efficiency=efficiency, attitude=attitude, expertise=expertise)
    for name, value in scores.items():
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise EvaluationError(_l("“%(name)s”须为 1 至 5 分。", name=SUB_SCORES[name]))
    evaluation.efficiency, evaluation.attitude, evaluation.expertise = (
        efficiency, attitude, expertise)
    evaluation.grade = grade
    evaluation.comment = (comment or "").strip()


# --- rectification --------------------------------------------------------------------

def open_rectification(evaluation, actor):
    """Open the rectification of a poor evaluation, for a manager of the center, due in
    RESPONSE_WORKDAYS working days from today."""
    case = evaluation.case
    rectification = _begin(Rectification(
        evaluation=evaluation, case=case, center_id=case.center_id,
        manager=responsible_manager(case), opened_at=clock.now(),
        due_on=workdays.add_workdays(clock.today(), RESPONSE_WORKDAYS)), RS.OPEN)
    db.session.add(rectification)
    db.session.flush()
    _audit_event(  # i18n-keep: audit record
        actor, rectification, "rectification_open", "", RS.OPEN,
        f"{in_record_language(evaluation.grade.label)}；整改期限 {rectification.due_on:%Y-%m-%d}")
    return rectification


def responsible_manager(case):
    """The manager who accepted the case while still an active manager of the center,
    else the center's first active manager by name (None when it has none)."""
    accepted_by = db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "accept").limit(1))
    managers = db.session.scalars(select(User).where(
        User.center_id == case.center_id, User.role == Role.MANAGER, User.active.is_(True),
        User.service.is_(False))
        .order_by(User.name, User.id)).all()
    return next((m for m in managers if m.id == accepted_by), managers[0] if managers else None)


def respond(rectification, actor, *, response, outcome, seen_version=None):
    """The manager's answer: the first one (OPEN → ANSWERED) or, after an appeal, the
    review (APPEALED → CLOSED). Raises EvaluationError, StaleEdit."""
    check_version(rectification, seen_version)
    if actor.role is not Role.MANAGER or actor.center_id != rectification.center_id:
        raise EvaluationError(_l("只有本中心的管理员可以答复整改。"))
    response = (response or "").strip()
    if not response:
        raise EvaluationError(_l("请填写整改情况或答复内容。"))
    if not isinstance(outcome, Outcome):
        raise EvaluationError(_l("请选择整改结果。"))
    review = rectification.status is RS.APPEALED
    move_rectification(
        rectification, "respond", actor, f"{in_record_language(outcome.label)}：{response}",  # i18n-keep: audit record
        "rectification_review" if review else "rectification_respond")
    if review:
        rectification.review_response, rectification.review_outcome = response, outcome
        rectification.reviewed_at, rectification.reviewed_by = clock.now(), actor
    else:
        rectification.response = response
        # The first answer's outcome, given once: the review's has a field of its own.
        _begin(rectification, outcome, field="outcome")
        rectification.responded_at, rectification.responded_by = clock.now(), actor
    db.session.flush()
    return rectification


def appeal(rectification, actor, reason):
    """The enterprise asks for a review (复核) of the answer, once; a new response is due in
    RESPONSE_WORKDAYS working days. Raises EvaluationError."""
    if not (actor.role is Role.ENTERPRISE
            and actor.enterprise_id == rectification.case.enterprise_id):
        raise EvaluationError(_l("只有评价企业可以申请复核。"))
    if rectification.appealed_at is not None:
        raise EvaluationError(_l("每项整改只能申请一次复核。"))
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(_l("申请复核须说明理由。"))
    move_rectification(rectification, "appeal", actor, reason, "rectification_appeal")
    rectification.appeal_reason, rectification.appealed_at = reason, clock.now()
    rectification.due_on = workdays.add_workdays(clock.today(), RESPONSE_WORKDAYS)
    db.session.flush()
    return rectification


def move_rectification(rectification, action, actor, comment, audit_action):
    """OPEN --respond--> ANSWERED --appeal--> APPEALED --respond--> CLOSED, audited as
    `audit_action`. Raises EvaluationError when the status does not allow `action`."""
    if (rectification.status, action) not in RECTIFICATION_MOVES:
        raise EvaluationError(_l("整改当前状态“%(status)s”下不能执行此操作。",
                                 status=rectification.status.label))
    return _move(rectification, RECTIFICATION_MOVES, action, actor, comment,
                 audit_action=audit_action)
