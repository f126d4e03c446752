"""proxy_service: the one-on-one proxy service (一对一精准代办) of development-zone service centers.

create_app() wires the layers together. It imports the models, the features and the commands
inside the register_* functions (each `noqa: PLC0415`): importing this package — which every
`proxy_service.*` import does, a migration or a core test too — must not load the whole app.
"""
from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from config import config_from_env
from proxy_service.core import (
    csrf_tokens,
    fragment_cache,
    i18n,
    outage,
    render_translations,
    security,
    static_files,
    submit_once,
)
from proxy_service.core.conflicts import StaleEdit, StepDateError, TransitionError, conflict_message
from proxy_service.core.database import configure_engine_events
from proxy_service.core.downloads import REVALIDATE
from proxy_service.core.extensions import babel, csrf, db, login_manager, migrate
from proxy_service.core.templating import TEMPLATE_FILTERS, PageTemplate, url_for_once
from proxy_service.core.uploads import UploadError


def create_app(config_class=None):
    config_class = config_class or config_from_env()
    if hasattr(config_class, "check"):
        config_class.check()
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.config.from_object(config_class)
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_errors(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app):
    from proxy_service import models  # noqa: PLC0415 — wiring: the mappers, before any query
    from proxy_service.audit import chain  # noqa: F401, PLC0415 — wiring: chains events on flush
    from proxy_service.identity import sessions  # noqa: PLC0415 — wiring: the user loader

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.request_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    with app.app_context():
        configure_engine_events(db.engine)
    sessions.init_app(app)   # user loader (checks the session token) and idle timeouts
    submit_once.init_app(app, tokens=models.SubmitToken)


def register_blueprints(app):
    # The features are the top layer: they load with the app, not with this package.
    from proxy_service.admin import bp as admin_bp  # noqa: PLC0415 — wiring (see above)
    from proxy_service.agreements import bp as agreements_bp  # noqa: PLC0415 — wiring
    from proxy_service.api import init_app as init_api  # noqa: PLC0415 — wiring
    from proxy_service.auth import bp as auth_bp  # noqa: PLC0415 — wiring
    from proxy_service.cases import bp as cases_bp  # noqa: PLC0415 — wiring
    from proxy_service.dashboard import bp as dashboard_bp  # noqa: PLC0415 — wiring
    from proxy_service.enterprises import bp as enterprises_bp  # noqa: PLC0415 — wiring
    from proxy_service.inbox import bp as notifications_bp  # noqa: PLC0415 — wiring
    from proxy_service.service_quality import bp as service_quality_bp  # noqa: PLC0415 — wiring
    from proxy_service.verify import bp as verify_bp  # noqa: PLC0415 — wiring
    from proxy_service.webhooks import bp as webhooks_bp  # noqa: PLC0415 — wiring

    security.bound_url_ids(app)   # before any rule is added: ids beyond the database's are 404
    for bp in (auth_bp, enterprises_bp, cases_bp, dashboard_bp, admin_bp, verify_bp,
               notifications_bp, service_quality_bp, agreements_bp, webhooks_bp, i18n.bp):
        app.register_blueprint(bp)
    init_api(app, csrf)   # the JSON API and its contract (/api/v1, /api/v1/openapi.json)


def register_security(app):
    security.init_app(app)   # after the blueprints: rate limits wrap their views


def error_page(code, title, message):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def unrouted_api_error(app, error):
    """A path under the API that matched no route, or not with this method, reaches the app's
    handlers and not the API blueprint's: it is answered as the API answers (problem+json)."""
    answer = app.extensions.get("api_problem")
    if answer is not None and request.path.startswith(security.API_PATH):
        return answer(error)
    return None


def register_errors(app):
    def page(code, title, message):
        return lambda error: unrouted_api_error(app, error) or error_page(code, title, message)

    app.register_error_handler(400, page(400, _l("请求有误"), _l("提交的内容无法处理，请返回重试。")))
    app.register_error_handler(403, page(403, _l("无权访问"), _l("您没有执行此操作的权限。")))
    app.register_error_handler(404, page(404, _l("页面不存在"), _l("您要找的页面不存在或您无权查看。")))
    app.register_error_handler(413, page(413, _l("文件过大"), _l("上传的文件超过大小上限（%(mb)s MB）。",
                                                              mb=app.config["MAX_UPLOAD_MB"])))
    server_error = page(500, _l("系统错误"), _l("服务器出现错误，请稍后再试。"))

    def after_rollback(error):
        # The failed request may have left the session mid-transaction; the page's header
        # (user, language) queries again, so start clean rather than fail a second time.
        db.session.rollback()
        return server_error(error)
    app.register_error_handler(500, after_rollback)
    app.register_error_handler(405, lambda error: unrouted_api_error(app, error) or error)
    register_conflicts(app)
    outage.init_app(app)   # a database that does not answer: 503, not 500

    @app.after_request
    def no_store_for_users(response):
        # Static files first: they need no user, and looking one up is a query per file.
        # A stored file sent with its ETag may be kept and revalidated (core/downloads.py).
        if (request.endpoint != "static" and response.headers.get("Cache-Control") != REVALIDATE
                and security.signed_in()):
            response.headers["Cache-Control"] = "no-store"
        return response


# Conflicts are handled once (DESIGN.md §5): the commit helper (core.conflicts.committing)
# answers those a view expects; whatever else escapes a view ends here, rolled back, with
# its own message — a conflict with the record as it stands (409) or input refused (422).
NOT_DONE, REFUSED_INPUT, REFUSED_FILE = _l("操作未能执行"), _l("提交的内容有误"), _l("文件未被接受")
CONFLICT_PAGES = ((TransitionError, 409, NOT_DONE), (StaleEdit, 409, NOT_DONE),
                  (StaleDataError, 409, NOT_DONE), (StepDateError, 422, REFUSED_INPUT),
                  (UploadError, 422, REFUSED_FILE))


def register_conflicts(app):
    for error_class, code, title in CONFLICT_PAGES:
        app.register_error_handler(error_class, _conflict_page(code, title))
    app.register_error_handler(submit_once.AlreadySubmitted, _already_submitted)


def _conflict_page(code, title):
    def handler(error):
        db.session.rollback()   # nothing of the refused request is kept, and the page can query
        return error_page(code, title, conflict_message(error))
    return handler


def _already_submitted(error):
    """A repeated post of a create form is no error for the user: nothing of it is kept, and
    it goes where the first post went ("already received", core/submit_once.py)."""
    db.session.rollback()
    return error.get_response()


def register_template_helpers(app):
    from proxy_service import permissions  # noqa: PLC0415 — wiring: predicates for templates
    from proxy_service.calendar import lights  # noqa: PLC0415 — wiring: lights for templates

    app.jinja_env.globals.update(permissions.PREDICATES)
    app.jinja_env.globals.update(lights.TEMPLATE_GLOBALS)
    app.jinja_env.globals.update(i18n.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.jinja_env.globals["url_for"] = url_for_once(app)   # the navigation's URLs built once
    static_files.init_app(app)   # static URLs name their content: browsers keep the files
    csrf_tokens.init_app(app)   # after csrf.init_app: a session's token signed once
    render_translations.init_app(app)   # after babel.init_app: replaces its Jinja callables
    app.jinja_env.template_class = PageTemplate   # BoundTemplate's, with cheaper imports
    fragment_cache.init_app(app)   # `cached` for templates, and the store


def register_cli(app):
    from proxy_service.cli import register  # noqa: PLC0415 — wiring: commands load the seed
    register(app)
