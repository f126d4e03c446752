"""The case's dossier (案卷) for archiving: one ZIP with every uploaded document, the agreements
(sealed finals, unsigned originals, paper scans), the notices as issued (every revision), the
audit trail as a PDF and a manifest with each file's SHA-256.

Memory: the ZIP is written to a spooled temporary file (in memory up to SPOOL_BYTES, then on
disk) and uploaded files are read from the database in 1 MiB slices, so neither a dossier
of many uploads nor one 20 MB upload ever sits in memory whole.
"""
import hashlib
import tempfile
import zipfile

from sqlalchemy import select

from proxy_service.core.clock import BEIJING
from proxy_service.core.extensions import db
from proxy_service.core.i18n import record_language
from proxy_service.core.uploads import EXTENSIONS, name_for_type
from proxy_service.documents.audit_trail import audit_trail_pdf, case_events
from proxy_service.models import Agreement, Document
from proxy_service.models.blobs import blob_chunks
from proxy_service.workflow import notices as issued_notices

SPOOL_BYTES = 32 * 1024 * 1024


class _Writer:
    """A ZipFile that stamps every entry with the export time and notes it in the manifest."""

    def __init__(self, target, generated_at):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.stamp = generated_at.astimezone(BEIJING).timetuple()[:6]
        self.manifest, self.names = [], set()

    def add(self, name, data):
        name = self._unique(name)
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.manifest.append(f"{hashlib.sha256(data).hexdigest()}  {len(data):>10}  {name}")

    def add_chunks(self, name, chunks):
        """An entry written slice by slice (a stored document): never whole in memory."""
        name = self._unique(name)
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=True) as entry:
            for chunk in chunks:
                entry.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.manifest.append(f"{digest.hexdigest()}  {size:>10}  {name}")

    def _unique(self, name):
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate in self.names:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        self.names.add(candidate)
        return candidate

    def close(self, header):
        body = "\n".join([header, "", "SHA-256  字节数  文件", *self.manifest, ""])
        self.add("清单.txt", body.encode("utf-8"))
        self.zip.close()


def dossier_name(case):
    return f"{case.number}-案卷.zip"


@record_language()
def build_dossier(case, generated_at):
    """The dossier as a file object positioned at its start (the caller closes it)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 — the caller closes it
    writer = _Writer(spool, generated_at)
    _documents(case, writer)
    _agreements(case, writer)
    for entry in issued_notices.listed(case):
        writer.add_chunks(f"通知书/{entry.filename}", entry.notice.chunks())
    writer.add("操作日志.pdf", audit_trail_pdf(case, case_events(case), generated_at))
    writer.close(f"案卷 {case.number}　{case.enterprise.name}　{case.project.name}\n"
                 f"导出时间（北京时间）：{generated_at.astimezone(BEIJING):%Y-%m-%d %H:%M}")
    spool.seek(0)
    return spool


def _documents(case, writer):
    rows = db.session.execute(select(Document.id, Document.kind, Document.filename,
                                     Document.content_type, Document.sha256, Document.size)
                              .where(Document.case_id == case.id).order_by(Document.id)).all()
    for document_id, kind, filename, content_type, sha, size in rows:
        label = Document.KIND_LABELS.get(kind, kind)
        name = name_for_type(filename, content_type)   # as the download names it
        writer.add_chunks(f"材料/{label}/{document_id}-{name}",
                          blob_chunks(db.session, sha, size))


def _agreements(case, writer):
    agreements = db.session.scalars(select(Agreement).where(Agreement.case_id == case.id)
                                    .order_by(Agreement.id)).all()
    for agreement in agreements:
        folder = f"协议/{agreement.number}"
        original = _column(Agreement.unsigned_pdf, agreement.id)
        if original:
            writer.add(f"{folder}/{agreement.number}-原件-第{agreement.revision}版.pdf", original)
        if agreement.final_sha256:
            writer.add(f"{folder}/{agreement.number}-签署盖章版.pdf",
                       _column(Agreement.final_pdf, agreement.id))
        if agreement.paper_scan_id:
            scan = db.session.get(Document, agreement.paper_scan_id)
            ext = EXTENSIONS.get(scan.content_type, (".bin",))[0]
            writer.add_chunks(f"{folder}/{agreement.number}-纸质签署扫描件{ext}", scan.chunks())


def _column(column, row_id, model=Agreement):
    """One large column of one row, read without keeping it in the session."""
    return db.session.scalar(select(column).where(model.id == row_id)) or b""
