"""POST /api/v1/verify: public (no token), answering what the /verify page answers
(documents/verification.answer) to a number + code (JSON) or a file (multipart/form-data,
with or without its number and code), under /verify's rate limit (VERIFY_RATE_LIMIT,
core/security.RATE_LIMITED): a 429 problem beyond it."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from marshmallow import ValidationError

from proxy_service.api import bp, fields, present, schemas
from proxy_service.api.guard import public
from proxy_service.core.extensions import db
from proxy_service.documents import verification

FORM_MEDIA_TYPE = "multipart/form-data"
UNKNOWN_PART = _l("不允许的字段。")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
REQUEST_BODY = {"required": True, "content": {
    "application/json": {"schema": schemas.VerifyQuestion},
    FORM_MEDIA_TYPE: {"schema": {
        "type": "object", "additionalProperties": False, "required": ["file"],
        "properties": {"number": {"type": "string", "maxLength": 40},
                       "code": {"type": "string", "maxLength": 12},
                       "file": {"type": "string", "format": "binary",
                                "description": "协议 PDF 文件（The agreement's PDF）"}}}}}}


@bp.route("/verify", methods=["POST"])
@public
@bp.response(200, schemas.VerifyAnswer)
@bp.doc(requestBody=REQUEST_BODY)
def verify_agreement():
    """核验协议（Verify an agreement: number + code, or the PDF; no token needed）

    与 /verify 页面的回答相同；编号不存在与校验码错误的回答相同。"""
    number, code, upload = question()
    missing = verification.missing(number, code, upload is not None)
    if missing:
        refuse_fields({missing[0]: [str(missing[1])]})
    answer = verification.answer(number, code, upload)
    db.session.rollback()   # read only
    if answer.refused:
        refuse_fields({"file": [answer.refused]})
    return present.verify_answer(answer)


def question():
    """(number, code, the uploaded file or None) from a JSON or multipart body, strictly."""
    if request.mimetype not in (FORM_MEDIA_TYPE, "application/json"):
        abort(415)
    if request.mimetype == FORM_MEDIA_TYPE:
        unknown = set(request.files) - {"file"}
        data = load(schemas.VerifyForm(), request.form.to_dict(flat=True))
        if unknown or len(request.files.getlist("file")) > 1:
            refuse_fields({name: [str(UNKNOWN_PART)] for name in unknown or {"file"}})
        if "file" not in request.files:   # the contract: a form carries the file
            refuse_fields({"file": [str(fields.COMMON["required"])]})
        return data.get("number"), data.get("code"), request.files.get("file")
    data = load(schemas.VerifyQuestion(), request.get_json(silent=True))
    return data["number"], data["code"], None


def load(schema, data):
    if data is None:
        abort(400, messages={"json": {"_": ["unreadable"]}})   # problems.UNREADABLE_BODY
    try:
        return schema.load(data)
    except ValidationError as error:
        refuse_fields(error.messages)


def refuse_fields(errors):
    """422 with `errors` ({field: [messages]}), as a body the schema refuses."""
    abort(422, messages={"json": errors})
