"""The data of a webhook event (docs/api.md "Webhooks"): the case as this API shows it to the
endpoint's owner (schemas.CaseDetail), the step concerned, and what changed. Rendered when the
delivery is first sent, and the owner's reach checked again then: an endpoint whose owner no
longer sees the case gets nothing. An enterprise's endpoint never receives an internal event
(permissions.endpoints_seeing), and so no internal note."""
import json

from sqlalchemy.orm import selectinload

from proxy_service import permissions
from proxy_service.api import present, queries, schemas
from proxy_service.core.extensions import db
from proxy_service.models import Case, Step
from proxy_service.models.webhooks import TEST_EVENT


def render(delivery, endpoint):
    facts = json.loads(delivery.facts or "{}")
    if delivery.event_type == TEST_EVENT:
        return {"test": True, "endpoint_id": endpoint.id}
    case = db.session.scalar(db.select(Case).where(Case.id == delivery.case_id).options(
        *queries.CASE_OPTIONS, selectinload(Case.agreements)))
    if case is None or not permissions.endpoint_sees(endpoint, case):
        return None
    step = db.session.get(Step, delivery.step_id) if delivery.step_id else None
    return {"case": schemas.CaseDetail().dump(present.case_detail(case)),
            "step": schemas.StepOut().dump(present.step_out(step)) if step is not None else None,
            "change": facts}
