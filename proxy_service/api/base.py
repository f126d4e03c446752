"""flask-smorest made strict and quiet: the parser leaves `unknown` to each schema (RAISE,
schemas.StrictSchema) in the query string too, and the Api leaves the pages' error handlers
alone (the API's own answer problems, problems.py)."""
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from proxy_service.api.schemas import ProblemSchema

PROBLEM_MEDIA_TYPE = "application/problem+json"


class StrictParser(FlaskParser):
    """webargs excludes unknown query parameters by default; here the schema decides.
    `multipart`: a multipart/form-data body, its text and file parts in one schema (webargs'
    `form` and `files` each see half, and the contract could name only one of them)."""
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def __init__(self):
        super().__init__(unknown=None)

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app, *, post_parameters=(), **kwargs):
        """`post_parameters`: header parameters every POST operation takes (Idempotency-Key),
        added to the contract of each blueprint registered."""
        self.post_parameters = post_parameters
        super().__init__(app, **kwargs)

    def register_blueprint(self, blp, **options):
        super().register_blueprint(blp, **options)
        for operations in self.spec._paths.values():
            post = operations.get("post")
            if post is not None:
                parameters = post.setdefault("parameters", [])
                parameters.extend(dict(parameter) for parameter in self.post_parameters
                                  if parameter not in parameters)

    def _register_error_handlers(self):
        """None app-wide: the pages keep their HTML error pages; the API blueprint answers its
        own errors as problems (problems.py)."""

    def _register_responses(self):
        """The contract's error responses are problems (problems.py), in their media type."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MEDIA_TYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE   # the class's, for every other response
