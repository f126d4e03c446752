"""Restore drill: a backup restored into a fresh database has the data, the documents, the
sealed agreements and intact audit chains (SQLite or PostgreSQL, whichever the suite runs on)."""
import hashlib
import io
import os
import sqlite3
from contextlib import contextmanager

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models import Agreement, AuditCheckpoint, AuditEvent, Case, Document
from proxy_service.workflow.documents import store_document

from .seal_helpers import simple_pdf

COUNTED = (Case, Document, Agreement, AuditEvent, AuditCheckpoint)


@contextmanager
def scratch_database(tmp_path):
    """The URL of a new, empty database, dropped afterwards."""
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_drill_{os.getpid()}"
    admin = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in COUNTED}


def _snapshot(app, world):
    case = world.case()
    pdf = simple_pdf("营业执照")
    store_document(FileStorage(io.BytesIO(pdf), filename="licence.pdf"), kind="material",
                   uploader=world.users["owner"], case=case)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    agreement = db.session.scalars(select(Agreement).where(Agreement.final_sha256 != "")).one()
    return _counts(), agreement.id, hashlib.sha256(pdf).hexdigest()


def test_restore_drill(app, world, tmp_path):
    counts, agreement_id, document_sha = _snapshot(app, world)
    backup = tmp_path / "proxy_service.backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    with scratch_database(tmp_path) as url:
        fresh = create_app(type("Fresh", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with fresh.app_context():
            try:
                result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
                assert result.exit_code == 0, result.output
                assert _counts() == counts
                documents = db.session.scalars(select(Document)).all()
                assert document_sha in {d.sha256 for d in documents}
                assert all(hashlib.sha256(d.data).hexdigest() == d.sha256 for d in documents)
                agreement = db.session.get(Agreement, agreement_id)
                assert hashlib.sha256(agreement.final_pdf).hexdigest() == agreement.final_sha256
                verify = fresh.test_cli_runner().invoke(args=["audit", "verify"])
                assert verify.exit_code == 0, verify.output
            finally:
                db.session.remove()
                db.engine.dispose()


def test_restore_of_a_missing_file_fails(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "none")])
    assert result.exit_code != 0
    assert "no backup" in result.output


def _not_a_database(tmp_path):
    """A file of text, an empty file, and a SQLite database of some other program."""
    text_file, empty, other = tmp_path / "notes.backup", tmp_path / "empty.backup", tmp_path / "other.db"
    text_file.write_bytes("这不是数据库备份\n".encode() * 200)
    empty.write_bytes(b"")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    conn.close()
    return [text_file, empty, other]


def test_restoring_a_file_that_is_not_a_backup_exits_2_and_changes_nothing(app, world, tmp_path):
    world.case()
    db.session.commit()
    before = _counts()
    for path in _not_a_database(tmp_path):
        result = app.test_cli_runner().invoke(args=["backup", "restore", str(path)])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
        assert "not a proxy_service backup" in result.output and str(path) in result.output
        assert _counts() == before
