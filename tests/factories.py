"""Plain make_* helpers that build a small, realistic world for tests."""
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pyotp
from sqlalchemy import select, update

from proxy_service import permissions, workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.documents import notices
from proxy_service.documents.seal import create_dev_seal, seal_dir
from proxy_service.models import (
    Agreement,
    AgreementKind,
    AgreementState,
    ApprovalItem,
    Assignment,
    CaseTemplate,
    Center,
    Enterprise,
    Industry,
    LimitUnit,
    Mode,
    Project,
    Role,
    Signature,
    Stage,
    Step,
    StepStatus,
    User,
    Verification,
)
from proxy_service.models.agreements import CENTER, ENTERPRISE
from proxy_service.workflow import agreements as signing
from proxy_service.workflow import notices as issued_notices
from proxy_service.workflow.agreement_settings import current_template
from proxy_service.workflow.cases import assignable
from proxy_service.workflow.moves import AGREEMENT_MOVES, CASE_MOVES, _audit_event, _begin, _move

PASSWORD = "secret-pass-1"
# The authenticator secret login_as enrols staff with (tests/conftest.py).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
VALID_USCC = ["914403001922038216", "91440300708461136T", "91140700MA0K1234X0"]
# The smallest PDF a parser reads through (one blank A4 page): uploads accept it.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>> endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000053 00000 n \n"
       b"0000000103 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n167\n%%EOF\n")


def make_center(prefix="JZKFQ", name="山西转型综合改革示范区晋中开发区企业服务中心"):
    center = Center(name=name, short_name=name[:6], zone=name[:10], number_prefix=prefix,
                    address="山西省晋中市榆次区汇通路 1 号", person_in_charge="王主任", phone="0354-1234567")
    db.session.add(center)
    db.session.flush()
    return center


def make_user(username, role, center=None, enterprise=None, name=None):
    user = User(username=username, role=role, name=name or username, center=center,
                enterprise=enterprise, phone="13800000000")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def make_industry(name="节能与新能源汽车及其配套"):
    industry = db.session.query(Industry).filter_by(name=name).one_or_none()
    if industry is None:
        industry = Industry(name=name)
        db.session.add(industry)
        db.session.flush()
    return industry


def make_enterprise(center, name="山西绿碳环保科技有限公司", uscc=VALID_USCC[0], verified=True):
    enterprise = Enterprise(name=name, uscc=uscc, legal_representative="张三", address="晋中市榆次区",
                            contact_person="李四", mobile="13912345678", home_center=center,
                            verification=Verification.VERIFIED if verified else Verification.PENDING,
                            privacy_consent_at=datetime.now(UTC))
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def make_project(enterprise, center, name="尚风绿谷碳中和环保科技产业园项目"):
    project = Project(enterprise=enterprise, center=center, name=name, industry=make_industry(),
                      total_investment=Decimal("12000.5"), land_area=Decimal("150"),
                      location="晋中开发区汇通产业园", content="建设碳中和环保科技产业园")
    db.session.add(project)
    db.session.flush()
    return project


def make_item(center, name, stage=Stage.LAND_PLANNING, prerequisites=(), sort=0, limit=5):
    item = ApprovalItem(center=center, name=name, stage=stage, department="行政审批局",
                        mode=Mode.APPROVAL, statutory_limit=limit * 2, promised_limit=limit,
                        promised_unit=LimitUnit.WORKDAY, materials="申请表\n营业执照", sort=sort)
    item.prerequisites = list(prerequisites)
    db.session.add(item)
    db.session.flush()
    return item


def make_catalog(center):
    """Three items where 施工许可证 needs 建设工程规划许可证 first."""
    filing = make_item(center, "项目备案", Stage.LAND_PLANNING, sort=1, limit=1)
    planning = make_item(center, "建设工程规划许可证", Stage.CONSTRUCTION_PERMIT, sort=2)
    building = make_item(center, "施工许可证", Stage.BUILDING, prerequisites=[planning], sort=3, limit=7)
    template = CaseTemplate(center=center, name="备案类工业项目", items=[filing, planning, building])
    db.session.add(template)
    db.session.flush()
    return [filing, planning, building]


