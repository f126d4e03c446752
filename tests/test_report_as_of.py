"""A month's report is the month as it was (issue 15, item 2): its figures, overdue list and
workload are those of the month's end, read from the stored history, whatever happened since."""
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.documents import common
from proxy_service.models import (
    Assignment,
    AuditEvent,
    CaseStatus,
    Evaluation,
    Grade,
    LimitUnit,
    Rectification,
    RectificationStatus,
    StepRound,
    Suspension,
)
from proxy_service.workflow import supplements
from tests import factories


def _at(year, month, day):
    return datetime(year, month, day, 2, tzinfo=UTC)   # 10:00 in Beijing


def _act(step, action, **details):
    workflow.update_step(step, step.case.agent, seen_version=None, action=action, **details)
    db.session.commit()


@pytest.fixture
def november(world, frozen_clock):
    """Two cases of 刘代办, handled through the verbs (so their rounds, suspensions and
    assignments are the stored history), and what happened to them in December.

    A: 项目备案 filed 11-16 (due 11-17), returned 11-17 to correct 营业执照复印件, refiled
    11-20 with no working day left (due 11-20); approved 12-03. 建设工程规划许可证 filed
    11-25, due 12-02. B: 建设工程规划许可证 filed 11-02 (due 11-09); the case suspended
    11-04 to 11-11 (due moves five working days, to 11-16); B re-assigned to 陈代办 on 12-07,
    the step approved 12-08. Today is 2026-12-10."""
    users = world.users
    for user in users.values():   # on the staff since January (created at the real time)
        user.created_at = _at(2026, 1, 5)
    frozen_clock(2026, 11, 2)
    a = world.case()
    b = factories.make_case(world.other_project, users["other_enterprise"], world.items,
                            accept_by=users["manager"], agent=users["agent"])
    db.session.commit()
    filing, planning = a.steps[0], a.steps[1]
    b_planning = b.steps[1]
    _act(b_planning, "start")
    _act(b_planning, "submit")
    frozen_clock(2026, 11, 4)
    workflow.suspend_case(b, users["manager"], "企业调整建设方案")
    db.session.commit()
    frozen_clock(2026, 11, 11)
    workflow.resume_case(b, users["manager"])
    db.session.commit()
    frozen_clock(2026, 11, 16)
    _act(filing, "start")
    _act(filing, "submit")
    frozen_clock(2026, 11, 17)
    _act(filing, "return", correction_request="营业执照复印件不清晰")
    frozen_clock(2026, 11, 20)
    _act(filing, "submit")
    frozen_clock(2026, 11, 25)
    _act(planning, "start")
    _act(planning, "submit")
    assert (filing.due_on, planning.due_on, b_planning.due_on) == (
        date(2026, 11, 20), date(2026, 12, 2), date(2026, 11, 16))
    frozen_clock(2026, 12, 3)
    _act(filing, "approve", permit_no="BA-2026-001")
    frozen_clock(2026, 12, 7)
    workflow.assign_agent(b, users["manager"], users["other_agent"], "工作调整")
    db.session.commit()
    frozen_clock(2026, 12, 8)
    workflow.update_step(b_planning, users["other_agent"], seen_version=None, action="approve",
                         permit_no="GH-2026-002")
    db.session.commit()
    frozen_clock(2026, 12, 10)
    return {"a": a, "b": b}


def _agent_row(html, name):
    """The cells of the agent's row in the report's workload table."""
    row = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="text-end">([^<]*)</td>', row)


def _overdue_rows(html):
    table = re.search(r'<table[^>]*id="report-overdue".*?</table>', html, re.S).group(0)
    return [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
            if "<td>" in row]


def test_november_is_reported_as_it_stood_at_its_end(client, world, login_as, november):
    login_as(world.users["manager"])
    html = client.get("/manage/report?month=2026-11").text
    a, b = november["a"].number, november["b"].number
    rows = _overdue_rows(html)
    # Due within November and not decided by 11-30; not the step due 12-02, running today.
    assert rows == [
        [b, "建设工程规划许可证", "2026-11-16", "超期未批", "中止：企业调整建设方案"],
        [a, "项目备案", "2026-11-20", "超期未批", "补正：营业执照复印件不清晰"]]
    assert "2026-12-02" not in html
    # The workload of 11-30: both cases were 刘代办's (B moved to 陈代办 on 12-07); two
    # steps red, the one due 12-02 yellow (two working days left).
    open_cases, open_steps, yellow, red = _agent_row(html, "刘代办")[:4]
    assert (open_cases, open_steps, yellow, red) == ("2", "6", "1", "2")
    assert _agent_row(html, "陈代办")[:4] == ["0", "0", "0", "0"]


