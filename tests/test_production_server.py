"""What the production server relies on: SQLite connections that wait for the write lock
instead of failing, gunicorn settings from the environment, one JSON log line per request."""
import json
import multiprocessing
import runpy
import subprocess
import sys

import pytest

from config import BASE_DIR, TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db


def test_every_new_sqlite_connection_uses_wal_and_waits_for_the_lock(tmp_path):
    class OwnSqlite(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'pragmas.db'}"

    app = create_app(OwnSqlite)
    with app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):   # two connections open at once: both are new
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # Writers queue for the lock (gunicorn workers, cron) instead of failing with
            # "database is locked" at once; 0 would be SQLite's default.
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def _gunicorn_settings(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_THREADS", "GUNICORN_ACCESS_LOG",
                 "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))


def test_gunicorn_defaults(monkeypatch):
    settings = _gunicorn_settings(monkeypatch)
    assert settings["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["worker_class"] == "sync"
    assert settings["accesslog"] == "-"
    assert settings["graceful_timeout"] == 30
    # The scheme and client address come from the app's TRUSTED_PROXIES alone.
    assert settings["forwarded_allow_ips"] == ""


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
                                  GUNICORN_BIND="127.0.0.1:5201,127.0.0.1:5202",
                                  GUNICORN_ACCESS_LOG="", GUNICORN_TIMEOUT="60")
    assert settings["workers"] == 3
    assert (settings["threads"], settings["worker_class"]) == (4, "gthread")
    assert settings["bind"] == ["127.0.0.1:5201", "127.0.0.1:5202"]
    assert settings["accesslog"] is None
    assert settings["timeout"] == 60


LOG_ONE_REQUEST = """
import sys
from config import DevelopmentConfig
from proxy_service import create_app

class OwnSqlite(DevelopmentConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]

app = create_app(OwnSqlite)
app.logger.info("touched")   # as Flask does for the first unhandled exception of a worker
app.test_client().get("/healthz")
"""


@pytest.mark.parametrize("touch_app_logger", [False, True])
def test_one_json_line_per_request_on_stderr(tmp_path, touch_app_logger):
    script = LOG_ONE_REQUEST if touch_app_logger else LOG_ONE_REQUEST.replace(
        'app.logger.info("touched")', "")
    result = subprocess.run([sys.executable, "-c", script, f"sqlite:///{tmp_path / 'log.db'}"],
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if '"/healthz"' in line]
    # Once Flask's own handler exists on the "proxy_service" logger, a request line that
    # propagated to it came out twice, the second copy not JSON: log shippers choke on it.
    assert len(lines) == 1, lines
    assert lines[0].startswith("{")


STORE_DOWN = """
import sys
from config import DevelopmentConfig
from proxy_service import create_app

class StoreDown(DevelopmentConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]
    RATELIMIT_STORAGE_URI = "redis://127.0.0.1:1"   # nothing listens there

client = create_app(StoreDown).test_client()
for _ in range(3):
    client.get("/verify")
"""


def test_the_rate_limit_store_going_down_reaches_the_log_once(tmp_path):
    result = subprocess.run([sys.executable, "-c", STORE_DOWN, f"sqlite:///{tmp_path / 'log.db'}"],
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if '"flask-limiter"' in line]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("warning", "Rate limit storage unreachable - falling back to in-memory storage")]
    assert all(line.startswith("{") for line in result.stderr.splitlines() if line)