# Whether make_case renders and seals the agreement for real when it signs: on in the tests
# marked `pdf` (tests/conftest.py), which are about the PDFs and seals; elsewhere the signing
# verbs run as ever but over a stand-in PDF, unsealed, which costs nothing.
real_documents = False
# Whether the notices it issues (the accept's 一次性告知单) are rendered for real: in the `pdf`
# tests too, and in the modules about the notices' PDFs (tests/conftest.py, NOTICE_MODULES).
real_notices = False


def make_case(project, actor, items, *, accept_by=None, agent=None, sign=True):
    """A submitted case; accepted by `accept_by`; with an `agent` it goes to SIGNING and, unless
    `sign` is false, both parties sign its agreement so that it is IN_PROGRESS.

    A signed case's rows are inserted as the accepting and signing verbs leave them (the same
    rows, states and audit events, with stand-in PDFs: accepted_and_sealed). `sign="verbs"`
    goes through the verbs instead, still over stand-in PDFs; `sign="real"`, or a test marked
    `pdf`, renders and seals its PDFs for real, and the notices issued on the way (the
    一次性告知单 of the accept) too. `sign=False` renders the open agreement for real: the test
    signs it itself."""
    case = workflow.submit_case(project, actor, items=items, contact_name="李四",
                                contact_mobile="13912345678", note="请尽快办理")
    real = sign == "real" or real_documents
    if accept_by is not None and agent is not None and sign is True and not (real or real_notices) \
            and _accepts_plainly(case, agent):
        accepted_and_sealed(case, actor, accept_by, agent)
    elif accept_by is not None:
        with nullcontext() if real or real_notices else stand_in_notices(), \
                nullcontext() if real or not sign else stand_in_documents():
            workflow.accept_case(case, accept_by, agent=agent)
            if agent is not None and sign:
                sign_and_seal(case, actor, accept_by)
    db.session.flush()
    return case


def _accepts_plainly(case, agent):
    """Whether accepting the case with `agent` goes through (the accept and assign verbs' own
    checks): otherwise make_case runs the verbs, which refuse it as they would."""
    return case.enterprise.is_verified and assignable(agent, case)


def accepted_and_sealed(case, enterprise_user, manager, agent):
    """Accept the submitted `case` with `agent` assigned and seal its agreement, signed by typed
    names as sign_and_seal signs, by writing the rows those verbs write (steps, assignment,
    agreement, signatures, the accept's notice, the audit events in their order) in about five
    flushes instead of seventeen, over stand-in PDFs; the workflow's listeners add the
    notifications, mail, webhooks and workload counts as ever. tests/test_factories.py checks
    that these are the rows the verbs leave."""
    with db.session.no_autoflush:   # flushed where an id is needed, not before every query
        agreement = _accepted(case, manager, agent)
        with stand_in_notices():
            issued_notices.on_accept(case, manager)
        _sealed(agreement, *_signers(case, enterprise_user, manager))
    return agreement


def _accepted(case, manager, agent):
    """The rows of accept_case with an agent: the steps, the assignment, the open agreement."""
    now = clock.now()
    _move(case, CASE_MOVES, "accept", manager)
    case.accepted_at = now
    steps = [_begin(Step(case=case, item=item, stage=item.stage, stage_order=item.stage.order,
                         sort=item.sort), StepStatus.PENDING)
             for item in workflow.requested_items(case)]
    db.session.add_all(steps)
    _move(case, CASE_MOVES, "assign", manager, agent.name)
    case.agent = agent
    db.session.add(Assignment(case=case, agent=agent, assigned_by_id=manager.id, reason="",
                              assigned_at=now))
    kind = AgreementKind.AGREEMENT
    agreement = _begin(Agreement(
        case=case, kind=kind, number=signing._next_number(case.center, kind),
        verification_code=signing._code(), template=current_template(case.center),
        created_at=now, item_ids=",".join(str(step.item.id) for step in steps)),
        AgreementState.AWAITING_ENTERPRISE, field="state")
    agreement.unsigned_pdf = _stand_in_render(agreement)
    agreement.unsigned_sha256 = signing.sha256(agreement.unsigned_pdf)
    db.session.add(agreement)
    db.session.flush()   # the agreement's id, for its steps and its audit event
    for step in steps:
        step.agreement = agreement
    _audit_event(manager, agreement, "agreement_generate", "", agreement.state, agreement.number)
    return agreement


