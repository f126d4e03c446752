"""The workload counters (workflow/workload_counters.py) equal a fresh count after every kind
of change, re-assignment and a substitute's work included; the migration fills them with
the same counts; the workload page reads them in a fixed number of statements."""
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AgentApprovals, AgentOpenWork, CaseStatus, Role, Stage, StepStatus
from proxy_service.workflow import assignment, supplements, workload_counters
from proxy_service.workflow.workloads import agent_workloads

from . import factories
from .test_dashboard import move, new_case, workload_rows
from .test_migrations_with_data import fresh_connections


def counters():
    """Every counter row, as (agent, "open") → (cases, steps) and (agent, day) → steps."""
    open_work = {(row.agent_id, "open"): (row.open_cases, row.open_steps)
                 for row in db.session.scalars(select(AgentOpenWork))}
    return open_work | {(row.agent_id, row.approved_on): row.steps
                        for row in db.session.scalars(select(AgentApprovals))}


def assert_fresh(label):
    """The counter rows as kept are the rows counted afresh (no row left at zero either)."""
    db.session.flush()
    kept = counters()
    workload_counters.rebuild(db.session)
    assert kept == counters(), label


@pytest.fixture
def june(frozen_clock):
    frozen_clock(2025, 6, 30)


def test_every_kind_of_change_keeps_the_counters_fresh(world, june):
    manager, agent, colleague = world.users["manager"], world.users["agent"], world.users["other_agent"]
    owner = world.users["owner"]
    waiting = new_case(world, 1, accepted=False)
    assert_fresh("submitted")
    workflow.accept_case(waiting, manager)
    assert_fresh("accepted, no agent yet")
    workflow.assign_agent(waiting, manager, agent)
    assert_fresh("assigned: signing")
    factories.sign_and_seal(waiting, owner, manager)
    assert_fresh("sealed: in progress")
    first, second, third = waiting.steps
    move(first, agent, "start")
    assert_fresh("started")
    move(first, agent, "submit", submitted_on=date(2025, 6, 18))
    move(first, agent, "return", correction_request="补充材料", returned_on=date(2025, 6, 19))
    assert_fresh("returned")
    move(first, agent, "submit", refiled_on=date(2025, 6, 20))
    move(first, agent, "approve", permit_no="备2025-001", approved_on=date(2025, 6, 23))
    assert_fresh("approved")
    workflow.update_step(first, agent, seen_version=first.version, approved_on=date(2025, 6, 24))
    assert_fresh("approval date corrected")
    move(third, agent, "skip", not_required_reason="不涉及")
    assert_fresh("not required")
    extra = factories.make_item(world.centers[0], "追加事项", Stage.BUILDING, sort=9)
    supplement = supplements.add_items(waiting, manager, [extra])
    assert_fresh("items added")
    with factories.stand_in_documents():
        factories.sign_and_seal(waiting, owner, manager, agreement=supplement)
    workflow.suspend_case(waiting, manager, "企业资金未到位")
    assert_fresh("suspended")
    workflow.resume_case(waiting, manager)
    workflow.assign_agent(waiting, manager, colleague, reason="工作调整")
    assert_fresh("re-assigned")
    move(second, colleague, "start", "submit", submitted_on=date(2025, 6, 25))
    move(second, colleague, "refuse", refusal_reason="不符合规划", refusal_decision_no="规2025-1")
    assert_fresh("refused")
    for step in waiting.steps:
        if step.status.value == "pending":
            move(step, colleague, "start", "submit", submitted_on=date(2025, 6, 26))
            move(step, colleague, "approve", permit_no="X-1", approved_on=date(2025, 6, 27))
    assert waiting.status.value == "completed"
    assert_fresh("completed")
    ended = new_case(world, 2)
    workflow.terminate_case(ended, manager, "项目取消")
    assert_fresh("terminated")
    withdrawn = new_case(world, 3, agent="other_agent")
    workflow.withdraw_case(withdrawn, owner, "不再需要")
    assert_fresh("withdrawn")
    declined = new_case(world, 4, accepted=False)
    workflow.decline_case(declined, manager, "不属于本中心")
    assert_fresh("declined")
    for n in (5, 6):
        new_case(world, n)
    assignment.bulk_reassign(agent, colleague, manager, "离职交接")
    assert_fresh("bulk re-assignment")
    assert counters()   # the walk left something to count


