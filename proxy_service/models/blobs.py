"""File contents, stored once per distinct content (content-addressed by SHA-256).

A Document row holds the metadata and the SHA-256 of its bytes; the bytes live here, one row
per distinct content: a scan uploaded twice, or the same permit attached to several steps,
is stored once. Readers never need the whole file at once: `blob_chunks` reads slices with
SQL substr(), so a 20 MB download holds one slice in memory at a time.
"""
import hashlib

from sqlalchemy import LargeBinary, String, event, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow

CHUNK_SIZE = 1024 * 1024


class DocumentBlob(db.Model):
    __tablename__ = "document_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at = mapped_column(UTCDateTime, default=utcnow)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def store_blob(session, data):
    """Make sure a blob holding `data` exists (inserted in the session's transaction).
    Returns its SHA-256. Two writers storing the same bytes at once both succeed."""
    sha = digest(data)
    table = DocumentBlob.__table__
    if session.scalar(select(table.c.sha256).where(table.c.sha256 == sha)) is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(table).values(sha256=sha, size=len(data), data=data,
                                             created_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["sha256"]))
    return sha


def read_blob(session, sha):
    """The whole content (b"" when missing). For small files; downloads use blob_chunks."""
    return session.scalar(select(DocumentBlob.data).where(DocumentBlob.sha256 == sha)) or b""


def blob_chunks(session, sha, size, chunk_size=CHUNK_SIZE):
    """The content of blob `sha` (`size` bytes) in slices of at most `chunk_size` bytes, one
    query per slice: neither the application nor the driver ever holds the whole file."""
    for start in range(0, size, chunk_size):
        piece = type_coerce(func.substr(DocumentBlob.data, start + 1, chunk_size), LargeBinary)
        chunk = session.scalar(select(piece).where(DocumentBlob.sha256 == sha))
        if not chunk:
            return
        yield bytes(chunk)


class BlobContent:
    """Mixin for a model with a `sha256` column naming its DocumentBlob: `obj.data` reads or
    sets the bytes (setting also sets `size` and `sha256`), `obj.chunks()` streams them."""

    def _get_data(self):
        pending = self.__dict__.get("_pending_data")
        if pending is not None:
            return pending
        return read_blob(db.session, self.sha256) if self.sha256 else b""

    def _set_data(self, value):
        value = bytes(value or b"")
        self.__dict__["_pending_data"] = value
        self.size, self.sha256 = len(value), digest(value)

    data = property(_get_data, _set_data)

    def chunks(self, chunk_size=CHUNK_SIZE):
        """A generator of the content's slices; reads nothing until iterated."""
        pending = self.__dict__.get("_pending_data")
        if pending is not None:
            return iter([pending[i:i + chunk_size] for i in range(0, len(pending), chunk_size)])
        return blob_chunks(db.session, self.sha256, self.size, chunk_size)


@event.listens_for(Session, "before_flush")
def _store_pending_blobs(session, _context, _instances):
    """New bytes set through `.data` reach document_blobs before the rows that name them."""
    for obj in list(session.new) + list(session.dirty):
        pending = obj.__dict__.get("_pending_data") if isinstance(obj, BlobContent) else None
        if pending is None:
            continue
        # The hash of the bytes, whatever a caller put in sha256/size (rows must match blobs).
        obj.sha256, obj.size = store_blob(session, pending), len(pending)
        del obj.__dict__["_pending_data"]
