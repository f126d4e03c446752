"""Test fixtures. The schema comes from the migrations, once per run; each test starts
from empty tables. TEST_DATABASE_URL selects PostgreSQL; the default is SQLite.

Under pytest-xdist (`-n`) each worker has a database of its own, named after the worker:
instance/test_gw0.db, or <TEST_DATABASE_URL's database>_gw0 on PostgreSQL, created here."""
import fcntl
import gc
import os
import pickle
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from config import BASE_DIR, TestingConfig
from proxy_service import create_app
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor

from . import factories

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

# The cyclic collector runs after 20,000 allocations instead of Python's 700, and the older
# generations less often: a test makes and drops a great many short-lived ORM objects, and
# collecting every 700 of them took about 7 % of the suite's time (3.0 s of 45 in a run of five
# modules; 0.9 s with these thresholds, in 74 collections instead of 3,600).
gc.set_threshold(20_000, 20, 20)


def worker_database(url, worker=WORKER):
    """`url` for the xdist worker `worker` ("gw0", ...): its own SQLite file or PostgreSQL
    database beside the one named; `url` itself outside xdist."""
    if not worker:
        return url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return f"sqlite:///{path.with_name(f'{path.stem}_{worker}{path.suffix}')}"
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def _create_database(base_url, url):
    """PostgreSQL: create the database of `url` (a worker's) unless it exists, connected to
    the database of `base_url`, which must exist."""
    if base_url == url or not url.startswith("postgresql"):
        return
    name = make_url(url).database
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


# A folder of this pytest run, shared by its xdist workers: named by the controller (or the only
# process) before the workers start, removed when it ends. What every worker needs and one can
# make for all (the seeded demo) is made there once (once_per_run).
RUN_FOLDER = "PROXY_SERVICE_TEST_RUN_FOLDER"


def pytest_configure(config):
    if not hasattr(config, "workerinput") and RUN_FOLDER not in os.environ:
        config.run_folder = tempfile.mkdtemp(prefix="proxy_service_run_")
        os.environ[RUN_FOLDER] = config.run_folder


def pytest_unconfigure(config):
    if getattr(config, "run_folder", None):
        shutil.rmtree(config.run_folder, ignore_errors=True)
        os.environ.pop(RUN_FOLDER, None)


