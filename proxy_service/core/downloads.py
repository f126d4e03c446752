"""Stored files sent back as attachments, the same way from the pages and the API: streamed,
under a name whose extension matches the type (uploads.name_for_type), never sniffed.

A stored file (a document, an issued PDF) is named by its SHA-256, which is its ETag: a client
that sends it back in If-None-Match gets 304 Not Modified and no bytes. Such a response says
`Cache-Control: private, no-cache` — the browser may keep its copy but asks again before each
use, so the access check runs every time (the caller checks access before calling
not_modified). Pages and everything else keep `no-store`.
"""
import unicodedata
from urllib.parse import quote

from flask import Response, request, stream_with_context

from proxy_service.core.uploads import name_for_type

# The Cache-Control of a file served with its ETag (the app's no-store hooks leave it alone).
REVALIDATE = "private, no-cache"


def not_modified(sha256):
    """The 304 answer when the request's If-None-Match already names the content `sha256`
    (or is "*"), else None. Call it after the access check: a 304 tells that the file exists."""
    if sha256 and request.if_none_match.contains_weak(sha256):
        response = Response(status=304)
        del response.headers["Content-Type"]   # no body, so nothing to describe
        return revalidated(response, sha256)
    return None


def revalidated(response, sha256):
    """`response`, the stored content `sha256`, with its ETag and REVALIDATE (no ETag for a
    content that has no hash yet: it stays no-store)."""
    if sha256:
        response.set_etag(sha256)
        response.headers["Cache-Control"] = REVALIDATE
    return response


def attachment(chunks, *, filename, content_type, size, sha256=None):
    """The response streaming `chunks` (an iterator of bytes, read while the response is
    sent: a 20 MB file never sits in memory whole) as a download named `filename`; with the
    content's `sha256`, 304 when the client has it already (`chunks` is then never read)."""
    if (unchanged := not_modified(sha256)) is not None:
        return unchanged
    response = Response(stream_with_context(chunks), mimetype=content_type,
                        direct_passthrough=True)
    response.content_length = size
    # Files stored before names followed their type get the right extension on the way out.
    name = name_for_type(filename, content_type)
    response.headers.set("Content-Disposition", "attachment", **disposition_names(name))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return revalidated(response, sha256)


def disposition_names(filename):
    """filename (ASCII fallback) and filename*=UTF-8''… (RFC 5987), as send_file writes them."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"}
    return {"filename": filename}
