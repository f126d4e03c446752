"""The case and step state machines, legal and illegal moves (DESIGN.md §3)."""

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CaseStatus, StepStatus, Verification
from proxy_service.workflow import StaleEdit, TransitionError

from .factories import make_user


def step_named(case, name):
    return next(step for step in case.steps if step.item.name == name)


def test_submit_creates_a_request_with_audit(world):
    case = world.case(accepted=False)
    assert case.status is CaseStatus.SUBMITTED
    assert case.number.startswith("JZKFQ-")
    assert case.steps == []
    events = db.session.query(AuditEvent).filter_by(case_id=case.id).all()
    assert [e.action for e in events] == ["submit_case"]


def test_one_open_case_per_project(world):
    world.case(accepted=False)
    with pytest.raises(TransitionError):
        world.case(accepted=False)


def test_a_closed_case_allows_a_new_request(world):
    case = world.case(accepted=False)
    workflow.withdraw_case(case, world.users["owner"], "改期")
    assert world.case(accepted=False).status is CaseStatus.SUBMITTED


def test_accept_with_agent_creates_steps_and_starts_work(world):
    case = world.case()
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.agent == world.users["agent"]
    assert {s.item.name for s in case.steps} == {"项目备案", "建设工程规划许可证", "施工许可证"}
    assert all(s.status is StepStatus.PENDING for s in case.steps)
    assert len(case.assignments) == 1


@pytest.mark.parametrize("signed", ["verbs", True])
def test_steps_are_made_in_the_catalogues_order_whatever_order_the_items_come_in(world, signed):
    """The steps' ids follow the catalogue's order (what lists a case's steps by id, such as the
    calendar's "deadlines moved" message, reads them in it), not the order in which the
    database happens to return the items: on PostgreSQL that is the order of the rows on disk."""
    filing, planning, building = world.items
    filing.sort, planning.sort, building.sort = 3, 1, 2
    case = world.case(signed=signed)
    made = sorted(case.steps, key=lambda step: step.id)
    assert [step.item.name for step in made] == ["建设工程规划许可证", "施工许可证", "项目备案"]


def test_accept_without_agent_waits_in_accepted(world):
    case = world.case(agent=None)
    assert case.status is CaseStatus.ACCEPTED
    workflow.assign_agent(case, world.users["manager"], world.users["agent"])
    assert case.status is CaseStatus.SIGNING     # the agreement is signed before work starts


def test_unverified_enterprise_cannot_be_accepted(world):
    world.enterprises[0].verification = Verification.PENDING
    case = world.case(accepted=False)
    with pytest.raises(TransitionError):
        workflow.accept_case(case, world.users["manager"])
    assert case.status is CaseStatus.SUBMITTED


def test_agent_of_another_center_cannot_be_assigned(world):
    case = world.case(agent=None)
    with pytest.raises(TransitionError):
        workflow.assign_agent(case, world.users["manager"], world.users["other_center_agent"])


def test_reassign_needs_a_reason_and_keeps_history(world):
    case = world.case()
    with pytest.raises(TransitionError):
        workflow.assign_agent(case, world.users["manager"], world.users["other_agent"])
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], "原代办员休假")
    assert case.agent == world.users["other_agent"]
    assert [a.agent.username for a in case.assignments] == ["agent1", "agent2"]


def test_decline_needs_reason_and_is_final(world):
    case = world.case(accepted=False)
    with pytest.raises(TransitionError):
        workflow.decline_case(case, world.users["manager"], " ")
    workflow.decline_case(case, world.users["manager"], "不属于本园区")
    assert case.status is CaseStatus.DECLINED
    with pytest.raises(TransitionError):
        workflow.accept_case(case, world.users["manager"])


def test_suspend_resume_and_terminate(world):
    case = world.case()
    workflow.suspend_case(case, world.users["manager"], "企业暂缓投资")
    assert case.status is CaseStatus.SUSPENDED
    with pytest.raises(TransitionError):
        workflow.update_step(case.steps[0], world.users["agent"], seen_version=None, action="start")
    workflow.resume_case(case, world.users["manager"])
    assert case.status is CaseStatus.IN_PROGRESS
    workflow.terminate_case(case, world.users["manager"], "项目取消")
    assert case.status is CaseStatus.TERMINATED
    with pytest.raises(TransitionError):
        workflow.resume_case(case, world.users["manager"])


@pytest.mark.parametrize("status, legal", [
    (StepStatus.PENDING, {"start", "skip"}),
    (StepStatus.PREPARING, {"submit", "skip"}),
    (StepStatus.SUBMITTED, {"return", "approve", "refuse"}),
    (StepStatus.RETURNED, {"submit"}),
    (StepStatus.APPROVED, set()),
    (StepStatus.REFUSED, set()),
    (StepStatus.NOT_REQUIRED, set()),
])
def test_step_actions_per_status(world, status, legal):
    case = world.case()
    step = step_named(case, "项目备案")
    step.status = status  # arranging the fixture directly, not a transition under test
    assert set(workflow.step_actions(step)) == legal


