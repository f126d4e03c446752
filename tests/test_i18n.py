"""English as a second language: complete catalogues, every user-facing string wrapped, the
language chosen per visitor and per user, locale formats, Chinese PDFs and records."""
import ast
import io
import re
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from flask_babel import force_locale
from jinja2 import Environment, nodes
from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.core import i18n
from proxy_service.core import translation_files as catalogs
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Notification, OutboxMessage, Role, User
from proxy_service.notifications import inbox

from . import factories

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}

# Python modules (glob patterns) whose Chinese literals are not interface text, and why.
NOT_INTERFACE = {
    "proxy_service/documents/agreement.py": "PDF text: the delegation agreement is a legal document, always Chinese",
    "proxy_service/documents/agreement_content.py": "PDF text (agreement snapshot), always Chinese",
    "proxy_service/documents/audit_trail.py": "PDF text (the audit trail in the dossier), always Chinese",
    "proxy_service/documents/common.py": "PDF text (shared blocks of the notices), always Chinese",
    "proxy_service/documents/default_clauses.py": "PDF text (the default agreement clauses), always Chinese",
    "proxy_service/documents/monthly_report.py": "PDF text (the monthly report); its rows shown on the page are wrapped",
    "proxy_service/documents/notices.py": "PDF text (one-time notice, completion form, stop and change notices)",
    "proxy_service/documents/signature_block.py": "PDF text (signature block of the agreement)",
    "proxy_service/documents/signing_record.py": "PDF text (signing record page of the agreement)",
    "proxy_service/cases/dossier.py": "the dossier ZIP: names of the legal documents in it and its manifest",
    "proxy_service/seed/catalog.py": "the default catalogue written into the database: center data, shown as entered",
    "proxy_service/seed/*.py": "demo data: the records a Chinese center holds",
    "proxy_service/seed/scale/*.py": "records generated for the scale benchmarks, like demo data",
}
# A statement with this comment (on one of its lines or the line above) holds Chinese that is
# not interface text — audit records, words read from input — and says why after the colon.
KEEP_MARK = "# i18n-keep:"
GETTEXT_CALLS = {"_", "_l", "_lp", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext",
                 "pgettext", "lazy_pgettext", "npgettext"}


# --- the catalogues ----------------------------------------------------------------

@pytest.mark.parametrize("locale", catalogs.LOCALES)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(locale):
    assert catalogs.problems(catalogs.load(locale)) == []


@pytest.fixture(scope="module")
def extracted():
    return catalogs.extract()


@pytest.mark.parametrize("locale", catalogs.LOCALES)
def test_catalogue_is_up_to_date_with_the_code(locale, extracted):
    catalog = catalogs.load(locale)
    in_catalog = {(m.context, m.id) for m in catalog if m.id}
    used = set(extracted)
    missing = sorted(str(key) for key in used - in_catalog)
    stale = sorted(str(key) for key in in_catalog - used)
    assert not missing, f"run `make translations-update` and translate: {missing[:20]}"
    assert not stale, f"run `make translations-update` to drop: {stale[:20]}"


@pytest.mark.parametrize("locale", catalogs.LOCALES)
def test_compiled_catalogue_matches_its_po_file(locale):
    mo = catalogs.po_path(locale).with_suffix(".mo")
    assert mo.exists(), "run `make translations` (make install does) to compile the catalogues"
    with open(mo, "rb") as handle:
        compiled = {_entry(m) for m in read_mo(handle) if m.id}
    source = {_entry(m) for m in catalogs.load(locale) if m.id}
    assert compiled == source, "the .mo is older than the .po: run `make translations`"


def _entry(message):
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value
    return message.context, plain(message.id), plain(message.string)


def test_english_keeps_every_placeholder():
    # Babel's checks (in problems()) compare %(name)s sets; ${...} SMS parameters are checked here.
    for message in catalogs.load("en"):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert set(re.findall(r"\$\{\w+\}", text)) == set(re.findall(r"\$\{\w+\}", ids[0]))


# --- nothing left unwrapped ---------------------------------------------------------