def test_december_so_far_is_reported_as_of_today(client, world, login_as, november):
    """The running month is reported as it stands today: both November steps approved late
    (with their reasons), the step due 12-02 still undecided, B now 陈代办's."""
    login_as(world.users["manager"])
    html = client.get("/manage/report?month=2026-12").text
    a, b = november["a"].number, november["b"].number
    assert _overdue_rows(html) == [
        [a, "项目备案", "2026-11-20", "2026-12-03 批准", "补正：营业执照复印件不清晰"],
        [b, "建设工程规划许可证", "2026-11-16", "2026-12-08 批准", "中止：企业调整建设方案"],
        [a, "建设工程规划许可证", "2026-12-02", "超期未批", "未记录补正或中止"]]
    assert _agent_row(html, "刘代办")[:5] == ["1", "2", "0", "1", "1"]
    assert _agent_row(html, "陈代办")[:5] == ["1", "2", "0", "0", "1"]


@pytest.mark.parametrize("added", ["环评批复", "供水、排水接入"])   # a name may hold the 、
def test_steps_added_or_skipped_count_from_that_day(client, world, login_as, frozen_clock, added):
    """施工许可证 marked 无需办理 on 11-20 is not open at November's end; the item added on
    12-05 did not exist yet."""
    users = world.users
    for user in users.values():
        user.created_at = _at(2026, 1, 5)
    frozen_clock(2026, 11, 2)
    case = world.case()
    extra = factories.make_item(world.centers[0], added, factories.Stage.LAND_PLANNING, sort=9)
    db.session.commit()
    frozen_clock(2026, 11, 20)
    _act(case.steps[2], "skip", not_required_reason="项目不涉及施工")
    frozen_clock(2026, 12, 5)
    supplements.add_items(case, users["manager"], [extra])
    db.session.commit()
    frozen_clock(2026, 12, 10)
    login_as(users["manager"])
    assert _agent_row(client.get("/manage/report?month=2026-11").text, "刘代办")[:2] == ["1", "2"]
    assert _agent_row(client.get("/manage/report?month=2026-10").text, "刘代办")[:2] == ["0", "0"]
    assert _agent_row(client.get("/manage/report?month=2026-12").text, "刘代办")[:2] == ["1", "3"]


def _headline(html):
    table = re.search(r'<table[^>]*id="report-headline".*?</table>', html, re.S).group(0)
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td class="text-end">([^<]*)</td>', table))


def test_quality_figures_are_those_of_the_month_end(client, world, login_as, frozen_clock):
    """An evaluation changed in December and a rectification answered in December count in
    November as they stood on 11-30."""
    frozen_clock(2026, 11, 2)
    case = world.case()
    evaluation = Evaluation(case_id=case.id, center_id=case.center_id, enterprise_id=case.enterprise_id,
                            agent_id=case.agent_id, author_id=world.users["owner"].id,
                            grade=Grade.SATISFIED, efficiency=3, attitude=3, expertise=3,
                            created_at=_at(2026, 11, 27), updated_at=_at(2026, 12, 1))
    db.session.add(evaluation)
    db.session.flush()
    edit = AuditEvent.record(world.users["owner"], evaluation, "evaluation_edit",
                             Grade.DISSATISFIED, Grade.SATISFIED)
    edit.at = _at(2026, 12, 1)
    db.session.add(edit)
    db.session.add(Rectification(
        evaluation_id=evaluation.id, case_id=case.id, center_id=case.center_id,
        status=RectificationStatus.ANSWERED, opened_at=_at(2026, 11, 6), due_on=date(2026, 11, 27),
        responded_at=_at(2026, 12, 2)))
    db.session.commit()
    frozen_clock(2026, 12, 10)
    login_as(world.users["manager"])
    html = client.get("/manage/report?month=2026-11").text
    headline = _headline(html)
    assert headline["好评率"] == "0.0%"                  # 不满意 on 11-30
    assert headline["未结整改"] == "1（超期 1）"          # answered only on 12-02
    assert _agent_row(html, "刘代办")[-1] == "2.00"      # the grade of 11-30
    december = _headline(client.get("/manage/report?month=2026-12").text)
    assert (december["好评率"], december["未结整改"]) == ("—", "0（超期 0）")


