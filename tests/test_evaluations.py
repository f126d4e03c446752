"""好差评: only the case's enterprise rates a completed case, once; it may change the rating
within 7 days; sub-scores are 1–5; the case page and list ask for the rating."""
import pytest
from sqlalchemy.exc import IntegrityError

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CaseStatus, Evaluation, Grade
from proxy_service.workflow import quality as quality

from .factories import make_case, make_project

GOOD = {"grade": "satisfied", "efficiency": "5", "attitude": "4", "expertise": "4",
        "comment": "代办员很专业"}


def complete(case, agent):
    for step in case.steps:
        workflow.update_step(step, agent, seen_version=step.version, action="skip",
                             not_required_reason="园区已统一办理")
    db.session.commit()
    assert case.status is CaseStatus.COMPLETED
    return case


@pytest.fixture
def done(world, frozen_clock):
    frozen_clock(2025, 6, 10)
    return complete(world.case(), world.users["agent"])


def test_enterprise_rates_a_completed_case(client, world, login_as, done):
    login_as(world.users["owner"])
    assert client.get(f"/cases/{done.id}/evaluation").status_code == 200
    response = client.post(f"/cases/{done.id}/evaluation", data=GOOD)
    assert response.status_code == 302
    evaluation = db.session.query(Evaluation).one()
    assert (evaluation.grade, evaluation.efficiency, evaluation.attitude, evaluation.expertise,
            evaluation.comment) == (Grade.SATISFIED, 5, 4, 4, "代办员很专业")
    assert (evaluation.agent, evaluation.author) == (world.users["agent"], world.users["owner"])
    event = db.session.query(AuditEvent).filter_by(action="evaluate").one()
    assert event.case_id == done.id and event.to_status == "satisfied"
    html = client.get(f"/cases/{done.id}").text
    assert "服务评价" in html and "满意" in html and "代办员很专业" in html


@pytest.mark.parametrize("who, status", [("other_enterprise", 404), ("other_agent", 404),
                                         ("other_manager", 404), ("agent", 403),
                                         ("manager", 403)])
def test_only_the_cases_enterprise_may_rate(client, world, login_as, done, who, status):
    login_as(world.users[who])
    assert client.get(f"/cases/{done.id}/evaluation").status_code == status
    assert client.post(f"/cases/{done.id}/evaluation", data=GOOD).status_code == status
    assert db.session.query(Evaluation).count() == 0


def test_only_completed_cases_are_rated(client, world, login_as):
    case = world.case()
    login_as(world.users["owner"])
    assert client.post(f"/cases/{case.id}/evaluation", data=GOOD).status_code == 403
    assert db.session.query(Evaluation).count() == 0
    assert "去评价" not in client.get(f"/cases/{case.id}").text
    with pytest.raises(quality.EvaluationError):
        quality.rate(case, world.users["owner"], grade=Grade.SATISFIED, efficiency=5, attitude=5,
                     expertise=5)


def test_a_case_is_rated_once(world, done):
    owner = world.users["owner"]
    quality.rate(done, owner, grade=Grade.SATISFIED, efficiency=5, attitude=5, expertise=5)
    with pytest.raises(quality.EvaluationError):
        quality.rate(done, owner, grade=Grade.BASIC, efficiency=3, attitude=3, expertise=3)
    db.session.commit()
    # The database keeps it to one as well (two submissions racing past the check).
    db.session.add(Evaluation(case=done, center_id=done.center_id, enterprise_id=done.enterprise_id,
                              author_id=owner.id, grade=Grade.BASIC, efficiency=3, attitude=3,
                              expertise=3))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_posting_again_edits_the_one_evaluation(client, world, login_as, done, frozen_clock):
    login_as(world.users["owner"])
    client.post(f"/cases/{done.id}/evaluation", data=GOOD)
    frozen_clock(2025, 6, 16)                      # six days later
    login_as(world.users["owner"])                 # (the session idled out meanwhile)
    page = client.get(f"/cases/{done.id}/evaluation").text
    assert 'value="satisfied"' in page and "修改服务评价" in page
    response = client.post(f"/cases/{done.id}/evaluation", data={**GOOD, "grade": "very_satisfied"})
    assert response.status_code == 302
    evaluation = db.session.query(Evaluation).one()
    assert evaluation.grade is Grade.VERY_SATISFIED
    assert db.session.query(AuditEvent).filter_by(action="evaluation_edit").count() == 1


