"""The status page's fragment cache (core/fragment_cache.py, cases/fragments.py): a cached
fragment never outlives what it shows (every verb, the next day, a calendar change, a
catalogue edit), each role's page is the same cached as rendered afresh, per-user forms are
never cached, and the in-process store stays within its bytes."""
import difflib
import re
import uuid
from datetime import date

import pytest
import redis

from config import TestingConfig
from proxy_service import create_app, workflow
from proxy_service.core.extensions import db
from proxy_service.core.fragment_cache import Fragment, LocalStore
from proxy_service.models import DayKind
from proxy_service.workflow import calendar as calendar_changes
from proxy_service.workflow import catalog
from proxy_service.workflow.documents import store_document

from .test_case_revision import VERBS, _filed, _step, _upload, ready_for

VIEWERS = ("owner", "agent", "manager", "other_agent")
# Per-request values of the forms (never in a fragment): blanked before pages are compared.
PER_REQUEST = re.compile(r'(name="(?:csrf_token|submit_token)"[^>]*value=")[^"]*')


@pytest.fixture
def cache(app):
    cache = app.extensions["fragment_cache"]
    yield cache
    cache.enabled = True


def _page(client, login_as, user, case):
    login_as(user)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code in (200, 404)
    return response.status_code, PER_REQUEST.sub(r"\1", response.text)


def _pages(client, login_as, world, case, cache, enabled=True):
    cache.enabled = enabled
    try:
        return {who: _page(client, login_as, world.users[who], case) for who in VIEWERS}
    finally:
        cache.enabled = True


def _assert_same(pages, expected):
    """Each viewer's page as expected; else the first difference, as a diff."""
    for who, (status, html) in pages.items():
        want_status, want = expected[who]
        diff = "\n".join(difflib.unified_diff(want.splitlines(), html.splitlines(), "rendered",
                                               "cached", n=2, lineterm=""))
        assert (status, html) == (want_status, want), f"{who}:\n{diff}"


@pytest.mark.parametrize("name", list(VERBS))
def test_the_next_page_shows_every_verbs_effect(client, login_as, world, frozen_clock, cache,
                                                name):
    """Each role's page is cached before the verb; after it, each role's page is what a
    page rendered without the cache shows."""
    verb = VERBS[name][2]
    case = ready_for(world, frozen_clock, name)
    warm = _pages(client, login_as, world, case, cache)
    frozen_clock(2026, 3, 2, 11)    # the same day: only the change may renew the fragments
    verb(case, world)
    db.session.commit()
    hits = cache.hits
    after = _pages(client, login_as, world, case, cache)
    _assert_same(after, _pages(client, login_as, world, case, cache, enabled=False))
    assert after != warm
    assert cache.hits == hits, "a fragment cached before the verb was served after it"


@pytest.mark.parametrize("state", ["in_progress", "completed"])
def test_each_fragment_for_each_role_is_the_same_cached_and_rendered(
        client, login_as, world, frozen_clock, cache, state):
    frozen_clock(2026, 3, 2, 9)
    case = world.case()
    _filed(case, world)
    workflow.post_message(case, world.users["agent"], "内部备注", internal=True)
    _step(case, world, None, 1, note="只给工作人员看", internal=True)
    store_document(_upload("营业执照.pdf"), kind="material", uploader=world.users["owner"],
                   case=case, step=case.steps[0])
    if state == "completed":
        _step(case, world, "approve", permit_no="晋开审备〔2026〕58号")
        for index in range(1, len(case.steps)):
            if not case.steps[index].status.is_done:
                _step(case, world, "skip", index, not_required_reason="园区已统一办理")
        assert not case.is_open
    db.session.commit()
    fresh = _pages(client, login_as, world, case, cache, enabled=False)
    misses = cache.misses
    filled = _pages(client, login_as, world, case, cache)
    hits = cache.hits
    served = _pages(client, login_as, world, case, cache)
    _assert_same(filled, fresh)
    _assert_same(served, fresh)
    assert cache.misses > misses and cache.hits > hits     # it was filled, then it served
    owner = fresh["owner"][1]
    assert "内部备注" not in owner and "只给工作人员看" not in owner
    assert "只给工作人员看" in fresh["agent"][1] and "内部备注" in fresh["manager"][1]
    assert 'id="generated"' in fresh["manager"][1]      # the notices' fragment, with its checks


class Recording:
    """A store that keeps what was put in it, besides the cache's own store."""

    def __init__(self, store):
        self.store, self.stored = store, {}

    def get(self, key):
        return self.store.get(key)

    def set(self, key, html):
        self.stored[key] = html
        self.store.set(key, html)

    def clear(self):
        self.store.clear()


def test_an_open_cases_documents_and_messages_are_cached_but_never_a_form(
        client, login_as, world, frozen_clock, cache):
    """The documents' and messages' lists are cached on an open case too; the upload and
    message forms below them (a CSRF token, per user), like every form of the page, never."""
    frozen_clock(2026, 3, 2)
    case = world.case()
    store_document(_upload(), kind="material", uploader=world.users["owner"], case=case)
    workflow.post_message(case, world.users["owner"], "请问进度如何？")
    db.session.commit()
    store, cache.store = cache.store, Recording(cache.store)
    try:
        pages = _pages(client, login_as, world, case, cache)
        stored = cache.store.stored
    finally:
        cache.store = store
    assert case.is_open
    assert 'id="upload"' in pages["owner"][1] and 'id="upload"' in pages["agent"][1]
    assert any(key.startswith("case-documents:") and "申请材料.pdf" in html
               for key, html in stored.items())
    assert any(key.startswith("case-messages:") and "请问进度如何？" in html
               for key, html in stored.items())
    assert not [key for key, html in stored.items() if "<form" in html or "csrf_token" in html]


