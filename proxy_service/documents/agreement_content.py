"""What an agreement prints, as a frozen snapshot taken from the case.

The PDF builder only ever sees these values, so that rendering stays a pure function and
"did anything printed change?" is a question about the rendered bytes. Labels are taken in
Chinese whatever the reader's locale: the agreement is always Chinese.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale

from proxy_service.core.clock import BEIJING
from proxy_service.core.templating import wan
from proxy_service.models import Mode

TITLES = {"agreement": "代办委托协议", "supplement": "代办服务续办委托书"}


@dataclass(frozen=True)
class EnterpriseInfo:
    name: str
    uscc: str
    address: str
    legal_representative: str
    contact_person: str
    mobile: str


@dataclass(frozen=True)
class CenterInfo:
    name: str
    address: str
    person_in_charge: str
    phone: str


@dataclass(frozen=True)
class ProjectInfo:
    name: str
    code: str
    location: str
    investment: str
    land: str
    content: str
    standard_land: bool
    commitment: str
    filing: str


@dataclass(frozen=True)
class ItemRow:
    name: str
    stage: str
    department: str
    mode: str
    limit: str


@dataclass(frozen=True)
class AgreementContent:
    kind: str
    number: str
    code: str
    created_at: datetime
    enterprise: EnterpriseInfo
    center: CenterInfo
    agent_name: str
    agent_phone: str
    project: ProjectInfo
    items: tuple
    clauses: str
    parent_number: str = ""
    parent_date: str = ""

    @property
    def title(self):
        return TITLES[self.kind]


@dataclass(frozen=True)
class SignatureView:
    """One signing event as the final PDF shows it."""
    party: str                 # "enterprise" | "center"
    signer_name: str
    signer_title: str
    method: str                # "drawn" | "typed" | "paper"
    signed_at: datetime
    ip_address: str
    document_sha256: str
    image: bytes | None = None
    seal_image: bytes | None = None
    voided: bool = False
    checked_by: str = ""       # "paper": who compared the scan with the original (at signed_at)

    @property
    def local_time(self):
        return self.signed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def local_date(self):
        return self.signed_at.astimezone(BEIJING).strftime("%Y 年 %m 月 %d 日")


@dataclass(frozen=True)
class SignedParts:
    """Everything the final PDF adds to the unsigned one."""
    signatures: tuple          # SignatureView, every event in order (voided ones included)
    unsigned_sha256: str
    verify_url: str
    scan_sha256: str = ""
    extra: dict = field(default_factory=dict)

    def current(self, party):
        """The valid signature of `party`, or None."""
        return next((s for s in reversed(self.signatures) if s.party == party and not s.voided),
                    None)


def content_of(agreement, items, parent=None):
    """The snapshot of `agreement` (an Agreement of a case) over `items` (ApprovalItems, in
    print order); `parent` is the sealed main agreement a supplement extends."""
    case = agreement.case
    with force_locale("zh_CN"):
        rows = tuple(ItemRow(i.name, str(i.stage.label), i.department, str(i.mode.label),
                             f"{i.promised_limit} {i.promised_unit.label}") for i in items)
        project = _project_info(case.project, items)
    ent, center, agent = case.enterprise, case.center, case.agent
    return AgreementContent(
        kind=agreement.kind.value, number=agreement.number, code=agreement.verification_code,
        created_at=agreement.created_at,
        enterprise=EnterpriseInfo(ent.name, ent.uscc, ent.address, ent.legal_representative,
                                  case.contact_name or ent.contact_person,
                                  case.contact_mobile or ent.mobile),
        center=CenterInfo(center.name, center.address, center.person_in_charge, center.phone),
        agent_name=agent.name if agent else "", agent_phone=agent.phone if agent else "",
        project=project, items=rows, clauses=agreement.template.clauses,
        parent_number=parent.number if parent else "",
        parent_date=_date(parent.sealed_at) if parent and parent.sealed_at else "")


def _project_info(project, items):
    committed = [i for i in items if i.mode is Mode.COMMITMENT]
    commitment = f"是（{len(committed)} 项事项按承诺制办理）" if committed else "否"
    return ProjectInfo(project.name, project.code, project.location,
                       wan(project.total_investment), wan(project.land_area), project.content,
                       project.standard_land, commitment, str(project.filing_type.label))


def _date(moment):
    return moment.astimezone(BEIJING).strftime("%Y年%m月%d日")
