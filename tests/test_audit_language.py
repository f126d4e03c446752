"""Audit text is stored in the record language, Chinese, whatever language the actor reads the
pages in (DESIGN.md §5; issue 16 item 7): the hash-chained log is one document for everyone.

Every audit action the code writes (the keys of models/audit_labels.py, and the few written
without a label) is performed through the pages by users whose interface is English; what the
requests stored must hold no English text of the interface — no fragment of an English msgstr
in a comment, and statuses stored as their codes. test_every_audited_action_is_performed fails
when an action is missing from the scenarios below."""
import io
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from proxy_service.core.extensions import db
from proxy_service.core.translation_files import load
from proxy_service.models import (
    AgreementState,
    AuditEvent,
    Enterprise,
    EnterpriseClaim,
    Rectification,
    Role,
)
from proxy_service.models.audit_labels import ACTION_LABELS
from proxy_service.workflow import assignment, webhooks

from . import factories
from .factories import PASSWORD, VALID_USCC, ensure_seal, staff_code
from .test_deadlines import on, step_named
from .test_deadlines import submit as submit_step
from .test_hostile_input import FORMS, Objects

# Written by the code but without a label in the audit trail (they show as their code).
UNLABELLED = {"center_2fa_policy", "user_2fa_reset"}
# Labels that name a refused move only; the move itself is audited as "catalog_edit".
MOVE_NAMES_ONLY = {"retire", "unretire"}
ACTIONS = set(ACTION_LABELS) - MOVE_NAMES_ONLY | UNLABELLED

# (scenario, action) that still store English today, and why (issue 16: their owners fix them,
# then delete the entry here — the test fails on an entry that no longer stores English).
TODO_ENGLISH = {
}


# --- the check -------------------------------------------------------------------------------

def _fragments(text):
    """The parts of an English msgstr between its placeholders that read as English text: a
    lowercase word of three letters or more, in several words or capitalised (a lone lowercase
    word may as well be a username, and "PDF" is no English)."""
    for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text):
        part = part.strip(" \t\n.,:;!?()[]\"'“”‘’-–—/")
        if len(part) >= 4 and re.search(r"[a-z]{3}", part) and (" " in part or part[0].isupper()):
            yield part


@pytest.fixture(scope="module")
def english_texts():
    return {fragment for message in load("en") if message.id and message.string
            and message.string != message.id
            for fragment in _fragments(message.string if isinstance(message.string, str)
                                       else " ".join(message.string))}


def english_in(event, texts):
    """What of `event` reads as the English interface: a status that is not a code, or an
    English msgstr fragment in its comment."""
    found = [value for value in (event.from_status, event.to_status)
             if value and not re.fullmatch(r"[a-z0-9_]+", value)]
    return found + sorted(text for text in texts if text in event.comment)


# --- performing actions through the pages, in English ----------------------------------------

class Pages:
    """Posts the forms of test_hostile_input.FORMS (who posts, where, a valid post) as users
    reading English; anonymous visitors ask for English too."""

    def __init__(self, client, login_as, world, frozen_clock):
        self.client, self.login_as, self.world = client, login_as, world
        self.freeze = frozen_clock
        self.o, self.who = Objects(world), None
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def as_(self, user):
        if self.who is not user:
            user.locale = "en"
            db.session.commit()
            self.login_as(user)
            self.who = user
        return self

    def logout(self):
        self.client.post("/logout")
        self.who = None

    def post(self, route, *, who=None, url=None, expect=(302,), **changes):
        form = FORMS[route]
        who = who or form.who
        if who is not None:
            self.as_(self.world.users[who] if isinstance(who, str) else who)
        data = {**form.data(self.o), **changes}
        data = {name: value() if callable(value) else value for name, value in data.items()}
        url = url or form.url(self.o)
        query = {name: data.pop(name) for name in form.query if name in data}
        if query:
            url += "?" + urlencode(query, doseq=True)
        kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
        response = self.client.post(url, data=data, **kwargs)
        assert response.status_code in expect, (url, response.status_code, _errors(response))
        db.session.expire_all()
        return response


def _errors(response):
    page = response.get_data(as_text=True)
    return re.findall(r'class="(?:alert|invalid-feedback)[^"]*"[^>]*>\s*(.*?)\s*<', page)


