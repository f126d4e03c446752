"""A case's files: listed as the case page lists them (scope cases:read), uploaded with the
page's checks (documents:write: type by content, size limit, no active PDF, the kinds the
caller's side uploads, open cases only) and downloaded streamed. Objects come through the
permissions loaders the pages use: what the token's user may not see is 404."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from proxy_service import permissions
from proxy_service.api import bp, present, schemas
from proxy_service.api.guard import caller, scope_required, token
from proxy_service.api.problems import problem
from proxy_service.core.conflicts import committing
from proxy_service.core.downloads import attachment
from proxy_service.core.extensions import db
from proxy_service.core.uploads import EXTENSIONS, UploadError, UploadTooLarge
from proxy_service.workflow.api_tokens import through
from proxy_service.workflow.documents import store_document

CASE_CLOSED = _l("案件已结束，不能再上传材料。")
WRONG_KIND = _l("请选择材料类别。")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
LOCATION_HEADER = {"Location": {"description": "下载该文件的地址（where to download it）",
                                "schema": {"type": "string"}}}
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
FILE_RESPONSE = {200: {
    "description": "文件内容，作为附件下载（the file, as an attachment）",
    "headers": {"Content-Disposition": {"schema": {"type": "string"}, "description":
                                        "attachment; filename=…; filename*=UTF-8''…（RFC 5987）"}},
    "content": {content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in EXTENSIONS}}}


@bp.route("/cases/<int:case_id>/documents", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.DocumentList)
def list_documents(case_id):
    """案件的材料（A case's documents, oldest first）"""
    case = permissions.case_or_404(caller(), case_id)
    documents = db.session.scalars(permissions.visible_documents(caller(), case)).all()
    return {"items": [present.document_out(document) for document in documents]}


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@scope_required("documents:write")
@bp.arguments(schemas.DocumentUpload, location="multipart")
@bp.response(201, schemas.DocumentOut, headers=LOCATION_HEADER)
def upload_document(form, case_id):
    """上传材料（Upload a document: the case page's checks; 413 when it is too large）"""
    case = permissions.case_or_404(caller(), case_id)
    step = permissions.step_or_404(caller(), case_id, form["step_id"]) if "step_id" in form else None
    if not permissions.can_add_documents(caller(), case):
        return problem(409, CASE_CLOSED)
    if form["kind"] not in permissions.upload_kinds(caller()):
        return problem(422, errors={"kind": [str(WRONG_KIND)]})
    with committing(quiet=True, also=(UploadError,)) as outcome:
        document = store_document(form["file"], kind=form["kind"], uploader=caller(), case=case,
                                  step=step, via=through(token()))
    if outcome.conflict is not None:
        raise outcome.conflict   # rolled back; problems.py answers it as the API does
    if outcome.refused is not None:
        return refused(outcome.refused)
    location = url_for("api.download_document", case_id=case.id, document_id=document.id)
    return present.document_out(document), {"Location": location}


@bp.route("/cases/<int:case_id>/documents/<int:document_id>", methods=["GET"])
@scope_required("cases:read")
@bp.doc(responses=FILE_RESPONSE)
def download_document(case_id, document_id):
    """下载材料（Download a document, streamed）"""
    document = permissions.case_document_or_404(caller(), case_id, document_id)
    return attachment(document.chunks(), filename=document.filename,
                      content_type=document.content_type, size=document.size,
                      sha256=document.sha256)


def refused(error):
    """An upload the page refuses (UploadError), with the page's message on the `file` field:
    413 when it is too large, 422 for its content."""
    status = 413 if isinstance(error, UploadTooLarge) else 422
    return problem(status, str(error), errors={"file": [str(error)]})
