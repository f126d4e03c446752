"""The lists' cached parts (core/fragment_cache.py: the managers' filter form as a fragment,
the rows of the case lists and the inbox by their own values): each list is the same cached as
rendered afresh, for each role and language, and shows every verb's effect, a renamed agent and
a new industry on the very next request."""
import difflib

import pytest

from proxy_service.core.extensions import db
from proxy_service.core.fragment_cache import ROW_SHARE

from .factories import make_case, make_industry, make_project
from .test_case_revision import VERBS, ready_for
from .test_fragment_cache import PER_REQUEST

LISTS = {"owner": ("/cases",),
         "agent": ("/inbox", "/cases"),
         "manager": ("/cases", "/cases?status=in_progress&q=绿碳", "/cases?sort=light&light=green")}


@pytest.fixture
def cache(app):
    cache = app.extensions["fragment_cache"]
    yield cache
    cache.enabled = True


def _lists(client, login_as, world, cache, enabled=True, viewers=LISTS):
    cache.enabled = enabled
    pages = {}
    try:
        for who, urls in viewers.items():
            login_as(world.users[who])
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200
                pages[who, url] = PER_REQUEST.sub(r"\1", response.text)
    finally:
        cache.enabled = True
    return pages


def _assert_same(pages, expected):
    for page, html in pages.items():
        diff = "\n".join(difflib.unified_diff(expected[page].splitlines(), html.splitlines(),
                                               "rendered", "cached", n=2, lineterm=""))
        assert html == expected[page], f"{page}:\n{diff}"


def test_each_list_is_the_same_cached_and_rendered(client, login_as, world, frozen_clock, cache):
    frozen_clock(2026, 3, 2, 9)
    world.case()
    project = make_project(world.enterprises[0], world.centers[0], "第二个项目")
    make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"])
    db.session.commit()
    fresh = _lists(client, login_as, world, cache, enabled=False)
    misses = cache.misses
    filled = _lists(client, login_as, world, cache)
    hits = cache.hits
    served = _lists(client, login_as, world, cache)
    _assert_same(filled, fresh)
    _assert_same(served, fresh)
    assert cache.misses > misses and cache.hits > hits      # filled, then served
    assert 'name="agent"' in fresh["manager", "/cases"]       # the filter form is there


@pytest.mark.parametrize("name", list(VERBS))
def test_the_next_list_shows_every_verbs_effect(client, login_as, world, frozen_clock, cache,
                                                name):
    verb = VERBS[name][2]
    case = ready_for(world, frozen_clock, name)
    _lists(client, login_as, world, cache)
    frozen_clock(2026, 3, 2, 11)
    verb(case, world)
    db.session.commit()
    _assert_same(_lists(client, login_as, world, cache),
                 _lists(client, login_as, world, cache, enabled=False))


def test_the_rows_follow_the_day(client, login_as, world, frozen_clock, cache):
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    _lists(client, login_as, world, cache)
    promised = case.promised_on
    frozen_clock(promised.year, promised.month, promised.day + 1 if promised.day < 28 else 1)
    _assert_same(_lists(client, login_as, world, cache),
                 _lists(client, login_as, world, cache, enabled=False))


def test_a_renamed_agent_shows_at_once_in_the_filters_and_the_rows(client, login_as, world,
                                                                   frozen_clock, cache):
    frozen_clock(2026, 3, 2)
    world.case()
    db.session.commit()
    manager = {"manager": ("/cases",)}
    before = _lists(client, login_as, world, cache, viewers=manager)["manager", "/cases"]
    assert before.count("刘代办") == 2                       # an option, and the case's row
    agent = world.users["agent"]
    agent.name, agent.phone = "刘新名", "13900001111"
    db.session.commit()
    after = _lists(client, login_as, world, cache, viewers=manager)["manager", "/cases"]
    assert "刘代办" not in after and after.count("刘新名") == 2 and "13900001111" in after


def test_a_new_industry_shows_at_once_in_the_filters(client, login_as, world, cache):
    world.case()
    db.session.commit()
    manager = {"manager": ("/cases",)}
    assert "生物医药" not in _lists(client, login_as, world, cache, viewers=manager)["manager", "/cases"]
    make_industry("生物医药")
    db.session.commit()
    assert "生物医药" in _lists(client, login_as, world, cache, viewers=manager)["manager", "/cases"]


def test_a_row_cached_in_one_language_is_not_served_in_the_other(client, login_as, world,
                                                                  frozen_clock, cache):
    frozen_clock(2026, 3, 2)
    world.case()
    db.session.commit()
    chinese = _lists(client, login_as, world, cache)
    for who in LISTS:
        world.users[who].locale = "en"
    db.session.commit()
    english = _lists(client, login_as, world, cache)
    _assert_same(english, _lists(client, login_as, world, cache, enabled=False))
    assert english["agent", "/inbox"] != chinese["agent", "/inbox"]
    assert "In progress" in english["owner", "/cases"]


def test_the_rows_keep_to_their_share_of_the_cache(app, cache):
    assert cache.rows.limit == app.config["FRAGMENT_CACHE_MAX_BYTES"] // ROW_SHARE
