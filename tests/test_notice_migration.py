"""Migration i9c0de500009 on a database with cases: it stores each kind of notice once, can
run again after a failed backfill, and its downgrade keeps the bytes a document shares
(review 2, B3, T4; the refusal to drop issued notices: test_migrations_with_data.py)."""
import io

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text as text_sql
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import Document, IssuedNotice, NoticeKind, NoticeOrigin
from proxy_service.workflow import notice_history
from proxy_service.workflow.documents import store_document

from .factories import make_case, make_project
from .test_migrations_with_data import revision
from .test_notice_history import _a_case_with_history
from .test_notices import complete

NOTICES = "i9c0de500009"
DROP_ISSUED = ["drop_issued_notices=1"]


def _before_notices(app):
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(NOTICES).down_revision


def _stored():
    """{case id: [(kind, origin)]} of the stored notices."""
    found = {}
    for n in db.session.query(IssuedNotice).order_by(IssuedNotice.case_id, IssuedNotice.id):
        found.setdefault(n.case_id, []).append((n.kind, n.origin))
    return found


def _another_case(world, name):
    """A case on another project of the first enterprise (one open case per project)."""
    project = make_project(world.enterprises[0], world.centers[0], name)
    return make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                     agent=world.users["agent"])


def _blobs():
    return db.session.execute(
        text_sql("SELECT sha256 FROM document_blobs ORDER BY 1")).scalars().all()


def test_the_migration_stores_each_kind_of_notice_of_existing_cases(app, world, frozen_clock):
    suspended = _a_case_with_history(world, frozen_clock)      # 告知单, 中止, 变更
    frozen_clock(2026, 12, 9)
    completed, withdrawn, ended = (_another_case(world, name) for name in (
        "动力电池梯次利用项目", "光伏组件回收项目", "氢能装备制造项目"))
    complete(world, completed)
    workflow.withdraw_case(withdrawn, world.users["owner"], "投资计划调整。")
    workflow.terminate_case(ended, world.users["manager"], "项目取消。")
    # An enterprise uploads the 告知单 it was given: the document shares the notice's blob.
    given = db.session.query(IssuedNotice).filter_by(case_id=completed.id,
                                                     kind=NoticeKind.MATERIALS).one()
    store_document(FileStorage(io.BytesIO(given.data), filename="告知单.pdf"), kind="other",
                   uploader=world.users["owner"], case=completed)
    shared = given.sha256
    db.session.commit()
    suspended, completed, withdrawn, ended = (
        c.id for c in (suspended, completed, withdrawn, ended))
    db.session.close()
    downgrade(revision=_before_notices(app), x_arg=DROP_ISSUED)
    assert _blobs() == [shared]                 # the document's bytes stay, the others went
    db.session.close()
    upgrade()
    history = NoticeOrigin.HISTORY
    assert _stored() == {
        suspended: [(NoticeKind.MATERIALS, history), (NoticeKind.SUSPEND, history),
                    (NoticeKind.CHANGE, history)],
        completed: [(NoticeKind.MATERIALS, history), (NoticeKind.COMPLETION, history)],
        withdrawn: [(NoticeKind.MATERIALS, history), (NoticeKind.TERMINATE, history)],
        ended: [(NoticeKind.MATERIALS, history), (NoticeKind.TERMINATE, history)]}
    assert all(n.data[:5] == b"%PDF-" for n in db.session.query(IssuedNotice))
    assert db.session.query(Document).one().data[:5] == b"%PDF-"


def test_a_failed_backfill_stores_nothing_and_the_upgrade_runs_again(app, world, frozen_clock,
                                                                    monkeypatch):
    _a_case_with_history(world, frozen_clock)
    broken = _another_case(world, "动力电池梯次利用项目")
    db.session.commit()
    broken_id = broken.id
    db.session.close()
    before = _before_notices(app)
    downgrade(revision=before, x_arg=DROP_ISSUED)
    notices = notice_history.CaseHistory.notices

    def unreadable(history):
        if history.case.id == broken_id:
            raise ValueError("'paused' is not a valid StepStatus")
        return notices(history)
    monkeypatch.setattr(notice_history.CaseHistory, "notices", unreadable)
    config = app.extensions["migrate"].migrate.get_config()
    with pytest.raises(notice_history.BackfillError, match=r"case JZKFQ-2026-00002 \(id \d+\)"):
        command.upgrade(config, "head")    # `flask db upgrade` prints the message and exits
    assert revision() == before
    monkeypatch.setattr(notice_history.CaseHistory, "notices", notices)
    db.session.close()
    upgrade()                            # on SQLite the table of the failed run is there
    assert sorted(len(kinds) for kinds in _stored().values()) == [1, 3]
