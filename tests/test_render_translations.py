"""Translations bound once per render (core/render_translations.py): pages read exactly as
through Flask-Babel's lookup per message, in both languages, and a locale forced during a
render is honoured."""
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale, get_translations, gettext, lazy_gettext

from proxy_service.core import render_translations
from proxy_service.core.extensions import db

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
# What differs between two views of the same page: tokens (signed with the time, or one-time)
# and nonces.
VOLATILE = (re.compile(r'(name="(?:csrf_token|submit_token)"[^>]*value=")[^"]*'),
            re.compile(r'(name="csrf-token"\s+content=")[^"]*'),
            re.compile(r'(nonce=")[^"]*'))


def stable(html):
    for pattern in VOLATILE:
        html = pattern.sub(r"\1", html)
    return html


@pytest.fixture
def per_message_lookups(app, monkeypatch):
    """Turn the binding off: no render binds, and Jinja gets Flask-Babel's own callables
    (what flask_babel.Babel.init_app installs), as before the binding."""
    def turn_off():
        monkeypatch.setattr(render_translations, "_bind", lambda: None)
        env = app.jinja_env
        for name in render_translations.JINJA_CALLABLES:
            monkeypatch.setitem(env.globals, name, env.globals[name])
        env.install_gettext_callables(
            gettext=lambda s: get_translations().ugettext(s),
            ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
            pgettext=lambda c, s: get_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
            newstyle=True)
        env.globals["_"] = env.globals["gettext"]   # Jinja's `_` calls `gettext`
    return turn_off


def pages(world, case):
    step = case.steps[0]
    return {"owner": [f"/cases/{case.id}", f"/cases/{case.id}/log", "/cases", "/account/api-tokens"],
            "agent": [f"/cases/{case.id}", f"/cases/{case.id}/steps/{step.id}", "/notifications"],
            "manager": [f"/cases/{case.id}", "/cases", "/manage/dashboard"]}


@pytest.mark.parametrize("headers", [CHINESE, ENGLISH], ids=["zh", "en"])
def test_pages_read_as_with_a_lookup_per_message(client, world, login_as, per_message_lookups,
                                                 headers):
    case = world.case()
    db.session.commit()
    seen = {}
    for who, urls in pages(world, case).items():
        login_as(world.users[who])
        for url in urls:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            seen[who, url] = stable(response.text)
    per_message_lookups()
    for (who, url), bound in seen.items():
        login_as(world.users[who])
        assert stable(client.get(url, headers=headers).text) == bound, (who, url)
    english = headers is ENGLISH
    assert ("Progress" in seen["owner", f"/cases/{case.id}"]) is english


def test_a_locale_forced_during_a_render_is_honoured(app):
    """A notification written in its recipient's language while a page renders: the forced
    locale's texts, lazy ones too; the page's own language before and after."""
    label = lazy_gettext("系统")

    def in_english():
        with force_locale("en"):
            return f"{gettext('系统')}/{label}"

    with app.test_request_context("/", headers=CHINESE):
        html = render_template_string("{{ _('系统') }}|{{ english() }}|{{ label }}|{{ _('系统') }}",
                                      english=in_english, label=label)
    assert html == "系统|System/System|系统|系统"


def test_jinja_callables_escape_and_format_as_jinjas_newstyle_gettext(app):
    with app.test_request_context("/", headers=ENGLISH):
        html = render_template_string(
            "{{ _('%(name)s（%(detail)s）', name='<b>', detail=1) }}|{{ _('100%%') }}|"
            "{{ ngettext('%(num)s 工作日', '%(num)s 工作日', 2) }}|"
            "{{ pgettext('button', '不予受理') }}|{{ _('系统') }}")
    assert html.startswith("&lt;b&gt;") and "|100%|2 working days|" in html
    assert html.endswith("|System")


def test_trans_blocks_use_the_bound_callables(app):
    """{% trans %} compiles to calls of gettext/ngettext: translated, variables escaped."""
    with app.test_request_context("/", headers=ENGLISH):
        html = render_template_string(
            "{% trans %}系统{% endtrans %}|"
            "{% trans num=2 %}{{ num }} 工作日{% pluralize %}{{ num }} 工作日{% endtrans %}|"
            "{% trans name='<b>' %}{{ name }}{% endtrans %}")
    assert html == "System|2 working days|&lt;b&gt;"


def test_a_binding_ends_with_its_request(client):
    """One client, English, Chinese, English: each request in its own language, its labels
    (lazy texts of the login form) too."""
    for headers, lang, label in ((ENGLISH, "en", "Username"), (CHINESE, "zh-CN", "用户名"),
                                 (ENGLISH, "en", "Username")):
        page = client.get("/login", headers=headers).text
        assert f'lang="{lang}"' in page and label in page


def test_wtforms_messages_follow_the_language(client, world, login_as):
    """wtforms' own messages come from its catalogue of the request's language (loaded once
    per language, not per request)."""
    login_as(world.users["owner"])
    for headers, message in ((CHINESE, "字段长度不能超过 200 个字符。"),
                             (ENGLISH, "Field cannot be longer than 200 characters."),
                             (CHINESE, "字段长度不能超过 200 个字符。")):
        response = client.post("/confirm", data={"password": "x" * 201}, headers=headers)
        assert response.status_code in (200, 422) and message in response.text
