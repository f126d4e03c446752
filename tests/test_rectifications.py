"""差评整改: a poor grade opens a rectification for a manager of the center, due in 15
working days; the manager answers; the enterprise reads the answer and may appeal once."""
from datetime import date

import pytest

from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    Evaluation,
    Grade,
    Outcome,
    Rectification,
    RectificationStatus,
    Role,
)
from proxy_service.workflow import quality as quality

from .factories import make_case, make_project, make_user
from .test_evaluations import complete

POOR = {"grade": "very_dissatisfied", "efficiency": "1", "attitude": "2", "expertise": "2",
        "comment": "多次联系不上代办员"}
ANSWER = {"outcome": "rectified", "response": "已约谈代办员并调整对接机制，今后每周主动报告进度。"}


@pytest.fixture
def done(world, frozen_clock):
    frozen_clock(2025, 9, 26)                      # a Friday before the National Day holidays
    return complete(world.case(), world.users["agent"])


def _rate(world, case, grade):
    evaluation = quality.rate(case, world.users["owner"], grade=grade, efficiency=2, attitude=2,
                              expertise=2, comment="不满意")
    db.session.commit()
    return evaluation


@pytest.mark.parametrize("grade", list(Grade))
def test_only_the_two_poor_grades_open_a_rectification(world, done, grade):
    evaluation = _rate(world, done, grade)
    opened = db.session.query(Rectification).count()
    assert opened == (1 if grade in (Grade.DISSATISFIED, Grade.VERY_DISSATISFIED) else 0)
    assert (evaluation.rectification is not None) == grade.is_poor


def test_due_in_fifteen_working_days_for_the_accepting_manager(world, done):
    # 2025: 1–8 October are rest days, Sunday 28 September and Saturday 11 October working days.
    make_user("aaa", Role.MANAGER, center=world.centers[0], name="阿经理")   # first by name
    rectification = _rate(world, done, Grade.DISSATISFIED).rectification
    assert rectification.due_on == date(2025, 10, 23)
    assert rectification.manager == world.users["manager"]      # accepted the case
    assert rectification.status is RectificationStatus.OPEN
    event = db.session.query(AuditEvent).filter_by(action="rectification_open").one()
    assert event.case_id == done.id and "2025-10-23" in event.comment


def test_a_later_edit_to_a_poor_grade_opens_one(world, done):
    evaluation = _rate(world, done, Grade.BASIC)
    quality.edit(evaluation, world.users["owner"], grade=Grade.DISSATISFIED, efficiency=2,
                 attitude=2, expertise=2)
    quality.edit(evaluation, world.users["owner"], grade=Grade.VERY_DISSATISFIED, efficiency=1,
                 attitude=1, expertise=1)
    assert db.session.query(Rectification).count() == 1


def test_enterprise_poor_rating_through_the_page(client, world, login_as, done):
    login_as(world.users["owner"])
    response = client.post(f"/cases/{done.id}/evaluation", data=POOR, follow_redirects=True)
    assert "15 个工作日内" in response.text and "待整改" in response.text


def _answered(client, world, login_as, done):
    rectification = _rate(world, done, Grade.VERY_DISSATISFIED).rectification
    login_as(world.users["manager"])
    response = client.post(f"/quality/rectifications/{rectification.id}",
                           data={**ANSWER, "version": rectification.version})
    assert response.status_code == 302
    db.session.refresh(rectification)
    return rectification


def test_manager_records_the_response_and_outcome(client, world, login_as, done):
    rectification = _answered(client, world, login_as, done)
    assert rectification.status is RectificationStatus.ANSWERED
    assert rectification.outcome is Outcome.RECTIFIED
    assert rectification.response.startswith("已约谈代办员")
    assert rectification.responded_by == world.users["manager"]
    assert db.session.query(AuditEvent).filter_by(action="rectification_respond").count() == 1
    login_as(world.users["owner"])
    html = client.get(f"/cases/{done.id}").text
    assert "已约谈代办员" in html and "已整改到位" in html and "申请复核" in html


def test_a_response_needs_text_and_an_outcome(client, world, login_as, done):
    rectification = _rate(world, done, Grade.DISSATISFIED).rectification
    login_as(world.users["manager"])
    for data in ({"outcome": "rectified", "response": " "}, {"outcome": "nope", "response": "x"}):
        response = client.post(f"/quality/rectifications/{rectification.id}",
                               data={**data, "version": rectification.version})
        assert response.status_code == 422
    assert rectification.status is RectificationStatus.OPEN


