"""`Idempotency-Key` on every POST under /api/v1 (identity/idempotency.py keeps the keys): a
POST that carries one is answered once; a retry with the same key and the same request gets
that answer again (`Idempotency-Replayed: true`) for 24 hours, with another request 422, while
the first still runs 409 — the status codes of the IETF httpapi draft. A key that is no valid
key (empty, over 255 characters, not printable ASCII) is 400. Without the header a POST runs
as it is. Server errors are not kept: a retry runs again.

The hooks run after the token is checked (guard.py registers first), so a key is always the
token's own; a request without a token (a public POST) keeps no key, but a key that is no
valid key is 400 there too (the contract states its form for every POST). The contract gets the
header on every POST operation (base.ProblemApi's `post_parameters`)."""
import hashlib
import json

from flask import request
from flask_babel import lazy_gettext as _l

from proxy_service.api import bp
from proxy_service.api.guard import calling_token
from proxy_service.api.problems import problem
from proxy_service.identity import idempotency

HEADER = "Idempotency-Key"
RECORD = "proxy_service.idempotency_record_id"
BAD_KEY = _l("Idempotency-Key 须为 1 至 255 个可打印的 ASCII 字符。")
MISMATCH = _l("该 Idempotency-Key 已用于另一个请求：请为新的请求使用新的键。")
RUNNING = _l("使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
PARAMETER = {"in": "header", "name": HEADER, "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.LONGEST_KEY,
                        "pattern": "^[ -~]+$"},   # printable ASCII
             "description": "幂等键（Idempotency key）：同一令牌下，24 小时内以同一键重试同一请求，"
                            "返回首次的应答（带 Idempotency-Replayed: true）；"
                            "同一键用于不同请求答 422，首次请求尚未完成答 409。"}


@bp.before_request
def answer_once():
    value = request.headers.get(HEADER)
    if request.method != "POST" or value is None:
        return None
    key = idempotency.key_from_header(value)
    if key is None:
        return problem(400, BAD_KEY)
    if calling_token() is None:
        return None
    outcome, record = idempotency.claim(calling_token(), key, idempotency.fingerprint(
        request.method, request.full_path.rstrip("?"), _body()))
    if outcome == idempotency.NEW:
        request.environ[RECORD] = record.id
        return None
    if outcome == idempotency.REPLAY:
        return idempotency.replayed(record)
    return problem(422, MISMATCH) if outcome == idempotency.MISMATCH else problem(409, RUNNING)


FORMS = {"multipart/form-data", "application/x-www-form-urlencoded"}


def _body():
    """What makes two requests the same request. A form by its fields and files, not its bytes:
    a client sending an upload again encodes it with a new multipart boundary, and the form is
    parsed before these hooks run (its raw body is gone by then)."""
    if request.mimetype not in FORMS:
        return request.get_data()
    files = []
    for name, upload in request.files.items(multi=True):
        files.append([name, upload.filename, upload.mimetype,
                      hashlib.sha256(upload.stream.read()).hexdigest()])
        upload.stream.seek(0)   # the view reads the file from its start
    # Sorted by their text: a part may come without a name or a value (None), never a reason
    # to fail here.
    fields = sorted(request.form.items(multi=True), key=str)
    return json.dumps([fields, sorted(files, key=str)], ensure_ascii=False, default=str).encode()


def _claimed():
    """The key this request claimed (None for none): popped, so it is settled once."""
    return request.environ.pop(RECORD, None)


@bp.after_request
def keep_answer(response):
    record_id = _claimed()
    if record_id is not None:
        if response.status_code >= 500 or response.is_streamed:
            idempotency.release(record_id)
        else:
            idempotency.keep(record_id, response)
    return response


@bp.teardown_request
def release_on_error(error):
    """An exception no handler answered: the claim is given up, a retry runs again."""
    record_id = _claimed()
    if record_id is not None:
        idempotency.release(record_id)