def test_nothing_is_cached_while_the_request_has_advanced_the_case(app, world, frozen_clock):
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    with app.test_request_context():
        from proxy_service.cases.fragments import status_fragments  # noqa: PLC0415
        workflow.post_message(case, world.users["owner"], "尚未提交")
        assert set(status_fragments(world.users["owner"], case).values()) == {None}
        db.session.rollback()


def test_the_lights_follow_the_day(client, login_as, world, frozen_clock, cache):
    frozen_clock(2026, 3, 2)
    case = world.case()
    _filed(case, world)
    db.session.commit()
    due = case.steps[0].due_on
    login_as(world.users["owner"])
    client.get(f"/cases/{case.id}")
    frozen_clock(due.year, due.month, due.day)
    cached = _page(client, login_as, world.users["owner"], case)
    cache.enabled = False
    assert cached == _page(client, login_as, world.users["owner"], case)


def test_a_calendar_change_that_moves_no_date_still_renews_the_fragments(
        client, login_as, world, frozen_clock, cache):
    """A rest day added after every date of the case: no case is touched, but the calendar's
    version moved, so what was cached under the previous calendar is not served."""
    frozen_clock(2026, 3, 2)
    case = world.case()
    _filed(case, world)
    db.session.commit()
    _page(client, login_as, world.users["owner"], case)
    revision, hits = case.revision, cache.hits
    calendar_changes.set_day(world.users["manager"], date(2026, 12, 1), DayKind.REST, "测试")
    db.session.commit()
    _page(client, login_as, world.users["owner"], case)
    assert case.revision == revision and cache.hits == hits


def test_a_catalogue_edit_shows_on_the_steps(client, login_as, world, frozen_clock, cache):
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    assert "项目备案" in _page(client, login_as, world.users["owner"], case)[1]
    item = case.steps[0].item
    catalog.edit(item, world.users["manager"], item.version, lambda record: setattr(
        record, "name", "企业投资项目备案"))
    db.session.commit()
    assert "企业投资项目备案" in _page(client, login_as, world.users["owner"], case)[1]


def test_the_local_store_keeps_to_its_bytes_least_recently_used_out_first():
    store = LocalStore(max_bytes=2000)
    for number in range(10):
        store.set(f"k{number}", "片段" * 200)
        store.get("k0")                  # read again and again: stays
    assert store.size <= 2000 and 0 < len(store) < 10
    assert store.get("k0") is not None and store.get("k1") is None
    assert store.get("k9") is not None
    store.set("huge", "x" * 5000)        # larger than the whole store: not kept
    assert store.get("huge") is None and store.size <= 2000


def test_keys_differ_by_every_part_and_by_build():
    fragment = Fragment("case-steps", (1, 2, "2026-03-02"))
    assert fragment.key("a") != Fragment("case-steps", (1, 3, "2026-03-02")).key("a")
    assert fragment.key("a") != fragment.key("b")
    assert fragment.key("a") == Fragment("case-steps", (1, 2, "2026-03-02")).key("a")


def test_two_instances_share_the_fragments_through_redis(app, world, frozen_clock):
    """Two workers on one Redis: the second serves what the first cached, and after a verb
    neither serves it again."""
    prefix = f"proxy-service-test-{uuid.uuid4().hex}:"
    config = type("Instance", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FRAGMENT_CACHE_REDIS_URL": "redis://127.0.0.1:6379",
        "FRAGMENT_CACHE_REDIS_PREFIX": prefix})
    first, second = create_app(config), create_app(config)
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    server = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        one = _logged_in_page(first, world.users["owner"], case)
        assert server.keys(prefix + "*")
        assert _logged_in_page(second, world.users["owner"], case) == one
        assert second.extensions["fragment_cache"].hits >= 2
        workflow.post_message(case, world.users["agent"], "已受理")
        db.session.commit()
        assert "已受理" in _logged_in_page(second, world.users["owner"], case)
    finally:
        first.extensions["fragment_cache"].store.clear()
        assert not server.keys(prefix + "*")


def _logged_in_page(instance, user, case):
    from .factories import PASSWORD  # noqa: PLC0415

    with instance.app_context():
        client = instance.test_client()
        assert client.post("/login", data={"username": user.username,
                                           "password": PASSWORD}).status_code == 302
        return PER_REQUEST.sub(r"\1", client.get(f"/cases/{case.id}").text)


def test_a_store_that_fails_costs_a_render_not_the_page(client, login_as, world, frozen_clock,
                                                        cache):
    """Redis down: the page is rendered without the cache, and the store is not asked again
    on every fragment (one failure, then a pause)."""
    calls = []

    class Down:
        def get(self, key):
            calls.append(key)
            raise ConnectionError("no Redis")

        set = get

        def clear(self):
            pass

    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    fresh = _page(client, login_as, world.users["owner"], case)
    store, cache.store = cache.store, Down()
    try:
        assert _page(client, login_as, world.users["owner"], case) == fresh
        assert _page(client, login_as, world.users["owner"], case) == fresh
        assert len(calls) == 1
    finally:
        cache.store, cache._down_until = store, 0.0