def test_one_appeal_reopens_for_a_second_response(client, world, login_as, done, frozen_clock):
    rectification = _answered(client, world, login_as, done)
    frozen_clock(2025, 10, 13)
    login_as(world.users["owner"])
    response = client.post(f"/cases/{done.id}/evaluation/appeal", data={"reason": "问题仍未解决"})
    assert response.status_code == 302
    db.session.refresh(rectification)
    assert rectification.status is RectificationStatus.APPEALED
    assert rectification.appeal_reason == "问题仍未解决"
    assert rectification.due_on == date(2025, 11, 3)    # 15 working days after 13 October
    login_as(world.users["manager"])
    client.post(f"/quality/rectifications/{rectification.id}", data={
        "outcome": "explained", "response": "经复核已当面说明。", "version": rectification.version})
    db.session.refresh(rectification)
    assert rectification.status is RectificationStatus.CLOSED
    assert rectification.response.startswith("已约谈代办员")   # the first answer is kept
    assert rectification.review_response == "经复核已当面说明。"
    login_as(world.users["owner"])
    html = client.get(f"/cases/{done.id}").text
    assert "经复核已当面说明" in html and 'name="reason"' not in html
    before = db.session.query(AuditEvent).count()
    client.post(f"/cases/{done.id}/evaluation/appeal", data={"reason": "再次复核"})
    assert db.session.query(AuditEvent).count() == before
    with pytest.raises(quality.EvaluationError):
        quality.appeal(rectification, world.users["owner"], "再次复核")


def test_no_appeal_before_the_answer(client, world, login_as, done):
    rectification = _rate(world, done, Grade.DISSATISFIED).rectification
    login_as(world.users["owner"])
    client.post(f"/cases/{done.id}/evaluation/appeal", data={"reason": "x"})
    assert rectification.status is RectificationStatus.OPEN


@pytest.mark.parametrize("who, status", [("other_enterprise", 404), ("agent", 403),
                                         ("manager", 403)])
def test_appeal_belongs_to_the_cases_enterprise(client, world, login_as, done, who, status):
    rectification = _answered(client, world, login_as, done)
    login_as(world.users[who])
    response = client.post(f"/cases/{done.id}/evaluation/appeal", data={"reason": "x"})
    assert response.status_code == status
    assert rectification.status is RectificationStatus.ANSWERED


@pytest.mark.parametrize("who, status", [("agent", 403), ("owner", 403), ("other_manager", 404)])
def test_manager_pages_are_for_the_centers_managers(client, world, login_as, done, who, status):
    rectification = _rate(world, done, Grade.DISSATISFIED).rectification
    login_as(world.users[who])
    url = f"/quality/rectifications/{rectification.id}"
    assert client.get(url).status_code == status
    assert client.post(url, data={**ANSWER, "version": 1}).status_code == status
    listing = client.get("/quality/rectifications")
    assert listing.status_code == (200 if who == "other_manager" else 403)
    assert done.number not in listing.text
    assert rectification.status is RectificationStatus.OPEN


def test_overdue_rectifications_are_red_in_the_list(client, world, login_as, done, frozen_clock):
    rectification = _rate(world, done, Grade.DISSATISFIED).rectification
    login_as(world.users["manager"])
    assert "table-danger" not in client.get("/quality/rectifications").text
    frozen_clock(2025, 10, 24)                      # the day after the due date
    login_as(world.users["manager"])
    html = client.get("/quality/rectifications").text
    assert "table-danger" in html and "已逾期" in html
    assert done.number in client.get("/quality/rectifications?status=overdue").text
    assert rectification.is_overdue(date(2025, 10, 24))
    assert not rectification.is_overdue(date(2025, 10, 23))   # due today is not late yet
    assert done.number not in client.get("/quality/rectifications?status=answered").text


def _more_rectifications(world, count):
    owner, center = world.users["owner"], world.centers[0]
    for n in range(count):
        case = make_case(make_project(world.enterprises[0], center, f"项目{n}"), owner, world.items)
        evaluation = Evaluation(case=case, center_id=center.id, enterprise_id=case.enterprise_id,
                                author_id=owner.id, grade=Grade.DISSATISFIED, efficiency=2,
                                attitude=2, expertise=2)
        db.session.add(Rectification(evaluation=evaluation, case=case, center_id=center.id,
                                     manager=world.users["manager"], due_on=date(2025, 10, 1)))
    db.session.commit()


def test_list_query_count_does_not_grow(client, world, login_as, count_queries):
    _more_rectifications(world, 2)
    login_as(world.users["manager"])
    db.session.commit()
    with count_queries() as few:
        client.get("/quality/rectifications")
    _more_rectifications(world, 10)
    with count_queries() as many:
        assert "项目9" in client.get("/quality/rectifications").text
    assert many.count == few.count
