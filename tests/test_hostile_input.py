"""Hostile input never gives a 500, on every form. The POST routes come from app.url_map: each
has a case below (who posts, where, a valid post) or an exemption with its reason, else
test_every_post_route_is_covered fails. Hypothesis replaces one to three fields of the valid
post with random and malicious values (long strings, control characters, emoji, SQL and
script fragments, negative and huge numbers, malformed dates, a field sent twice); the answer
is a form with errors, a 4xx, or a redirect, never a 500. A refused post (a 4xx, a form shown
again, or a redirect that only warns) changes no row: the row count of every table, the
audit log included, is the same before and after."""
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Absence,
    AgreementState,
    ApiToken,
    CaseTemplate,
    DeliveryStatus,
    EnterpriseClaim,
    Grade,
    IssuedNotice,
    Notification,
    Outcome,
    Role,
)
from proxy_service.workflow import center_tokens, paper_signing, webhooks
from proxy_service.workflow import quality as quality

from . import factories
from .api_helpers import make_token
from .factories import PASSWORD, VALID_USCC, make_project, staff_code
from .test_admin_catalog import item_data
from .test_admin_users import user_data
from .test_enterprise_users import colleague
from .test_evaluations import GOOD, complete
from .test_projects import edit_form, project_form
from .test_registration import PDF

HOSTILE = [
    "", " ", "\x00", "\x1b[31m", "\r\n\t", "\u202e", "😀🔥" * 20, "' OR 1=1 --",
    "'; DROP TABLE users; --", "\" onmouseover=\"alert(1)", "<script>alert(1)</script>",
    "{{ 7*7 }}", "../../etc/passwd", "%00", "NaN", "Infinity", "-1", "0", "-0.0001",
    "1e308", "9" * 40, "-99999999999999999999", "2024-02-30", "2024-13-01", "0000-00-00",
    "31/12/2024", "9999-99-99T99:99", "数" * 5000, "x" * 100_000, "//evil.example/",
    "javascript:alert(1)",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3),   # a field sent twice
)


def _settings(examples):
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


WARNINGS = ("warning", "danger", "error")


def _pdf(name="材料.pdf"):
    return (io.BytesIO(PDF), name)


def _png():
    out = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 255)).save(out, format="PNG")
    out.seek(0)
    return (out, "seal.png")


# --- the objects the forms act on (built only when a case asks for them) -------------------

