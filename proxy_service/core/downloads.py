"""Stored files sent back as attachments, the same way from the pages and the API: streamed,
under a name whose extension matches the type (uploads.name_for_type), never sniffed."""
import unicodedata
from urllib.parse import quote

from flask import Response, stream_with_context

from proxy_service.core.uploads import name_for_type


def attachment(chunks, *, filename, content_type, size):
    """The response streaming `chunks` (an iterator of bytes, read while the response is
    sent: a 20 MB file never sits in memory whole) as a download named `filename`."""
    response = Response(stream_with_context(chunks), mimetype=content_type,
                        direct_passthrough=True)
    response.content_length = size
    # Files stored before names followed their type get the right extension on the way out.
    name = name_for_type(filename, content_type)
    response.headers.set("Content-Disposition", "attachment", **disposition_names(name))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def disposition_names(filename):
    """filename (ASCII fallback) and filename*=UTF-8''… (RFC 5987), as send_file writes them."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"}
    return {"filename": filename}