def test_no_edit_after_seven_days(client, world, login_as, done, frozen_clock):
    login_as(world.users["owner"])
    client.post(f"/cases/{done.id}/evaluation", data=GOOD)
    frozen_clock(2025, 6, 17, hour=11)             # seven days and an hour later
    login_as(world.users["owner"])
    assert "修改评价" not in client.get(f"/cases/{done.id}").text
    response = client.post(f"/cases/{done.id}/evaluation", data={**GOOD, "grade": "basic"})
    assert response.status_code == 302
    assert db.session.query(Evaluation).one().grade is Grade.SATISFIED
    assert "不能再修改" in client.get(f"/cases/{done.id}").text
    with pytest.raises(quality.EvaluationError):
        quality.edit(db.session.query(Evaluation).one(), world.users["owner"], grade=Grade.BASIC,
                     efficiency=3, attitude=3, expertise=3)


@pytest.mark.parametrize("field, value", [("efficiency", "0"), ("attitude", "6"),
                                          ("expertise", "x"), ("efficiency", ""),
                                          ("grade", "great"), ("grade", "")])
def test_out_of_range_scores_are_refused_with_a_message(client, world, login_as, done, field,
                                                        value):
    login_as(world.users["owner"])
    response = client.post(f"/cases/{done.id}/evaluation", data={**GOOD, field: value})
    assert response.status_code == 422
    assert "请选择" in response.text
    assert db.session.query(Evaluation).count() == 0


@pytest.mark.parametrize("score", [0, 6, None])
def test_the_service_checks_sub_score_bounds_too(world, done, score):
    with pytest.raises(quality.EvaluationError):
        quality.rate(done, world.users["owner"], grade=Grade.BASIC, efficiency=3, attitude=score,
                     expertise=3)


def test_case_page_and_list_ask_for_a_rating_until_given(client, world, login_as, done):
    login_as(world.users["owner"])
    assert "去评价" in client.get(f"/cases/{done.id}").text
    listing = client.get("/cases").text
    assert "1 个已办结的案件待评价" in listing and f"/cases/{done.id}/evaluation" in listing
    client.post(f"/cases/{done.id}/evaluation", data=GOOD)
    assert "去评价" not in client.get(f"/cases/{done.id}").text
    assert "待评价" not in client.get("/cases").text


def test_staff_read_the_rating_but_get_no_prompt(client, world, login_as, done):
    quality.rate(done, world.users["owner"], grade=Grade.BASIC, efficiency=3, attitude=4,
                 expertise=2, comment="材料准备指导不够具体")
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get(f"/cases/{done.id}").text
    assert "基本满意" in html and "材料准备指导不够具体" in html and "去评价" not in html
    assert "待评价" not in client.get("/cases").text


def test_case_list_prompt_costs_one_query_whatever_the_rows(client, world, login_as, done,
                                                            count_queries):
    login_as(world.users["owner"])
    db.session.commit()
    with count_queries() as few:
        client.get("/cases")
    for n in range(4):
        project = make_project(world.enterprises[0], world.centers[0], f"项目{n}")
        complete(make_case(project, world.users["owner"], world.items,
                           accept_by=world.users["manager"], agent=world.users["agent"]),
                 world.users["agent"])
    with count_queries() as many:
        assert "5 个已办结的案件待评价" in client.get("/cases").text
    assert many.count == few.count
