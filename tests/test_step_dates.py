"""Step dates that make sense (issue 13 items 1 and 5): the return, refusal and refiling dates
are fields of their own, defaulting to today; a date later than today, a return or decision
before its round's filing, a refiling before its return is a field error (422), never stored."""
import re
from datetime import date

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import StepStatus

from .test_step_updates import post, step_named, url


@pytest.fixture
def case(world, frozen_clock):
    """A case in progress since 2026-10-09, today."""
    frozen_clock(2026, 10, 9)
    return world.case()


@pytest.fixture
def filed(case, world):
    """建设工程规划许可证 filed on 2026-10-08 (today is 2026-10-09)."""
    planning = step_named(case, "建设工程规划许可证")
    for action, details in (("start", {}), ("submit", {"submitted_on": date(2026, 10, 8)})):
        workflow.update_step(planning, world.users["agent"], seen_version=planning.version,
                             action=action, **details)
    db.session.commit()
    return planning


def later(frozen_clock, login_as, world, day):
    """Days later (the staff session has timed out meanwhile: log in again)."""
    frozen_clock(day.year, day.month, day.day)
    return login_as(world.users["agent"])


def field_error(response, name):
    """The error text shown under the form field `name` (and the field marked invalid)."""
    page = response.get_data(as_text=True)
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*name="{name}"|'
                     rf'<input[^>]*name="{name}"[^>]*aria-invalid="true"', page), name
    return re.search(rf'id="{name}-error">([^<]*)<', page).group(1)


def input_value(page, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1)


def rounds_of(step):
    db.session.expire_all()
    return [(r.filed_on, r.returned_on, r.decided_on) for r in step.rounds]


# --- the dates of the round are fields of the form ---------------------------------------

def test_return_and_refusal_forms_have_their_dates_defaulting_to_today(filed, agent):
    page = agent.get(url(filed)).get_data(as_text=True)
    assert "退回日期" in page and "不予许可日期" in page and "重新报送日期" not in page
    assert input_value(page, "returned_on") == input_value(page, "refused_on") == "2026-10-09"


def test_a_return_is_recorded_on_the_day_typed(filed, agent):
    response = post(agent, filed, action="return", correction_request="补充总平面图",
                    returned_on="2026-10-08")
    assert response.status_code == 302
    assert rounds_of(filed) == [(date(2026, 10, 8), date(2026, 10, 8), None)]
    assert filed.remaining_workdays == 5     # nothing of the limit was used


def test_a_refusal_is_recorded_on_the_day_typed(filed, agent):
    response = post(agent, filed, action="refuse", refusal_reason="不符合控制性详细规划",
                    refused_on="2026-10-08")
    assert response.status_code == 302
    assert rounds_of(filed) == [(date(2026, 10, 8), None, date(2026, 10, 8))]
    assert filed.status is StepStatus.REFUSED


def test_a_returned_step_offers_its_refiling_date_today_and_keeps_its_filing_date(
        filed, agent, frozen_clock, login_as, world):
    post(agent, filed, action="return", correction_request="补充总平面图", returned_on="2026-10-09")
    agent = later(frozen_clock, login_as, world, date(2026, 10, 14))
    page = agent.get(url(filed)).get_data(as_text=True)
    assert input_value(page, "submitted_on") == "2026-10-08"      # the filing before 补正
    assert input_value(page, "refiled_on") == "2026-10-14"
    assert "退回日期" not in page
    # The form posts 报送日期 back as it was shown; the refiling is on its own date.
    response = post(agent, filed, action="submit", submitted_on="2026-10-08",
                    refiled_on="2026-10-13")
    assert response.status_code == 302
    assert rounds_of(filed) == [(date(2026, 10, 8), date(2026, 10, 9), None),
                                (date(2026, 10, 13), None, None)]
    assert filed.submitted_on == date(2026, 10, 13)


# --- dates that cannot be true ------------------------------------------------------------

