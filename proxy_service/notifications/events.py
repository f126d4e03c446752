"""Turn audit events into notifications, in the transaction that wrote them.

Every workflow verb records an AuditEvent and flushes. An `after_flush` listener
sees the new events and adds Notification and OutboxMessage rows for the
people RULES names; they reach the database with the next flush or the commit,
or vanish with a rollback. The workflow itself knows nothing about notifications.
"""
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event, select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.i18n import recipient_locale
from proxy_service.models import (
    Agreement,
    Assignment,
    AuditEvent,
    Case,
    Enterprise,
    Notification,
    Role,
    Step,
    User,
)
from proxy_service.notifications.outbox import enqueue_for
from proxy_service.notifications.rules import RULES

MESSAGE_SNIPPET = 60


@event.listens_for(db.session, "after_flush")
def _notify_new_audit_events(session, _flush_context):
    # History and `session.new` still show the pre-flush state here, and every new row
    # has its id; objects added now are flushed by the next flush (commit flushes until clean).
    events = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.action in RULES]
    for audit in sorted(events, key=lambda e: e.id):
        notify_event(session, audit)


def notify_event(session, audit):
    rule = RULES[audit.action]
    case = session.get(Case, audit.case_id) if audit.case_id else None
    step = session.get(Step, audit.object_id) if audit.object_type == "step" else None
    enterprise = session.get(Enterprise, audit.enterprise_id) if audit.enterprise_id else None
    context = _context(session, audit, case, step, enterprise)
    if rule.actor_role and context["actor_role"] != rule.actor_role:
        return
    told = {audit.actor_id}      # never the actor; once per person even if in two audiences
    for audience, text in rule.texts.items():
        for user in _audience(session, audience, audit, case):
            if user.id in told or (audit.internal and not user.is_staff):
                continue
            told.add(user.id)
            deliver(session, user, rule, text, context, case=case, step=step,
                    enterprise=enterprise, at=audit.at)


def deliver(session, user, rule, message, context, *, case=None, step=None, enterprise=None,
            at=None):
    """One in-app notification for `user`, and the e-mail/SMS copies the user asked for, all
    written in the user's language (not the actor's): `message` is a lazy text to fill with
    `context`. `at`: the time of the event it reports (the notification is written by a later
    flush, possibly at another time); default now."""
    path = link_for(rule.target, case=case, step=step, enterprise=enterprise)
    with force_locale(recipient_locale(user)):
        text = str(message) % context
        session.add(Notification(user_id=user.id, case_id=case.id if case else None,
                                 kind=rule.kind, text=text[:2000], url=path,
                                 created_at=at or clock.now()))
        enqueue_for(session, user, rule, text, path, case=case)


def link_for(target, *, case=None, step=None, enterprise=None):
    """An app-relative path (no request is needed: cron jobs notify too)."""
    adapter = current_app.url_map.bind("localhost")
    if target == "step" and case is not None and step is not None:
        return adapter.build("cases.detail", {"case_id": case.id}) + f"#step-{step.id}"
    if case is not None:
        anchor = "#agreements" if target == "agreement" else ""
        return adapter.build("cases.detail", {"case_id": case.id}) + anchor
    if target == "enterprise" and enterprise is not None:
        return adapter.build("admin.enterprise", {"enterprise_id": enterprise.id})
    if target == "webhooks":
        return adapter.build("webhooks.index", {})
    if target == "claims":
        return adapter.build("admin.claims", {})
    return adapter.build("enterprises.profile", {})


def _context(session, audit, case, step, enterprise):
    agent = session.get(User, case.agent_id) if case is not None and case.agent_id else None
    actor = session.get(User, audit.actor_id) if audit.actor_id else None
    comment = audit.comment or ""
    if audit.action == "message" and len(comment) > MESSAGE_SNIPPET:
        comment = comment[:MESSAGE_SNIPPET] + "…"
    agreement = session.get(Agreement, audit.object_id) if audit.object_type == "agreement" \
        else None
    return {
        "agreement": agreement.number if agreement else "",
        # The texts end the reason with their own full stop.
        "reason": audit.detail(agreement.number).rstrip("。.")  # i18n-keep: punctuation only
        if agreement else comment,
        "case": case.number if case else "", "project": case.project.name if case else "",
        "enterprise": enterprise.name if enterprise else "", "step": step.item.name if step else "",
        "comment": comment, "agent": agent.name if agent else "", "actor": actor.name if actor else "",
        "correction": step.correction_request if step else "",
        "permit": step.permit_no if step else "", "refusal": step.refusal_reason if step else "",
        "due": "", "actor_role": actor.role.value if actor else "",
    }


def _audience(session, audience, audit, case):
    if audience == "enterprise":
        return enterprise_users(session, audit.enterprise_id)
    if audience == "managers":
        return center_managers(session, audit.center_id)
    if audience == "agent":
        return _active(session, case.agent_id if case is not None else None)
    if audience == "old_agent":
        return _active(session, _previous_agent_id(session, case))
    if audience == "other_side":
        actor = session.get(User, audit.actor_id) if audit.actor_id else None
        if actor is not None and actor.is_staff:
            return enterprise_users(session, audit.enterprise_id)
        if case is not None and case.agent_id:
            return _active(session, case.agent_id)
        return center_managers(session, audit.center_id)
    raise ValueError(f"unknown audience {audience}")


def enterprise_users(session, enterprise_id):
    if enterprise_id is None:
        return []
    return session.scalars(select(User).where(
        User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE,
        User.active.is_(True)).order_by(User.id)).all()


def center_managers(session, center_id):
    if center_id is None:
        return []
    return session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.MANAGER, User.service.is_(False),
        User.active.is_(True)).order_by(User.id)).all()


def _active(session, user_id):
    user = session.get(User, user_id) if user_id else None
    return [user] if user is not None and user.active else []


def _previous_agent_id(session, case):
    # The re-assignment's own Assignment row is already flushed: the one before it is
    # the agent the case was taken from.
    if case is None:
        return None
    rows = session.scalars(select(Assignment.agent_id).where(Assignment.case_id == case.id)
                           .order_by(Assignment.id.desc()).limit(2)).all()
    return rows[1] if len(rows) == 2 else None
