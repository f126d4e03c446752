"""A database that does not answer — restarting, failing over, its connections cut, its pool
exhausted — is a 503 with Retry-After, not a 500: a page that says the service is briefly
unavailable and that nothing was saved (the request's transaction is rolled back whole), and
one log line per request instead of a traceback. The pool's pre-ping reconnects by itself once
the database is back; nothing here needs a restart.

The page is rendered as for a visitor: who is logged in, the unread notifications and the
calendar warning would each ask the database again. The session cookie is left alone, so the
user is still logged in on the next request.
"""
import json
import logging

from flask import g, render_template, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .extensions import db, login_manager

RETRY_AFTER_SECONDS = 30
# What a driver raises when it cannot reach the database or lost it (PostgreSQL down, a
# connection closed under us, SQLite unable to open or lock its file), and the pool's timeout.
OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
log = logging.getLogger("proxy_service.database")


def init_app(app):
    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, database_unavailable)


def database_unavailable(error):
    _forget_the_transaction()
    g._login_user = login_manager.anonymous_user()   # Flask-Login's per-request user
    user_id = str(session.get("_user_id", ""))       # from the cookie: no query
    log.warning(json.dumps({
        "event": "database_unavailable", "error": type(error).__name__,
        "detail": _first_line(getattr(error, "orig", None) or error),
        "method": request.method, "path": request.path, "request_id": g.get("request_id"),
        "user_id": int(user_id) if user_id.isdigit() else None,
    }, ensure_ascii=False))
    page = render_template("errors/error.html", code=503, title=_l("服务暂时不可用"),
                           message=_l("系统暂时无法连接数据库，本次操作未保存任何内容。请稍候片刻再试。"))
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


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
