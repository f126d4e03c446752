"""Pauses are visible: each 补正 and 中止 period, from – to and its working days, on the step
page and the case timeline, read from the stored rounds and suspensions (issue 15 item 8)."""
import re
from datetime import date

import pytest

from proxy_service import workflow
from proxy_service.calendar import pauses
from proxy_service.core.extensions import db

from .test_deadlines import act, on, step_named, submit
from .test_step_rounds import file_return_refile


@pytest.fixture
def paused(world, frozen_clock):
    """A case whose 规划许可 was filed 10-08, returned 10-12 and refiled 10-20, and which was
    suspended 10-21 … 10-26 while the refiled step was with the department; today 10-28."""
    on(frozen_clock, date(2026, 9, 28))
    case = world.case()
    file_return_refile(step_named(case, "建设工程规划许可证"), world, frozen_clock)
    on(frozen_clock, date(2026, 10, 21))
    workflow.suspend_case(case, world.users["manager"], "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 26))
    workflow.resume_case(case, world.users["manager"])
    db.session.commit()
    on(frozen_clock, date(2026, 10, 28))
    return case


def text_of_html(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def text_of(response):
    return text_of_html(response.get_data(as_text=True))


def test_a_step_lists_its_correction_and_the_suspension_it_was_filed_through(paused):
    planning = step_named(paused, "建设工程规划许可证")
    assert [(p.kind, p.started_on, p.ended_on, p.workdays, p.reason)
            for p in pauses.of_step(planning)] == [
        ("returned", date(2026, 10, 12), date(2026, 10, 20), 6, "补充总平面图"),
        ("suspended", date(2026, 10, 21), date(2026, 10, 26), 3, "企业补充用地手续"),
    ]


def test_a_suspension_before_a_step_was_filed_did_not_pause_it(paused, world):
    filing = step_named(paused, "项目备案")
    submit(filing, world)
    assert pauses.of_step(filing) == []


def test_a_pause_that_lasts_counts_up_to_today(paused, world, frozen_clock):
    planning = step_named(paused, "建设工程规划许可证")
    act(planning, world, "return", correction_request="补充日照分析")
    on(frozen_clock, date(2026, 11, 2))
    last = pauses.of_step(planning)[-1]
    assert (last.started_on, last.ended_on, last.workdays) == (date(2026, 10, 28), None, 3)


def test_the_step_page_shows_each_pause(paused, client, world, login_as):
    planning = step_named(paused, "建设工程规划许可证")
    login_as(world.users["agent"])
    html = client.get(f"/cases/{paused.id}/steps/{planning.id}").get_data(as_text=True)
    assert html.count('id="pauses"') == 1      # on top, not again in the step's history
    page = text_of_html(html)
    assert "退回补正 2026-10-12 2026-10-20 6 补充总平面图" in page
    assert "案件中止 2026-10-21 2026-10-26 3 企业补充用地手续" in page


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_case_timeline_shows_every_pause_with_its_step(paused, client, world, login_as, who):
    login_as(world.users[who])
    page = text_of(client.get(f"/cases/{paused.id}"))
    assert "退回补正 建设工程规划许可证 2026-10-12 2026-10-20 6 补充总平面图" in page
    assert "案件中止 — 2026-10-21 2026-10-26 3 企业补充用地手续" in page
