"""The dashboard's figures as computed at most five minutes ago (dashboard/figure_cache.py):
the page says when, no figure outlives five minutes, one set per center, period and filters,
locale and day, a bounded number of them; the late steps and their forms are always current."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.dashboard import figure_cache

from . import factories
from .test_dashboard_figures import data  # noqa: F401  (the fixture: frozen at 2026-03-18)

URL = "/manage/dashboard?start=2026-03-01&end=2026-03-31"
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def cached(app, monkeypatch):
    """The cache on (five minutes), empty before and after the test."""
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 300)
    app.extensions.pop(figure_cache.EXTENSION, None)
    yield app
    app.extensions.pop(figure_cache.EXTENSION, None)


def at(minute, hour=10, day=18):
    """Beijing time on a day of March 2026."""
    clock.freeze(datetime(2026, 3, day, hour, minute, tzinfo=clock.BEIJING).astimezone(UTC))


def new_requests(html):
    return int(re.search(r'data-figure="1">(\d+)', html).group(1))


def as_of(html):
    return re.search(r'id="as-of">([^<]+)<', html).group(1)


def another_request(world, n):
    project = factories.make_project(world.enterprises[0], world.centers[0], f"新项目{n}")
    factories.make_case(project, world.users["owner"], world.items)
    db.session.commit()


def test_figures_are_kept_for_five_minutes_and_the_page_says_since_when(client, world, login_as,
                                                                        data, cached, count_queries):  # noqa: F811 (the fixture)
    login_as(world.users["manager"])
    at(0)
    with count_queries() as computed:
        first = client.get(URL).text
    assert as_of(first) == "数据截至 10:00" and new_requests(first) == 3
    another_request(world, 1)
    at(4)
    with count_queries() as kept:
        page = client.get(URL).text
    assert new_requests(page) == 3 and as_of(page) == "数据截至 10:00"
    assert kept.count < computed.count - 10          # none of the figures' statements
    at(5)                                            # five minutes after they were computed
    page = client.get(URL).text
    assert new_requests(page) == 4 and as_of(page) == "数据截至 10:05"


def test_the_late_steps_and_their_forms_are_current_while_the_figures_are_kept(
        client, world, login_as, data, cached):  # noqa: F811 (the fixture)
    login_as(world.users["manager"])
    at(0)
    case = data["a"]
    assert f'name="version" value="{case.version}"' in client.get(URL).text
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="工作调整")
    db.session.commit()
    at(1)
    page = client.get(URL).text
    assert as_of(page) == "数据截至 10:00"
    late = page[page.index('id="late-steps"'):]
    assert f'name="version" value="{case.version}"' in late
    assert '<td data-label="代办员">陈代办</td>' in late


@pytest.mark.parametrize("other", [
    {"url": "/manage/dashboard?start=2026-03-02&end=2026-03-31"},   # another period
    {"url": URL + "&stage=building"},                              # another filter
    {"url": URL + "&sort=red"},                                    # another order
    {"headers": ENGLISH},                                          # another language
    {"tomorrow": True},                                            # another day
])
def test_each_center_period_filter_order_language_and_day_has_its_own_figures(
        client, world, login_as, data, cached, other):  # noqa: F811 (the fixture)
    at(55, hour=23, day=17)
    login_as(world.users["manager"])
    client.get(URL)
    another_request(world, 1)
    at(56, hour=23, day=17)
    if other.get("tomorrow"):
        at(1, hour=0, day=18)
    page = client.get(other.get("url", URL), headers=other.get("headers", {})).text
    assert new_requests(page) == 4


def test_an_unknown_order_shares_the_default_orders_figures(client, world, login_as, data,  # noqa: F811 (the fixture)
                                                            cached):
    login_as(world.users["manager"])
    at(0)
    client.get(URL)
    another_request(world, 1)
    at(1)
    assert new_requests(client.get(URL + "&sort=bogus").text) == 3
    assert new_requests(client.get(URL + "&sort=open_steps").text) == 4


def test_another_centers_manager_gets_the_figures_of_that_center(client, world, login_as, data,  # noqa: F811 (the fixture)
                                                                 cached):
    at(0)
    login_as(world.users["manager"])
    mine = client.get(URL).text
    login_as(world.users["other_manager"])
    theirs = client.get(URL).text
    assert "刘代办" in mine and "刘代办" not in theirs


def test_the_page_says_when_in_english(client, world, login_as, data, cached):  # noqa: F811 (the fixture)
    login_as(world.users["manager"])
    at(7)
    assert as_of(client.get(URL, headers=ENGLISH).text) == "Figures as of 10:07"


def test_the_cache_holds_a_bounded_number_of_sets_least_recently_used_out(
        client, world, login_as, data, cached, monkeypatch):  # noqa: F811 (the fixture)
    monkeypatch.setitem(cached.config, "DASHBOARD_CACHE_ENTRIES", 2)
    login_as(world.users["manager"])
    at(0)
    for day in (1, 2, 3):
        client.get(f"/manage/dashboard?start=2026-03-0{day}&end=2026-03-31")
    assert len(cached.extensions[figure_cache.EXTENSION]) == 2
    another_request(world, 1)
    at(1)
    # The first set went out: computed again; the third is still kept.
    assert new_requests(client.get("/manage/dashboard?start=2026-03-01&end=2026-03-31").text) == 4
    assert new_requests(client.get("/manage/dashboard?start=2026-03-03&end=2026-03-31").text) == 2


def test_no_setting_keeps_figures_longer_than_five_minutes(client, world, login_as, data, cached,  # noqa: F811 (the fixture)
                                                           monkeypatch):
    monkeypatch.setitem(cached.config, "DASHBOARD_CACHE_SECONDS", 3600)
    login_as(world.users["manager"])
    at(0)
    client.get(URL)
    another_request(world, 1)
    at(5)
    assert new_requests(client.get(URL).text) == 4


def test_expiring_cache_counts_from_when_a_value_was_put(frozen_clock):
    frozen_clock(2026, 3, 18)
    cache = figure_cache.ExpiringCache(size=2, seconds=300)
    cache.put("a", 1)
    clock.freeze(clock.now() + timedelta(seconds=299))
    assert cache.get("a") == 1          # reading it does not make it younger
    clock.freeze(clock.now() + timedelta(seconds=1))
    assert cache.get("a") is None and len(cache) == 0
