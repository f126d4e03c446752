"""Every error of the API as application/problem+json (RFC 9457): type, title, status, detail,
and `errors` per field (the field or query parameter name → its messages), in the caller's
language (Accept-Language; Chinese by default, core/i18n.py).

Conflicts are answered as the pages answer them (409/422 there), in the API's terms: an illegal
move or an impossible date is 422 with the field it concerns; a lost race after the If-Match
check is 412, like a stale If-Match (every API write on a versioned object carries one).
"""
from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, default_exceptions

from proxy_service.api import bp
from proxy_service.api.base import PROBLEM_MEDIA_TYPE
from proxy_service.core.conflicts import StaleEdit, StepDateError, TransitionError, conflict_message
from proxy_service.core.extensions import db
from proxy_service.core.uploads import UploadError

TITLES = {
    400: _l("请求有误"), 401: _l("未认证"), 403: _l("权限不足"), 404: _l("对象不存在"),
    405: _l("不支持该请求方法"), 409: _l("与当前状态冲突"), 412: _l("对象已被修改"),
    413: _l("请求过大"), 415: _l("不支持的内容类型"), 422: _l("提交的内容有误"),
    428: _l("缺少 If-Match 请求头"), 429: _l("请求过于频繁"), 500: _l("系统错误"),
    503: _l("服务暂不可用"),
}
DETAILS = {
    401: _l("请在 Authorization 请求头中提供有效的访问令牌（Bearer）。"),
    403: _l("该令牌没有执行此操作所需的权限范围。"),
    404: _l("对象不存在，或您无权查看。"),
    412: _l("该对象已被修改：请重新读取后再提交。"),
    422: _l("请按 errors 中的说明修改后重新提交。"),
    428: _l("修改前请先读取对象，并在 If-Match 请求头中带上其 ETag。"),
    500: _l("服务器出现错误，请稍后再试。"),
}
UNREADABLE_BODY = _l("请求正文不是有效的 JSON。")


def problem(status, detail=None, errors=None, headers=None):
    """The problem response: `detail` defaults to the status's own."""
    body = {"type": "about:blank", "title": str(TITLES.get(status, _l("请求未完成"))),
            "status": status}
    if detail or status in DETAILS:
        body["detail"] = str(detail or DETAILS[status])
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code, response.mimetype = status, PROBLEM_MEDIA_TYPE
    response.headers.update(headers or {})
    return response


def refuse(status, detail):
    """Stop the view with the problem `status`, in its own words (`detail`)."""
    error = default_exceptions[status]()
    error.problem_detail = detail
    raise error


def field_errors(messages):
    """webargs' {"json"|"query": {field: [messages]}} as {field: [messages]}, nested fields
    as "steps.0.name", every message as text."""
    found = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            found.setdefault(prefix or "_", []).extend(
                str(message) for message in (value if isinstance(value, list) else [value]))
    for location in messages.values():
        walk("", location)
    return found


def http_error(error):
    db.session.rollback()
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if error.code == 400 and messages:   # webargs: a body that is no JSON
        return problem(400, UNREADABLE_BODY)
    errors = field_errors(messages) if messages else None
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if error.code == 401 else {}
    if error.code == 405 and not routed(error.valid_methods):
        return problem(404)
    if error.code == 405:
        headers["Allow"] = ", ".join(error.valid_methods or [])
    return problem(error.code, getattr(error, "problem_detail", None), errors, headers)


def routed(methods):
    """Whether the path names an object under one of `methods`. Werkzeug answers 405 for a path
    whose id is beyond any key (the id converter refuses it) when another method's rule shares
    the path: no object is there under any method, so it is 404, as for that method."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


def refused_move(error):
    db.session.rollback()
    errors = {error.field: [str(error)]} if isinstance(error, StepDateError) else None
    return problem(422, conflict_message(error), errors)


def stale(error):
    db.session.rollback()
    return problem(412)


def bad_input(error):
    db.session.rollback()
    return problem(400)


def server_error(error):
    db.session.rollback()
    return problem(500)


for code in default_exceptions:
    bp.register_error_handler(code, server_error if code == 500 else http_error)
bp.register_error_handler(HTTPException, http_error)
for refused in (TransitionError, StepDateError, UploadError):
    bp.register_error_handler(refused, refused_move)
for conflict in (StaleEdit, StaleDataError):
    bp.register_error_handler(conflict, stale)
for unreadable in (DataError, OverflowError):
    bp.register_error_handler(unreadable, bad_input)
