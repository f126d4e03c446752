"""The objects as the schemas (schemas.py) dump them: what the records hold plus what is
reckoned for today (the lights, the actions open now)."""
from proxy_service.calendar import lights
from proxy_service.core.uploads import name_for_type
from proxy_service.models.agreements import CENTER, ENTERPRISE
from proxy_service.workflow import step_actions


def named(obj):
    return None if obj is None else {"id": obj.id, "name": obj.name}


def case_summary(case):
    return {"id": case.id, "number": case.number, "status": case.status,
            "light": lights.case_light(case), "enterprise": named(case.enterprise),
            "project": named(case.project), "agent": named(case.agent),
            "submitted_at": case.submitted_at, "promised_on": case.promised_on,
            "updated_at": case.updated_at, "version": case.version,
            "changed_at": case.changed_at, "revision": case.revision}


def case_detail(case):
    return {**case_summary(case), "started_on": case.started_on,
            "suspended_on": case.suspended_on, "closed_at": case.closed_at,
            "steps": [step_out(step) for step in case.steps],
            "agreements": [agreement_out(agreement) for agreement in case.agreements]}


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
def agreement_out(agreement):
    """An agreement as its page shows it: state, number, who signed when, when sealed
    (agreement.signatures loaded)."""
    return {"id": agreement.id, "case_id": agreement.case_id, "number": agreement.number,
            "kind": agreement.kind, "state": agreement.state, "revision": agreement.revision,
            "signed_on_paper": agreement.signed_on_paper,
            "enterprise_signed_at": agreement.signed_at(ENTERPRISE),
            "center_signed_at": agreement.signed_at(CENTER), "sealed_at": agreement.sealed_at,
            "created_at": agreement.created_at}


def verify_summary(summary):
    """What /verify says of an agreement (documents/verification.Summary)."""
    return None if summary is None else {
        "number": summary.number, "kind": summary.kind, "state": summary.state,
        "center": summary.center, "enterprise": summary.enterprise, "on_paper": summary.on_paper,
        "enterprise_signed_at": summary.enterprise_signed_at,
        "center_signed_at": summary.center_signed_at, "sealed_at": summary.sealed_at}


def verify_answer(answer):
    """The /verify page's answer (documents/verification.Answer), as data."""
    check = answer.file_check
    return {"found": answer.summary is not None if answer.asked else None,
            "agreement": verify_summary(answer.summary),
            "file": None if check is None else {
                "sha256": check.sha256, "matches": check.matches,
                "agreement": verify_summary(check.summary), "seal": {
                    "verdict": check.seal_verdict, "intact": check.seal.intact,
                    "trusted": check.seal.trusted, "by_center": check.by_center,
                    "signer_subject": check.seal.signer_subject,
                    "signed_at": check.seal.signed_at, "timestamped": check.seal.timestamped,
                    "problems": [str(problem) for problem in check.seal.problems]}}}


PROJECT_FIELDS = ("id", "name", "code", "total_investment", "land_area", "location", "content",
                  "planned_start", "standard_land", "filing_type", "created_at", "version")


def project_out(project, cases=None):
    out = {**{name: getattr(project, name) for name in PROJECT_FIELDS},
           "center": named(project.center), "industry": named(project.industry)}
    if cases is not None:
        out["cases"] = [case_summary(case) for case in cases]
    return out


ENTERPRISE_FIELDS = ("id", "name", "uscc", "legal_representative", "address", "contact_person",
                     "mobile", "email", "verification", "version")


def enterprise_out(enterprise):
    return {**{name: getattr(enterprise, name) for name in ENTERPRISE_FIELDS},
            "home_center": named(enterprise.home_center)}


ITEM_FIELDS = ("id", "name", "stage", "department", "mode", "statutory_limit", "statutory_unit",
               "promised_limit", "promised_unit")


def item_out(item):
    return {**{name: getattr(item, name) for name in ITEM_FIELDS},
            "center": named(item.center), "materials": item.material_list,
            "prerequisites": [prerequisite.id for prerequisite in item.prerequisites]}


def audit_event_out(event):
    """An audit event as the case page's timeline shows it."""
    return {"id": event.id, "at": event.at, "actor": named(event.actor),
            "action": event.action, "action_label": str(event.action_label),
            "object_type": event.object_type, "object_id": event.object_id,
            "from_status": event.from_status, "to_status": event.to_status,
            "comment": event.comment, "internal": event.internal}