def _sealed(agreement, enterprise_signer, center_signer):
    """The rows of both parties' signing: the signatures, the sealed agreement, the case's
    work started."""
    now, center_signs_as = clock.now(), (center_signer.name, CENTER_TITLE)
    for party, signer, (name, title) in ((ENTERPRISE, enterprise_signer, ENTERPRISE_SIGNS_AS),
                                         (CENTER, center_signer, center_signs_as)):
        db.session.add(Signature(agreement=agreement, party=party, user_id=signer.id,
                                 signed_at=now, document_sha256=agreement.unsigned_sha256,
                                 signer_name=name, signer_title=title, method="typed",
                                 ip_address="127.0.0.1", user_agent="pytest"))
        who = "企业方" if party == ENTERPRISE else "服务中心"
        comment = f"{agreement.number} {who}签署：{name}（{title}）"
        if party == ENTERPRISE:
            _move(agreement, AGREEMENT_MOVES, "agreement_sign", signer, comment, field="state")
        else:   # the seal follows the center's signature at once: its event moves nothing
            _audit_event(signer, agreement, "agreement_sign", comment=comment)
    agreement.final_pdf = _stand_in_render(agreement, signed=True)
    agreement.final_sha256, agreement.sealed_at = signing.sha256(agreement.final_pdf), now
    _move(agreement, AGREEMENT_MOVES, "agreement_seal", center_signer, agreement.number,
          field="state")
    signing.start_work(agreement.case, center_signer)


def _stand_in_render(content, signed=None):
    """A one-page PDF naming the agreement (and whether it is the final one), not its text:
    of `content` (its printed content, or the agreement itself) only the number is read."""
    return PDF + f"% {content.number} {'final' if signed else 'unsigned'}\n".encode()


def _unsealed(center, pdf_bytes, signed_at=None):
    return pdf_bytes


def _stand_in_notice(facts):
    """A one-page PDF naming the notice (its number and kind), not its text."""
    return PDF + f"% {facts.number} {facts.kind} notice\n".encode()


@contextmanager
def stand_in_notices():
    """Notices issued inside this block (IssuedNotice rows, numbered, stored and audited by the
    workflow as ever) hold a stand-in PDF: rendering one takes longer than the rest of a case.
    For tests that do not read the notice's PDF."""
    with mock.patch.object(notices, "render", _stand_in_notice):
        yield


@contextmanager
def stand_in_documents():
    """Generating and signing agreements inside this block stores a stand-in PDF (PDF, above)
    and seals nothing: the rows, states and audit events are the signing verbs' own. For tests
    that do not read the agreement's PDF."""
    with mock.patch.object(signing, "render_agreement", _stand_in_render), \
            mock.patch.object(signing, "seal_pdf", _unsealed):
        yield


def ensure_seal(center):
    """A development seal certificate for `center` under the test SEAL_DIR (made once)."""
    create_dev_seal(center, seal_dir() / center.number_prefix)


# The typed names the factories sign with: the enterprise's signer, the center's title.
ENTERPRISE_SIGNS_AS = ("张三", "法定代表人")
CENTER_TITLE = "负责人"


def sign_and_seal(case, enterprise_user, center_user, agreement=None):
    """Both parties sign the case's open agreement (typed names) through the signing service;
    the center's signature seals it."""
    agreement = agreement or signing.open_agreements(case)[0]
    ensure_seal(case.center)
    enterprise_user, center_user = _signers(case, enterprise_user, center_user)
    name, title = ENTERPRISE_SIGNS_AS
    signing.sign(agreement, enterprise_user, signer_name=name, signer_title=title,
                 method="typed", ip_address="127.0.0.1", user_agent="pytest")
    signing.sign(agreement, center_user, signer_name=center_user.name, signer_title=CENTER_TITLE,
                 method="typed", ip_address="127.0.0.1", user_agent="pytest")
    return agreement


def _signers(case, enterprise_user, center_user):
    """Who signs the case's agreement for each party, given the users a test named."""
    if enterprise_user.enterprise_id != case.enterprise_id:
        # Some tests file cases on another enterprise's project: one of its own people signs.
        enterprise_user = next((u for u in case.enterprise.users if u.is_enterprise), None) \
            or make_user(f"signer{case.enterprise_id}", Role.ENTERPRISE, enterprise=case.enterprise)
    if not permissions.can_countersign(center_user, case):
        center_user = case.agent
    return enterprise_user, center_user


