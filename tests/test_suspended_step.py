"""A suspended case's step is readable: the staff who handle it get the step page read-only,
saying since when and why the case is suspended and that handling resumes with the case."""
import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import StepStatus


@pytest.fixture
def suspended(world, frozen_clock):
    frozen_clock(2026, 11, 24)
    case = world.case()
    step = case.steps[0]
    workflow.update_step(step, world.users["agent"], seen_version=step.version, action="start")
    frozen_clock(2026, 11, 25)
    workflow.suspend_case(case, world.users["manager"], "企业变更项目选址，等待重新备案")
    db.session.commit()
    return case, step


def _url(case, step):
    return f"/cases/{case.id}/steps/{step.id}"


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_staff_get_the_step_read_only_with_the_suspension(client, world, login_as, suspended, who):
    case, step = suspended
    login_as(world.users[who])
    response = client.get(_url(case, step))
    assert response.status_code == 200
    html = response.text
    assert "案件已于 2026-11-25 中止办理" in html
    assert "企业变更项目选址，等待重新备案" in html
    assert "案件恢复办理后，本事项继续办理" in html
    assert 'name="action"' not in html and 'type="submit"' not in html.split('id="step-read-only"')[1]
    assert step.item.name in html and "材料准备中" in html


def test_a_save_after_the_case_was_suspended_is_refused_and_shows_why(client, world, login_as,
                                                                       suspended):
    case, step = suspended
    login_as(world.users["agent"])
    response = client.post(_url(case, step), data={"action": "submit", "version": step.version,
                                                   "submitted_on": "2026-11-26"})
    assert response.status_code == 409
    assert "案件已于 2026-11-25 中止办理" in response.text
    db.session.expire_all()
    assert step.status is StepStatus.PREPARING and step.submitted_on is None


def test_the_case_page_links_to_the_read_only_step(client, world, login_as, suspended):
    case, step = suspended
    login_as(world.users["manager"])
    html = client.get(f"/cases/{case.id}").text
    assert f'href="{_url(case, step)}"' in html


@pytest.mark.parametrize("who, status", [("owner", 403), ("other_manager", 404),
                                         ("other_agent", 404)])
def test_others_still_cannot_open_it(client, world, login_as, suspended, who, status):
    case, step = suspended
    login_as(world.users[who])
    assert client.get(_url(case, step)).status_code == status
