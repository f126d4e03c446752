"""Cases and their steps (scope cases:read; a step's update needs steps:write). Objects come
through the permissions loaders the pages use: what the token's user may not see is 404."""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from proxy_service import permissions, workflow
from proxy_service.api import bp, present, queries, schemas
from proxy_service.api.guard import caller, scope_required, token
from proxy_service.api.preconditions import etag_header, if_match_parameter, require_match
from proxy_service.api.problems import problem
from proxy_service.core.conflicts import committing
from proxy_service.models import Agreement, Case
from proxy_service.workflow.api_tokens import through

# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
ETAG_HEADER = etag_header("事项的版本号；修改时在 If-Match 中带回")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
IF_MATCH = if_match_parameter("读取事项时得到的 ETag（如 \"4\"；不接受 *）")
NOT_IN_PROGRESS = _l("案件当前不在办理中，事项不能更新。")
NOT_HANDLING = _l("只有办理该案件的工作人员可以更新事项。")


@bp.route("/cases", methods=["GET"])
@scope_required("cases:read")
@bp.arguments(schemas.CaseListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CasePage)
def list_cases(**filters):
    """案件列表（List cases）

    按 (changed_at, id) 升序分页；用返回的 next 作为 cursor 取下一页。"""
    cases, next_cursor = queries.case_page(caller(), **filters)
    return {"items": [present.case_summary(case) for case in cases], "next": next_cursor}


@bp.route("/cases/<int:case_id>", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.CaseDetail)
def get_case(case_id):
    """案件详情（A case: steps, deadlines, lights, agent, agreements）"""
    options = (*queries.CASE_OPTIONS, selectinload(Case.agreements).selectinload(Agreement.signatures))
    return present.case_detail(permissions.case_or_404(caller(), case_id, *options))


@bp.route("/cases/<int:case_id>/steps/<int:step_id>", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.StepOut, headers=ETAG_HEADER)
def get_step(case_id, step_id):
    """事项（A step, its version as the ETag）"""
    step = permissions.step_or_404(caller(), case_id, step_id)
    return present.step_out(step), {"ETag": present.etag(step)}


@bp.route("/cases/<int:case_id>/steps/<int:step_id>", methods=["PATCH"])
@scope_required("steps:write")
@bp.arguments(schemas.StepUpdate)
@bp.response(200, schemas.StepOut, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH])
def update_step(changes, case_id, step_id):
    """更新事项（Update a step: the step page's rules, If-Match required）"""
    step = permissions.step_or_404(caller(), case_id, step_id)
    if not permissions.can_open_step(caller(), step):
        return problem(403, NOT_HANDLING)
    seen = matched_version(step)   # 428/412 first: a write without If-Match is never judged
    if not permissions.can_update_step(caller(), step):
        return problem(409, NOT_IN_PROGRESS)
    # The step page's note (办理说明): on the case and in the audit, behind the token's name.
    with committing(quiet=True) as outcome:
        workflow.update_step(step, caller(), seen_version=seen, via=through(token()),
                             note=changes.pop("note", "").strip(), **changes)
    if outcome.conflict is not None:
        raise outcome.conflict   # rolled back; problems.py answers it as the API does
    return present.step_out(step), {"ETag": present.etag(step)}


def matched_version(step):
    """The version If-Match names (preconditions.require_match: 428 or 412 otherwise)."""
    require_match(str(step.version))
    return step.version
