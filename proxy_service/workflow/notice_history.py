"""The notices of cases from before notices were stored (migration i9c0de500009).

Each notice is rendered once, as of its issue date, from the stored history: which steps the
case had then (the accepted request, the 追加事项 events: supplements.steps_added_by), where
each stood (the steps' audit events), who was the agent (the assignments). Where that history
cannot say, the notice is rendered from the data as they are on the migration date, dated
then, and says so in print (origin "reconstructed"). What the history never held — the enterprise's and project's names,
the catalogue's materials and limits, permit numbers — is taken as it is now.

Reads go through Core over the tables as they stand at that revision (the ORM models may grow
columns later); the facts are built and rendered by the same code as for live notices.
"""
from datetime import timedelta
from types import SimpleNamespace as Row

import sqlalchemy as sa

from proxy_service.core import clock
from proxy_service.core.i18n import record_language
from proxy_service.documents import notices
from proxy_service.documents.common import cn_date
from proxy_service.documents.notice_facts import NoticeFacts
from proxy_service.models import LimitUnit, Mode, StepStatus
from proxy_service.models.blobs import digest
from proxy_service.models.types import ExactDecimal, UTCDateTime
from proxy_service.workflow import supplements
from proxy_service.workflow.notices import (
    change_facts,
    header_facts,
    materials_facts,
    step_facts,
    stop_facts,
)

# An agent named on the accept form is assigned in the same request, a permit uploaded with
# the last approval a moment after the case closed: both belong to the notice of that moment.
SAME_REQUEST = timedelta(seconds=5)


def _table(name, *columns, **typed):
    return sa.table(name, *(sa.column(c) for c in columns),
                    *(sa.column(c, t) for c, t in typed.items()))


CASES = _table("cases", "id", "number", "center_id", "enterprise_id", "project_id", "agent_id",
               "status", "contact_name", "contact_mobile", "requested_item_ids",
               accepted_at=UTCDateTime, closed_at=UTCDateTime)
CENTERS = _table("centers", "id", "name", "address", "phone")
ENTERPRISES = _table("enterprises", "id", "name", "uscc")
PROJECTS = _table("projects", "id", "name", "code", "location", total_investment=ExactDecimal())
USERS = _table("users", "id", "name", "phone")
STEPS = _table("steps", "id", "case_id", "item_id", "stage_order", "sort", "status",
               "by_commitment", "permit_no", "refusal_reason", "refusal_decision_no",
               "not_required_reason", approved_on=sa.Date)
ITEMS = _table("approval_items", "id", "name", "department", "mode", "statutory_limit",
               "statutory_unit", "promised_limit", "promised_unit", "materials")
ROUNDS = _table("step_rounds", "step_id", "number", filed_on=sa.Date, returned_on=sa.Date,
                decided_on=sa.Date)
ASSIGNMENTS = _table("assignments", "id", "case_id", "agent_id", "reason", assigned_at=UTCDateTime)
EVENTS = _table("audit_events", "id", "case_id", "object_type", "object_id", "action",
                "to_status", "comment", at=UTCDateTime)
AGREEMENTS = _table("agreements", "id", "case_id", "kind", "state", "number",
                    sealed_at=UTCDateTime)
DOCUMENTS = _table("documents", "id", "case_id", "kind", "filename", "sha256",
                   created_at=UTCDateTime)
BLOBS = _table("document_blobs", "sha256", "size", "data", created_at=UTCDateTime)
NOTICES = _table("issued_notices", "id", "case_id", "kind", "seq", "revision", "number",
                 "issued_by_id", "reason", "origin", "event_id", "assignment_id", "size",
                 "sha256", issued_at=UTCDateTime, created_at=UTCDateTime)

# A case's steps with their items' columns as item_name, item_department, ...
_STEPS_OF = (sa.select(STEPS, *(c.label(f"item_{c.name}") for c in ITEMS.c if c.name != "id"))
             .join(ITEMS, ITEMS.c.id == STEPS.c.item_id)
             .order_by(STEPS.c.stage_order, STEPS.c.sort, STEPS.c.id))


class CannotSay(Exception):
    """The history does not tell how the case stood at the notice's moment."""


class BackfillError(RuntimeError):
    """A case's notices cannot be rendered at all (not even from today's data)."""


def backfill(bind, now=None):
    """Store the notices of every case on `bind` (a connection in the migration's
    transaction), one case at a time. Returns how many were stored. Raises BackfillError,
    naming the case, on any error but CannotSay: the migration stops and stores nothing."""
    now = now or clock.now()
    stored = 0
    for case_id, number in bind.execute(sa.select(CASES.c.id, CASES.c.number)
                                        .order_by(CASES.c.id)).all():
        try:
            history = CaseHistory(bind, case_id)
            for notice in history.notices():
                _insert(bind, history, notice, now)
                stored += 1
        except Exception as err:
            raise BackfillError(
                f"The notices of case {number} (id {case_id}) cannot be rendered: {err!r}. "
                f"Nothing was stored; correct the cause and run the upgrade again.") from err
    return stored


