"""Whatever conflict escapes a view reaches one app-level handler (proxy_service/__init__.py):
409 for a conflict with the record as it stands (an illegal move, a stale edit, a row saved by
someone else meanwhile), 422 for input refused (a file, an impossible date) — with the
transaction rolled back and the error page in the user's language, never a 500.

The views below are the test's own: each changes the user's name, flushes, then fails."""
import io

import pytest
from flask import get_flashed_messages, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.conflicts import StaleEdit, StepDateError, attempt, committing
from proxy_service.core.extensions import db
from proxy_service.core.translation_files import load
from proxy_service.core.uploads import UploadError, check_upload
from proxy_service.models import ApprovalItem, User
from proxy_service.workflow.assignment import AssignmentError

from .factories import PASSWORD

RENAMED = "改过的名字"


def _illegal_move():
    raise AssignmentError(_l("批量改派须填写原因。"))   # a TransitionError, as verbs raise them


def _stale_edit():
    raise StaleEdit(None)


def _saved_meanwhile():
    """A real StaleDataError: another save moved the item's version after it was loaded, so
    this flush updates no row — and leaves the session needing a rollback."""
    item = db.session.scalar(select(ApprovalItem).limit(1))
    table = ApprovalItem.__table__
    db.session.execute(update(table).where(table.c.id == item.id)
                       .values(version=table.c.version + 1))
    item.name = "另一个名称"
    db.session.flush()


def _refused_file():
    check_upload(FileStorage(io.BytesIO(b""), filename="空.pdf"))


def _impossible_date():
    raise StepDateError("approved_on", _l("不能晚于今天（%(day)s）。", day="2024-05-06"))


FAILURES = {"illegal_move": _illegal_move, "stale_edit": _stale_edit,
            "saved_meanwhile": _saved_meanwhile, "refused_file": _refused_file,
            "impossible_date": _impossible_date}


@pytest.fixture(scope="module")
def conflict_app():
    app = create_app(TestingConfig)

    @app.post("/fails/<kind>")
    def fails(kind):
        user = db.session.get(User, int(request.form["user_id"]))
        user.name = RENAMED
        db.session.flush()
        FAILURES[kind]()

    @app.after_request
    def commit_what_is_left(response):
        # Something after the view committing (a hook, a helper) must find nothing of the
        # refused request in the session.
        db.session.commit()
        return response
    return app


@pytest.fixture(scope="module")
def english():
    """The English catalogue's text for a Chinese message (the message itself when absent)."""
    catalogue = {message.id: message.string for message in load("en")}
    return lambda text, **values: catalogue.get(text, text) % values if values else \
        catalogue.get(text, text)


PAGES = [("illegal_move", 409, "操作未能执行", "批量改派须填写原因。"),
         ("stale_edit", 409, "操作未能执行", "该记录在您编辑期间已被他人修改，未保存。"),
         ("saved_meanwhile", 409, "操作未能执行", "该记录在您编辑期间已被他人修改，未保存。"),
         ("refused_file", 422, "文件未被接受", "文件为空。"),
         ("impossible_date", 422, "提交的内容有误", "不能晚于今天（%(day)s）。")]


@pytest.mark.parametrize("kind, code, title, message", PAGES, ids=[row[0] for row in PAGES])
def test_an_escaped_conflict_gets_a_clear_page_and_keeps_nothing(conflict_app, world, english,
                                                                 kind, code, title, message):
    owner = world.users["owner"]
    owner.locale = "en"
    db.session.commit()
    client = conflict_app.test_client()
    assert client.post("/login", data={"username": owner.username,
                                       "password": PASSWORD}).status_code == 302

    response = client.post(f"/fails/{kind}", data={"user_id": owner.id})

    assert response.status_code == code
    page = response.get_data(as_text=True)
    values = {"day": "2024-05-06"} if "%(day)s" in message else {}
    assert english(title) != title and english(message) != message   # English, not Chinese
    assert english(title) in page and english(message, **values) in page
    assert "李四" in page   # the page's header still reads the user: the session was rolled back
    db.session.expire_all()
    assert db.session.get(User, owner.id).name == "李四"


def test_the_handler_answers_in_chinese_by_default(conflict_app, world):
    owner = world.users["owner"]
    client = conflict_app.test_client()
    client.post("/login", data={"username": owner.username, "password": PASSWORD})

    response = client.post("/fails/stale_edit", data={"user_id": owner.id})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "操作未能执行" in page and "该记录在您编辑期间已被他人修改，未保存。" in page


def _rename_then(failure, user):
    user.name = RENAMED
    db.session.flush()
    failure()


def test_the_commit_helper_hands_back_a_refused_upload_for_the_form(app, world):
    """committing(also=...) rolls back an error that is not a conflict and hands it to the
    view unflashed (it goes on a form field); a conflict is still flashed as a warning."""
    owner = world.users["owner"]
    db.session.commit()
    with app.test_request_context("/"):
        with committing(also=(UploadError,)) as outcome:
            _rename_then(_refused_file, owner)
        assert isinstance(outcome.refused, UploadError) and outcome.conflict is None
        assert get_flashed_messages() == []
        assert owner.name == "李四"   # rolled back, nothing kept
    with app.test_request_context("/"):
        refused = attempt(_rename_then, _stale_edit, owner, also=(UploadError,))
        assert isinstance(refused, StaleEdit) and owner.name == "李四"
        assert get_flashed_messages(with_categories=True) == [
            ("warning", "该记录在您编辑期间已被他人修改，未保存。")]
        with pytest.raises(UploadError), committing():   # not named: it propagates
            _refused_file()