def requesting_to_sealing(pages):
    """A request, and another accepted with its agent; the agent's phone changes before the
    enterprise signs (the signing page regenerates the agreement); both sign, the center's
    signature seals it."""
    pages.post("/cases/new")
    pages.post("/cases/<int:case_id>/accept")
    url = f"/agreements/{pages.o.request.agreements[0].id}/sign"
    pages.post("/notifications/contact", who="agent", phone="13800001111")
    ensure_seal(pages.world.centers[0])
    sign = {"signer_name": "张三", "signer_title": "法定代表人", "password": PASSWORD}
    pages.post("/agreements/<int:agreement_id>/sign", url=url, **sign)   # shows the new text
    pages.post("/agreements/<int:agreement_id>/sign", url=url, **sign)
    pages.post("/agreements/<int:agreement_id>/sign", url=url, who="manager",
               signer_name="王经理", signer_title="主任", password=PASSWORD, code=staff_code)


def working_the_steps(pages):
    """The agent moves each step of a case in progress to its end (the case completes);
    messages, an internal note, an upload; a notice corrected; the enterprise rates the
    service poorly and appeals the center's answer, which the center reviews."""
    case = pages.o.case
    filing, planning, building = (step_named(case, name) for name in
                                  ("项目备案", "建设工程规划许可证", "施工许可证"))
    step = "/cases/<int:case_id>/steps/<int:step_id>"

    def move(step_, action, **data):
        data = {"note": "", "acceptance_no": "", **data}
        pages.post(step, url=f"/cases/{case.id}/steps/{step_.id}", action=action,
                   version=lambda: str(step_.version), **data)

    move(filing, "", acceptance_no="受理 2026-01")                       # edit
    move(filing, "start", note="已向企业索取材料", note_visibility="internal")
    move(filing, "submit")
    move(filing, "return", correction_request="补充总平面图")
    move(filing, "submit")
    move(filing, "approve", permit_no="晋审备〔2026〕1号")
    move(planning, "skip", not_required_reason="园区已统一办理")
    pages.post("/cases/<int:case_id>/messages", body="请补充材料", internal="")
    pages.post("/cases/<int:case_id>/messages", body="企业资金紧张需关注")
    pages.post("/cases/<int:case_id>/documents")
    move(building, "start")
    move(building, "submit")
    move(building, "refuse", refusal_reason="施工图审查未通过",
         refusal_decision_no="不许〔2026〕5号")
    pages.post("/cases/<int:case_id>/notices/<int:notice_id>/correct")
    evaluation = f"/cases/{case.id}/evaluation"
    poor = {"grade": "very_dissatisfied", "efficiency": "1", "attitude": "2", "expertise": "2",
            "comment": "办理进度不透明"}
    pages.post("/cases/<int:case_id>/evaluation", url=evaluation, **poor)
    pages.post("/cases/<int:case_id>/evaluation", url=evaluation, **{**poor, "attitude": "1"})
    rectification = db.session.scalar(select(Rectification).where(
        Rectification.case_id == case.id))
    # The forms' objects are these (test_hostile_input.Objects would make new ones).
    pages.o.completed = case
    pages.o.rectification = pages.o.answered = rectification
    answer = f"/quality/rectifications/{rectification.id}"
    pages.post("/quality/rectifications/<int:rectification_id>", url=answer,
               version=lambda: str(rectification.version))
    pages.post("/cases/<int:case_id>/evaluation/appeal", url=f"{evaluation}/appeal")
    pages.post("/quality/rectifications/<int:rectification_id>", url=answer, outcome="explained",
               response="经复核已当面说明。", version=lambda: str(rectification.version))


def ending_cases(pages):
    """A request declined, another withdrawn; a case re-assigned, suspended, resumed and
    terminated; a case still signing terminated, voiding its agreement."""
    o = pages.o
    pages.post("/cases/<int:case_id>/decline")
    withdrawn = factories.make_case(factories.make_project(pages.world.enterprises[0],
                                                           pages.world.centers[0], "撤回项目"),
                                    pages.world.users["owner"], pages.world.items)
    db.session.commit()
    pages.post("/cases/<int:case_id>/withdraw", url=f"/cases/{withdrawn.id}/withdraw",
               version=str(withdrawn.version))
    for action in ("assign", "suspend", "resume", "terminate"):
        pages.post(f"/cases/<int:case_id>/{action}", version=lambda: str(o.case.version))
    signing = o.agreement.case
    pages.post("/cases/<int:case_id>/terminate", url=f"/cases/{signing.id}/terminate",
               version=str(signing.version))


def agreements_on_paper(pages):
    """An agreement signed on paper: the scan refused once, then confirmed; the enterprise's
    seal; items added to a sealed case (a supplement); the agreement template; the
    enterprise's address changed (the open agreement is regenerated)."""
    o = pages.o
    pages.post("/agreements/<int:agreement_id>/paper")
    url = f"/agreements/{o.agreement.id}/paper"
    pages.post("/agreements/<int:agreement_id>/paper/reject", url=f"{url}/reject")
    pages.post("/agreements/<int:agreement_id>/paper")
    pages.post("/agreements/<int:agreement_id>/paper/confirm", who="agent", url=f"{url}/confirm",
               password=PASSWORD, code=staff_code)
    assert o.agreement.state is AgreementState.AWAITING_CENTER
    pages.post("/enterprise/seal")
    pages.post("/cases/<int:case_id>/add-items")
    pages.post("/agreements/template")
    pages.post("/enterprise/edit", address="晋中市榆次区汇通路 99 号")


