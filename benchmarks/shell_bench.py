"""What every logged-in page pays outside its view (issue 18, "the shell"): in-process, with the
production settings, CPU per request of

- a logged-in page whose content is empty (a route added here: base.html around nothing) —
  the request hooks, the session cookie, the user load, CSRF, the request log line, the
  navigation, the bell, flashes, response headers;
- the agent's notifications page (`make bench`'s "agent: notifications");
- /healthz (no cookie).

Run: .venv/bin/python benchmarks/shell_bench.py
  SHELL_BENCH_CASES=1000      the seeded database (benchmarks/bench_db.py; instance/bench/)
  SHELL_BENCH_ROUNDS=2000     requests per route (after 50 untimed ones)
  SHELL_BENCH_PROFILE=1       also a cProfile of the empty page (top functions, cumulative)
  SHELL_BENCH_APP_ROOT=DIR    the app of another checkout (e.g. `git archive main` unpacked)
  SHELL_BENCH_PARTS=0         without the breakdown

Also a breakdown of the empty page: CPU of each request hook, the session's open and save, the
user load and the page's render, each timed around its own call (the sum is below the total:
Flask's dispatch, Werkzeug's request and response objects and the test client are the rest).
The request log goes to /dev/null, as it would go to a file; it is written (INFO).
"""
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

# SHELL_BENCH_APP_ROOT=/path/to/another/checkout measures that checkout's app (before/after).
APP_ROOT = os.environ.get("SHELL_BENCH_APP_ROOT") or str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, APP_ROOT)

from bench_db import SECRET_KEY, BenchDatabase  # noqa: E402
from bench_subjects import pick_subjects  # noqa: E402
from flask import render_template  # noqa: E402
from flask_login import login_required  # noqa: E402
from pages_bench import has_seed_scale, login  # noqa: E402

from config import ProductionConfig  # noqa: E402
from proxy_service import create_app  # noqa: E402
from proxy_service.core.extensions import login_manager  # noqa: E402

CASES = int(os.environ.get("SHELL_BENCH_CASES", "1000"))
ROUNDS = int(os.environ.get("SHELL_BENCH_ROUNDS", "2000"))
WARMUP = 50
EMPTY_PAGE = "{% extends 'base.html' %}{% block title %}shell{% endblock %}"
PROXY = {"X-Forwarded-Proto": "https"}   # nginx's part, as in make bench-http


def shell_config(url, seal_dir):
    class ShellConfig(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEAL_DIR = str(seal_dir)
        PUBLIC_BASE_URL = "https://daiban.example.gov.cn"
        TRUSTED_PROXIES = 1
    ShellConfig.SECRET_KEY = SECRET_KEY   # the seed's: the TOTP secrets are encrypted with it
    return ShellConfig


def build_app(url, seal_dir):
    app = create_app(shell_config(url, seal_dir))
    empty_page = app.jinja_env.from_string(EMPTY_PAGE)   # compiled once, as a file would be

    @app.get("/_shell")
    @login_required
    def shell_page():
        return render_template(empty_page)

    sink = open(os.devnull, "w")  # noqa: SIM115 — open for the process's life
    for name in ("proxy_service.request", "proxy_service.security"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)
    return app


class Timings:
    """CPU per call of wrapped functions, by name."""

    def __init__(self):
        self.spent = defaultdict(float)
        self.on = False

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            if not self.on:
                return function(*args, **kwargs)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] += time.process_time() - started
        timed.__name__ = getattr(function, "__name__", name)
        return timed


def instrument(app, timings):
    """Wrap every request hook, the session interface, the user loader and the render."""
    for kind in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
                 "template_context_processors"):
        for scope, hooks in getattr(app, kind).items():
            for index, hook in enumerate(hooks):
                label = f"{kind.split('_')[0]}:{scope or 'app'}:{_name(hook)}"
                hooks[index] = timings.wrap(label, hook)
    interface = app.session_interface
    interface.open_session = timings.wrap("session: open (cookie → dict)", interface.open_session)
    interface.save_session = timings.wrap("session: save (dict → cookie)", interface.save_session)
    login_manager._user_callback = timings.wrap("user load (query + checks)",
                                                login_manager._user_callback)
    environment = app.jinja_env
    original = environment.template_class.render

    def render(template, *args, **kwargs):
        return timings.wrap("template render (base.html around nothing)", original)(
            template, *args, **kwargs)
    environment.template_class.render = render


def _name(hook):
    name = getattr(hook, "__qualname__", repr(hook))
    module = getattr(hook, "__module__", "")
    return f"{module}.{name}" if module else name


def measure(client, url, rounds, headers=None):
    cpu = []
    for index in range(rounds + WARMUP):
        started = time.process_time()
        response = client.get(url, headers=headers)
        response.get_data()
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        if index >= WARMUP:
            cpu.append(time.process_time() - started)
    cpu.sort()
    return statistics.median(cpu) * 1e6, cpu[len(cpu) // 10] * 1e6


def main():
    seeder = "seed-scale" if has_seed_scale() else "seed-demo"
    database = BenchDatabase(CASES, seeder)
    url = database.ensure()
    app = build_app(url, database.seal_dir)
    with app.app_context():
        subjects = pick_subjects(app)
    agent = login(app, subjects["users"]["agent"])
    manager = login(app, subjects["users"]["manager"])
    enterprise = login(app, subjects["users"]["enterprise"])
    for client in (agent, manager, enterprise):
        client.environ_base.update({"HTTP_X_FORWARDED_PROTO": "https"})
    anonymous = app.test_client()
    print(f"{APP_ROOT}: {CASES} cases, {ROUNDS} requests a route; CPU µs per request "
          "(median / 10th percentile: the least disturbed by other processes)")
    for label, client, path in (("/healthz (no cookie)", anonymous, "/healthz"),
                                ("empty page, agent", agent, "/_shell"),
                                ("empty page, manager", manager, "/_shell"),
                                ("empty page, enterprise", enterprise, "/_shell"),
                                ("agent: notifications", agent, "/notifications")):
        median, low = measure(client, path, ROUNDS, PROXY)
        print(f"  {label:<28} {median:8.0f} / {low:8.0f}")
    if os.environ.get("SHELL_BENCH_PARTS", "1") == "0":
        return
    timings = Timings()
    instrument(app, timings)
    timings.on = True
    measure(agent, "/_shell", ROUNDS, PROXY)
    timings.on = False
    print(f"\nempty page (agent), CPU µs per request of each part ({ROUNDS} requests):")
    for name, spent in sorted(timings.spent.items(), key=lambda item: -item[1]):
        print(f"  {spent / (ROUNDS + WARMUP) * 1e6:8.1f}  {name}")
    if os.environ.get("SHELL_BENCH_PROFILE"):
        profile = cProfile.Profile()
        profile.enable()
        measure(agent, "/_shell", ROUNDS, PROXY)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
