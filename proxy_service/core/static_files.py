"""Static files under URLs that name their content.

Every URL the app builds for a static file carries `v`, the start of the SHA-256 of the file
as it was when the process started. A file asked for by its current `v` may be kept a year
(`Cache-Control: public, max-age=31536000, immutable`): a release that changes the file changes
its URL, so nobody keeps an old copy under the new name. Asked for without `v` (a link in a
stylesheet, a bookmark) or by another one, it is revalidated each time (`no-cache` and its
ETag), as every static file was before. Each page thus loads its stylesheets, scripts and
fonts from the browser's cache instead of asking for each of them again (six conditional
requests a page, a round trip each on a slow network).

A debug server (`flask --debug run`) is left out: there files change while it runs.
"""
import hashlib
import os

from flask import request, send_from_directory
from werkzeug.security import safe_join

KEPT_SECONDS = 365 * 24 * 60 * 60
DIGEST_CHARS = 12


def init_app(app):
    if app.debug:
        return
    digest = content_digests(app.static_folder)

    @app.url_defaults
    def name_the_content(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = digest(values.get("filename"))
            if version is not None:
                values["v"] = version

    def static(filename):
        current = digest(filename)
        kept = current is not None and request.args.get("v") == current
        response = send_from_directory(app.static_folder, filename,
                                       max_age=KEPT_SECONDS if kept else None)
        response.cache_control.immutable = kept or None
        return response
    app.view_functions["static"] = static


def content_digests(folder):
    """digest(filename): the version of a file under `folder`, read once per process; None
    for a name that is no file there (not remembered: the names asked for are anybody's)."""
    known = {}

    def digest(filename):
        if filename in known:
            return known[filename]
        path = safe_join(folder, filename) if filename else None
        if path is None or not os.path.isfile(path):
            return None
        with open(path, "rb") as file:
            known[filename] = hashlib.file_digest(file, "sha256").hexdigest()[:DIGEST_CHARS]
        return known[filename]
    return digest
