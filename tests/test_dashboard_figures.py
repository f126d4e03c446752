"""Dashboard figures against hand-computed values on a small fixed data set."""
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from proxy_service.calendar import workdays
from proxy_service.core.extensions import db
from proxy_service.dashboard import figures
from proxy_service.models import (
    Absence,
    Case,
    CaseStatus,
    Evaluation,
    Grade,
    Rectification,
    RectificationStatus,
    StepStatus,
)
from tests import factories

MARCH = figures.Filters(date(2026, 3, 1), date(2026, 3, 31))
FEBRUARY = figures.Filters(date(2026, 2, 1), date(2026, 2, 28))


def _at(day):
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)   # 10:00 Beijing


def _evaluate(case, grade, day):
    evaluation = Evaluation(case_id=case.id, center_id=case.center_id, enterprise_id=case.enterprise_id,
                            agent_id=case.agent_id, author_id=case.enterprise.users[0].id,
                            grade=grade, efficiency=3, attitude=3, expertise=3,
                            created_at=_at(day), updated_at=_at(day))
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def _set_steps(case, rows):
    """rows: (submitted day, approved day or None, due day) per step, all in March 2026."""
    for step, (sub, appr, due) in zip(case.steps, rows, strict=False):
        step.submitted_on, step.due_on = date(2026, 3, sub), date(2026, 3, due)
        step.yellow_on = date(2026, 3, due - 1)
        step.approved_on = appr and date(2026, 3, appr)
        step.status = StepStatus.APPROVED if appr else StepStatus.SUBMITTED


@pytest.fixture
def data(world, frozen_clock):
    """Frozen at Wed 2026-03-18. Agent 刘代办, case A (filed 03-02, in progress):
    项目备案 submitted 03-02, approved 03-09 = its due date (on time; 5 working days);
    规划 submitted 03-03, due 03-10, approved 03-12 (late; 7 working days);
    施工 submitted 03-13, due 03-17: red today.
    Case B (other project, filed 03-04, agent 刘代办) completed 03-16, rated 非常满意;
    A rated 不满意 with an open rectification due 03-17 (overdue). Case C filed 03-05 and
    declined. Agent 陈代办 has no cases and is on leave. The other center has a case with an
    approved step, a request and an evaluation in March: never counted."""
    users = world.users
    frozen_clock(2026, 3, 2)
    a = world.case()
    _set_steps(a, [(2, 9, 9), (3, 12, 10), (13, None, 17)])
    frozen_clock(2026, 3, 4)
    b = factories.make_case(world.other_project, users["other_enterprise"], world.items,
                            accept_by=users["manager"], agent=users["agent"], sign=False)
    b.status, b.closed_at = CaseStatus.COMPLETED, _at(date(2026, 3, 16))
    frozen_clock(2026, 3, 5)
    ent = factories.make_enterprise(world.centers[0], "晋中第三企业有限公司", factories.VALID_USCC[2])
    factories.make_user("ent3", factories.Role.ENTERPRISE, enterprise=ent)
    c = factories.make_case(factories.make_project(ent, world.centers[0], "第三项目"),
                            users["owner"], world.items)
    c.status, c.closed_at = CaseStatus.DECLINED, _at(date(2026, 3, 5))
    frozen_clock(2026, 3, 16)
    other = world.centers[1]
    far = factories.make_case(factories.make_project(world.enterprises[1], other, "宁夏项目"),
                              users["other_enterprise"],
                              world.other_items, accept_by=users["other_manager"],
                              agent=users["other_center_agent"], sign=False)
    _set_steps(far, [(2, 20, 9)])
    far.status = CaseStatus.IN_PROGRESS
    _evaluate(far, Grade.VERY_DISSATISFIED, date(2026, 3, 16))
    frozen_clock(2026, 3, 18)
    _evaluate(b, Grade.VERY_SATISFIED, date(2026, 3, 17))
    bad = _evaluate(a, Grade.DISSATISFIED, date(2026, 3, 10))
    db.session.add(Rectification(evaluation_id=bad.id, case_id=a.id, center_id=a.center_id,
                                 manager_id=users["manager"].id, due_on=date(2026, 3, 17),
                                 status=RectificationStatus.OPEN))
    db.session.add(Absence(center_id=a.center_id, agent_id=users["other_agent"].id,
                           start_on=date(2026, 3, 16), end_on=date(2026, 3, 20)))
    db.session.commit()
    return {"a": a, "b": b, "c": c}


