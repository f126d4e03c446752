"""A database outage is a 503 with Retry-After and a page that says whether anything may have
been saved, logged once per request without a traceback; the app recovers by itself when the
database is back. Any other database error is a defect: the 500 page and its traceback.

The outage is simulated without stopping the database server (others share it): new
connections go to a port where nothing listens (PostgreSQL) or to a directory that does not
exist (SQLite), so the driver fails with its own error, and on PostgreSQL the app's own open
connections are really cut (pg_terminate_backend), as a restart would cut them."""
import json
import logging
import socket
import sqlite3
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from unittest import mock

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core import outage
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Message, Notification

UNAVAILABLE = "服务暂时不可用"
NOTHING_SAVED = "本次操作未保存任何内容"
MAYBE_SAVED = "本次操作可能已经保存"
# The app's connections carry this name on PostgreSQL: the simulated restart cuts those and
# never another run's that shares the database.
APPLICATION_NAME = f"proxy_service_test_outage_{uuid.uuid4().hex[:8]}"
NO_SUCH_DIRECTORY = Path("/nonexistent") / APPLICATION_NAME


@pytest.fixture(scope="module")
def app(app):
    """On PostgreSQL these tests run in an app of their own whose connections are named."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        yield app   # SQLite: no server process to cut, nothing to tell apart
        return

    class NamedConnections(TestingConfig):
        SQLALCHEMY_ENGINE_OPTIONS = {**TestingConfig.SQLALCHEMY_ENGINE_OPTIONS,
                                     "connect_args": {"application_name": APPLICATION_NAME}}
    named = create_app(NamedConnections)
    yield named
    with named.app_context():
        db.engine.dispose()


def _cut_open_connections(engine):
    """PostgreSQL: end the server processes of the app's own connections, as a restart would."""
    if engine.dialect.name != "postgresql":
        # SQLite has no server to cut them: the test's session lets its connection go, as a
        # new request's session would, and the pooled ones are dropped.
        db.session.remove()
        engine.dispose()
        return
    admin = create_engine(engine.url, poolclass=NullPool)
    with admin.connect() as conn:
        # With a timeout the call returns once each process has ended, not merely signalled.
        conn.execute(text("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                          "WHERE application_name = :name"), {"name": APPLICATION_NAME})
    admin.dispose()


@contextmanager
def database_outage(engine):
    """The database stops answering: open connections are cut, and new ones refused by the
    driver itself, sent to a port where nothing listens or to a directory that is not there."""
    with socket.socket() as not_listening:   # bound, never listening: connecting is refused
        not_listening.bind(("127.0.0.1", 0))

        def refuse(dialect, connection_record, cargs, cparams):
            if dialect.name == "postgresql":
                cparams.update(host="127.0.0.1", port=not_listening.getsockname()[1])
            else:
                cargs[0] = str(NO_SUCH_DIRECTORY / "app.db")

        _cut_open_connections(engine)
        event.listen(engine, "do_connect", refuse)
        try:
            yield
        finally:
            event.remove(engine, "do_connect", refuse)
            # A connection the test's session held and no request used since is dead too.
            db.session().invalidate()


def _connection_lost(database):
    """The driver's error for a connection lost in the middle of a request (SQLite's for a
    file it can no longer read)."""
    if database == "postgresql":
        return psycopg.OperationalError("server closed the connection unexpectedly")
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode, error.sqlite_errorname = sqlite3.SQLITE_IOERR, "SQLITE_IOERR"
    return error


@contextmanager
def connection_lost_at(engine, when):
    """The connection is lost at the first statement for which `when(statement)` is true."""
    def lose(conn, cursor, statement, parameters, context, executemany):
        if when(statement):
            raise _connection_lost(engine.dialect.name)

    event.listen(engine, "before_cursor_execute", lose)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", lose)


def _a_write(statement):
    return statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")


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


def test_the_simulated_restart_cuts_the_apps_connections_and_no_others(app):
    """Another run sharing the database (CI shards, another engineer) keeps its connection."""
    bystander = create_engine(db.engine.url, poolclass=NullPool)
    with bystander.connect() as other:
        pooled = db.engine.raw_connection()
        apps_own = pooled.driver_connection
        pooled.close()   # back to the app's pool, idle, as between two requests
        with database_outage(db.engine):
            pass
        assert other.execute(text("SELECT 1")).scalar() == 1
    bystander.dispose()
    with pytest.raises(db.engine.dialect.loaded_dbapi.Error):
        apps_own.cursor().execute("SELECT 1")


def test_a_connection_that_cannot_even_roll_back_is_dropped(client, world, login_as, case_url,
                                                            monkeypatch):
    login_as(world.users["agent"])
    lost = OperationalError("ROLLBACK", {}, _connection_lost(db.engine.dialect.name))
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
    with connection_lost_at(db.engine, _a_write):
        response = client.post(f"{case_url}/messages", data={"body": "请尽快办理"})
    # Lost in the flush, before the COMMIT was sent: nothing was saved, and the page says so.
    assert response.status_code == 503 and NOTHING_SAVED in response.text
    assert db.session.query(Message).count() == 0
    assert db.session.query(AuditEvent).count() == audited
    assert client.post(f"{case_url}/messages", data={"body": "请尽快办理"}).status_code == 302
    assert db.session.query(Message).count() == 1


def _unread(owner):
    return db.session.scalar(select(Notification).where(
        Notification.user_id == owner.id, Notification.read_at.is_(None)).limit(1))


def test_a_page_that_fails_after_its_commit_says_the_change_may_have_been_saved(
        client, world, login_as, case_url):
    """`read` commits, then reads the notification again to follow its link: a connection
    lost there must not tell the user that nothing was saved — it was."""
    owner = world.users["owner"]
    notification_id = _unread(owner).id
    login_as(owner)
    committed = []

    def note(conn):
        committed.append(conn)
    event.listen(db.engine, "commit", note)
    try:
        with connection_lost_at(db.engine, lambda statement: bool(committed)):
            response = client.post(f"/notifications/{notification_id}/read", data={"open": "1"})
    finally:
        event.remove(db.engine, "commit", note)
    assert response.status_code == 503 and UNAVAILABLE in response.text
    assert MAYBE_SAVED in response.text and NOTHING_SAVED not in response.text
    assert db.session.get(Notification, notification_id).read_at is not None


def test_a_commit_whose_answer_was_lost_may_have_been_saved(client, world, login_as, case_url,
                                                            monkeypatch):
    """The server committed, the answer never came back: the app cannot know, and says so."""
    login_as(world.users["owner"])
    commit = db.engine.dialect.do_commit

    def commit_then_lose(dbapi_connection):
        commit(dbapi_connection)
        raise _connection_lost(db.engine.dialect.name)
    with monkeypatch.context() as patch:
        patch.setattr(db.engine.dialect, "do_commit", commit_then_lose)
        response = client.post(f"{case_url}/messages", data={"body": "请尽快办理"})
    assert response.status_code == 503 and MAYBE_SAVED in response.text
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
    assert {(line["event"], line["user_id"], line["committed"]) for line in lines} == {
        ("database_unavailable", owner_id, False)}
    assert all("SELECT" not in line["detail"] for line in lines)   # no SQL, no parameters
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_outage_page_is_in_the_users_language(client, world, login_as, case_url):
    login_as(world.users["owner"])
    client.post("/language", data={"locale": "en"})
    with database_outage(db.engine):
        response = client.get(case_url)
    assert response.status_code == 503 and "Nothing from this request was saved" in response.text


# --- what is not an outage -------------------------------------------------------------------

@pytest.mark.parametrize("sql", ["SELECT no_such_column FROM users", "SELECT 1 FROM no_such_table"],
                         ids=["no such column", "no such table"])
def test_a_defect_in_sql_is_a_500_with_its_traceback(app, client, world, login_as, monkeypatch,
                                                      caplog, sql):
    """A missed migration or a wrong query is not a flapping database (on SQLite it is an
    OperationalError too): the 500 page, and the traceback in the log."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)   # as in production
    monkeypatch.setitem(app.view_functions, "cases.index", lambda: db.session.execute(text(sql)))
    login_as(world.users["owner"])
    caplog.set_level(logging.INFO)
    response = client.get("/cases")
    assert response.status_code == 500
    assert "服务器出现错误" in response.text and "李四" in response.text   # the header still works
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert len(logged) == 1 and "no_such" in str(logged[0])
    assert _outage_lines(caplog) == []


def _wrapped(orig, **kwargs):
    wrapper = InterfaceError if isinstance(orig, (sqlite3.InterfaceError, psycopg.InterfaceError)) \
        else OperationalError
    return wrapper("SELECT 1", {}, orig, **kwargs)


@pytest.fixture
def sqlite_error(tmp_path):
    """The error the SQLite driver itself raises for a statement on a database in tmp_path."""
    path = tmp_path / "probe.db"
    sqlite3.connect(path).execute("CREATE TABLE t (a INTEGER)").connection.commit()

    def raised(sql, database=path):
        try:
            with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as conn:
                conn.execute(sql)
        except sqlite3.Error as error:
            return error
        raise AssertionError(f"{sql} did not fail")
    return raised


def _locked_database_error(sqlite_error, tmp_path):
    writer = sqlite3.connect(tmp_path / "probe.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        return sqlite_error("INSERT INTO t VALUES (1)")
    finally:
        writer.close()


SQLITE_CASES = {
    "no such column": (lambda raised, tmp: raised("SELECT nope FROM t"), False),
    "no such table": (lambda raised, tmp: raised("SELECT 1 FROM nope"), False),
    "syntax error": (lambda raised, tmp: raised("SELEC 1"), False),
    "unable to open database file": (
        lambda raised, tmp: raised("SELECT 1", database=tmp / "missing" / "x.db"), True),
    "database is locked": (_locked_database_error, True),
    "disk I/O error": (lambda raised, tmp: _connection_lost("sqlite"), True),
}


@pytest.mark.parametrize("case", SQLITE_CASES, ids=list(SQLITE_CASES))
def test_only_a_sqlite_file_that_cannot_be_reached_is_an_outage(sqlite_error, tmp_path, case):
    make, is_outage = SQLITE_CASES[case]
    error = make(sqlite_error, tmp_path)
    assert outage.is_outage(_wrapped(error)) is is_outage, str(error)


PSYCOPG_CASES = {
    # no SQLSTATE: the connection was never made, or lost before the server answered
    "connection refused": (psycopg.OperationalError(
        "connection failed: connection to server at \"127.0.0.1\", port 5432 failed: "
        "Connection refused"), True),
    "server closed the connection": (psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly"), True),
    "08006 connection failure": (psycopg.errors.ConnectionFailure("connection failure"), True),
    "57P01 admin shutdown": (psycopg.errors.AdminShutdown(
        "terminating connection due to administrator command"), True),
    "57P02 crash shutdown": (psycopg.errors.CrashShutdown("terminating connection"), True),
    "57P03 cannot connect now": (psycopg.errors.CannotConnectNow(
        "the database system is starting up"), True),
    "57014 statement timeout": (psycopg.errors.QueryCanceled(
        "canceling statement due to statement timeout"), False),
    "55P03 lock not available": (psycopg.errors.LockNotAvailable(
        "could not obtain lock on row"), False),
    "53100 disk full": (psycopg.errors.DiskFull("could not extend file"), False),
    "a misused connection": (psycopg.InterfaceError("the query has 1 placeholder"), False),
}


@pytest.mark.parametrize("case", PSYCOPG_CASES, ids=list(PSYCOPG_CASES))
def test_only_a_postgresql_connection_failure_is_an_outage(case):
    error, is_outage = PSYCOPG_CASES[case]
    assert outage.is_outage(_wrapped(error)) is is_outage


def test_a_connection_the_pool_invalidated_or_could_not_give_is_an_outage():
    lost = _wrapped(psycopg.errors.QueryCanceled("canceling statement"),
                    connection_invalidated=True)
    assert outage.is_outage(lost)
    assert outage.is_outage(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
