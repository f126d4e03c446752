"""A database that does not answer — restarting, failing over, its connections cut, its pool
exhausted — is a 503 with Retry-After, not a 500, and one log line per request instead of a
traceback. The pool's pre-ping reconnects by itself once the database is back; nothing here
needs a restart.

Only a failure of the connection is an outage. Any other database error — on SQLite a missing
column or table (a migration not run) is an OperationalError too — is a defect: it goes on to
the 500 page with its traceback in the log, never hidden behind "try again".

The page says nothing was saved only when it is true: no COMMIT was sent during the request.
Once one was (a view that commits and then reads again, or a COMMIT whose answer was lost with
the connection), the change may be saved, and the page asks the user to look before repeating
it — a repeated form would save it twice.

The page is rendered as for a visitor: who is logged in, the unread notifications and the
calendar warning would each ask the database again. The session cookie is left alone, so the
user is still logged in on the next request.
"""
import json
import logging

from flask import g, has_request_context, render_template, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from proxy_service.core.extensions import db, login_manager

RETRY_AFTER_SECONDS = 30
# The exceptions a lost or unreachable database raises; is_outage() picks the outages among them.
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
# PostgreSQL's SQLSTATE classes for a connection that failed: 08 connection exception, 57P
# operator intervention (admin or crash shutdown, cannot connect now, database dropped).
POSTGRESQL_OUTAGE_STATES = ("08", "57P")
# SQLite's result codes (extended ones included) for a file it cannot open, lock or read.
SQLITE_OUTAGE_CODES = {"SQLITE_BUSY", "SQLITE_CANTOPEN", "SQLITE_IOERR"}
log = logging.getLogger("proxy_service.database")

NOTHING_SAVED = _l("系统暂时无法连接数据库，本次操作未保存任何内容。请稍候片刻再试。")
MAYBE_SAVED = _l("系统暂时无法连接数据库，本次操作可能已经保存。请稍候片刻，重新打开相关页面查看，"
                 "确认未保存后再重新操作。")


def init_app(app):
    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, database_unavailable)
    app.before_request_funcs.setdefault(None, []).insert(0, _nothing_committed_yet)
    with app.app_context():
        event.listen(db.engine, "commit", _note_commit)


def is_outage(error):
    """Whether the database could not be reached, as opposed to a statement that failed."""
    if isinstance(error, PoolTimeout) or getattr(error, "connection_invalidated", False):
        return True
    if not isinstance(error, OperationalError):
        return False   # an InterfaceError on a live connection: a parameter it cannot bind
    driver_error = error.orig
    sqlite_code = getattr(driver_error, "sqlite_errorname", None)
    if sqlite_code is not None:
        return "_".join(sqlite_code.split("_")[:2]) in SQLITE_OUTAGE_CODES
    if hasattr(driver_error, "sqlstate"):   # psycopg
        # No SQLSTATE: the server never answered (connection refused, lost before a reply).
        state = driver_error.sqlstate
        return state is None or state.startswith(POSTGRESQL_OUTAGE_STATES)
    return False


def database_unavailable(error):
    if not is_outage(error):
        raise error   # to the 500 handler, logged with its traceback
    _forget_the_transaction()
    g._login_user = login_manager.anonymous_user()   # Flask-Login's per-request user
    user_id = str(session.get("_user_id", ""))       # from the cookie: no query
    committed = g.get("commit_sent", False)
    log.warning(json.dumps({
        "event": "database_unavailable", "error": type(error).__name__,
        "detail": _first_line(getattr(error, "orig", None) or error),
        "method": request.method, "path": request.path, "request_id": g.get("request_id"),
        "user_id": int(user_id) if user_id.isdigit() else None, "committed": committed,
    }, ensure_ascii=False))
    page = render_template("errors/error.html", code=503, title=_l("服务暂时不可用"),
                           message=MAYBE_SAVED if committed else NOTHING_SAVED)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def _nothing_committed_yet():
    g.commit_sent = False


def _note_commit(connection):
    # The engine's event runs before the COMMIT is sent: a COMMIT whose answer is lost with
    # the connection may have been carried out, so it counts as saved too.
    if has_request_context():
        g.commit_sent = True


def _forget_the_transaction():
    try:
        db.session.rollback()
    except DBAPIError:
        # The connection died without the driver saying so: drop it rather than pool it.
        db.session().invalidate()


def _first_line(error):
    # The driver's own words ("connection refused", "terminating connection due to
    # administrator command"), never the SQL statement or its parameters.
    return (str(error).strip().splitlines() or [""])[0][:200]
