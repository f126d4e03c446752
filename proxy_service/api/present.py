"""The objects as the schemas (schemas.py) dump them: what the records hold plus what is
reckoned for today (the lights, the actions open now)."""
from proxy_service.calendar import lights
from proxy_service.core.uploads import name_for_type
from proxy_service.workflow import step_actions


def named(obj):
    return None if obj is None else {"id": obj.id, "name": obj.name}


def case_summary(case):
    return {"id": case.id, "number": case.number, "status": case.status,
            "light": lights.case_light(case), "enterprise": named(case.enterprise),
            "project": named(case.project), "agent": named(case.agent),
            "submitted_at": case.submitted_at, "promised_on": case.promised_on,
            "updated_at": case.updated_at, "version": case.version}


def case_detail(case):
    return {**case_summary(case), "started_on": case.started_on,
            "suspended_on": case.suspended_on, "closed_at": case.closed_at,
            "steps": [step_out(step) for step in case.steps],
            "agreements": [{"id": agreement.id, "number": agreement.number,
                            "state": agreement.state, "sealed_at": agreement.sealed_at}
                           for agreement in case.agreements]}


STEP_OUT_FIELDS = ("id", "stage", "status", "acceptance_no", "submitted_on", "due_on", "approved_on",
               "permit_no", "by_commitment", "correction_request", "refusal_reason",
               "refusal_decision_no", "not_required_reason", "updated_at", "version")


def step_out(step):
    return {**{name: getattr(step, name) for name in STEP_OUT_FIELDS}, "item": named(step.item),
            "light": lights.step_light(step), "actions": step_actions(step)}


def etag(step):
    """The step's version as a strong ETag: what If-Match must send back."""
    return f'"{step.version}"'


def document_out(document):
    return {"id": document.id, "kind": document.kind,
            "filename": name_for_type(document.filename, document.content_type),
            "content_type": document.content_type, "size": document.size,
            "sha256": document.sha256, "step_id": document.step_id,
            "uploaded_by": named(document.uploaded_by), "created_at": document.created_at}


def message_out(message):
    return {"id": message.id, "body": message.body, "internal": message.internal,
            "author": named(message.author), "step_id": message.step_id,
            "created_at": message.created_at}