def once_per_run(name, make):
    """The path `name` in the run's folder, made by `make(path)` in the first process to ask;
    the others wait for it (a lock) and find it made."""
    folder = Path(os.environ.get(RUN_FOLDER) or tempfile.mkdtemp(prefix="proxy_service_run_"))
    path = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                make(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


# Every app the tests make from TestingConfig (some make their own) uses the worker's database.
BASE_DATABASE_URL = TestingConfig.SQLALCHEMY_DATABASE_URI
TestingConfig.SQLALCHEMY_DATABASE_URI = worker_database(BASE_DATABASE_URL)


# The modules about the agreement's PDFs and seals (marked `pdf`: their cases' agreements are
# rendered and sealed for real); a test elsewhere may carry the mark itself.
PDF_MODULES = {
    "test_agreement_pdf.py", "test_signing.py", "test_seal.py", "test_supplements.py",
    "test_full_path.py", "test_verify.py", "test_paper_rejection.py", "test_dossier.py",
}

# The modules about the notices' PDFs: the notices make_case issues are rendered for real there
# (elsewhere, outside the `pdf` tests, they hold a stand-in PDF: factories.stand_in_notices).
NOTICE_MODULES = {"test_notices.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in PDF_MODULES and item.path.parent.name == "tests":
            item.add_marker(pytest.mark.pdf)
    # The browser tests go last: Playwright keeps an asyncio loop running in the main thread
    # until the session ends, and pyHanko's sealing (asyncio.run) cannot run beside it.
    # (`make test` runs them in a pytest run of their own.)
    items.sort(key=lambda item: "tests/browser/" in str(item.path).replace("\\", "/"))


@pytest.fixture(autouse=True)
def _documents_for_real(request, monkeypatch):
    """Tests marked `pdf` are about the agreement's PDFs and seals: make_case renders and
    seals them for real there (factories.real_documents), and its notices too, as in the
    modules about the notices (factories.real_notices)."""
    pdf = request.node.get_closest_marker("pdf") is not None
    monkeypatch.setattr(factories, "real_documents", pdf)
    monkeypatch.setattr(factories, "real_notices", pdf or request.path.name in NOTICE_MODULES)


@pytest.fixture(scope="session")
def app(_suite_app):
    """The app the tests use (a module may put its own in its place: test_database_outage)."""
    return _suite_app


@pytest.fixture
def csrf_app(app):
    """An app like the suite's, on its database, with CSRF protection on (TestingConfig turns
    it off): for the tests of the tokens themselves and of what reaches the logs."""
    config = type("WithCsrf", (TestingConfig,), {
        "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    instance = create_app(config)
    yield instance
    with instance.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _suite_app():
    """The suite's app on the worker's database, migrated to the head."""
    (BASE_DIR / "instance").mkdir(exist_ok=True)
    _create_database(BASE_DATABASE_URL, TestingConfig.SQLALCHEMY_DATABASE_URI)
    app = create_app(TestingConfig)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    with app.app_context():
        if url.startswith("sqlite:///"):
            event.listen(db.engine, "connect", _without_fsync)
        _drop_everything()
        upgrade()
        # A migration may leave a pooled SQLite connection with foreign keys off (c3c0de700003);
        # new connections get them on again (database.py).
        db.engine.dispose()
        with db.engine.connect() as conn:
            _seeded_calendar.clear()
            _seeded_calendar.update(_calendar_rows(conn))
    yield app


def _without_fsync(dbapi_connection, _record):
    """The suite's SQLite database does not wait for the disk at each commit (a test is about
    what the app writes, not whether it survives a power cut); the app's own pragmas (WAL,
    busy timeout, foreign keys: core/database.py) stay as in production."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _drop_everything():
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _clean_tables(app):
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()
    # The next test's cases start again at revision 1: what was cached showed this test's.
    app.extensions["fragment_cache"].store.clear()
    app.extensions["fragment_cache"].rows.clear()
    clock.freeze(None)


# The working-day calendar is seeded by a data migration: it stays between tests, and a
# test that changed it (the admin page) gets the seeded schedule put back afterwards.
CALENDAR_TABLES = {"holidays": "day, kind, name, estimated",
                   "calendar_years": "year, source, complete, deadlines_pending"}
_seeded_calendar = {}


def _calendar_rows(conn):
    """The calendar's rows as the driver gives them (plain tuples: after every test they are
    compared with the seeded ones, about 600 rows, so without SQLAlchemy's rows around them)."""
    cursor = conn.connection.cursor()
    try:
        return {table: _fetch(cursor, f"SELECT {columns} FROM {table} ORDER BY 1")
                for table, columns in CALENDAR_TABLES.items()}
    finally:
        cursor.close()


def _fetch(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


def _restore_calendar(conn):
    current = _calendar_rows(conn)
    if not _seeded_calendar:
        _seeded_calendar.update(current)
        return
    for table, columns in CALENDAR_TABLES.items():
        if current[table] != _seeded_calendar[table]:
            conn.execute(text(f"DELETE FROM {table}"))
            names = [c.strip() for c in columns.split(",")]
            rows = [dict(zip(names, row, strict=False)) for row in _seeded_calendar[table]]
            if rows:
                conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES "
                                  f"({', '.join(':' + n for n in names)})"), rows)


def _empty_tables():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)
              if t.name not in CALENDAR_TABLES]
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:   # outside a transaction: SQLite ignores the pragma inside one
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                _restore_calendar(conn)
                if sqlite:   # through the driver's cursor: some 60 statements after every test
                    cursor = conn.connection.cursor()
                    for table in tables:
                        cursor.execute(f"DELETE FROM {table}")
                    cursor.close()
                else:
                    # DELETE, not TRUNCATE: a TRUNCATE of every table took over a second per test
                    # (new files for each table), DELETE on the few rows a test writes takes
                    # milliseconds. Without foreign-key triggers (users and enterprises refer to
                    # each other), in one round trip; the ids start at 1 again, as after a
                    # TRUNCATE … RESTART IDENTITY.
                    conn.exec_driver_sql(
                        "SET LOCAL session_replication_role = replica; "
                        + "".join(f"DELETE FROM {table}; " for table in tables)
                        + "SELECT setval(s.oid, 1, false) FROM pg_class s "
                          "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
                          "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                          "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' "
                          f"AND t.relname IN ({', '.join(repr(table) for table in tables)})")
        finally:
            if sqlite:   # on again for the next test, even when a delete failed
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _data_tables():
    return [t for t in db.metadata.sorted_tables if t.name not in CALENDAR_TABLES]


@pytest.fixture(scope="session")
def _demo_snapshot(app):
    """`flask seed-demo` once per run, in the first worker to ask (rendering and sealing the
    demo's PDFs takes seconds): what it printed, whether it left the clock frozen, and every
    row it wrote, kept in the run's folder for the other workers; its tables are emptied again
    afterwards."""
    def seed(path):
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 0, result.output
            assert "demo data loaded" in result.output
            frozen = clock._frozen
            clock.freeze(None)
            rows = {table.name: table_rows for table, table_rows in _read_rows().items()}
            db.session.remove()
            _empty_tables()
        path.write_bytes(pickle.dumps((result.output, frozen, rows)))

    output, frozen, rows = pickle.loads(once_per_run("demo.pickle", seed).read_bytes())
    return (SimpleNamespace(output=output, clock_left_frozen=frozen),
            {db.metadata.tables[name]: table_rows for name, table_rows in rows.items()})


@pytest.fixture
def demo(app, _demo_snapshot):
    """The database as `flask seed-demo` leaves it (run once per worker, its rows copied in
    here); yields what seed-demo printed (`.output`) and whether it left the clock frozen
    (`.clock_left_frozen`)."""
    seeded, rows = _demo_snapshot
    _insert_rows(rows)
    return seeded


def _read_rows():
    """Every row of the data tables (the calendar's stay), by table, in primary-key order
    (PostgreSQL returns updated rows in no fixed order otherwise)."""
    with db.engine.connect() as conn:
        return {table: [dict(row) for row in conn.execute(
                    select(table).order_by(*table.primary_key.columns)).mappings()]
                for table in _data_tables()}


def comparable_rows(rows, drawn):
    """`rows` (_read_rows) by table name, without their times and the columns named in `drawn`:
    what differs between two makings of the same rows without saying anything of them."""
    return {table.name: [{name: value for name, value in row.items()
                          if name not in drawn and not isinstance(value, datetime)}
                         for row in table_rows]
            for table, table_rows in rows.items()}


def _insert_rows(rows):
    """Insert `rows` ({table: [row dicts]}, ids included) into the emptied tables, without
    foreign-key checks (users and enterprises refer to each other)."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:   # outside a transaction, as in _empty_tables
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table, table_rows in rows.items():
                    if table_rows:
                        conn.execute(table.insert(), table_rows)
                if not sqlite:
                    _advance_sequences(conn, rows)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _integer(column):
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


def _advance_sequences(conn, rows):
    """PostgreSQL: the copied rows carry their ids; the next insert takes the one after
    (one round trip; setval of a column without a sequence is NULL and does nothing)."""
    calls = [f"setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
             f"{max(row[column.name] for row in table_rows)})"
             for table, table_rows in rows.items() if table_rows
             for column in table.primary_key.columns if _integer(column)]
    if calls:
        conn.exec_driver_sql("SELECT " + ", ".join(calls))


class FreshUserClient(FlaskClient):
    """The suite keeps one app context open per test, so `g` outlives a request;
    forget the user Flask-Login cached there, as a new request would, and the locale
    Flask-Babel chose for the previous request."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshUserClient
    return app.test_client()


@pytest.fixture
def world(app, _world_template):
    """Two centers with staff and catalogue, three enterprises, a project of the first.

    factories.make_world runs once per worker (_world_template); each test gets a copy of its
    rows, their times moved forward by the time passed since, as if made now (about a tenth
    of the cost: some 1,900 tests ask for a world). While the clock is frozen the world is
    made again, its times the frozen clock's where the models take it."""
    if clock._frozen is not None:
        return factories.make_world()
    return copy_world(_world_template)


def copy_world(template):
    """A copy of the world of `template` (_world_template) in the emptied tables, made now."""
    made_at, ids, rows = template
    later = clock.now() - made_at
    _insert_rows({table: [_made_now(table.name, row, later) for row in table_rows]
                  for table, table_rows in rows.items()})
    return factories.World.load(ids)


# What make_world draws at random for each row, drawn again for each copy: no two tests' users
# share a session token (User.rotate_session_token, called by set_password).
DRAWN_AGAIN = {"users": {"session_token": lambda: secrets.token_urlsafe(32)}}


def _made_now(table, row, later):
    """A copy of `row` as if made now: times `later`, what was drawn at random drawn again."""
    drawn = DRAWN_AGAIN.get(table, {})
    return {name: drawn[name]() if name in drawn
            else value + later if isinstance(value, datetime) else value
            for name, value in row.items()}


@pytest.fixture(scope="session")
def _world_template(_suite_app):
    """factories.make_world once per worker, with the clock running: when, the ids of what it
    holds (World.ids) and its rows; the tables are emptied again afterwards. On the suite's
    app, not `app`: a session's fixture cannot take a module's (test_database_outage)."""
    with _suite_app.app_context():
        frozen = clock._frozen
        clock.freeze(None)
        try:
            with db.engine.connect() as conn:
                written = [t.name for t in _data_tables() if conn.scalar(select(func.count()).select_from(t))]
            assert not written, f"the world is made on empty tables, not on rows of {written}"
            ids = factories.make_world().ids()
            made_at = clock.now()   # after: the copies' times fall just before the test's now
            rows = _read_rows()
        finally:
            db.session.remove()
            _empty_tables()
            clock.freeze(frozen)
    return made_at, ids, rows


@pytest.fixture(scope="session")
def seal_folder(tmp_path_factory):
    """A folder for the development seals of tests/seal_helpers.py, kept for the session."""
    return tmp_path_factory.mktemp("seals")


@pytest.fixture
def case(world):
    """The world's case, accepted, assigned to "agent" and signed (IN_PROGRESS), committed."""
    case = world.case()
    db.session.commit()
    return case


@pytest.fixture
def agent(world, login_as):
    """The client, logged in as the case's agent."""
    return login_as(world.users["agent"])


@pytest.fixture
def login_as(client):
    def login(user, password=factories.PASSWORD):
        """Log in through the pages, with the one-time code step for staff (enrolled with
        factories.TOTP_SECRET on first use)."""
        if client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]) is not None:
            client.post("/logout")   # whoever this client was first; a first login needs none
        if twofactor.needs_code(user) and not twofactor.enrolled(user):
            twofactor.enrol_with_secret(user, factories.TOTP_SECRET)
            db.session.commit()
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, f"login of {user.username} failed"
        if response.headers["Location"].endswith("/login/code"):
            response = client.post("/login/code", data={"code": factories.one_time_code(user)})
            assert response.status_code == 302, f"one-time code of {user.username} refused"
        return client
    return login


@pytest.fixture
def confirm_identity(client):
    def confirm(user, password=factories.PASSWORD):
        """Give the password (and a one-time code, for staff) again on the confirmation page
        that exports ask for (identity/reauth.py); the logged-in user is `user`."""
        data = {"password": password}
        if twofactor.needs_code(user):
            data["code"] = factories.one_time_code(user)
        response = client.post("/confirm", data=data)
        assert response.status_code == 302, f"{user.username} could not confirm the identity"
        return client
    return confirm


@pytest.fixture
def frozen_clock():
    def freeze(year, month, day, hour=10):
        clock.freeze(datetime(year, month, day, hour, tzinfo=clock.BEIJING).astimezone(UTC))
    yield freeze
    clock.freeze(None)


class QueryCounter:
    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return counting