def test_headline(world, data):
    h = figures.headline(world.centers[0].id, MARCH)
    assert (h.new_requests, h.accepted, h.declined, h.cases_completed) == (3, 2, 1, 1)
    assert h.items_completed == 2
    assert h.on_time == 1            # approved exactly on its due date counts as on time
    assert h.on_time_rate == 0.5 and h.overdue_rate == 0.5
    assert h.avg_workdays == 6.0     # (5 + 7) / 2 working days
    assert h.per_item == [("建设工程规划许可证", 1, 7.0), ("项目备案", 1, 5.0)]
    assert (h.evaluations, h.good, h.satisfaction_rate) == (2, 1, 0.5)
    assert (h.open_rectifications, h.overdue_rectifications) == (1, 1)


def test_no_data_in_the_period(world, data):
    h = figures.headline(world.centers[0].id, FEBRUARY)
    assert (h.new_requests, h.items_completed, h.evaluations) == (0, 0, 0)
    assert h.on_time_rate is None and h.overdue_rate is None and h.satisfaction_rate is None
    assert h.avg_workdays is None and h.per_item == []
    assert [w for _, w, _ in figures.weekly(world.centers[0].id, FEBRUARY, [])] == [0] * 5


def test_workload(world, data):
    loads = {load.agent.name: load for load in figures.workload(world.centers[0].id, MARCH)}
    assert set(loads) == {"刘代办", "陈代办"}          # the other center's agent is not listed
    busy, idle = loads["刘代办"], loads["陈代办"]
    assert (busy.open_cases, busy.open_steps, busy.yellow, busy.red) == (1, 1, 0, 1)
    assert (busy.completed, busy.on_time, busy.on_time_rate) == (2, 1, 0.5)
    assert busy.rating == 3.5 and busy.ratings == 2          # 非常满意 5, 不满意 2
    assert busy.absence is None
    assert (idle.open_cases, idle.open_steps, idle.completed, idle.on_time_rate, idle.rating) \
        == (0, 0, 0, None, None)
    assert idle.absence.agent_id == world.users["other_agent"].id


def test_workload_sorts(world, data):
    names = [load.agent.name for load in figures.workload(world.centers[0].id, MARCH, sort="red")]
    assert names == ["刘代办", "陈代办"]
    names = [load.agent.name for load in figures.workload(world.centers[0].id, MARCH, sort="bogus")]
    assert names == sorted(names)


def test_aging_stages_weekly_and_late(world, data):
    center = world.centers[0].id
    aging = figures.aging(center, MARCH)
    # Case A filed 03-02: 12 working days to 03-18; its open step submitted 03-13: 3.
    assert aging["cases"] == {"11–20": 1} and aging["steps"] == {"0–5": 1}
    stages = dict(figures.open_steps_by_stage(center, MARCH))
    assert sum(stages.values()) == 1 and stages[data["a"].steps[2].stage] == 1
    weeks = figures.weekly(center, MARCH, figures.approved_steps(center, MARCH))
    assert [(str(monday), filed, done) for monday, filed, done in weeks] == [
        ("2026-02-23", 0, 0), ("2026-03-02", 3, 0), ("2026-03-09", 0, 2),
        ("2026-03-16", 0, 0), ("2026-03-23", 0, 0), ("2026-03-30", 0, 0)]
    assert [step.id for step in figures.late_steps(center, MARCH)] == [data["a"].steps[2].id]


def test_filters_by_agent_and_stage(world, data):
    center = world.centers[0].id
    other = figures.Filters(MARCH.start, MARCH.end, agent=world.users["other_agent"].id)
    assert figures.headline(center, other).items_completed == 0
    stage = figures.Filters(MARCH.start, MARCH.end, stage=data["a"].steps[0].stage)
    assert figures.headline(center, stage).items_completed == 1


