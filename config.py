"""Configuration classes, read from the environment (and a .env file when present)."""
import os
import tempfile
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

DEFAULT_SECRET = "dev-only-secret-change-me"


def _env_int(name, default):
    return int(os.environ.get(name, str(default)))


def _env_flag(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _local_base_url():
    # Outside production the app is where `make run` serves it (PORT, else flask run's port).
    port = os.environ.get("PORT") or os.environ.get("FLASK_RUN_PORT") or "5000"
    return f"http://127.0.0.1:{port}"


def _sqlite_default(name):
    return f"sqlite:///{BASE_DIR / 'instance' / name}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default("proxy_service.db")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "20"))
    # The request body may hold a 20 MB file plus the form around it.
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 1) * 1024 * 1024
    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))
    PASSWORD_HASH_METHOD = "scrypt"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    SEED_DEMO_ALLOWED = True
    # Create forms' one-time submit tokens are kept this long (submit_once.py).
    SUBMIT_TOKEN_DAYS = _env_int("SUBMIT_TOKEN_DAYS", 7)
    # Centers' seal certificates and keys: <SEAL_DIR>/<prefix>/cert.pem + key.pem unless the
    # Center row names its own paths (default: instance/seals). SEAL_TRUST_ROOTS: extra CA
    # root certificates (PEM paths, ":"-separated) trusted when checking seals.
    SEAL_DIR = os.environ.get("SEAL_DIR", "")
    SEAL_TRUST_ROOTS = tuple(filter(None, os.environ.get("SEAL_TRUST_ROOTS", "").split(":")))
    # Absolute address of the site, printed in QR codes and links that leave the browser.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or _local_base_url()
    # Sessions (identity/sessions.py): idle limits per audience and an absolute limit.
    STAFF_IDLE_MINUTES = _env_int("STAFF_IDLE_MINUTES", 30)
    ENTERPRISE_IDLE_MINUTES = _env_int("ENTERPRISE_IDLE_MINUTES", 120)
    # After the password (and code) is given again, exports go ahead without asking for this
    # long; signing and changing the password always ask (proxy_service/identity/reauth.py).
    REAUTH_MINUTES = _env_int("REAUTH_MINUTES", 10)
    # The JSON API (proxy_service/api/, docs/api.md): its contract at /api/v1/openapi.json.
    API_TITLE = "一对一精准代办 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {"components": {"securitySchemes": {"token": {
        "type": "http", "scheme": "bearer", "description": "个人访问令牌（psk_…）"}}}}
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    # Per-account lockout, stored in the database so that it holds across workers and hosts.
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    # Per-IP rate limits (Flask-Limiter). Several hosts share them only through Redis:
    # RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "proxy_service")
    RATELIMIT_HEADERS_ENABLED = True
    # A store that does not answer must not take login away: each process then counts in
    # memory (logging a warning on the "flask-limiter" logger) and goes back to the store
    # when it answers again; an error even there lets the request through. Short socket
    # timeouts keep an unreachable host from holding every login for the TCP timeout.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # The status page's fragment cache (core/fragment_cache.py): in Redis when CACHE_REDIS_URL
    # is set (else the rate limits' Redis, if they use one), in each process otherwise, up to
    # FRAGMENT_CACHE_MAX_BYTES there. FRAGMENT_CACHE=off renders every fragment every time.
    FRAGMENT_CACHE = os.environ.get("FRAGMENT_CACHE", "on")
    FRAGMENT_CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or (
        RATELIMIT_STORAGE_URI if RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://")) else "")
    FRAGMENT_CACHE_REDIS_PREFIX = os.environ.get("FRAGMENT_CACHE_REDIS_PREFIX", "proxy_service:fragment:")
    FRAGMENT_CACHE_MAX_BYTES = _env_int("FRAGMENT_CACHE_MAX_BYTES", 32 * 2**20)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    # Requests per API token over the whole /api/v1 (api/rate_limits.py).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Two-factor login: staff always; enterprises when this is on or their center requires it.
    REQUIRE_ENTERPRISE_2FA = _env_flag("REQUIRE_ENTERPRISE_2FA")
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "ProxyService")
    HSTS_SECONDS = 0
    # Notifications (proxy_service/notifications/). E-mail goes over SMTP when MAIL_SERVER is
    # set (MAIL_USE_TLS: STARTTLS on MAIL_PORT; MAIL_USE_SSL: implicit TLS, usually 465),
    # else to the log. SMS_BACKEND "log" writes SMS to the log, "http" sends them through
    # an Alibaba Cloud SMS style API (SendSms, HMAC-SHA1 signed) at SMS_API_URL.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_flag("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "一对一精准代办 <noreply@localhost>")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
    SMS_API_URL = os.environ.get("SMS_API_URL", "https://dysmsapi.aliyuncs.com/")
    SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
    SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
    SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
    SMS_REGION_ID = os.environ.get("SMS_REGION_ID", "cn-hangzhou")
    SMS_TIMEOUT = _env_int("SMS_TIMEOUT", 10)
    # The provider's approved template ids (texts to register: outbox.SMS_TEMPLATES).
    SMS_TEMPLATE_CASE_UPDATE = os.environ.get("SMS_TEMPLATE_CASE_UPDATE", "")
    SMS_TEMPLATE_CORRECTION = os.environ.get("SMS_TEMPLATE_CORRECTION", "")
    SMS_TEMPLATE_STAFF_TODO = os.environ.get("SMS_TEMPLATE_STAFF_TODO", "")
    SMS_TEMPLATE_DEADLINE = os.environ.get("SMS_TEMPLATE_DEADLINE", "")
    SMS_TEMPLATE_NOTICE = os.environ.get("SMS_TEMPLATE_NOTICE", "")
    # Outbox: rows leased per round, lease length, tries before "failed", and the back-off
    # (OUTBOX_RETRY_SECONDS × 2^(tries-1), at most OUTBOX_RETRY_MAX_SECONDS).
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 50)
    OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 300)
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_RETRY_SECONDS = _env_int("OUTBOX_RETRY_SECONDS", 60)
    OUTBOX_RETRY_MAX_SECONDS = _env_int("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)
    # Webhooks (`flask webhooks deliver`, every minute): rows leased per round, endpoints sent
    # to in parallel, seconds a run may spend (under the cron interval), a lease's length.
    # WEBHOOKS_ALLOW_LOOPBACK lets http reach a receiver on this host (tests, development);
    # never in production, where only https to public addresses is allowed.
    WEBHOOKS_BATCH = _env_int("WEBHOOKS_BATCH", 100)
    WEBHOOKS_PARALLEL = _env_int("WEBHOOKS_PARALLEL", 8)
    WEBHOOKS_TIME_BUDGET = _env_int("WEBHOOKS_TIME_BUDGET", 50)
    WEBHOOKS_LEASE_SECONDS = _env_int("WEBHOOKS_LEASE_SECONDS", 300)
    WEBHOOKS_ALLOW_LOOPBACK = os.environ.get("WEBHOOKS_ALLOW_LOOPBACK") == "1"
    # The managers' dashboard shows its figures as computed at most this many seconds ago
    # (dashboard/figure_cache.py; never more than 300, 0 computes them for every request), and
    # keeps at most this many sets of figures per worker process.
    DASHBOARD_CACHE_SECONDS = min(_env_int("DASHBOARD_CACHE_SECONDS", 300), 300)
    DASHBOARD_CACHE_ENTRIES = _env_int("DASHBOARD_CACHE_ENTRIES", 128)


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or _sqlite_default("test.db")
    WTF_CSRF_ENABLED = False
    # Cheap hashing keeps the suite fast; never used outside tests.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Development seals made by the suite (and its demo data) stay out of instance/seals.
    SEAL_DIR = (os.environ.get("TEST_SEAL_DIR")
                or str(Path(tempfile.gettempdir()) / "proxy_service_test_seals"))
    # The tests that check rate limits turn them on in their own app.
    RATELIMIT_ENABLED = False
    # The dashboard's figures follow every change at once; tests/test_dashboard_cache.py
    # turns the cache on.
    DASHBOARD_CACHE_SECONDS = 0
    # Each test app caches in its own process (the suite runs with the cache on).
    FRAGMENT_CACHE_REDIS_URL = ""


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 31536000)
    SEED_DEMO_ALLOWED = False
    # Whatever the environment says. Only the load run's cron commands turn it on, through
    # their own app (benchmarks/load/cron_app.py), to reach the run's receiver on 127.0.0.1.
    WEBHOOKS_ALLOW_LOOPBACK = False
    # No guessed default: a QR code printed on a sealed agreement cannot be corrected later.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    @classmethod
    def check(cls):
        if cls.SECRET_KEY == DEFAULT_SECRET:
            raise RuntimeError("SECRET_KEY must be set in production")
        if not cls.PUBLIC_BASE_URL:
            raise RuntimeError("PUBLIC_BASE_URL must be set in production "
                               "(the site's address, e.g. https://daiban.example.gov.cn)")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS[os.environ.get("FLASK_CONFIG", "development")]
