"""Document contents stored once per SHA-256 (document_blobs) and streamed in slices."""
import hashlib
import io
import os
import zipfile

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from proxy_service.core.extensions import db
from proxy_service.models import Document, DocumentBlob, IssuedNotice
from proxy_service.models.blobs import CHUNK_SIZE

from .conftest import _empty_tables
from .factories import PDF


def blob_count():
    """The blobs of uploaded documents (the case's issued notices are stored there too)."""
    return db.session.scalar(select(func.count()).select_from(DocumentBlob).where(
        DocumentBlob.sha256.notin_(select(IssuedNotice.sha256))))


def add_document(world, case, data, **fields):
    document = Document(case_id=case.id, uploaded_by_id=world.users["owner"].id, kind="material",
                        filename=fields.pop("filename", "材料.pdf"), content_type="application/pdf",
                        data=data, **fields)
    db.session.add(document)
    db.session.commit()
    return document


def test_the_same_scan_uploaded_twice_is_stored_once(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    for name in ("扫描件.pdf", "扫描件（再次）.pdf"):
        response = client.post(f"/cases/{case.id}/documents", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(PDF), name), "kind": "material"})
        assert response.status_code == 302
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert len(documents) == 2 and blob_count() == 1
    assert {d.sha256 for d in documents} == {hashlib.sha256(PDF).hexdigest()}
    for document in documents:
        assert client.get(f"/documents/{document.id}").data == PDF


def test_size_and_hash_come_from_the_bytes(world):
    case = world.case()
    document = add_document(world, case, PDF, sha256="0" * 64, size=5)
    db.session.expire_all()
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size == len(PDF)
    assert document.data == PDF and b"".join(document.chunks(7)) == PDF
    other = add_document(world, case, PDF + b"\n", filename="另一份.pdf")
    assert blob_count() == 2 and other.data == PDF + b"\n"


def test_a_20_mb_document_is_served_in_slices(client, world, login_as, count_queries):
    case = world.case()
    data = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024 - 9)
    document = add_document(world, case, data, filename="总平面图.pdf")
    login_as(world.users["owner"])
    with count_queries() as queries:
        response = client.get(f"/documents/{document.id}", buffered=False)
        assert response.headers["Content-Length"] == str(len(data))
        pieces = list(response.response)
        response.close()
    assert response.status_code == 200 and b"".join(pieces) == data
    assert len(pieces) == 20 and max(map(len, pieces)) == CHUNK_SIZE
    reads = [s for s in queries.statements if "document_blobs" in s]
    assert len(reads) == 20 and all("substr" in s.lower() for s in reads)


def test_the_dossier_holds_the_stored_bytes(client, world, login_as, confirm_identity):
    case = world.case()
    data = b"%PDF-1.7\n" + os.urandom(3 * CHUNK_SIZE + 5)
    document = add_document(world, case, data, filename="图纸.pdf")
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    response = client.get(f"/cases/{case.id}/dossier.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as dossier:
        name = next(n for n in dossier.namelist() if n.endswith(f"{document.id}-图纸.pdf"))
        assert dossier.read(name) == data
        manifest = dossier.read("清单.txt").decode()
    assert f"{document.sha256}  {len(data):>10}  {name}" in manifest


def test_the_migration_moves_bytes_into_blobs_and_back(app):
    """Rows written before the blobs table: one blob per distinct content, sha256 and size
    set from the bytes; the downgrade puts the bytes back in the rows."""
    _empty_tables()
    downgrade(revision="b2c0de800002")
    try:
        with db.engine.begin() as conn:
            for n, (content, sha) in enumerate([(PDF, "x"), (PDF, "y"), (b"%PDF-2", "z")], 1):
                conn.execute(text(
                    "INSERT INTO documents (id, kind, filename, content_type, size, sha256, data)"
                    " VALUES (:id, 'material', 'a.pdf', 'application/pdf', 1, :sha, :data)"),
                    {"id": n, "sha": sha, "data": content})
        upgrade()
        rows = db.session.execute(select(Document.id, Document.sha256, Document.size)
                                  .order_by(Document.id)).all()
        assert [(sha, size) for _, sha, size in rows] == [
            (hashlib.sha256(PDF).hexdigest(), len(PDF))] * 2 + [
            (hashlib.sha256(b"%PDF-2").hexdigest(), 6)]
        assert blob_count() == 2
        db.session.commit()
        downgrade(revision="b2c0de800002")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT data FROM documents ORDER BY id")).scalars().all() \
                == [PDF, PDF, b"%PDF-2"]
            conn.execute(text("DELETE FROM documents"))
            conn.commit()
    finally:
        upgrade()
