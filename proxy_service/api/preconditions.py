"""Conditional writes: a write through the API names, in If-Match, the ETag of what it was
decided on. Without one it is 428 (never judged); when the object changed since, 412.
No lost update through the API, whatever the object's ETag is made of."""
import re

from flask import abort, request

# One or more entity tags, never "*" (428: a write names the version it was decided on).
ETAG_LIST_PATTERN = r'^\s*(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*\s*$'


def etag_header(description):
    """The ETag response header, for the contract."""
    return {"ETag": {"description": description, "schema": {"type": "string"}}}


def if_match_parameter(description):
    """The required If-Match request header, for the contract."""
    return {"in": "header", "name": "If-Match", "required": True,
            "schema": {"type": "string", "pattern": ETAG_LIST_PATTERN},
            "description": description}


def require_match(current):
    """Abort unless If-Match names `current` (an entity tag's value, without quotes): 428
    without an entity tag (or with "*", which the pattern refuses), 412 when it is stale."""
    if not re.match(ETAG_LIST_PATTERN, request.headers.get("If-Match", "")):
        abort(428)
    if not request.if_match.contains(current):
        abort(412)