def _python_modules():
    for path in sorted((ROOT / "proxy_service").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not any(fnmatch(relative, pattern) for pattern in NOT_INTERFACE):
            yield relative


def unwrapped_python_strings(source):
    """(line, text) of every Chinese string literal in `source` that is neither a gettext
    message (a positional argument of a gettext call), a docstring, nor in a kept statement."""
    tree = ast.parse(source)
    lines = source.splitlines()
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Expr):
            continue          # a docstring or a bare string: never shown
        if isinstance(parent, ast.Call) and node in parent.args and _call_name(parent) in GETTEXT_CALLS:
            continue
        if not _kept(node, parents, lines):
            found.append((node.lineno, node.value))
    return found


def _call_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _kept(node, parents, lines):
    statement = node
    while statement is not None and not isinstance(statement, ast.stmt):
        statement = parents.get(statement)
    compound = isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If,
                                      ast.For, ast.While, ast.With, ast.Try, ast.Match))
    first, last = (node.lineno, node.lineno) if compound or statement is None \
        else (statement.lineno, statement.end_lineno)
    return any(KEEP_MARK in lines[number - 1] for number in range(max(first - 1, 1), last + 1))


def test_python_interface_strings_are_wrapped():
    found = {path: unwrapped_python_strings((ROOT / path).read_text(encoding="utf-8"))
             for path in _python_modules()}
    found = {path: hits for path, hits in found.items() if hits}
    assert not found, f"wrap these in _()/_l() or mark the statement {KEEP_MARK} <why>: {found}"


def test_every_kept_statement_says_why():
    for path in _python_modules():
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            if KEEP_MARK in line:
                assert line.split(KEEP_MARK, 1)[1].strip(), f"{path}: {line.strip()}"


def test_the_scanner_catches_what_it_should():
    source = ('x = "中文"\nflash(_("好", n="、".join(a)))\ny = _("包好")\n'
              'z = f"{a}：{b}"\nw = "记录"  # i18n-keep: an audit record\n')
    assert sorted(text for _, text in unwrapped_python_strings(source)) == sorted(["中文", "、", "："])


def unwrapped_template_text(source):
    """Chinese in a template outside {{ _() }} / {% trans %}: text, attributes, literals."""
    found = []

    def walk(node, in_message=False):
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) \
                and node.node.name in GETTEXT_CALLS:
            # The message is the literal arguments; the rest (kwargs) are ordinary expressions.
            for arg in node.args:
                if not isinstance(arg, nodes.Const):
                    walk(arg)
            for child in [*node.kwargs, node.dyn_args, node.dyn_kwargs]:
                if child is not None:
                    walk(child)
            return
        if isinstance(node, nodes.TemplateData) and CJK.search(node.data):
            found.append((node.lineno, node.data.strip()[:80]))
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and CJK.search(node.value):
            found.append((node.lineno, node.value[:80]))
        for child in node.iter_child_nodes():
            walk(child)

    walk(Environment(extensions=["jinja2.ext.i18n"]).parse(source))
    return found


def test_template_interface_strings_are_wrapped():
    found = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        hits = unwrapped_template_text(path.read_text(encoding="utf-8"))
        if hits:
            found[path.relative_to(ROOT).as_posix()] = hits
    assert not found, f"wrap these in {{{{ _('…') }}}}: {found}"


def test_the_template_scanner_catches_what_it_should():
    source = ('<p title="提示">{{ _("好") }}</p>{{ _("%(x)s", x="、".join(a)) }}'
              '{% trans %}包好{% endtrans %}{{ "中" if a }}')
    assert [text for _, text in unwrapped_template_text(source)] == ["<p title=\"提示\">", "、", "中"]


def test_scripts_take_their_words_from_the_page():
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        assert not CJK.search(path.read_text(encoding="utf-8")), path.name


# --- choosing the language ----------------------------------------------------------

