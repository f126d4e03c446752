"""Traffic lights on the lists: filter by ?light=, sort most urgent first, fixed query counts."""
import re
from datetime import date

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db

from .factories import make_case, make_project


def freeze(frozen_clock, day):
    frozen_clock(day.year, day.month, day.day)


def running_case(world, name):
    project = make_project(world.enterprises[0], world.centers[0], name)
    return make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                     agent=world.users["agent"])


def submit(world, case, item_name):
    step = next(s for s in case.steps if s.item.name == item_name)
    for action in ("start", "submit"):
        workflow.update_step(step, world.users["agent"], seen_version=step.version, action=action)
    db.session.commit()
    return step


@pytest.fixture
def lights(world, frozen_clock):
    """Three cases seen on 2026-10-12: one red, one yellow, one green."""
    freeze(frozen_clock, date(2026, 9, 28))
    red, yellow, green = (running_case(world, f"{word}项目") for word in ("红灯", "黄灯", "绿灯"))
    freeze(frozen_clock, date(2026, 9, 30))
    submit(world, red, "项目备案")                      # due 10-08
    freeze(frozen_clock, date(2026, 10, 8))
    submit(world, yellow, "建设工程规划许可证")          # due 10-14, yellow from 10-12
    freeze(frozen_clock, date(2026, 10, 12))
    submit(world, green, "建设工程规划许可证")           # due 10-19
    return {"red": red, "yellow": yellow, "green": green}


def numbers(html, cases):
    """The case numbers of `cases` in the order the page shows them."""
    found = re.findall(r"[A-Z]+-\d{4}-\d{5}", html)
    wanted = {case.number for case in cases.values()}
    return list(dict.fromkeys(n for n in found if n in wanted))


@pytest.mark.parametrize("who", ["manager", "owner", "agent"])
def test_case_list_filters_by_light(client, world, login_as, lights, who):
    login_as(world.users[who])
    for word, case in lights.items():
        html = client.get(f"/cases?light={word}").get_data(as_text=True)
        assert numbers(html, lights) == [case.number], word
    everything = client.get("/cases?light=purple").get_data(as_text=True)
    assert len(numbers(everything, lights)) == 3


def test_case_list_sorts_most_urgent_first(client, world, login_as, lights):
    login_as(world.users["manager"])
    html = client.get("/cases?sort=light").get_data(as_text=True)
    assert numbers(html, lights) == [lights[w].number for w in ("red", "yellow", "green")]
    assert "超期" in html and "临近到期" in html and "正常" in html
    assert 'data-light="red"' in html


def test_inbox_filters_and_puts_red_first(client, world, login_as, lights):
    login_as(world.users["agent"])
    html = client.get("/inbox").get_data(as_text=True)
    steps_part = html.split('id="cases-heading"')[0]
    assert numbers(steps_part, lights)[:3] == [lights[w].number for w in ("red", "yellow", "green")]
    yellow_only = client.get("/inbox?light=yellow").get_data(as_text=True)
    assert numbers(yellow_only, lights) == [lights["yellow"].number]
    assert "2026-10-14" in yellow_only


def test_suspended_case_has_no_light(client, world, login_as, lights):
    workflow.suspend_case(lights["red"], world.users["manager"], "企业补充材料")
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get("/cases?light=red").get_data(as_text=True)
    assert numbers(html, lights) == []


def test_pages_show_limit_elapsed_remaining_and_promised_date(client, world, login_as, lights):
    login_as(world.users["owner"])
    case = lights["yellow"]
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "承诺办结日" in html and case.promised_on.isoformat() in html
    assert "承诺时限 5 工作日" in html and "法定 10 工作日" in html
    assert "已用 3 个工作日" in html and "剩余 2 个工作日" in html and "到期日 2026-10-14" in html
    login_as(world.users["agent"])
    step = next(s for s in case.steps if s.item.name == "建设工程规划许可证")
    page = client.get(f"/cases/{case.id}/steps/{step.id}").get_data(as_text=True)
    assert "剩余 2 个工作日" in page and "临近到期" in page


@pytest.mark.parametrize("who, url", [("manager", "/cases?sort=light&light=green"),
                                      ("owner", "/cases?sort=light"),
                                      ("agent", "/inbox?light=green")])
def test_lists_keep_a_fixed_number_of_queries(client, world, login_as, frozen_clock,
                                              count_queries, who, url):
    freeze(frozen_clock, date(2026, 10, 8))
    for n in range(2):
        submit(world, running_case(world, f"项目{n}"), "建设工程规划许可证")
    login_as(world.users[who])
    db.session.commit()   # both counts start from an expired session, as a new request does
    with count_queries() as few:
        client.get(url)
    for n in range(2, 6):
        submit(world, running_case(world, f"项目{n}"), "建设工程规划许可证")
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert many.count == few.count
    assert html.count('data-light="green"') >= 6     # the rows were there, with their lights