class Objects:
    """A first-center world with whatever objects a form needs, made on first use."""

    def __init__(self, world):
        self.world, self.users = world, world.users

    def _project(self, name):
        project = make_project(self.world.enterprises[0], self.world.centers[0], name)
        db.session.flush()
        return project

    @cached_property
    def api_token(self):
        """A token of the first enterprise's user, to revoke (the settings page)."""
        make_token(self.users["owner"])
        return db.session.scalars(select(ApiToken).where(
            ApiToken.user_id == self.users["owner"].id).order_by(ApiToken.id.desc())).first()

    @cached_property
    def center_token(self):
        """A center token of the first center, to revoke (the center's settings page)."""
        token, _secret = center_tokens.create_center_token(
            self.users["manager"], name="省系统", scopes=["cases:read"],
            expires_on=clock.today() + timedelta(days=30))
        db.session.commit()
        return token

    @cached_property
    def webhook(self):
        """A webhook endpoint of the first enterprise (its users' pages)."""
        endpoint, _secret = webhooks.create_endpoint(
            self.users["owner"], url="https://erp.example.com/hook", events=["case.accepted"])
        db.session.commit()
        return endpoint

    @cached_property
    def webhook_delivery(self):
        """A test event of that endpoint that failed, to send again."""
        delivery = webhooks.send_test_event(self.webhook, self.users["owner"])
        delivery.status = DeliveryStatus.FAILED
        db.session.commit()
        return delivery

    @cached_property
    def case(self):
        """In progress, assigned to `agent`, agreement sealed."""
        case = self.world.case()
        db.session.commit()
        return case

    @cached_property
    def report_month(self):
        """A closed month of the center's records (its manager on the staff since then)."""
        self.users["manager"].created_at = datetime(2020, 1, 5, 2, tzinfo=UTC)
        db.session.commit()
        return "2020-01"

    @cached_property
    def request(self):
        """Submitted, waiting for the manager."""
        case = factories.make_case(self._project("待受理项目"), self.users["owner"],
                                   self.world.items)
        db.session.commit()
        return case

    @cached_property
    def agreement(self):
        """An agreement waiting for the enterprise's signature."""
        case = factories.make_case(self._project("待签约项目"), self.users["owner"],
                                   self.world.items, accept_by=self.users["manager"],
                                   agent=self.users["agent"], sign=False)
        db.session.commit()
        return case.agreements[0]

    @cached_property
    def scanned(self):
        """An agreement whose paper scan waits for the center's check."""
        agreement = self.agreement
        paper_signing.upload_scan(agreement, self.users["owner"],
                                  FileStorage(io.BytesIO(PDF), filename="signed.pdf"))
        db.session.commit()
        assert agreement.state is AgreementState.AWAITING_PAPER_CHECK
        return agreement

    @cached_property
    def completed(self):
        return complete(self.case, self.users["agent"])

    @cached_property
    def rectification(self):
        evaluation = quality.rate(self.completed, self.users["owner"], grade=Grade.DISSATISFIED,
                                  efficiency=2, attitude=2, expertise=2, comment="不满意")
        db.session.commit()
        return evaluation.rectification

    @cached_property
    def answered(self):
        """A rectification the center answered: the enterprise may appeal."""
        rectification = self.rectification
        quality.respond(rectification, self.users["manager"], response="已整改",
                        outcome=Outcome.RECTIFIED)
        db.session.commit()
        return rectification

    @cached_property
    def claim(self):
        claimant = factories.make_user("claimant", Role.ENTERPRISE, name="钱八")
        claim = EnterpriseClaim(enterprise=self.world.enterprises[0], claimant=claimant,
                                claimed_name="山西绿碳环保科技有限公司", legal_representative="张三",
                                contact_person="钱八", mobile="13900000000")
        db.session.add(claim)
        db.session.commit()
        return claim

    @cached_property
    def pending_enterprise(self):
        enterprise = factories.make_enterprise(self.world.centers[0], "山西晋新智能装备有限公司",
                                               VALID_USCC[2], verified=False)
        db.session.commit()
        return enterprise

    @cached_property
    def template(self):
        return db.session.scalar(select(CaseTemplate).where(
            CaseTemplate.center_id == self.world.centers[0].id))

    @cached_property
    def absence(self):
        absence = Absence(center_id=self.world.centers[0].id, agent=self.users["agent"],
                          start_on=date(2099, 1, 1), end_on=date(2099, 1, 5))
        db.session.add(absence)
        db.session.commit()
        return absence

    @cached_property
    def notification(self):
        self.case  # noqa: B018 — made for its events, which notified the owner
        return db.session.scalar(select(Notification).where(
            Notification.user_id == self.users["owner"].id).limit(1))

    @cached_property
    def notice(self):
        """The case's 一次性告知单, issued when it was accepted."""
        return db.session.scalar(select(IssuedNotice).where(IssuedNotice.case_id == self.case.id))

    @cached_property
    def extra_item(self):
        item = factories.make_item(self.world.centers[0], "排水许可", sort=9)
        db.session.commit()
        return item


# --- every POST route: who posts, where, and a valid post ---------------------------------

@dataclass
class Form:
    who: str | None                           # a world.users key; None: not logged in
    url: Callable[[Objects], str]
    data: Callable[[Objects], dict]
    multipart: bool = False
    query: tuple = ()                         # fields that travel in the query string
    examples: int = 5
    ok_pages: bool = False                    # a 200 without a form is a success here


def _reauth(o):
    return {"password": PASSWORD, "code": staff_code()}


def _version(obj):
    return str(obj.version)


def _case_action(name, data):
    return Form("manager", lambda o: f"/cases/{o.case.id}/{name}",
                lambda o: {**data(o), "version": _version(o.case)})