def _busy(world, count, prefix):
    """`count` cases of new agents, each with a filing returned and refiled, a suspension and
    a re-assignment (history rows written directly: only their number matters here)."""
    center = world.centers[0]
    for n in range(count):
        agent = factories.make_user(f"{prefix}{n}", factories.Role.AGENT, center=center)
        project = factories.make_project(world.enterprises[0], center, f"项目{prefix}{n}")
        case = factories.make_case(project, world.users["owner"], world.items,
                                   accept_by=world.users["manager"], agent=agent, sign=False)
        case.status = CaseStatus.IN_PROGRESS
        step = case.steps[1]
        step.rounds = [
            StepRound(number=1, filed_on=date(2026, 11, 3), allotted=5, allotted_unit=LimitUnit.WORKDAY,
                      returned_on=date(2026, 11, 5), correction_request="补充图纸", remaining_workdays=3),
            StepRound(number=2, filed_on=date(2026, 11, 9), allotted=3, allotted_unit=LimitUnit.WORKDAY)]
        case.suspensions = [Suspension(started_on=date(2026, 11, 16), ended_on=date(2026, 11, 18),
                                       reason="企业暂缓")]
        db.session.add(Assignment(case=case, agent=world.users["other_agent"],
                                  assigned_by_id=world.users["manager"].id, reason="调整",
                                  assigned_at=_at(2026, 12, 2)))
    db.session.commit()


@pytest.mark.parametrize("month", ["2026-11", "2026-12"])
def test_the_report_reads_a_fixed_number_of_statements(client, world, login_as, frozen_clock,
                                                        count_queries, month, monkeypatch):
    """A closed month and the running one; the page and the running month's PDF. The PDF's
    story is built from the data as for print (what it reads is counted); only its layout by
    reportlab is left out, which reads nothing."""
    monkeypatch.setattr(common, "build_pdf", lambda story, **_: b"%PDF-1.4 laid out elsewhere")
    counts, total = [], 0
    for size, prefix in ((2, "s"), (8, "l")):
        frozen_clock(2026, 11, 2)
        _busy(world, size, prefix)
        total += size
        frozen_clock(2026, 12, 10)
        login_as(world.users["manager"])
        with count_queries() as page:
            html = client.get(f"/manage/report?month={month}").text
        with count_queries() as pdf:
            assert client.get("/manage/report.pdf?month=2026-12").status_code == 200
        counts.append((page.count, pdf.count))
        assert html.count("补正：补充图纸；中止：企业暂缓") == total   # each case's step, overdue
    assert counts[0] == counts[1] and counts[0][0] <= 25


def _as_written_before_step_ids():
    """The add_items events as the code before step ids wrote them: one on the case, its
    comment the names of the items added (here one each)."""
    db.session.execute(update(AuditEvent).where(AuditEvent.action == "add_items")
                       .values(object_type="case", object_id=AuditEvent.case_id))
    db.session.commit()


@pytest.mark.parametrize("older", [False, True], ids=["step events", "older case events"])
def test_an_item_whose_name_is_part_of_an_added_ones_name_stays(client, world, login_as,
                                                                frozen_clock, older):
    """供水 was requested on 11-02; 供水、排水接入 added on 12-05 does not make it "added
    later" in November."""
    users = world.users
    for user in users.values():
        user.created_at = _at(2026, 1, 5)
    water = factories.make_item(world.centers[0], "供水", factories.Stage.UTILITIES, sort=8)
    frozen_clock(2026, 11, 2)
    case = factories.make_case(world.project, users["owner"], [*world.items, water],
                               accept_by=users["manager"], agent=users["agent"])
    both = factories.make_item(world.centers[0], "供水、排水接入", factories.Stage.UTILITIES, sort=9)
    db.session.commit()
    frozen_clock(2026, 12, 5)
    supplements.add_items(case, users["manager"], [both])
    db.session.commit()
    if older:
        _as_written_before_step_ids()
    frozen_clock(2026, 12, 10)
    login_as(users["manager"])
    assert _agent_row(client.get("/manage/report?month=2026-11").text, "刘代办")[:2] == ["1", "4"]
    assert _agent_row(client.get("/manage/report?month=2026-12").text, "刘代办")[:2] == ["1", "5"]