def _html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def _interface_chinese(response, *data):
    """Chinese left on an English page apart from the switch button naming 中文 and `data`,
    the records' own words (names, places), which stay as entered."""
    html = response.get_data(as_text=True)
    html = re.sub(r'<button[^>]*lang="zh-CN"[^>]*>.*?</button>', "", html, flags=re.S)
    for text in sorted(data, key=len, reverse=True):
        html = html.replace(text, "")
    return CJK.findall(html)


def test_an_english_browser_gets_the_english_login_page(client):
    response = client.get("/login", headers=ENGLISH)
    assert _html_lang(response) == "en"
    assert "<title>Log in · One-on-One Proxy Service</title>" in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]
    assert _interface_chinese(response) == []


@pytest.mark.parametrize("headers", [{}, CHINESE, {"Accept-Language": "zh-TW"},
                                     {"Accept-Language": "fr-FR,de;q=0.8"}])
def test_chinese_otherwise(client, headers):
    response = client.get("/login", headers=headers)
    assert _html_lang(response) == "zh-CN"
    assert "登录" in response.get_data(as_text=True)


def test_the_preferred_language_wins_by_quality(client):
    assert _html_lang(client.get("/login", headers={"Accept-Language": "zh;q=0.5,en;q=0.9"})) == "en"
    assert _html_lang(client.get("/login", headers={"Accept-Language": "en;q=0.5,zh;q=0.9"})) == "zh-CN"


def test_a_visitor_switches_and_the_browser_remembers(client):
    response = client.post("/language", data={"locale": "en", "next": "/verify"})
    assert response.status_code == 302 and response.headers["Location"] == "/verify"
    assert "locale=en" in response.headers["Set-Cookie"]
    assert _html_lang(client.get("/login", headers=CHINESE)) == "en"
    client.post("/language", data={"locale": "zh_CN"})
    assert _html_lang(client.get("/login", headers=ENGLISH)) == "zh-CN"


@pytest.mark.parametrize("data", [{"locale": "fr"}, {}])
def test_an_unknown_language_is_refused(client, data):
    assert client.post("/language", data=data).status_code == 400


def test_the_switch_goes_back_only_to_this_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/language", data={"locale": "en", "next": target})
        assert response.headers["Location"] == "/"


def test_the_header_offers_the_other_language_in_its_own_words(client):
    chinese = client.get("/login").get_data(as_text=True)
    assert re.search(r'name="locale" value="en" lang="en">.*English</button>', chinese)
    english = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert re.search(r'name="locale" value="zh_CN" lang="zh-CN">.*中文</button>', english)


def test_a_users_choice_is_stored_and_follows_them(app, client, world, login_as):
    owner = world.users["owner"]
    login_as(owner)
    client.post("/language", data={"locale": "en", "next": "/cases"})
    assert db.session.get(User, owner.id).locale == "en"
    # Elsewhere: another browser with a Chinese Accept-Language and no cookie.
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"username": owner.username, "password": factories.PASSWORD})
    page = elsewhere.get("/cases", headers=CHINESE)
    assert _html_lang(page) == "en" and "My requests" in page.get_data(as_text=True)
    projects = elsewhere.get("/projects", headers=CHINESE).get_data(as_text=True)
    assert "My projects" in projects and "Total investment" in projects
    # Switching back is stored too.
    elsewhere.post("/language", data={"locale": "zh_CN"})
    assert db.session.get(User, owner.id).locale == "zh_CN"
    third = app.test_client()
    third.post("/login", data={"username": owner.username, "password": factories.PASSWORD})
    assert _html_lang(third.get("/cases", headers=ENGLISH)) == "zh-CN"


# --- formats -------------------------------------------------------------------------

def test_dates_and_amounts_follow_the_language(client, world, login_as, frozen_clock):
    frozen_clock(2026, 3, 5)
    world.case(accepted=False)
    login_as(world.users["owner"])
    project = f"/projects/{world.project.id}"
    chinese = client.get(project).get_data(as_text=True)
    assert "12,000.5 万元" in chinese and "150 亩" in chinese and "2026-03-05" in chinese
    english = client.get(project, headers=ENGLISH).get_data(as_text=True)
    assert "CNY 120,005,000" in english and "150 mu" in english and "5 Mar 2026" in english
    assert "万元" not in english and "2026-03-05" not in english