def test_a_filing_date_in_the_future_is_refused_on_its_field(case, agent):
    filing = step_named(case, "项目备案")
    post(agent, filing, action="start")
    response = post(agent, filing, action="submit", submitted_on="2026-10-30")
    assert response.status_code == 422
    assert field_error(response, "submitted_on") == "不能晚于今天（2026-10-09）。"
    db.session.expire_all()
    assert (filing.status, filing.submitted_on, filing.rounds) == (StepStatus.PREPARING, None, [])


@pytest.mark.parametrize("action, name, extra", [
    ("approve", "approved_on", {"permit_no": "建字第140700202600123号"}),
    ("return", "returned_on", {"correction_request": "补充总平面图"}),
    ("refuse", "refused_on", {"refusal_reason": "不符合控制性详细规划"}),
])
@pytest.mark.parametrize("day, error", [
    ("2026-10-07", "不能早于报送日期（2026-10-08）。"),
    ("2026-10-12", "不能晚于今天（2026-10-09）。"),
])
def test_a_decision_or_return_outside_its_round_is_refused(filed, agent, action, name, extra,
                                                           day, error):
    response = post(agent, filed, action=action, **{name: day}, **extra)
    assert response.status_code == 422
    assert field_error(response, name) == error
    db.session.expire_all()
    assert (filed.status, filed.approved_on) == (StepStatus.SUBMITTED, None)
    assert rounds_of(filed) == [(date(2026, 10, 8), None, None)]


def test_a_refiling_before_its_return_is_refused(filed, agent, frozen_clock, login_as, world):
    post(agent, filed, action="return", correction_request="补充总平面图", returned_on="2026-10-09")
    agent = later(frozen_clock, login_as, world, date(2026, 10, 14))
    response = post(agent, filed, action="submit", refiled_on="2026-10-08")
    assert response.status_code == 422
    assert field_error(response, "refiled_on") == "不能早于退回补正日期（2026-10-09）。"
    db.session.expire_all()
    assert filed.status is StepStatus.RETURNED and len(filed.rounds) == 1


def test_a_corrected_filing_date_moves_the_round_and_its_due_date(filed, agent):
    assert filed.due_on == date(2026, 10, 14)
    response = post(agent, filed, submitted_on="2026-10-12")     # information only
    assert response.status_code == 422
    assert field_error(response, "submitted_on") == "不能晚于今天（2026-10-09）。"
    assert post(agent, filed, submitted_on="2026-10-07").status_code == 302
    db.session.expire_all()
    assert rounds_of(filed) == [(date(2026, 10, 7), None, None)]
    assert filed.due_on == date(2026, 10, 13)


def test_a_corrected_approval_date_stays_within_its_round(filed, agent):
    post(agent, filed, action="approve", permit_no="建字第140700202600123号")
    response = post(agent, filed, approved_on="2026-10-07")
    assert field_error(response, "approved_on") == "不能早于报送日期（2026-10-08）。"
    assert post(agent, filed, approved_on="2026-10-08").status_code == 302
    assert rounds_of(filed) == [(date(2026, 10, 8), None, date(2026, 10, 8))]
    # Nor may the filing date move past the approval.
    response = post(agent, filed, submitted_on="2026-10-09")
    assert field_error(response, "submitted_on") == "不能晚于该次报送的退回或决定日期（2026-10-08）。"


def test_the_error_is_in_the_users_language(filed, agent):
    agent.post("/language", data={"locale": "en", "next": "/cases"})
    response = post(agent, filed, action="approve", permit_no="X-1", approved_on="2026-10-07")
    assert response.status_code == 422
    assert field_error(response, "approved_on") == "Cannot be earlier than the filing date (2026-10-08)."


def test_the_workflow_refuses_an_impossible_date_whoever_calls_it(filed, world):
    with pytest.raises(workflow.StepDateError) as refused:
        workflow.update_step(filed, world.users["agent"], seen_version=filed.version,
                             action="approve", permit_no="X-1", approved_on=date(2026, 10, 7))
    assert refused.value.field == "approved_on"