def enterprises_and_projects(pages):
    """A new enterprise registers, another person claims a registered one; the manager
    verifies one and rejects another, approves one claim and rejects another; the enterprise
    adds a project, edits it and adds a colleague."""
    world = pages.world
    pages.post("/register")   # the registrant is logged in: out again for the next one
    pages.logout()
    pages.post("/register", uscc=VALID_USCC[0], name="声称同一企业", username="shengcheng",
               licence=_pdf_file)
    pages.logout()
    registered = db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC[2]))
    pages.post("/admin/enterprises/<int:enterprise_id>", decision="approve",
               url=f"/admin/enterprises/{registered.id}", version=str(registered.version))
    pages.post("/admin/enterprises/<int:enterprise_id>")
    claims = db.session.scalars(select(EnterpriseClaim).order_by(EnterpriseClaim.id)).all()
    pages.post("/admin/claims/<int:claim_id>", url=f"/admin/claims/{claims[0].id}",
               decision="approve", note="")
    pages.post("/admin/claims/<int:claim_id>")
    pages.post("/projects/new")
    pages.post("/projects/<int:project_id>/edit", content="新建厂房 5 万平方米")
    pages.post("/enterprise/users/new")
    assert len(world.enterprises[0].users) > 1


def administration(pages):
    """The manager's administration: the catalogue, accounts and their second factor, the
    center's 2FA policy, the calendar of a future year, personal data, the monthly report."""
    o, users = pages.o, pages.world.users
    pages.post("/admin/items/new")
    pages.post("/admin/items/<int:item_id>/retire")
    pages.post("/admin/items/<int:item_id>/unretire")
    pages.post("/admin/users/new")
    pages.post("/admin/users/<int:user_id>/deactivate")
    pages.post("/admin/users/<int:user_id>/activate")
    pages.post("/admin/users/<int:user_id>/reset-2fa")
    pages.post("/manage/security")
    pages.post("/admin/calendar/import")
    pages.post("/admin/calendar/days")
    pages.post("/admin/calendar/days/delete")
    pages.post("/admin/calendar/estimate")
    pages.post("/admin/calendar/complete")
    pages.post("/admin/people/<int:person_id>/export", expect=(200,))
    person = factories.make_user("zhouqi", Role.ENTERPRISE, enterprise=pages.world.enterprises[0],
                                 name="周七")
    db.session.commit()
    pages.post("/admin/people/<int:person_id>/erase", url=f"/admin/people/{person.id}/erase")
    month = o.report_month
    pages.as_(users["manager"])
    assert pages.client.get(f"/manage/report.pdf?month={month}").status_code == 200
    pages.post("/manage/report/reissue", seen="1")


def calendar_moving_deadlines(pages):
    """A day off added on the page moves a step's due date and the case's promised date."""
    on(pages.freeze, date(2026, 9, 28))
    case = pages.world.case()
    planning = step_named(case, "建设工程规划许可证")
    on(pages.freeze, date(2026, 9, 30))
    submit_step(planning, pages.world)
    pages.post("/admin/calendar/days", year="2026", day="2026-10-12", kind="rest", name="测试")
    assert planning.due_on == date(2026, 10, 14)


def absences_and_moves(pages):
    """Absences recorded by an agent and by the manager, a substitute named, one cancelled;
    every open case of an agent moved to a colleague."""
    pages.post("/quality/my-absences")
    pages.post("/quality/absences")
    pages.post("/quality/absences/<int:absence_id>/substitute")
    pages.post("/quality/absences/<int:absence_id>/cancel")
    users = pages.world.users
    assert pages.o.case.agent is users["agent"]
    plan = assignment.plan_bulk_reassign(users["agent"], users["other_agent"])
    assert plan.cases
    pages.post("/quality/reassign", confirmed="1", expected=plan.fingerprint)


def notification_settings(pages):
    """The enterprise's contact details, then the channels it is notified on."""
    owner = pages.world.users["owner"]
    pages.post("/notifications/contact", phone="13912340000")
    pages.post("/notifications/settings", notify_email="" if owner.notify_email else "y",
               notify_sms="" if owner.notify_sms else "y")