def _request_action(name, data, who="manager"):
    return Form(who, lambda o: f"/cases/{o.request.id}/{name}",
                lambda o: {**data(o), "version": _version(o.request)})


def _people(action, extra=None):
    def data(o):
        values = {"reason": "本人书面申请", **_reauth(o), **(extra or {})}
        return {f"{action}-{k}": v for k, v in values.items()}
    return Form("manager", lambda o: f"/admin/people/{o.users['owner'].id}/{action}", data,
                ok_pages=True)


CALENDAR_LINES = "2031-01-01,rest,元旦\n2031-01-04,workday,元旦调休"

FORMS = {
    # -- logging in and the account ---------------------------------------------------------
    "/login": Form(None, lambda o: "/login",
                   lambda o: {"username": "ent1", "password": "wrong-password"}),
    "/login/code": Form(None, lambda o: "/login/code", lambda o: {"code": "123456"}),
    "/login/enrol": Form(None, lambda o: "/login/enrol", lambda o: {"code": "123456"}),
    "/password": Form("owner", lambda o: "/password", lambda o: {
        "current": "wrong-password", "code": "", "new": "new-password-1",
        "confirm": "new-password-1"}),
    "/account/recovery-codes": Form("manager", lambda o: "/account/recovery-codes",
                                    lambda o: {"password": "wrong-password", "code": "000000"},
                                    ok_pages=True),
    # A wrong password: a token made here would stay (its page, with the secret, is a 200).
    "/account/api-tokens": Form("owner", lambda o: "/account/api-tokens", lambda o: {
        "name": "项目管理系统", "scopes": "cases:read",
        "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
        "password": "wrong-password"}),
    "/account/api-tokens/<int:token_id>/revoke": Form(
        "owner", lambda o: f"/account/api-tokens/{o.api_token.id}/revoke", lambda o: {}),
    "/center/api-tokens": Form("manager", lambda o: "/center/api-tokens", lambda o: {
        "name": "省系统", "scopes": "cases:read",
        "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
        "password": "wrong-password", "code": "000000"}),
    "/center/api-tokens/<int:center_token_id>/revoke": Form(
        "manager", lambda o: f"/center/api-tokens/{o.center_token.id}/revoke", lambda o: {}),
    # -- webhooks (the first enterprise's endpoint) -------------------------------------------
    # A wrong password: an endpoint registered here would stay (its page, with the secret, is a
    # 200); so for a rotation.
    "/webhooks": Form("owner", lambda o: "/webhooks", lambda o: {
        "url": "https://erp.example.com/hook", "events": "case.accepted",
        "password": "wrong-password"}),
    "/webhooks/<int:endpoint_id>": Form("owner", lambda o: f"/webhooks/{o.webhook.id}",
                                        lambda o: {"url": "https://erp.example.com/h2",
                                                   "description": "ERP",
                                                   "events": "step.returned"}),
    "/webhooks/<int:endpoint_id>/rotate": Form(
        "owner", lambda o: f"/webhooks/{o.webhook.id}/rotate",
        lambda o: {"password": "wrong-password"}),
    **{f"/webhooks/<int:endpoint_id>/{action}": Form(
        "owner", lambda o, action=action: f"/webhooks/{o.webhook.id}/{action}", lambda o: {})
       for action in ("test", "disable", "enable")},
    "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again": Form(
        "owner", lambda o: f"/webhooks/{o.webhook.id}/deliveries/{o.webhook_delivery.id}/again",
        lambda o: {}),
    "/confirm": Form("manager", lambda o: "/confirm?next=/manage/export%3Flist%3Dcases",
                     lambda o: {"password": "wrong-password", "code": "000000"}, ok_pages=True),
    "/manage/security": Form("manager", lambda o: "/manage/security",
                             lambda o: {"require_enterprise_2fa": "y"}),
    "/admin/users/<int:user_id>/reset-2fa": Form(
        "manager", lambda o: f"/admin/users/{o.users['agent'].id}/reset-2fa", lambda o: {}),
    "/language": Form("owner", lambda o: "/language", lambda o: {"locale": "en", "next": "/cases"}),
    "/notifications/<int:notification_id>/read": Form(
        "owner", lambda o: f"/notifications/{o.notification.id}/read",
        lambda o: {"open": "1", "page": "1"}),
    "/notifications/read-all": Form("owner", lambda o: "/notifications/read-all", lambda o: {}),
    "/notifications/settings": Form("owner", lambda o: "/notifications/settings",
                                    lambda o: {"notify_email": "", "notify_sms": "y"}),
    "/notifications/contact": Form("owner", lambda o: "/notifications/contact",
                                   lambda o: {"email": "li.si@example.com", "phone": "13912345678",
                                              **_reauth(o)}),
    # -- registration, the enterprise, its projects -----------------------------------------
    "/register": Form(None, lambda o: "/register", lambda o: {
        "name": "山西晋新智能装备有限公司", "uscc": VALID_USCC[2], "legal_representative": "张三",
        "address": "晋中市榆次区汇通路 8 号", "contact_person": "李四", "mobile": "13912345678",
        "email": "lisi@example.com", "home_center_id": str(o.world.centers[0].id),
        "consent": "y", "uscc_confirmed": "y", "username": "jinxin",
        "password": "long-enough-1", "confirm": "long-enough-1", "licence": _pdf("licence.pdf")},
        multipart=True, examples=25),
    "/enterprise/edit": Form("owner", lambda o: "/enterprise/edit", lambda o: {
        "contact_person": "李四", "mobile": "13912345678", "email": "", "address": "晋中市榆次区",
        "version": _version(o.world.enterprises[0])}),
    "/enterprise/users/new": Form("owner", lambda o: "/enterprise/users/new",
                                  lambda o: colleague()),
    "/enterprise/seal": Form("owner", lambda o: "/enterprise/seal", lambda o: {"seal": _png()},
                             multipart=True),
    "/projects/new": Form("owner", lambda o: "/projects/new", lambda o: project_form(o.world),
                          examples=25),
    "/projects/<int:project_id>/edit": Form(
        "owner", lambda o: f"/projects/{o.world.project.id}/edit",
        lambda o: edit_form(o.world, o.world.project), examples=25),
    # -- cases ---------------------------------------------------------------------------------
    "/cases/new": Form("owner", lambda o: f"/cases/new?project_id={o.world.project.id}",
                       lambda o: {"items": [str(i.id) for i in o.world.items],
                                  "contact_name": "李四", "contact_mobile": "13912345678",
                                  "note": "年内开工", "template_id": "0"}, examples=25),
    "/cases/<int:case_id>/withdraw": _request_action(
        "withdraw", lambda o: {"reason": "项目调整"}, who="owner"),
    "/cases/<int:case_id>/accept": _request_action(
        "accept", lambda o: {"agent_id": str(o.users["agent"].id), "comment": "材料齐全"}),
    "/cases/<int:case_id>/decline": _request_action("decline", lambda o: {"reason": "不属于代办范围"}),
    "/cases/<int:case_id>/assign": _case_action(
        "assign", lambda o: {"agent_id": str(o.users["other_agent"].id), "reason": "工作调整"}),
    "/cases/<int:case_id>/suspend": _case_action("suspend", lambda o: {"reason": "企业暂缓"}),
    "/cases/<int:case_id>/resume": _case_action("resume", lambda o: {"comment": "恢复"}),
    "/cases/<int:case_id>/terminate": _case_action("terminate", lambda o: {"reason": "企业撤资"}),
    "/cases/<int:case_id>/add-items": Form(
        "manager", lambda o: f"/cases/{o.case.id}/add-items",
        lambda o: {"items": [str(o.extra_item.id)], "version": _version(o.case)}),
    "/cases/<int:case_id>/steps/<int:step_id>": Form(
        "agent", lambda o: f"/cases/{o.case.id}/steps/{o.case.steps[0].id}",
        lambda o: {"version": _version(o.case.steps[0]), "action": "",
                   "acceptance_no": "晋审受 2025-001", "note": "已报送",
                   "note_visibility": "visible", "document_kind": "permit"},
        multipart=True, examples=25),
    "/cases/<int:case_id>/notices/<int:notice_id>/correct": Form(
        "manager", lambda o: f"/cases/{o.case.id}/notices/{o.notice.id}/correct",
        lambda o: {"reason": "代办员联系电话有误", "revision": "1"}),
    "/cases/<int:case_id>/messages": Form(
        "agent", lambda o: f"/cases/{o.case.id}/messages",
        lambda o: {"body": "请补充材料", "internal": "y"}, examples=25),
    "/cases/<int:case_id>/documents": Form(
        "owner", lambda o: f"/cases/{o.case.id}/documents",
        lambda o: {"file": _pdf(), "kind": "material", "step_id": ""}, multipart=True),
    # -- agreements ----------------------------------------------------------------------------
    "/agreements/<int:agreement_id>/sign": Form(
        "owner", lambda o: f"/agreements/{o.agreement.id}/sign",
        lambda o: {"signer_name": "张三", "signer_title": "法定代表人", "method": "typed",
                   "confirm_read": "y", "password": "wrong-password", "signature": ""}),
    "/agreements/<int:agreement_id>/paper": Form(
        "owner", lambda o: f"/agreements/{o.agreement.id}/paper",
        lambda o: {"scan": _pdf("signed.pdf")}, multipart=True),
    "/agreements/<int:agreement_id>/paper/confirm": Form(
        "manager", lambda o: f"/agreements/{o.scanned.id}/paper/confirm",
        lambda o: {"signer_name": "张三", "signer_title": "法定代表人", "confirm_match": "y",
                   "password": "wrong-password", "code": "000000"}),
    "/agreements/<int:agreement_id>/paper/reject": Form(
        "manager", lambda o: f"/agreements/{o.scanned.id}/paper/reject",
        lambda o: {"reason": "缺少骑缝章"}),
    "/agreements/template": Form(
        "manager", lambda o: "/agreements/template",
        lambda o: {"clauses": "# 第一条 委托事项\n" + "甲方委托乙方代办审批事项。" * 8}),
    "/agreements/countersign-role": Form("manager", lambda o: "/agreements/countersign-role",
                                         lambda o: {"countersign_role": "agent"}),
    # -- service quality -----------------------------------------------------------------------
    "/cases/<int:case_id>/evaluation": Form(
        "owner", lambda o: f"/cases/{o.completed.id}/evaluation", lambda o: dict(GOOD)),
    "/cases/<int:case_id>/evaluation/appeal": Form(
        "owner", lambda o: f"/cases/{o.answered.case_id}/evaluation/appeal",
        lambda o: {"reason": "整改答复与事实不符"}),
    "/quality/rectifications/<int:rectification_id>": Form(
        "manager", lambda o: f"/quality/rectifications/{o.rectification.id}",
        lambda o: {"outcome": "rectified", "response": "已约谈代办员",
                   "version": _version(o.rectification)}),
    "/quality/my-absences": Form("agent", lambda o: "/quality/my-absences", lambda o: {
        "start_on": "2099-06-16", "end_on": "2099-06-20", "reason": "培训"}),
    "/quality/absences": Form("manager", lambda o: "/quality/absences", lambda o: {
        "agent_id": str(o.users["agent"].id), "start_on": "2099-07-01", "end_on": "2099-07-03",
        "substitute_id": str(o.users["other_agent"].id), "reason": "病假"}),
    "/quality/absences/<int:absence_id>/cancel": Form(
        "manager", lambda o: f"/quality/absences/{o.absence.id}/cancel", lambda o: {}),
    "/quality/absences/<int:absence_id>/substitute": Form(
        "manager", lambda o: f"/quality/absences/{o.absence.id}/substitute",
        lambda o: {"substitute_id": str(o.users["other_agent"].id)}),
    "/quality/reassign": Form("manager", lambda o: "/quality/reassign", lambda o: {
        "from_agent_id": str(o.case.agent_id), "to_agent_id": str(o.users["other_agent"].id),
        "reason": "人员调整"}),
    # -- the manager's administration ----------------------------------------------------------
    "/admin/enterprises/<int:enterprise_id>": Form(
        "manager", lambda o: f"/admin/enterprises/{o.pending_enterprise.id}",
        lambda o: {"decision": "reject", "note": "执照模糊",
                   "version": _version(o.pending_enterprise)}),
    "/admin/claims/<int:claim_id>": Form(
        "manager", lambda o: f"/admin/claims/{o.claim.id}",
        lambda o: {"decision": "reject", "note": "非本企业人员"}),
    "/admin/items/new": Form("manager", lambda o: "/admin/items/new", lambda o: item_data(),
                             examples=25),
    "/admin/items/<int:item_id>/edit": Form(
        "manager", lambda o: f"/admin/items/{o.world.items[0].id}/edit",
        lambda o: item_data(name=o.world.items[0].name)),
    "/admin/items/<int:item_id>/retire": Form(
        "manager", lambda o: f"/admin/items/{o.world.items[2].id}/retire", lambda o: {}),
    "/admin/items/<int:item_id>/unretire": Form(
        "manager", lambda o: f"/admin/items/{o.world.items[2].id}/unretire", lambda o: {}),
    "/admin/templates/new": Form("manager", lambda o: "/admin/templates/new", lambda o: {
        "name": "新模板", "description": "", "overall_limit": "30",
        "items": [str(o.world.items[0].id)]}),
    "/admin/templates/<int:template_id>/edit": Form(
        "manager", lambda o: f"/admin/templates/{o.template.id}/edit", lambda o: {
            "name": o.template.name, "description": "", "overall_limit": "40",
            "items": [str(i.id) for i in o.world.items]}),
    "/admin/templates/<int:template_id>/retire": Form(
        "manager", lambda o: f"/admin/templates/{o.template.id}/retire", lambda o: {}),
    "/admin/templates/<int:template_id>/unretire": Form(
        "manager", lambda o: f"/admin/templates/{o.template.id}/unretire", lambda o: {}),
    "/admin/users/new": Form("manager", lambda o: "/admin/users/new", lambda o: user_data()),
    "/admin/users/<int:user_id>/activate": Form(
        "manager", lambda o: f"/admin/users/{o.users['other_agent'].id}/activate", lambda o: {}),
    "/admin/users/<int:user_id>/deactivate": Form(
        "manager", lambda o: f"/admin/users/{o.users['other_agent'].id}/deactivate", lambda o: {}),
    "/admin/calendar/days": Form("manager", lambda o: "/admin/calendar/days", lambda o: {
        "year": "2031", "day": "2031-10-01", "kind": "rest", "name": "国庆节"}, query=("year",)),
    "/admin/calendar/days/delete": Form(
        "manager", lambda o: "/admin/calendar/days/delete",
        lambda o: {"year": "2031", "day": "2031-10-01"}, query=("year", "day")),
    "/admin/calendar/import": Form("manager", lambda o: "/admin/calendar/import", lambda o: {
        "year": "2031", "text": CALENDAR_LINES}, query=("year",)),
    "/admin/calendar/estimate": Form("manager", lambda o: "/admin/calendar/estimate",
                                     lambda o: {"year": "2031"}, query=("year",)),
    "/admin/calendar/complete": Form("manager", lambda o: "/admin/calendar/complete",
                                     lambda o: {"year": "2031"}, query=("year",)),
    "/manage/report/reissue": Form("manager", lambda o: "/manage/report/reissue", lambda o: {
        "month": o.report_month, "reason": "更正了批准日期", "seen": "0"}, query=("month",)),
    "/admin/people/<int:person_id>/export": _people("export"),
    "/admin/people/<int:person_id>/erase": _people("erase", {"confirm": "y"}),
    # -- public ----------------------------------------------------------------------------------
    "/verify": Form(None, lambda o: "/verify", lambda o: {
        "number": "JZKFQ-DB-2026-000001", "code": "ABCD2345", "file": _pdf("agreement.pdf")},
        multipart=True, ok_pages=True),
    # The JSON API's public POST, as a form (its JSON body is the contract's, fuzzed there).
    "/api/v1/verify": Form(None, lambda o: "/api/v1/verify", lambda o: {
        "number": "JZKFQ-DB-2026-000001", "code": "ABCD2345", "file": _pdf("agreement.pdf")},
        multipart=True, ok_pages=True),
}