class CaseHistory:
    """One case's rows, and how it stood at a given moment."""

    def __init__(self, bind, case_id):
        one = lambda table, row_id: Row(**bind.execute(  # noqa: E731
            sa.select(table).where(table.c.id == row_id)).mappings().one())
        rows = lambda query: [Row(**r) for r in bind.execute(query).mappings()]  # noqa: E731
        self.case = one(CASES, case_id)
        self.enterprise = one(ENTERPRISES, self.case.enterprise_id)
        self.project = one(PROJECTS, self.case.project_id)
        self.center = one(CENTERS, self.case.center_id)
        self.steps = rows(_STEPS_OF.where(STEPS.c.case_id == case_id))
        self.rounds = {}
        for filing in rows(sa.select(ROUNDS).join(STEPS, STEPS.c.id == ROUNDS.c.step_id)
                           .where(STEPS.c.case_id == case_id).order_by(ROUNDS.c.number)):
            self.rounds.setdefault(filing.step_id, []).append(filing)
        self.events = rows(sa.select(EVENTS).where(EVENTS.c.case_id == case_id)
                           .order_by(EVENTS.c.at, EVENTS.c.id))
        self.assignments = rows(sa.select(ASSIGNMENTS, USERS.c.name, USERS.c.phone)
                                .join(USERS, USERS.c.id == ASSIGNMENTS.c.agent_id)
                                .where(ASSIGNMENTS.c.case_id == case_id)
                                .order_by(ASSIGNMENTS.c.id))
        self.agreement = bind.execute(sa.select(AGREEMENTS).where(
            AGREEMENTS.c.case_id == case_id, AGREEMENTS.c.kind == "agreement",
            AGREEMENTS.c.state == "sealed").order_by(AGREEMENTS.c.sealed_at).limit(1)).first()
        self.permits = rows(sa.select(DOCUMENTS.c.filename, DOCUMENTS.c.sha256,
                                      DOCUMENTS.c.created_at)
                            .where(DOCUMENTS.c.case_id == case_id, DOCUMENTS.c.kind == "permit")
                            .order_by(DOCUMENTS.c.created_at, DOCUMENTS.c.id))
        self.current_agent = one(USERS, self.case.agent_id) if self.case.agent_id else None

    # --- which notices the case has had ---------------------------------------------------

    def notices(self):
        """(kind, seq, moment, facts, subject) of each notice, in the order they were issued."""
        found = []
        if self.case.accepted_at is not None and self.steps:
            found.append(("materials", 1, self.case.accepted_at, self.materials_facts(), {}))
        stops = self._case_events("suspend", "terminate", "withdraw")
        for seq, event in enumerate([e for e in stops if e.action == "suspend"], 1):
            found.append(("suspend", seq, event.at, stop_facts(event), {"event_id": event.id}))
        found += [("terminate", 1, e.at, stop_facts(e), {"event_id": e.id})
                  for e in stops if e.action != "suspend"][-1:]
        found += [("change", seq, a.assigned_at, self.change_facts(a.id), {"assignment_id": a.id})
                  for seq, a in enumerate(self._changes(), 1)]
        if self.case.status == "completed":
            found.append(("completion", 1, self.case.closed_at, self.completion_facts(), {}))
        return sorted(found, key=lambda notice: notice[2] or clock.now())

    def _case_events(self, *actions):
        return [e for e in self.events if e.object_type == "case" and e.action in actions]

    def materials_facts(self):
        accepted = self._case_events("accept")
        return materials_facts(self.case.accepted_at, accepted[-1].comment if accepted else "")

    def _changes(self):
        """The assignments after the agreement was sealed that replaced an agent."""
        if self.agreement is None:
            return []
        return [a for a in self.assignments[1:] if a.assigned_at > self.agreement.sealed_at]

    def change_facts(self, assignment_id):
        index = next(n for n, a in enumerate(self.assignments) if a.id == assignment_id)
        previous = self.assignments[index - 1] if index else None
        return change_facts(self.assignments[index], self.agreement, previous)

    def completion_facts(self, until=None):
        """The 办结单's facts, with the permits stored by `until` (default: with the closing)."""
        until = until or (self.case.closed_at or clock.now()) + SAME_REQUEST
        return dict(accepted_at=self.case.accepted_at, closed_at=self.case.closed_at,
                    permits=tuple((p.filename, p.sha256) for p in self.permits
                                  if p.created_at <= until))

    # --- the case as of a moment ------------------------------------------------------------

    def as_of(self, moment, kind, exact=False):
        """(the case look-alike, its step look-alikes) at `moment`: the moment of a notice of
        `kind`, or with `exact` the instant a verb issued it (after all its request did).
        Raises CannotSay."""
        if moment is None:
            raise CannotSay("no date")
        if kind == "materials" and not self._case_events("accept"):
            raise CannotSay("no acceptance event: what it added to the notice is unknown")
        agent_moment = moment + SAME_REQUEST if kind == "materials" and not exact else moment
        steps = [self._step_as_of(step, moment) for step in self.steps
                 if self._step_since(step) <= moment]
        return self._case(self._agent_at(agent_moment)), steps

    def current(self):
        """(the case look-alike, its step look-alikes) as they are now."""
        agent = self.current_agent
        steps = [_step(step, step.status, self.rounds.get(step.id, ())) for step in self.steps]
        return self._case(Row(name=agent.name, phone=agent.phone) if agent else None), steps

    def _case(self, agent):
        c = self.case
        return Row(number=c.number, contact_name=c.contact_name, contact_mobile=c.contact_mobile,
                   enterprise=self.enterprise, project=self.project, center=self.center,
                   agent=agent)

    def _agent_at(self, moment):
        if not self.assignments and self.case.agent_id is not None:
            raise CannotSay("an agent without an assignment")
        earlier = [a for a in self.assignments if a.assigned_at <= moment]
        return Row(name=earlier[-1].name, phone=earlier[-1].phone) if earlier else None

    def _step_since(self, step):
        requested = {int(i) for i in (self.case.requested_item_ids or "").split(",") if i}
        if step.item_id in requested and self.case.accepted_at is not None:
            return self.case.accepted_at
        for event in self.events:
            if event.action == "add_items" and step.id in supplements.steps_added_by(
                    [event], self.steps):
                return event.at
        raise CannotSay(f"when step {step.id} joined the case")

    def _step_as_of(self, step, moment):
        moves = [e for e in self.events if e.object_type == "step" and e.object_id == step.id
                 and e.to_status]
        if not moves and step.status != StepStatus.PENDING.value:
            raise CannotSay(f"how step {step.id} reached {step.status}")
        passed = [e for e in moves if e.at <= moment]
        return _step(step, passed[-1].to_status if passed else StepStatus.PENDING.value,
                     _rounds_by(self.rounds.get(step.id, ()), clock.local_date(moment)))