@dataclass
class World:
    centers: list
    items: list
    other_items: list
    users: dict = field(default_factory=dict)
    enterprises: list = field(default_factory=list)
    project: Project = None
    other_project: Project = None

    def case(self, *, accepted=True, agent="agent", signed=True):
        """A case on the first enterprise's project: accepted, assigned and its agreement
        signed and sealed (IN_PROGRESS) by default, its rows written directly; `signed=False`
        leaves it in SIGNING, `signed="verbs"` signs through the verbs, `signed="real"` renders
        and seals its PDFs for real (make_case)."""
        return make_case(self.project, self.users["owner"], self.items,
                         accept_by=self.users["manager"] if accepted else None,
                         agent=self.users[agent] if accepted and agent else None, sign=signed)

    def ids(self):
        """What the world holds, as (model, id) pairs in the same shape: World.load(ids) gives
        the same world again from a copy of its rows (tests/conftest.py, the `world` fixture)."""
        return {name: _ids(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def load(cls, ids):
        """The world of `ids` (World.ids) read from the database, one query per model, and
        left as make_world leaves it: committed, so that every object is expired."""
        wanted = {}
        for model, key in _pairs(ids):
            wanted.setdefault(model, []).append(key)
        loaded = {(model, row.id): row for model, keys in wanted.items()
                  for row in db.session.scalars(select(model).where(model.id.in_(keys)))}
        world = cls(**{name: _objects(value, loaded) for name, value in ids.items()})
        db.session.commit()
        return world


def _ids(value):
    if isinstance(value, list):
        return [_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _ids(item) for key, item in value.items()}
    return None if value is None else (type(value), value.id)


def _pairs(ids):
    if isinstance(ids, list | dict):
        for item in ids.values() if isinstance(ids, dict) else ids:
            yield from _pairs(item)
    elif ids is not None:
        yield ids


def _objects(ids, loaded):
    """The objects of `ids` (_ids) among those `loaded` ({(model, id): object})."""
    if isinstance(ids, list):
        return [_objects(item, loaded) for item in ids]
    if isinstance(ids, dict):
        return {key: _objects(item, loaded) for key, item in ids.items()}
    return None if ids is None else loaded[ids]


def make_world():
    first, second = make_center(), make_center("YCKFQ", "银川经济技术开发区企业服务中心")
    world = World(centers=[first, second], items=make_catalog(first), other_items=make_catalog(second))
    ent1 = make_enterprise(first)
    ent2 = make_enterprise(first, "晋中华丰新能源有限公司", VALID_USCC[1])
    world.enterprises = [ent1, ent2]
    world.users = {
        "owner": make_user("ent1", Role.ENTERPRISE, enterprise=ent1, name="李四"),
        "other_enterprise": make_user("ent2", Role.ENTERPRISE, enterprise=ent2, name="赵六"),
        "manager": make_user("manager", Role.MANAGER, center=first, name="王经理"),
        "agent": make_user("agent1", Role.AGENT, center=first, name="刘代办"),
        "other_agent": make_user("agent2", Role.AGENT, center=first, name="陈代办"),
        "other_manager": make_user("manager2", Role.MANAGER, center=second, name="马经理"),
        "other_center_agent": make_user("agent4", Role.AGENT, center=second, name="杨代办"),
    }
    world.project = make_project(ent1, first)
    world.other_project = make_project(ent2, first, "华丰光伏电池组件项目")
    db.session.commit()
    return world


def one_time_code(user, secret=TOTP_SECRET):
    """The user's current TOTP code. Forgets the last step used, so that a test may log the
    same user in twice within one 30-second step (a real code is good only once)."""
    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(secret).at(clock.now())


def staff_code(secret=TOTP_SECRET):
    """A code that every staff account enrolled by login_as accepts now (they share
    TOTP_SECRET), even right after the code of its login: the last used steps are forgotten.
    For forms that re-authenticate (signing); enterprise users' forms ignore it."""
    db.session.execute(update(User).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(secret).at(clock.now())
