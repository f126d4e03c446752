"""Files kept on a case, a step or an enterprise: an upload, once core.uploads accepted it,
becomes a Document row (its bytes stored once per content, models/blobs.py), audited on its
case. Flushes; the caller commits."""
import hashlib

from proxy_service.core.extensions import db
from proxy_service.core.uploads import check_upload
from proxy_service.models import Document
from proxy_service.workflow.moves import _audit_event


def store_document(upload, *, kind, uploader, case=None, step=None, enterprise=None, via=""):
    """Check `upload` (a werkzeug FileStorage) and add it as a Document of `case` (and `step`)
    or of `enterprise`, uploaded by `uploader`. Raises core.uploads.UploadError (UploadTooLarge
    when it is over the size limit). `via` opens the audit comment (an API token's name)."""
    checked = check_upload(upload)
    document = Document(case=case, step=step, enterprise_id=getattr(enterprise, "id", None),
                        uploaded_by_id=getattr(uploader, "id", None), kind=kind,
                        filename=checked.filename, content_type=checked.content_type,
                        size=len(checked.data), sha256=hashlib.sha256(checked.data).hexdigest(),
                        data=checked.data)
    db.session.add(document)
    db.session.flush()
    if case is not None:
        _audit_event(uploader, case, "upload", comment=via + document.filename)
    return document
