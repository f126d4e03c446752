"""Uploaded files: type checked by content (PDFs also for active content, pdf_safety.py),
stored in the database with size and SHA-256 under a name whose extension matches the type."""
import hashlib
import io
import re
import zipfile

from flask import current_app
from flask_babel import lazy_gettext as _l

from proxy_service.core import pdf_safety
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Document

# What the content must start with, whatever the file is called.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd"
# The extensions a name may keep for each type; the first is the one given to it otherwise.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/ofd": (".ofd",),
}
# What reads as a file extension to replace (".html", ".exe"); ".2024" stays part of the name.
_EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")


class UploadError(Exception):
    """A file that is refused: too large, empty, or of a type we do not accept."""


def sniff_type(data: bytes) -> str | None:
    """The content type of `data` judged by its bytes, or None when not accepted."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    if data.startswith(b"PK\x03\x04") and _is_ofd(data):
        return "application/ofd"
    return None


def _is_ofd(data):
    # An OFD is a ZIP package whose root holds OFD.xml — not just any ZIP.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "OFD.xml" in package.namelist()
    except zipfile.BadZipFile:
        return False


def store_document(upload, *, kind, uploader, case=None, step=None, enterprise=None):
    """Check `upload` (a werkzeug FileStorage) and add it as a Document. Raises UploadError."""
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    data = upload.read(limit + 1)
    if not data:
        raise UploadError(_l("文件为空。"))
    if len(data) > limit:
        raise UploadError(_l("文件超过 %(mb)s MB 上限。", mb=current_app.config["MAX_UPLOAD_MB"]))
    content_type = sniff_type(data)
    if content_type is None:
        raise UploadError(_l("只接受 PDF、JPG、PNG 或 OFD 文件（按文件内容判断）。"))
    if content_type == "application/pdf" and (reason := pdf_safety.refusal(data)):
        raise UploadError(reason)
    name = name_for_type(_safe_name(upload.filename), content_type)
    document = Document(case=case, step=step, enterprise_id=getattr(enterprise, "id", None),
                        uploaded_by_id=getattr(uploader, "id", None), kind=kind,
                        filename=name, content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    db.session.add(document)
    db.session.flush()
    if case is not None:
        db.session.add(AuditEvent.record(uploader, case, "upload", comment=document.filename))
    return document


def _safe_name(filename):
    name = (filename or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200] or "file"


def name_for_type(filename, content_type):
    """`filename` with the extension of `content_type`: a JPEG uploaded as "poly.html" is kept
    and downloaded as "poly.jpg", so that no program opens it as a web page."""
    allowed = EXTENSIONS.get(content_type)
    if not allowed or filename.lower().endswith(allowed):
        return filename
    stem = _EXTENSION.sub("", filename) or "file"
    return stem[:200 - len(allowed[0])] + allowed[0]