def test_illegal_step_move_is_refused(world):
    case = world.case()
    step = step_named(case, "项目备案")
    with pytest.raises(TransitionError):
        workflow.update_step(step, world.users["agent"], seen_version=step.version,
                             action="approve", permit_no="X")
    assert step.status is StepStatus.PENDING


def test_prerequisite_must_be_approved_before_submission(world):
    case = world.case()
    agent = world.users["agent"]
    building = step_named(case, "施工许可证")
    workflow.update_step(building, agent, seen_version=building.version, action="start")
    with pytest.raises(TransitionError, match="建设工程规划许可证"):
        workflow.update_step(building, agent, seen_version=building.version, action="submit")
    planning = step_named(case, "建设工程规划许可证")
    for action, extra in (("start", {}), ("submit", {}), ("approve", {"permit_no": "建字第001号"})):
        workflow.update_step(planning, agent, seen_version=planning.version, action=action, **extra)
    workflow.update_step(building, agent, seen_version=building.version, action="submit")
    assert building.status is StepStatus.SUBMITTED


def test_return_pauses_and_resubmits(world):
    case = world.case()
    agent = world.users["agent"]
    step = step_named(case, "项目备案")
    workflow.update_step(step, agent, seen_version=step.version, action="start")
    workflow.update_step(step, agent, seen_version=step.version, action="submit")
    with pytest.raises(TransitionError):
        workflow.update_step(step, agent, seen_version=step.version, action="return")
    workflow.update_step(step, agent, seen_version=step.version, action="return",
                         correction_request="补充法人身份证复印件")
    assert step.status is StepStatus.RETURNED and step.needs_enterprise
    workflow.update_step(step, agent, seen_version=step.version, action="submit")
    assert step.status is StepStatus.SUBMITTED


def test_case_completes_when_every_step_is_done(world):
    case = world.case()
    agent = world.users["agent"]
    filing, planning, building = (step_named(case, n) for n in ("项目备案", "建设工程规划许可证", "施工许可证"))
    workflow.update_step(filing, agent, seen_version=filing.version, action="skip",
                         not_required_reason="已在省平台备案")
    for action, extra in (("start", {}), ("submit", {}),
                          ("refuse", {"refusal_reason": "不符合规划", "refusal_decision_no": "不许字1号"})):
        workflow.update_step(planning, agent, seen_version=planning.version, action=action, **extra)
    assert case.status is CaseStatus.IN_PROGRESS
    workflow.update_step(building, agent, seen_version=building.version, action="skip",
                         not_required_reason="规划未获批，暂不办理")
    assert case.status is CaseStatus.COMPLETED
    assert case.closed_at is not None


def test_stale_version_is_refused(world):
    case = world.case()
    step = step_named(case, "项目备案")
    seen = step.version
    workflow.update_step(step, world.users["agent"], seen_version=seen, action="start")
    db.session.commit()
    with pytest.raises(StaleEdit):
        workflow.update_step(step, world.users["manager"], seen_version=seen, action="skip",
                             not_required_reason="x")


def test_every_verb_writes_an_audit_event(world):
    case = world.case()
    step = step_named(case, "项目备案")
    workflow.update_step(step, world.users["agent"], seen_version=step.version, action="start")
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(case_id=case.id)
               .order_by(AuditEvent.id)]
    assert actions == ["submit_case", "accept", "assign", "agreement_generate", "notice_issue",
                       "agreement_sign", "agreement_sign", "agreement_seal", "seal", "start"]


def test_inactive_agent_cannot_be_assigned(world):
    ghost = make_user("ghost", world.users["agent"].role, center=world.centers[0])
    ghost.active = False
    case = world.case(agent=None)
    with pytest.raises(TransitionError):
        workflow.assign_agent(case, world.users["manager"], ghost)


def test_an_internal_comment_does_not_hide_the_status_change(world):
    case = world.case()
    step = step_named(case, "项目备案")
    workflow.update_step(step, world.users["agent"], seen_version=step.version, action="start",
                         internal=True, note="企业材料不全，电话催办")
    events = db.session.query(AuditEvent).filter_by(object_type="step").order_by(AuditEvent.id).all()
    assert [(e.action, e.internal, e.comment) for e in events] == [
        ("start", False, ""), ("note", True, "企业材料不全，电话催办")]


def test_reassign_with_a_stale_version_is_refused(world):
    case = world.case()
    seen = case.version
    workflow.suspend_case(case, world.users["manager"], "企业暂缓")
    db.session.commit()
    with pytest.raises(StaleEdit):
        workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], "调整",
                              seen_version=seen)


# Only workflow/moves.py changes a status: tests/test_architecture.py.
