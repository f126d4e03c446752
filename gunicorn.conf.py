"""gunicorn settings for production and `make load` (`gunicorn -c gunicorn.conf.py wsgi:app`).

Every value comes from the environment, so one file serves every host:
  GUNICORN_BIND         address to listen on (default 127.0.0.1:8000: nginx in front, same host)
  WEB_CONCURRENCY       worker processes (default 2 × cores + 1)
  GUNICORN_THREADS      threads per worker (default 1: sync workers, nginx buffers slow clients)
  GUNICORN_TIMEOUT      seconds before a silent worker is killed and replaced (default 30)
  GUNICORN_GRACEFUL_TIMEOUT  seconds a worker has to finish its requests on reload/stop (30)
  GUNICORN_MAX_REQUESTS  a worker is recycled after this many requests (default 20000, ±10 %)
  GUNICORN_ACCESS_LOG   access log target: "-" (stdout, default), a path, or empty for none
  GUNICORN_PRELOAD      1: load the app in the master before forking (default 0, see below)
The app writes its own JSON line per request on stderr (proxy_service.request); the access
log here adds the response size, with the same request id, so the two can be joined.
"""
import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
# Sync workers (gthread when threads > 1): every request holds one database connection
# from start to end, so a worker needs no pool larger than its thread count.
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycling bounds the memory a worker can accumulate (PDF rendering, large exports);
# the jitter keeps all workers from restarting at the same moment. A new worker imports and
# builds the app again (about 1.8 s of CPU), which every request of the last worker's life
# pays its share of: 0.9 ms a request at 2,000 — more than /healthz itself costs — and 0.09 ms
# at 20,000. A worker's memory levels off after its first requests (`make bench-http`
# measures its RSS over 10,000 status pages), so the longer life costs no memory.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
# Off by default: each worker imports the app itself, so a HUP (systemctl reload) starts
# workers with the new release's code. GUNICORN_PRELOAD=1 loads it once in the master
# (less memory, faster worker start), but then only a restart picks up new code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "0").lower() in ("1", "true", "yes", "on")
# The client address and scheme come from ProxyFix in the app (TRUSTED_PROXIES), one
# setting for every server; gunicorn itself must not rewrite the scheme from headers.
forwarded_allow_ips = ""

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# JSON-ish, one object per line. "ip" is the client address as the app resolved it
# (ProxyFix rewrites REMOTE_ADDR in place); "forwarded_for" is the header nginx sent.
access_log_format = (
    '{"time": "%(t)s", "request_id": "%({x-request-id}o)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"ip": "%(h)s", "forwarded_for": "%({x-forwarded-for}i)s"}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "proxy_service"
# No runtime control socket (gunicornc): its default path is per user, so two instances on
# one host would fight over it; reload and stop go through signals (HUP, TERM) as usual.
control_socket_disable = True


def post_fork(server, worker):
    """With preload_app a forked worker must not reuse a connection the master may have
    opened while loading the app: drop the inherited pool, leaving the parent's sockets."""
    if not server.cfg.preload_app:
        return
    from proxy_service.core.extensions import db  # noqa: PLC0415 — after the fork, in the worker

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)
