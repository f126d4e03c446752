"""flask-smorest made strict and quiet: the parser leaves `unknown` to each schema (RAISE,
schemas.StrictSchema) in the query string too, and the Api leaves the pages' error handlers
alone (the API's own answer problems, problems.py).

The contract lists, for every operation, each error it can answer (ProblemResponses) and no
catch-all `default`: an answer the contract does not list is a bug the contract test
(tests/test_api_contract.py) reports."""
import re

from apispec import BasePlugin
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from proxy_service.api.schemas import ProblemSchema

PROBLEM_MEDIA_TYPE = "application/problem+json"
WRITES = {"post", "put", "patch", "delete"}
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese with English glosses
PROBLEMS = {
    400: "请求无法读取：正文不是有效的 JSON，或含 NUL 字符（The body is not valid JSON, or the "
         "request holds a NUL character）",
    401: "缺少有效的访问令牌（No live token in Authorization: Bearer）",
    403: "令牌缺少所需权限范围，或其用户无权执行此操作（The token lacks the scope, or its user "
         "may not do this）",
    404: "对象不存在，或不在调用者可见范围内（Not found, or out of the caller's reach）",
    409: "与对象当前状态冲突（Conflicts with the object's current state）",
    412: "对象已被修改：If-Match 不是当前版本（The object changed since it was read）",
    413: "请求正文过大（The body is too large）",
    415: "不支持的内容类型（Unsupported media type）",
    422: "字段或查询参数有误，见 errors（A field or query parameter is invalid: see errors）",
    428: "缺少 If-Match 请求头（If-Match with the ETag read is required）",
    429: "请求过于频繁，见 Retry-After（Too many requests: see Retry-After）",
}


def problem_response(status):
    return f"PROBLEM_{status}"


class ProblemResponses(BasePlugin):
    """Documents the problems each operation can answer, from what the operation declares:
    every one 400, 401 and 429 (unreadable input such as a NUL character, a token, rate limits),
    403 with a scope, 404 with an id in the path, 422 with parameters or a body, 413/415 with a
    file, 409 and 422 on writes (a move the object's state does not allow, such as a test
    event to a disabled webhook endpoint, is 422 with or without a body: problems.py),
    412 and 428 with If-Match. An operation may list more itself (flask-smorest's alt_response)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for status in self.statuses(path, method, operation):
                responses.pop(status, None)   # flask-smorest's English 422
                responses[str(status)] = problem_response(status)

    @staticmethod
    def statuses(path, method, operation):
        security = operation.get("security") or []
        parameters = operation.get("parameters") or []
        body = (operation.get("requestBody") or {}).get("content", {})
        found = {400, 401, 429}
        if any(scopes for requirement in security for scopes in requirement.values()):
            found.add(403)
        if "{" in path:
            found.add(404)
        if parameters or body:
            found.add(422)
        if any(media.startswith("multipart/") for media in body):
            found |= {413, 415}
        if method in WRITES:
            found |= {409, 422}
        if any(isinstance(p, dict) and p.get("name") == "If-Match" for p in parameters):
            found |= {412, 428}
        return sorted(found)


class StrictParser(FlaskParser):
    """webargs excludes unknown query parameters by default; here the schema decides.
    `multipart`: a multipart/form-data body, its text and file parts in one schema (webargs'
    `form` and `files` each see half, and the contract could name only one of them)."""
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def __init__(self):
        super().__init__(unknown=None)

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


# The reference's sections, in the order it shows them: (name, description, the rules they hold,
# matched on the rule below /api/v1). One blueprint serves the whole API, so the section of an
# operation comes from its path, not from the blueprint's name.
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese with English glosses
RESOURCE_TAGS = (
    ("案件", "案件列表（筛选、游标翻页）与详情（Cases: list, filters, keyset pages, detail）",
     r"/cases(/<[^>]+>)?"),
    ("事项", "审批事项的读取与更新，更新须带 If-Match（Steps: read, update with If-Match）",
     r"/cases/<[^>]+>/steps(/.*)?"),
    ("材料", "上传与下载材料（Documents: upload, streamed download）",
     r"/cases/<[^>]+>/documents(/.*)?"),
    ("留言", "案件留言与内部备注（Messages and staff notes）", r"/cases/<[^>]+>/messages(/.*)?"),
    ("办理记录", "案件的审计记录（A case's audit trail）", r"/cases/<[^>]+>/audit(/.*)?"),
    ("委托协议", "协议状态与 PDF（Agreements: state and PDF）",
     r"(/cases/<[^>]+>)?/agreements(/.*)?"),
    ("协议核验", "公开核验协议真伪（Public verification of an agreement）", r"/verify"),
    ("企业与项目", "企业资料与项目（The enterprise's profile and projects）",
     r"/(profile|projects)(/.*)?"),
    ("事项目录", "审批事项目录（The approval-item catalogue）", r"/catalogue(/.*)?"),
    ("统计", "中心的主要指标（The center's headline figures）", r"/reports(/.*)?"),
    ("事件推送", "Webhook 地址、密钥与推送记录（Webhook endpoints, secrets, deliveries）",
     r"/webhooks(/.*)?"),
)


def resource_tag(rule):
    """The reference section of a route's rule (relative to the blueprint's prefix)."""
    for name, _description, pattern in RESOURCE_TAGS:
        if re.fullmatch(pattern, rule):
            return name
    raise LookupError(f"no reference section for {rule}: add it to RESOURCE_TAGS")


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Every operation in the reference section of its path (RESOURCE_TAGS)."""
        return super().route(rule, parameters=parameters, tags=tags or [resource_tag(rule)],
                             **options)


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None   # no catch-all: each operation lists its problems

    def __init__(self, app=None, *, post_parameters=(), **kwargs):
        """`post_parameters`: header parameters every POST operation takes (Idempotency-Key),
        added to the contract of each blueprint registered."""
        self.post_parameters = post_parameters
        super().__init__(app, spec_kwargs={"extra_plugins": [ProblemResponses()]}, **kwargs)

    def register_blueprint(self, blp, **options):
        super().register_blueprint(blp, **options)
        self._list_sections(blp.name)
        for operations in self.spec._paths.values():
            post = operations.get("post")
            if post is not None:
                parameters = post.setdefault("parameters", [])
                parameters.extend(dict(parameter) for parameter in self.post_parameters
                                  if parameter not in parameters)

    def _list_sections(self, blueprint_tag):
        """The contract's tags are the reference's sections (RESOURCE_TAGS), in their order,
        in place of the one tag flask-smorest names after the blueprint (apispec keeps its
        tags in a list it only appends to: rebuilt here)."""
        used = {tag for operations in self.spec._paths.values()
                for operation in operations.values() if isinstance(operation, dict)
                for tag in operation.get("tags", ())}
        self.spec._tags[:] = [tag for tag in self.spec._tags if tag["name"] != blueprint_tag]
        for name, description, _pattern in RESOURCE_TAGS:
            if name in used and all(tag["name"] != name for tag in self.spec._tags):
                self.spec.tag({"name": name, "description": description})

    def _register_error_handlers(self):
        """None app-wide: the pages keep their HTML error pages; the API blueprint answers its
        own errors as problems (problems.py)."""

    def _register_responses(self):
        """The contract's error responses are problems (problems.py), in their media type."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MEDIA_TYPE
        try:
            super()._register_responses()
            for status, description in PROBLEMS.items():
                response = {"description": description, "schema": self.ERROR_SCHEMA}
                prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
                self.spec.components.response(problem_response(status), response, lazy=True)
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE   # the class's, for every other response