def api_tokens(pages):
    """A token made on the settings page (the password again), then revoked there."""
    pages.post("/account/api-tokens", who="owner", password=PASSWORD, expect=(200,))
    pages.post("/account/api-tokens/<int:token_id>/revoke", who="owner")


def center_tokens(pages):
    """A center token made by a manager (the password and code again), then revoked."""
    pages.post("/center/api-tokens", who="manager", password=PASSWORD,
               code=factories.staff_code, expect=(200,))
    pages.post("/center/api-tokens/<int:center_token_id>/revoke", who="manager")
def webhook_pages(pages):
    """An enterprise user registers an endpoint, changes it, rotates its secret, sends a test
    event and, once it failed, sends it again; switches it off and on. The delivery job's
    outcomes (failing, recovered, gone) are recorded by its verbs."""
    pages.post("/webhooks", password=PASSWORD, expect=(200,))
    endpoint = pages.o.webhook
    pages.post("/webhooks/<int:endpoint_id>")
    pages.post("/webhooks/<int:endpoint_id>/rotate", password=PASSWORD, expect=(200,))
    pages.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again")
    for action in ("test", "disable", "enable"):
        pages.post(f"/webhooks/<int:endpoint_id>/{action}")
    webhooks.endpoint_failing(endpoint)
    webhooks.endpoint_recovered(endpoint)
    webhooks.endpoint_gone(endpoint)
    db.session.commit()


def _pdf_file():
    return (io.BytesIO(factories.PDF), "licence.pdf")


SCENARIOS = {
    "requesting_to_sealing": (requesting_to_sealing, {
        "submit_case", "accept", "notice_issue", "assign", "agreement_generate",
        "contact_update", "agreement_regenerate", "agreement_sign", "agreement_seal", "seal"}),
    "working_the_steps": (working_the_steps, {
        "edit", "start", "note", "submit", "return", "approve", "skip", "message", "upload",
        "refuse", "complete", "notice_issue", "notice_correct", "evaluate", "evaluation_edit",
        "rectification_open", "rectification_respond", "rectification_appeal",
        "rectification_review"}),
    "ending_cases": (ending_cases, {
        "decline", "withdraw", "reassign", "suspend", "resume", "terminate", "agreement_void"}),
    "agreements_on_paper": (agreements_on_paper, {
        "agreement_paper_upload", "agreement_paper_reject", "agreement_paper_confirm",
        "enterprise_seal", "add_items", "agreement_generate", "template_edit",
        "enterprise_edit", "agreement_regenerate"}),
    "enterprises_and_projects": (enterprises_and_projects, {
        "register", "claim", "verify", "reject", "claim_approve", "claim_reject",
        "project_create", "project_edit", "add_user"}),
    "administration": (administration, {
        "catalog_edit", "user_create", "user_deactivate", "user_activate", "user_2fa_reset",
        "center_2fa_policy", "calendar_import", "calendar_add", "calendar_remove",
        "calendar_estimate", "calendar_complete", "personal_data_export",
        "personal_data_erase", "report_issue", "report_reissue"}),
    "calendar_moving_deadlines": (calendar_moving_deadlines, {
        "calendar_add", "due_moved", "deadlines_moved"}),
    "absences_and_moves": (absences_and_moves, {
        "absence_create", "substitute_set", "absence_cancel", "reassign"}),
    "notification_settings": (notification_settings, {"notify_settings", "contact_update"}),
    "api_tokens": (api_tokens, {"api_token_create", "api_token_revoke"}),
    "center_tokens": (center_tokens, {"center_token_create", "center_token_revoke"}),
    "webhooks": (webhook_pages, {
        "webhook_create", "webhook_edit", "webhook_rotate", "webhook_test", "webhook_send_again",
        "webhook_disable", "webhook_enable", "webhook_failing", "webhook_recovered",
        "webhook_gone"}),
}


def test_every_audited_action_is_performed():
    performed = set().union(*(actions for _run, actions in SCENARIOS.values()))
    assert not ACTIONS - performed, f"perform these in a scenario: {sorted(ACTIONS - performed)}"
    assert not performed - ACTIONS, f"not audit actions: {sorted(performed - ACTIONS)}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_audit_text_stays_chinese(client, login_as, world, frozen_clock, english_texts, scenario):
    run, actions = SCENARIOS[scenario]
    first = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    run(Pages(client, login_as, world, frozen_clock))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > first)
                                .order_by(AuditEvent.id)).all()
    assert not actions - {event.action for event in events}, "not performed"
    english = {(event.action, event.comment, *english_in(event, english_texts))
               for event in events if english_in(event, english_texts)}
    assert {found[0] for found in english} == {a for s, a in TODO_ENGLISH if s == scenario}, english
