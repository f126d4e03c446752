"""proxy_service: the one-on-one proxy service (一对一精准代办) of development-zone service centers."""
from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l

from config import config_from_env
from proxy_service.core.extensions import babel, csrf, db, login_manager, migrate


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
    from proxy_service import models  # noqa: F401  (the mappers must exist before the first query)
    from proxy_service.audit import chain as audit_chain  # noqa: F401  (hash-chains audit events on flush)
    from proxy_service.core.database import configure_engine_events

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    from proxy_service.core.i18n import select_locale
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    with app.app_context():
        configure_engine_events(db.engine)
    from proxy_service.auth import sessions
    sessions.init_app(app)   # user loader (checks the session token) and idle timeouts


def register_blueprints(app):
    from proxy_service.core.security import bound_url_ids
    bound_url_ids(app)   # before any rule is added: ids beyond the database's range are 404
    from proxy_service.admin import bp as admin_bp
    from proxy_service.agreements import bp as agreements_bp
    from proxy_service.auth import bp as auth_bp
    from proxy_service.cases import bp as cases_bp
    from proxy_service.core.i18n import bp as i18n_bp
    from proxy_service.dashboard import bp as dashboard_bp
    from proxy_service.enterprises import bp as enterprises_bp
    from proxy_service.inbox import bp as notifications_bp
    from proxy_service.service_quality import bp as service_quality_bp
    from proxy_service.verify import bp as verify_bp

    for bp in (auth_bp, enterprises_bp, cases_bp, dashboard_bp, admin_bp, verify_bp,
               notifications_bp, service_quality_bp, agreements_bp, i18n_bp):
        app.register_blueprint(bp)


def register_security(app):
    from proxy_service.core import security
    security.init_app(app)   # after the blueprints: rate limits wrap their views


def register_errors(app):
    def page(code, title, message):
        def handler(error):
            return render_template("errors/error.html", code=code, title=title,
                                   message=message), code
        return handler

    app.register_error_handler(400, page(400, _l("请求有误"), _l("提交的内容无法处理，请返回重试。")))
    app.register_error_handler(403, page(403, _l("无权访问"), _l("您没有执行此操作的权限。")))
    app.register_error_handler(404, page(404, _l("页面不存在"), _l("您要找的页面不存在或您无权查看。")))
    app.register_error_handler(413, page(413, _l("文件过大"), _l("上传的文件超过大小上限（%(mb)s MB）。",
                                                              mb=app.config["MAX_UPLOAD_MB"])))
    server_error = page(500, _l("系统错误"), _l("服务器出现错误，请稍后再试。"))

    def after_rollback(error):
        # The failed request may have left the session mid-transaction; the page's header
        # (user, language) queries again, so start clean rather than fail a second time.
        from proxy_service.core.extensions import db
        db.session.rollback()
        return server_error(error)
    app.register_error_handler(500, after_rollback)
    from proxy_service.core import outage
    outage.init_app(app)   # a database that does not answer: 503, not 500

    @app.after_request
    def no_store_for_users(response):
        from flask_login import current_user
        # Static files first: they need no user, and looking one up is a query per file.
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


def register_template_helpers(app):
    from proxy_service import permissions
    from proxy_service.calendar import lights
    from proxy_service.core import i18n
    from proxy_service.core.templating import TEMPLATE_FILTERS

    app.jinja_env.globals.update(permissions.PREDICATES)
    app.jinja_env.globals.update(lights.TEMPLATE_GLOBALS)
    app.jinja_env.globals.update(i18n.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(TEMPLATE_FILTERS)


def register_cli(app):
    from proxy_service.cli import register
    register(app)