def _rounds_by(rounds, day):
    """The filing rounds as they stood at the end of `day`: a later return not yet made."""
    def by_then(value):
        return value if value is not None and value <= day else None
    return [Row(filed_on=r.filed_on, returned_on=by_then(r.returned_on),
                decided_on=by_then(r.decided_on)) for r in rounds if r.filed_on <= day]


def _step(step, state, rounds=()):
    """A look-alike of the Step row `step` in `state` with its filing `rounds`: what a state
    records is shown only in it."""
    state = StepStatus(state)
    item = Row(name=step.item_name, department=step.item_department, mode=Mode(step.item_mode),
               statutory_limit=step.item_statutory_limit,
               statutory_unit=LimitUnit(step.item_statutory_unit),
               promised_limit=step.item_promised_limit,
               promised_unit=LimitUnit(step.item_promised_unit),
               material_list=[m.strip() for m in (step.item_materials or "").splitlines()
                              if m.strip()])
    approved, refused = state is StepStatus.APPROVED, state is StepStatus.REFUSED
    return Row(item=item, status=state, rounds=list(rounds),
               by_commitment=approved and bool(step.by_commitment),
               permit_no=step.permit_no if approved else "",
               approved_on=step.approved_on if approved else None,
               refusal_reason=step.refusal_reason if refused else "",
               refusal_decision_no=step.refusal_decision_no if refused else "",
               not_required_reason=step.not_required_reason
               if state is StepStatus.NOT_REQUIRED else "")


def _insert(bind, history, notice, now):
    kind, seq, moment, facts, subject = notice
    number = notices.number(history.case.number, kind, seq)
    try:
        case, steps = history.as_of(moment, kind)
        issued_at, origin, remark = moment, "history", notices.HISTORY_REMARK
    except CannotSay:
        case, steps = history.current()
        issued_at, origin, remark = now, "reconstructed", notices.RECONSTRUCTED_REMARK
    remark = remark.format(stored=cn_date(now))
    with record_language():
        data = notices.render(NoticeFacts(
            kind=kind, number=number, issued_at=issued_at, header=header_facts(case),
            steps=tuple(step_facts(s) for s in steps), remark=remark, **facts))
    sha = digest(data)
    if bind.execute(sa.select(BLOBS.c.sha256).where(BLOBS.c.sha256 == sha)).first() is None:
        bind.execute(BLOBS.insert().values(sha256=sha, size=len(data), data=data, created_at=now))
    bind.execute(NOTICES.insert().values(
        case_id=history.case.id, kind=kind, seq=seq, revision=1, number=number,
        issued_at=issued_at, issued_by_id=None, reason="", origin=origin, size=len(data),
        sha256=sha, created_at=now, event_id=subject.get("event_id"),
        assignment_id=subject.get("assignment_id")))