# --- the page ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["agent", "owner"])
def test_only_managers_see_the_dashboard(client, world, login_as, who):
    login_as(world.users[who])
    for url in ("/manage/dashboard", "/manage/report", "/manage/report.pdf",
                "/manage/export?list=cases&format=csv", "/manage/export?list=workload&format=xlsx"):
        assert client.get(url).status_code == 403


def test_dashboard_page(client, world, login_as, data):
    login_as(world.users["manager"])
    html = client.get("/manage/dashboard?start=2026-03-01&end=2026-03-31").text
    assert "50.0%" in html and "刘代办" in html and "陈代办" in html
    assert "杨代办" not in html                                   # other center's agent
    assert f'/cases?agent={world.users["agent"].id}&amp;light=red' in html
    case = data["a"]
    assert f'action="/cases/{case.id}/assign"' in html
    assert f'name="version" value="{case.version}"' in html
    assert "chart.umd.min.js" in html and "<script>" not in html
    other = login_as(world.users["other_manager"]).get("/manage/dashboard?start=2026-03-01").text
    assert "刘代办" not in other and case.number not in other


def _cases(world, count, prefix):
    """`count` cases on projects of their own, spread over new agents, some steps late."""
    center = world.centers[0]
    for n in range(count):
        agent = factories.make_user(f"{prefix}{n}", factories.Role.AGENT, center=center,
                                   name=f"代办{prefix}{n}")
        project = factories.make_project(world.enterprises[0], center, f"项目{prefix}{n}")
        case = factories.make_case(project, world.users["owner"], world.items,
                                   accept_by=world.users["manager"], agent=agent, sign=False)
        case.status = CaseStatus.IN_PROGRESS
        _set_steps(case, [(2, 9, 9), (3, None, 5)])
    db.session.commit()


def test_query_count_does_not_grow(client, world, login_as, frozen_clock, count_queries):
    frozen_clock(2026, 3, 18)
    login_as(world.users["manager"])
    counts = []
    for size, prefix in ((2, "s"), (8, "l")):
        _cases(world, size, prefix)
        with count_queries() as counter:
            assert client.get("/manage/dashboard").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[0] <= 25


def test_aging_buckets_follow_working_days_at_every_boundary(world, frozen_clock):
    """Counted in SQL against each bucket's first day; this checks it against the rule itself:
    a case (or step) open for d working days is in 0–5 up to 5, 6–10 up to 10, 11–20 up to
    20, then >20. Today is Monday 2026-10-12, just after the National Day week."""
    frozen_clock(2026, 10, 12)
    today = date(2026, 10, 12)

    def bucket(since):
        days = workdays.workdays_between(since, today)
        return "0–5" if days <= 5 else "6–10" if days <= 10 else "11–20" if days <= 20 else ">20"
    days = [today - timedelta(days=n) for n in range(0, 45)]
    for n, day in enumerate(days):   # one open case filed on each of the last 45 days
        project = factories.make_project(world.enterprises[0], world.centers[0], f"账龄项目{n}")
        case = factories.make_case(project, world.users["owner"], world.items)
        case.submitted_at = _at(day)
    accepted = world.case(agent=None)   # its steps: filed on various days, or still in hand
    accepted.accepted_at = _at(today - timedelta(days=16))
    for step, filed in zip(accepted.steps, (days[7], days[30], None), strict=False):
        step.submitted_on = filed
    db.session.commit()
    expected_cases = Counter(bucket(day) for day in days) + Counter([bucket(today)])   # + world.case
    expected_steps = Counter([bucket(days[7]), bucket(days[30]), bucket(today - timedelta(days=16))])
    aging = figures.aging(world.centers[0].id, figures.Filters(today, today))
    assert aging["cases"] == expected_cases and aging["steps"] == expected_steps
    assert db.session.query(Case).count() == 46 and set(expected_cases) == set(figures.AGING_BUCKETS)
