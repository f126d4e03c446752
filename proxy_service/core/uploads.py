"""Uploaded files: type checked by content (PDFs also for active content, pdf_safety.py) and
named with an extension that matches the type. Storing one is workflow/documents.py's."""
import io
import re
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from proxy_service.core import pdf_safety

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


class UploadTooLarge(UploadError):
    """A file larger than MAX_UPLOAD_MB (the API answers it 413, the page as any refusal)."""


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


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: its bytes, their type, and a name whose extension matches it."""
    filename: str
    content_type: str
    data: bytes


def read_within_limit(upload, refusal=UploadError, too_large=None):
    """The bytes of `upload` (a werkzeug FileStorage), read no further than MAX_UPLOAD_MB.
    Raises `refusal` (an exception class) when it is empty, `too_large` (`refusal` unless
    given) when it is larger."""
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    data = upload.read(limit + 1)
    if not data:
        raise refusal(_l("文件为空。"))
    if len(data) > limit:
        raise (too_large or refusal)(_l("文件超过 %(mb)s MB 上限。", mb=current_app.config["MAX_UPLOAD_MB"]))
    return data


def check_upload(upload):
    """Read `upload` (a werkzeug FileStorage) and judge it. Returns a CheckedFile; raises
    UploadError when it is empty, too large, of a type we do not accept or an active PDF."""
    data = read_within_limit(upload, too_large=UploadTooLarge)
    content_type = sniff_type(data)
    if content_type is None:
        raise UploadError(_l("只接受 PDF、JPG、PNG 或 OFD 文件（按文件内容判断）。"))
    if content_type == "application/pdf" and (reason := pdf_safety.refusal(data)):
        raise UploadError(reason)
    return CheckedFile(name_for_type(_safe_name(upload.filename), content_type), content_type, data)


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
