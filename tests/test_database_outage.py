"""A database outage is a 503 with Retry-After and a page that says nothing was saved, logged
once per request without a traceback; the app recovers by itself when the database is back.

The outage is simulated without stopping the database server (others share it): new
connections are refused with the driver's own OperationalError, and on PostgreSQL the app's
open connections are really cut (pg_terminate_backend), as a restart would cut them."""
import json
import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from proxy_service.extensions import db
from proxy_service.models import AuditEvent, Message

UNAVAILABLE = "服务暂时不可用"
NOTHING_SAVED = "本次操作未保存任何内容"


def _driver_error(engine, message):
    return engine.dialect.loaded_dbapi.OperationalError(message)


def _cut_open_connections(engine):
    """PostgreSQL: end every server process of the app's database, as a restart would."""
    if engine.dialect.name != "postgresql":
        # SQLite has no server to cut them: the test's session lets its connection go, as a
        # new request's session would, and the pooled ones are dropped.
        db.session.remove()
        engine.dispose()
        return
    admin = create_engine(engine.url, poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()


@contextmanager
def database_outage(engine):
    """The database stops answering: open connections are cut, new ones refused."""
    def refuse(dialect, connection_record, cargs, cparams):
        raise _driver_error(engine, "connection refused (simulated outage)")

    _cut_open_connections(engine)
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        # A connection the test's session held and no request used since is dead too.
        db.session().invalidate()


@contextmanager
def writes_fail(engine):
    """The connection is lost at the first INSERT, UPDATE or DELETE of a request."""
    def lose(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            raise _driver_error(engine, "server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", lose)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", lose)


@pytest.fixture
def case_url(world):
    """The page of a case (a plain string: the outage ends the test's session too)."""
    case = world.case()
    db.session.commit()
    return f"/cases/{case.id}"


def _outage_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "proxy_service.database"]


def test_a_logged_in_page_during_an_outage_is_a_503_and_recovers(client, world, login_as, case_url):
    login_as(world.users["agent"])
    with database_outage(db.engine):
        response = client.get(case_url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert UNAVAILABLE in response.text and NOTHING_SAVED in response.text
    # The database is back: the same session goes on, without a restart or a new login.
    assert client.get(case_url).status_code == 200


def test_a_connection_that_cannot_even_roll_back_is_dropped(client, world, login_as, case_url,
                                                            monkeypatch):
    login_as(world.users["agent"])
    lost = OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))
    monkeypatch.setattr(db.session, "rollback", mock.Mock(side_effect=lost))
    with database_outage(db.engine):
        response = client.get(case_url)
    assert response.status_code == 503 and NOTHING_SAVED in response.text
    db.session.rollback.assert_called_once()


def test_static_files_are_served_during_an_outage(client, world, login_as):
    """The outage page's own styles: a static file never asks the database who is logged in."""
    login_as(world.users["agent"])
    with database_outage(db.engine):
        response = client.get("/static/css/app.css")
    assert response.status_code == 200 and response.data


def test_a_write_during_an_outage_saves_nothing(client, world, login_as, case_url):
    login_as(world.users["owner"])
    with database_outage(db.engine):
        response = client.post(f"{case_url}/messages", data={"body": "请尽快办理"})
    assert response.status_code == 503 and NOTHING_SAVED in response.text
    assert db.session.scalar(select(Message).where(Message.body == "请尽快办理")) is None


def test_a_connection_lost_in_the_middle_of_a_write_rolls_the_request_back(client, world, login_as,
                                                                           case_url):
    login_as(world.users["owner"])
    audited = db.session.query(AuditEvent).count()
    with writes_fail(db.engine):
        response = client.post(f"{case_url}/messages", data={"body": "请尽快办理"})
    assert response.status_code == 503 and UNAVAILABLE in response.text
    assert db.session.query(Message).count() == 0
    assert db.session.query(AuditEvent).count() == audited
    assert client.post(f"{case_url}/messages", data={"body": "请尽快办理"}).status_code == 302
    assert db.session.query(Message).count() == 1


def test_an_outage_is_logged_once_per_request_without_a_traceback(client, world, login_as, case_url,
                                                                  caplog):
    owner_id = world.users["owner"].id
    login_as(world.users["owner"])
    caplog.set_level(logging.DEBUG)
    with database_outage(db.engine):
        for path in ("/cases", case_url, "/login"):
            assert client.get(path).status_code == 503
    lines = _outage_lines(caplog)
    assert [line["path"] for line in lines] == ["/cases", case_url, "/login"]
    assert {(line["event"], line["user_id"]) for line in lines} == {
        ("database_unavailable", owner_id)}
    assert all("SELECT" not in line["detail"] for line in lines)   # no SQL, no parameters
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_outage_page_is_in_the_users_language(client, world, login_as, case_url):
    login_as(world.users["owner"])
    client.post("/language", data={"locale": "en"})
    with database_outage(db.engine):
        response = client.get(case_url)
    assert response.status_code == 503 and "Nothing from this request was saved" in response.text
