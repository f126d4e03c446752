"""Webhook events, written in the transaction of the change they report (docs/api.md
"Webhooks"), and the endpoints' signing secrets.

Every state change is audited (workflow/moves._move and the verbs' own records); an
`after_flush` listener, beside the notifications' (events.py), turns the new audit events that
EVENT_OF names into one WebhookDelivery row per endpoint that wants the event and whose owner
sees the case (permissions.endpoints_seeing). They reach the database with the next flush or the
commit, or vanish with a rollback. `flask check-deadlines` adds deadline.yellow/red the same way
(deadline_alerts.py). The payload is rendered when the row is first sent (api/webhook_payloads.py),
as the API shows the case to the endpoint's owner.
"""
import base64
import hashlib
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import event

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Case, WebhookDelivery
from proxy_service.models.webhooks import SECRET_PREFIX, TEST_EVENT
from proxy_service.permissions import endpoint_sees, endpoints_seeing

# (the audited object's type, the audit action) → the webhook event.
EVENT_OF = {
    ("case", "submit_case"): "case.submitted",
    ("case", "accept"): "case.accepted",
    ("case", "decline"): "case.declined",
    ("case", "assign"): "case.assigned",
    ("case", "reassign"): "case.assigned",
    ("agreement", "agreement_seal"): "agreement.signed",
    ("step", "start"): "step.updated",
    ("step", "submit"): "step.updated",
    ("step", "skip"): "step.updated",
    ("step", "edit"): "step.updated",
    ("step", "return"): "step.returned",
    ("step", "approve"): "step.approved",
    ("step", "refuse"): "step.refused",
    ("case", "suspend"): "case.suspended",
    ("case", "resume"): "case.resumed",
    ("case", "complete"): "case.completed",
    ("case", "terminate"): "case.terminated",
    ("case", "withdraw"): "case.terminated",
    ("evaluation", "evaluate"): "evaluation.created",
}


@event.listens_for(db.session, "after_flush")
def _webhook_events(session, _flush_context):
    audits = sorted((obj for obj in session.new if isinstance(obj, AuditEvent)
                     and (obj.object_type, obj.action) in EVENT_OF and obj.case_id is not None),
                    key=lambda e: e.id)
    if not audits:
        return
    cases = {audit.case_id: session.get(Case, audit.case_id) for audit in audits}
    endpoints = session.scalars(endpoints_seeing(cases.values())).all()
    for audit in audits:
        facts = {"from": audit.from_status, "to": audit.to_status, "comment": audit.comment,
                 "object": {"type": audit.object_type, "id": audit.object_id}}
        enqueue(session, endpoints, EVENT_OF[audit.object_type, audit.action],
                cases[audit.case_id], facts,
                step_id=audit.object_id if audit.object_type == "step" else None,
                internal=audit.internal, at=audit.at)


def enqueue(session, endpoints, event_type, case, facts, *, step_id=None, internal=False,
            at=None):
    """One delivery of `event_type` about `case` for each of `endpoints` that wants it and
    sees the case (an internal event: the center's endpoints only)."""
    for endpoint in endpoints:
        if endpoint.wants(event_type) and endpoint_sees(endpoint, case, internal=internal):
            session.add(WebhookDelivery(
                endpoint_id=endpoint.id, event_type=event_type, case_id=case.id, step_id=step_id,
                facts=json.dumps(facts, ensure_ascii=False), occurred_at=at or clock.now(),
                next_attempt_at=clock.now()))


def enqueue_deadline(session, step, level):
    """deadline.yellow / deadline.red for a step, when `flask check-deadlines` raises it."""
    endpoints = session.scalars(endpoints_seeing([step.case])).all()
    enqueue(session, endpoints, f"deadline.{level}", step.case,
            {"level": level, "due_on": step.due_on.isoformat()}, step_id=step.id)


def test_delivery(endpoint):
    """A `webhook.test` event for `endpoint` alone (its owner's "send a test event")."""
    return WebhookDelivery(endpoint_id=endpoint.id, event_type=TEST_EVENT,
                           facts=json.dumps({"endpoint_id": endpoint.id}),
                           occurred_at=clock.now(), next_attempt_at=clock.now())


# --- secrets -------------------------------------------------------------------------------

def new_secret():
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks form)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal(secret):
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed):
    """The secret in clear, or None (none stored, or SECRET_KEY changed since)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def signing_secrets(endpoint, now=None):
    """The secrets that sign a delivery now: the current one, and the previous one until its
    rotation grace period ends."""
    now = now or clock.now()
    found = [unseal(endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_secret_until \
            and endpoint.previous_secret_until > now:
        found.append(unseal(endpoint.previous_secret))
    return [secret for secret in found if secret]


def _fernet():
    key = hashlib.sha256(b"webhook-secret:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))
