"""Uploaded files: type checked by content, stored in the database with size and SHA-256."""
import hashlib
import io
import zipfile

from flask import current_app
from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import AuditEvent, Document

# What the content must start with, whatever the file is called.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd"


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
    document = Document(case=case, step=step, enterprise_id=getattr(enterprise, "id", None),
                        uploaded_by_id=getattr(uploader, "id", None), kind=kind,
                        filename=_safe_name(upload.filename), content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    db.session.add(document)
    db.session.flush()
    if case is not None:
        db.session.add(AuditEvent.record(uploader, case, "upload", comment=document.filename))
    return document


def _safe_name(filename):
    name = (filename or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:200] or "file"