def test_datetime_filters_format_per_locale(app):
    moment = datetime(2026, 3, 5, 1, 30, 15, tzinfo=UTC)    # 09:30:15 in Beijing
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert i18n.beijing(moment) == "2026-03-05 09:30"
            assert i18n.beijing(moment, "seconds") == "2026-03-05 09:30:15"
            assert i18n.day(moment.date(), "month") == "2026-03"
            assert i18n.number("1234567.8900") == "1,234,567.89"
        with force_locale("en"):
            assert i18n.beijing(moment) == "5 Mar 2026, 09:30"
            assert i18n.beijing(moment, "date") == "5 Mar 2026"
            assert i18n.day(moment.date(), "short") == "5 Mar"
            assert i18n.investment("0.0001") == "CNY 1"
            assert i18n.join_list(["a", "b"]) == "a, b"


# --- what stays Chinese, and what follows the recipient ------------------------------

def _pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_pdf_downloaded_from_the_english_interface_is_chinese(client, world, login_as):
    case = world.case(accepted=False)
    with force_locale("en"):     # issued by a manager working in English
        workflow.accept_case(case, world.users["manager"], agent=world.users["agent"])
    owner = world.users["owner"]
    owner.locale = "en"
    db.session.commit()
    login_as(owner)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "One-time notice of materials" in page       # the link is translated...
    link = re.search(r'href="(/cases/\d+/notices/\d+\.pdf)"', page).group(1)
    response = client.get(link)
    text = "".join(_pdf_text(response.data).split())
    # ...the document is not: its own title and the labels it takes from the models.
    assert "代办事项一次性告知单" in text and "工作日" in text and "审批" in text
    assert "working" not in text and "Approval" not in text


def test_notifications_are_written_in_the_recipients_language(world):
    owner, colleague = world.users["owner"], factories.make_user(
        "ent1b", Role.ENTERPRISE, enterprise=world.enterprises[0], name="王五")
    owner.locale = "en"
    inbox.set_contact(owner, owner, email="owner@example.com", phone=owner.phone)
    inbox.set_contact(colleague, colleague, email="wang@example.com", phone=colleague.phone)
    db.session.commit()
    case = world.case(accepted=False)
    workflow.accept_case(case, world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    texts = {n.user_id: n.text for n in db.session.query(Notification).filter_by(kind="case_accepted")}
    assert texts[owner.id].startswith(f"Your request {case.number}")
    assert texts[colleague.id].startswith(f"您的代办申请 {case.number}")
    mail = db.session.query(OutboxMessage).filter_by(channel="email").all()
    english = [m for m in mail if m.user_id == owner.id]
    chinese = [m for m in mail if m.user_id == colleague.id]
    assert english and all(m.body.startswith("Dear ") for m in english)
    assert chinese and all("您好" in m.body for m in chinese)
    assert {"Request accepted", "代办申请已受理"} <= {m.subject.split(" · ")[0] for m in mail}


def test_audit_records_stay_chinese_whatever_the_actors_language(client, world, login_as):
    manager = world.users["manager"]
    manager.locale = "en"
    db.session.commit()
    login_as(manager)
    page = client.get("/admin/users/new")
    assert _html_lang(page) == "en"
    client.post("/admin/users/new", data={"username": "agent9", "name": "新代办", "role": "agent",
                                          "password": "long-enough-1", "phone": "", "email": ""})
    event = db.session.query(AuditEvent).filter_by(action="user_create").one()
    assert event.comment == "agent9（代办员）"


def test_exports_follow_the_managers_language(client, world, login_as, confirm_identity):
    world.case()
    manager = world.users["manager"]
    manager.locale = "en"
    db.session.commit()
    login_as(manager)
    confirm_identity(manager)
    body = client.get("/manage/export?list=cases&format=csv").get_data().decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Case no.,Enterprise,Project,Proxy agent,Status")
