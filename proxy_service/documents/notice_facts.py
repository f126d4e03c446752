"""What a notice prints, as plain values taken when it is issued (like agreement_content.py
for the agreement): the builders in notices.py only ever see these, so a notice is a pure
function of its facts, and the facts can come from the live case (when a verb issues it) or
from the audit history (notices stored after the fact, notice_history.py).
"""
from dataclasses import dataclass
from datetime import date, datetime

from proxy_service.models.history import returns_and_refilings


@dataclass(frozen=True)
class CaseHeader:
    """The parties table and the center's lines, as of the notice's date."""
    case_number: str
    enterprise_name: str
    uscc: str
    project_name: str
    project_code: str
    location: str
    investment: str              # 万元, formatted
    contact: str                 # name and mobile
    agent_name: str              # "" while no agent is assigned
    agent_phone: str
    center_name: str
    center_address: str
    center_phone: str


@dataclass(frozen=True)
class ItemFacts:
    name: str
    department: str
    mode: str                    # label
    statutory: str               # "20工作日" or "—"
    promised: str
    materials: tuple = ()


@dataclass(frozen=True)
class StepFacts:
    """One delegated item and where it stood on the notice's date."""
    item: ItemFacts
    state: str                   # a StepStatus value
    state_label: str
    by_commitment: bool = False
    permit_no: str = ""
    approved_on: date | None = None
    refusal_reason: str = ""
    refusal_decision_no: str = ""
    refused_on: date | None = None   # 不予许可日期, from the last filing round
    not_required_reason: str = ""
    filed: bool = False          # ever filed with the department
    corrections: tuple = ()      # (returned on, refiled on or None) of each 补正, in order


def corrections_of(rounds):
    """(filed, corrections) of a step from its filing rounds (anything with `filed_on` and
    `returned_on`, in order): each return's day and the refiling's after it."""
    rounds = list(rounds)
    return bool(rounds), tuple((filing.returned_on, after.filed_on if after else None)
                               for filing, after in returns_and_refilings(rounds))


@dataclass(frozen=True)
class NoticeFacts:
    """One notice. `event_at` and `reason` are the suspension's / termination's / change's
    own date and reason; `action` is "suspend", "terminate" or "withdraw" for those."""
    kind: str                    # a NoticeKind value
    number: str
    issued_at: datetime          # the center's 日期 line
    header: CaseHeader
    steps: tuple = ()            # StepFacts
    revision: int = 1
    correction: str = ""         # why this revision replaces the previous one
    remark: str = ""             # how a notice stored after the fact was made
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    comment: str = ""            # 一次性告知单: 其他告知事项
    action: str = ""
    event_at: datetime | None = None
    reason: str = ""
    agreement_number: str = ""   # 变更通知书: the sealed agreement it amends
    previous_agent: str = ""     # 变更通知书: "name phone" of the agent before
    permits: tuple = ()          # 办结单: (filename, sha256) of the electronic copies