def test_a_reassignment_moves_open_work_and_approvals_to_the_new_agent(client, world, login_as, june):
    agent, colleague, manager = world.users["agent"], world.users["other_agent"], world.users["manager"]
    case = new_case(world, 1)
    move(case.steps[0], agent, "start", "submit", submitted_on=date(2025, 6, 18))
    move(case.steps[0], agent, "approve", permit_no="备2025-001", approved_on=date(2025, 6, 20))
    db.session.commit()
    login_as(manager)
    assert workload_rows(client.get("/manage/workload").text) == {"刘代办": [1, 2, 1], "陈代办": [0, 0, 0]}
    workflow.assign_agent(case, manager, colleague, reason="工作调整")
    db.session.commit()
    assert workload_rows(client.get("/manage/workload").text) == {"刘代办": [0, 0, 0], "陈代办": [1, 2, 1]}


def test_a_substitutes_work_counts_for_the_agent_who_holds_the_case(client, world, login_as,
                                                                    frozen_clock):
    frozen_clock(2025, 6, 11)
    agent, colleague, manager = world.users["agent"], world.users["other_agent"], world.users["manager"]
    case = new_case(world, 1)
    absence = assignment.record_absence(agent, agent, start_on=date(2025, 6, 9), end_on=date(2025, 6, 13))
    assignment.set_substitute(absence, manager, colleague)
    db.session.commit()
    step = case.steps[0]
    login_as(colleague)
    for action, extra in (("start", {}), ("submit", {"submitted_on": "2025-06-10"}),
                          ("approve", {"permit_no": "备2025-9", "approved_on": "2025-06-11"})):
        response = client.post(f"/cases/{case.id}/steps/{step.id}",
                               data={"action": action, "version": step.version, **extra})
        assert response.status_code == 302, action
        db.session.refresh(step)
    assert step.status.value == "approved"
    login_as(manager)
    assert workload_rows(client.get("/manage/workload").text) == {"刘代办": [1, 2, 1], "陈代办": [0, 0, 0]}
    assert_fresh("after the substitute's work")


def test_a_rolled_back_change_leaves_the_counters_as_they_were(world, june):
    case = new_case(world, 1)
    db.session.commit()
    before = counters()
    workflow.terminate_case(case, world.users["manager"], "项目取消")
    db.session.flush()
    assert counters() != before
    db.session.rollback()
    assert counters() == before


def test_approvals_older_than_30_days_and_inactive_agents_are_left_out(world, june):
    agent = world.users["agent"]
    case = new_case(world, 1)
    old, recent, _ = case.steps
    move(old, agent, "start", "submit", submitted_on=date(2025, 5, 20))
    move(old, agent, "approve", permit_no="A", approved_on=date(2025, 5, 30))    # 31 days ago
    move(recent, agent, "start", "submit", submitted_on=date(2025, 5, 20))
    move(recent, agent, "approve", permit_no="B", approved_on=date(2025, 5, 31))  # 30 days ago
    retired = factories.make_user("agent3", Role.AGENT, center=world.centers[0], name="退休代办")
    retired.active = False
    db.session.commit()
    loads = {load.agent.name: load for load in agent_workloads(world.centers[0].id)}
    assert set(loads) == {"刘代办", "陈代办"}
    assert (loads["刘代办"].open_cases, loads["刘代办"].open_steps, loads["刘代办"].completed_30d) == (1, 1, 1)


def test_the_rebuild_command_counts_afresh(app, world, june):
    new_case(world, 1)
    db.session.commit()
    kept = counters()
    db.session.execute(AgentOpenWork.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["workloads", "rebuild"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert counters() == kept and kept


def test_the_migration_fills_the_counters_as_the_workflow_kept_them(app, demo):
    """seed-demo's cases went through the workflow verbs; dropping the counters and adding them
    again by the migration gives the same rows."""
    kept = counters()
    assert kept
    fresh_connections()
    downgrade(revision="p6c0de300016")
    upgrade()
    assert counters() == kept


def test_a_status_set_on_an_expired_row_is_counted_from_its_old_value(world, june):
    """The counters need the value before the change even when the row was not loaded (after
    a commit): the columns they follow keep their old value on every set (active_history)."""
    case = new_case(world, 1)
    step = case.steps[0]
    db.session.commit()                       # expires every loaded row
    step.status = StepStatus.NOT_REQUIRED     # arranged directly, not through a verb
    assert_fresh("a step's status set while expired")
    db.session.commit()
    case.agent_id = world.users["other_agent"].id
    assert_fresh("a case's agent set while expired")
    db.session.commit()
    case.status = CaseStatus.TERMINATED
    assert_fresh("a case's status set while expired")