# POST routes without a hostile-input case, and why.
API_JSON = ("a JSON API route: its body is checked by the strict schemas and the contract "
            "(tests/test_api_webhooks.py, tests/test_api_strictness.py), not form posts")
EXEMPT = {
    **dict.fromkeys(("/api/v1/webhooks", "/api/v1/webhooks/<int:endpoint_id>/rotate",
                     "/api/v1/webhooks/<int:endpoint_id>/test",
                     "/api/v1/webhooks/<int:endpoint_id>/disable",
                     "/api/v1/webhooks/<int:endpoint_id>/enable",
                     "/api/v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again"),
                    API_JSON),
    "/logout": "reads no field (its CSRF token is tested in test_csrf.py); posting it would end "
               "the session every later example of the test needs",
    # The JSON API reads a bearer token, never the session these examples log in with; its
    # hostile input is tested in test_api_documents.py / test_api_messages.py (refused files,
    # strict fields) and test_api_strictness.py.
    "/api/v1/cases/<int:case_id>/documents": "JSON API upload (token, multipart): see above",
    "/api/v1/cases/<int:case_id>/messages": "JSON API message post (token, JSON): see above",
}


def _post_routes():
    app = create_app(TestingConfig)
    return sorted({rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def test_every_post_route_is_covered():
    routes = set(_post_routes())
    missing = routes - set(FORMS) - set(EXEMPT)
    assert not missing, f"POST routes without a hostile-input case or an exemption: {missing}"
    assert not (set(FORMS) | set(EXEMPT)) - routes, "cases for routes that no longer exist"
    assert all(len(reason) > 20 for reason in EXEMPT.values())


# --- the check ------------------------------------------------------------------------------

def _row_counts():
    """The committed row count of every table, in one query on a connection of its own."""
    tables = db.metadata.sorted_tables
    with db.engine.connect() as connection:
        row = connection.execute(select(*[select(func.count()).select_from(t).scalar_subquery()
                                          for t in tables])).one()
    return dict(zip((t.name for t in tables), row, strict=False))


def _flashes(client):
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def check_post(client, url, data, ok_pages=False, **kwargs):
    """Post; never a 500; a refused post changed no row."""
    before = _row_counts()
    response = client.post(url, data=data, **kwargs)
    # The request shared the test's session: drop what it left uncommitted, as the end of a
    # real request does.
    db.session.rollback()
    assert response.status_code < 500, (url, data)
    flashed = {category for category, _message in _flashes(client)}
    if response.status_code in (301, 302, 303):
        refused = bool(flashed) and flashed <= set(WARNINGS)
    elif response.status_code >= 400:
        refused = True
    else:
        refused = not ok_pages or "<form" in response.text
        assert ok_pages or "<form" in response.text, (url, response.status_code)
    if refused:
        assert _row_counts() == before, (url, data)
    return response


def changes(fields):
    return st.dictionaries(st.sampled_from(fields), VALUES, min_size=1, max_size=3)


def _logged_in(world, login_as, who):
    """Log in once per test: examples share the session (a hostile password may lock the
    account, which must not stop the later examples)."""
    if who is not None and getattr(world, "hostile_login", None) != who:
        login_as(world.users[who])
        world.hostile_login = who


def _hostile_post(app, client, world, login_as, route, draw):
    form = FORMS[route]
    objects = world.hostile_objects = getattr(world, "hostile_objects", None) or Objects(world)
    _logged_in(world, login_as, form.who)
    data = form.data(objects)
    fields = sorted(data) + ["submit_token", "junk", "enterprise_id", "status"]
    data.update(draw(changes(fields)))
    query = {name: data.pop(name) for name in form.query if name in data}
    url = form.url(objects)
    if query:
        url += "?" + urlencode(query, doseq=True)
    kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
    check_post(client if form.who else app.test_client(), url, data, form.ok_pages, **kwargs)


def _sweep(examples):
    routes = sorted(route for route, form in FORMS.items() if form.examples == examples)

    @pytest.mark.parametrize("route", routes)
    @_settings(examples)
    @given(data=st.data())
    def test(app, client, world, login_as, route, data):
        _hostile_post(app, client, world, login_as, route, data.draw)
    return test


# The main data-entry forms get 25 examples each, every other form 5.
test_hostile_posts_to_data_entry_forms = _sweep(25)
test_hostile_posts_to_every_other_form = _sweep(5)


# --- 500s the sweep found, pinned down ------------------------------------------------------

@pytest.mark.parametrize("version", [" ", "x", "1e3", "9" * 40])
def test_a_forged_version_on_the_verification_form_is_refused(client, world, login_as, version):
    enterprise = Objects(world).pending_enterprise
    login_as(world.users["manager"])
    response = check_post(client, f"/admin/enterprises/{enterprise.id}",
                          {"decision": "approve", "version": version})
    assert response.status_code == (302 if version == " " else 422)   # blank: no version given


@pytest.mark.parametrize("version", [" ", "x", "1.5"])
def test_a_forged_version_on_withdraw_and_add_items_is_refused(client, world, login_as, version):
    objects = Objects(world)
    request, case, item = objects.request, objects.case, objects.extra_item
    login_as(world.users["owner"])
    check_post(client, f"/cases/{request.id}/withdraw", {"reason": "项目调整", "version": version})
    login_as(world.users["manager"])
    check_post(client, f"/cases/{case.id}/add-items", {"items": [str(item.id)], "version": version})


def test_a_refused_clause_template_writes_nothing(client, world, login_as):
    # The center's first template version is made on first use: a refused post must not keep it.
    login_as(world.users["manager"])
    assert check_post(client, "/agreements/template", {"clauses": ""}).status_code == 422


@pytest.mark.parametrize("field", ["statutory_limit", "promised_limit", "sort"])
def test_catalogue_numbers_beyond_what_the_database_holds_are_field_errors(client, world,
                                                                         login_as, field):
    login_as(world.users["manager"])
    for url in ("/admin/items/new", f"/admin/items/{world.items[0].id}/edit"):
        response = check_post(client, url, item_data(**{field: str(2**31)}))
        assert response.status_code == 422


def test_a_templates_overall_limit_beyond_the_database_is_a_field_error(client, world, login_as):
    login_as(world.users["manager"])
    response = check_post(client, "/admin/templates/new", {
        "name": "新模板", "overall_limit": str(2**31), "items": [str(world.items[0].id)]})
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/cases/99999999999999999999", "/cases/2147483648",
                                 "/documents/99999999999999999999"])
def test_ids_beyond_the_database_range_are_not_found(client, world, login_as, url):
    login_as(world.users["manager"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/cases/new?project_id=99999999999999999999",
                                 "/cases?page=99999999999999999999",
                                 "/manage?industry=99999999999999999999"])
def test_numbers_in_the_query_beyond_the_database_range_give_no_500(client, world, login_as, url):
    login_as(world.users["owner" if url.startswith("/cases/new") else "manager"])
    assert client.get(url).status_code < 500
    db.session.rollback()


@pytest.mark.parametrize("who, method, url, data", [
    (None, "post", "/login", {"username": "\x00", "password": "x"}),
    ("manager", "get", "/cases?q=a%00b", None),
    ("manager", "get", "/admin/enterprises?q=%00", None),
    ("agent", "post", "/cases/{case}/messages", {"body": "请补充\x00材料"}),
])
def test_a_nul_character_is_a_bad_request_on_both_databases(client, world, login_as, who, method,
                                                            url, data):
    # PostgreSQL cannot store or compare text holding NUL; no browser form sends one.
    if who is not None:
        login_as(world.users[who])
    url = url.format(case=Objects(world).case.id if "{case}" in url else "")
    before = _row_counts()
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    assert _row_counts() == before
