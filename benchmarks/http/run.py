"""`make bench-http`: throughput of this app beside a minimal Flask app, under the same server.

    .venv/bin/python benchmarks/http/run.py

1. This app's database: `flask seed-scale --cases BENCH_HTTP_CASES` (default 20,000), seeded
   once into instance/bench/ and reused (benchmarks/bench_db.py); the minimal app's database
   (minimal_app.py: 120,000 steps of 10,000 cases) beside it.
2. Both apps under gunicorn with gunicorn.conf.py (FLASK_CONFIG=production for this app), 2 sync
   workers each (WEB_CONCURRENCY=2), access log to a file, bound to 127.0.0.1 (BENCH_HTTP_PORT,
   default 5141, and the next port). This app sits behind the client's stand-in for nginx
   (X-Forwarded-Proto: https, TRUSTED_PROXIES=1), as in `make load`.
3. A real login of an enterprise user, an agent and a manager (password, then the one-time code
   for staff); each page is fetched with that user's session cookie.
4. `wrk -t2 -c32` on each route for BENCH_HTTP_SECONDS (default 10) after BENCH_HTTP_WARMUP
   seconds (default 2) not counted; req/s from wrk, statuses from the access log, the servers'
   CPU (master and workers, from /proc) per request.
   BENCH_HTTP_ONLY=healthz,inbox measures only the app's routes whose label holds a word;
   BENCH_HTTP_APP_ROOT=/path/to/another/checkout serves that checkout's app instead (before/after).
5. Memory (BENCH_HTTP_MEMORY_REQUESTS, default 10,000; 0 skips it): one worker that is never
   recycled serves the manager the status pages of BENCH_HTTP_MEMORY_CASES (1,000) cases of
   the busiest center: its RSS after one pass over them (a bounded page cache is as full then
   as it gets), and every 1,000 of the requests after that.

Prints req/s, the non-2xx count and the ratio against its yardstick of every route, with the
targets of issue 18. Exit code 1 when a response was not 2xx.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

import requests
from sqlalchemy import select

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "load")]

import loadlib  # noqa: E402
from bench_db import SECRET_KEY, BenchDatabase, bench_dir  # noqa: E402
from bench_subjects import pick_subjects  # noqa: E402
from minimal_app import build_database  # noqa: E402
from pages_bench import _one_time_code as one_time_code  # noqa: E402
from pages_bench import bench_config  # noqa: E402

from proxy_service import create_app  # noqa: E402
from proxy_service.core.extensions import db  # noqa: E402
from proxy_service.models import Case  # noqa: E402
from proxy_service.seed.scale.setup import PASSWORD  # noqa: E402

ENV = os.environ.get
CASES = int(ENV("BENCH_HTTP_CASES", "20000"))
SECONDS = int(ENV("BENCH_HTTP_SECONDS", "10"))
WARMUP = int(ENV("BENCH_HTTP_WARMUP", "2"))
CONNECTIONS = int(ENV("BENCH_HTTP_CONNECTIONS", "32"))
PORT = int(ENV("BENCH_HTTP_PORT", "5141"))
# The checkout whose app (and gunicorn.conf.py) is measured: another one (`git archive main`
# unpacked somewhere) gives the "before" figures on the same database and machine.
APP_ROOT = Path(ENV("BENCH_HTTP_APP_ROOT") or ROOT).resolve()
MEMORY_REQUESTS = int(ENV("BENCH_HTTP_MEMORY_REQUESTS", "10000"))
MEMORY_CASES = int(ENV("BENCH_HTTP_MEMORY_CASES", "1000"))
PROXY = {"X-Forwarded-Proto": "https"}   # nginx's part (loadlib); the app trusts one proxy
TICKS = os.sysconf("SC_CLK_TCK")
# Issue 18, target 2: the share of its yardstick each route must reach.
TARGETS = {"healthz": 0.60, "status": 0.40, "page": 0.25}


# --- servers --------------------------------------------------------------------------------

class Server:
    """One gunicorn (gunicorn.conf.py) in its own process group, its access log in `work`."""

    def __init__(self, name, port, target, env, work, workers=2, max_requests=None, root=ROOT):
        self.name, self.port, self.work = name, port, work
        self.access_log = work / f"access-{name}.log"
        env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers),
                   GUNICORN_THREADS="1", GUNICORN_ACCESS_LOG=str(self.access_log))
        if max_requests is not None:
            env["GUNICORN_MAX_REQUESTS"] = str(max_requests)
        cmd = [str(BIN / "gunicorn"), "-c", str(root / "gunicorn.conf.py"), "--pythonpath",
               f"{root},{HERE}", target]
        with open(work / f"server-{name}.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

    def wait_ready(self, path, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}); see "
                                 f"{self.work}/server-{self.name}.log")
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                                 headers=PROXY)
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} did not answer {path} within {timeout} s")

    def cpu_seconds(self):
        """CPU used so far by the master, its live workers and the workers it reaped."""
        total = _stat_ticks(self.proc.pid, children=True)
        for child in _children(self.proc.pid):
            total += _stat_ticks(child)
        return total / TICKS

    def worker_pids(self):
        return _children(self.proc.pid)

    def log_offset(self):
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def statuses(self, since):
        """{status: count} of the access log's lines after byte `since`."""
        counts = {}
        with open(self.access_log, "rb") as log:
            log.seek(since)
            for match in re.finditer(rb'"status": (\d+)', log.read()):
                counts[int(match.group(1))] = counts.get(int(match.group(1)), 0) + 1
        return counts

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass


def _stat_ticks(pid, children=False):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # After the name: state is field 3; utime, stime, cutime, cstime are fields 14-17.
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if children else 0)


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def app_environment(url, seal_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MAIL_", "SMS_"))}
    env.update(FLASK_CONFIG="production", SECRET_KEY=SECRET_KEY, DATABASE_URL=url,
               SEAL_DIR=str(seal_dir), PUBLIC_BASE_URL="https://proxy-service.invalid",
               TRUSTED_PROXIES="1", RATELIMIT_KEY_PREFIX=f"bench-http-{os.getpid()}",
               PYTHONUNBUFFERED="1")
    return env


# --- logging in -----------------------------------------------------------------------------

def session_cookie(app, base, username):
    """The session cookie of a real login of `username` on the server at `base`."""
    client = CookieClient(base)
    answer = client.post_page("/login", {"username": username, "password": PASSWORD})
    if answer.status_code == 302 and answer.headers["Location"].endswith("/login/code"):
        answer = client.post_page("/login/code", {"code": one_time_code(app, username)})
    if answer.status_code != 302 or "/login" in answer.headers["Location"]:
        raise SystemExit(f"login of {username} failed ({answer.status_code})")
    return client.cookie


class CookieClient:
    """A browser behind nginx, as far as logging in goes: it keeps the `Secure` session cookie
    over the plain-HTTP loopback hop (loadlib). requests' own jar would not send it: a
    Session copies its cookies into a jar of the default policy for every request."""

    def __init__(self, base):
        self.base, self.cookie = base, ""

    def request(self, method, path, **kwargs):
        headers = dict(PROXY, Cookie=self.cookie, **kwargs.pop("headers", {}))
        answer = requests.request(method, self.base + path, headers=headers,
                                  allow_redirects=False, timeout=60, **kwargs)
        if "session" in answer.cookies:
            self.cookie = f"session={answer.cookies['session']}"
        return answer

    def post_page(self, path, values):
        fields = loadlib.form_fields(self.request("GET", path).text, path, path) or {}
        fields.update(values)
        return self.request("POST", path, data=fields,
                            headers={"Referer": loadlib.referer(self.base, path)})


# --- wrk --------------------------------------------------------------------------------------

def wrk(port, path, headers, seconds):
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, timeout=seconds + 60, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return float(found.group(1)) if found else 0.0, errors.group(1) if errors else ""


def measure(server, label, path, headers):
    wrk(server.port, path, headers, WARMUP)
    offset, cpu = server.log_offset(), server.cpu_seconds()
    rps, socket_errors = wrk(server.port, path, headers, SECONDS)
    time.sleep(0.3)   # the last access-log lines
    cpu = server.cpu_seconds() - cpu
    statuses = server.statuses(offset)
    served = sum(statuses.values())
    return {"label": label, "rps": rps, "statuses": statuses, "served": served,
            "non_2xx": sum(n for code, n in statuses.items() if not 200 <= code < 300),
            "cpu_ms": 1000 * cpu / served if served else 0.0, "socket_errors": socket_errors}


# --- the run --------------------------------------------------------------------------------

def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk; `make bench-http` does it)")
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    bench = BenchDatabase(CASES, "seed-scale")
    print(f"bench-http: {CASES} cases, wrk -t2 -c{CONNECTIONS}, {SECONDS} s a route after "
          f"{WARMUP} s of warm-up; the app of {APP_ROOT}; logs in {work}", flush=True)
    url = bench.ensure()
    app = create_app(bench_config(url, bench.seal_dir))
    with app.app_context():
        subjects = pick_subjects(app)
    minimal_db = build_database(str(bench_dir() / "minimal-120000.db"))
    minimal_env = dict(os.environ, MINIMAL_DATABASE=minimal_db)
    app_env = app_environment(url, bench.seal_dir)
    servers = []
    try:
        minimal = Server("minimal", PORT, "minimal_app:app", minimal_env, work)
        servers.append(minimal)
        ours = Server("app", PORT + 1, "wsgi:app", app_env, work, root=APP_ROOT)
        servers.append(ours)
        minimal.wait_ready("/bare")
        ours.wait_ready("/healthz")
        rows = throughput(minimal, ours, app, subjects)
        for server in servers:
            server.stop()
        memory = memory_growth(app, subjects, app_env, work) if MEMORY_REQUESTS else None
    finally:
        for server in servers:
            server.stop()
    print(report(rows, memory, subjects))
    failed = any(row["non_2xx"] for row in rows) or (memory and set(memory["statuses"]) != {200})
    return 1 if failed else 0


def throughput(minimal, ours, app, subjects):
    base = f"http://127.0.0.1:{ours.port}"
    cookies = {role: session_cookie(app, base, name) for role, name in subjects["users"].items()}
    page = {label: (role, path) for label, role, path in subjects["pages"]}
    routes = [
        (minimal, "minimal: bare JSON route", "/bare", None, None, None),
        (minimal, "minimal: 12 steps, Jinja table", "/steps/4242", None, None, None),
        (ours, "/healthz", "/healthz", None, "bare", "healthz"),
    ]
    for label in ("enterprise: largest case status page", "enterprise: case list",
                  "agent: inbox", "manager: case list, first page",
                  "manager: dashboard, this month"):
        role, path = page[label]
        routes.append((ours, label, path, role, "minimal page",
                       "status" if "status page" in label else "page"))
    rows = []
    only = [word for word in ENV("BENCH_HTTP_ONLY", "").split(",") if word]   # while iterating
    for server, label, path, role, against, target in routes:
        if only and server is ours and not any(word in label for word in only):
            continue
        headers = dict(PROXY, Cookie=cookies[role]) if role else (PROXY if server is ours else {})
        row = measure(server, label, path, headers)
        row.update(path=path, against=against, target=target)
        print(f"  {label}: {row['rps']:.1f} req/s, {row['cpu_ms']:.2f} ms CPU a request, "
              f"statuses {row['statuses']}", flush=True)
        rows.append(row)
    return rows


def memory_growth(app, subjects, env, work):
    """RSS of one never-recycled worker serving case status pages to the busiest center's
    manager: after a warm-up pass over MEMORY_CASES different cases (what a bounded page cache
    holds then is all it will hold), then every 1,000 of MEMORY_REQUESTS more, round the same
    cases (4 keep-alive connections)."""
    with app.app_context():
        cases = db.session.scalars(select(Case.id).where(Case.center_id == subjects["center"])
                                   .order_by(Case.id).limit(MEMORY_CASES)).all()
    paths = [f"/cases/{case_id}" for case_id in cases]
    server = Server("memory", PORT + 2, "wsgi:app", env, work, workers=1, max_requests=0,
                    root=APP_ROOT)
    try:
        server.wait_ready("/healthz")
        cookie = session_cookie(app, f"http://127.0.0.1:{server.port}",
                                subjects["users"]["manager"])
        headers = dict(PROXY, Cookie=cookie)
        worker = server.worker_pids()[0]
        statuses = fetch(server.port, paths, headers, len(paths))
        warm, curve, started = rss_mb(worker), [], time.monotonic()
        print(f"  memory: RSS {warm:.1f} MB after {len(paths)} status pages of as many cases",
              flush=True)
        for done in range(0, MEMORY_REQUESTS, 1000):
            batch = min(1000, MEMORY_REQUESTS - done)
            for code, n in fetch(server.port, paths, headers, batch).items():
                statuses[code] = statuses.get(code, 0) + n
            curve.append(rss_mb(worker))
            print(f"  memory: {done + batch} more, RSS {curve[-1]:.1f} MB", flush=True)
        if server.worker_pids() != [worker]:
            raise SystemExit("the measured worker was replaced during the memory step")
        return {"warm": warm, "after": curve[-1], "peak": max(curve), "cases": len(paths),
                "requests": MEMORY_REQUESTS, "statuses": statuses,
                "seconds": time.monotonic() - started}
    finally:
        server.stop()


SESSION_COOKIE = re.compile(r"(session=[^;]+)")


def fetch(port, paths, headers, count, connections=4):
    """`count` GETs round `paths` over `connections` keep-alive connections; {status: n}.
    `headers` (with the session cookie) takes the renewed cookie of each answer."""
    statuses, lock = {}, threading.Lock()
    queue = iter([paths[i % len(paths)] for i in range(count)])

    def one():
        conn = HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                path = next(queue, None)
            if path is None:
                break
            with lock:
                sent = dict(headers)
            conn.request("GET", path, headers=sent)
            answer = conn.getresponse()
            answer.read()
            renewed = SESSION_COOKIE.match(answer.getheader("Set-Cookie") or "")
            with lock:
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
                if renewed:   # as a browser keeps it: the idle timeout counts from the last
                    headers["Cookie"] = renewed.group(1)
        conn.close()
    threads = [threading.Thread(target=one) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def report(rows, memory, subjects):
    """The table: req/s and their ratio to the yardstick (what the targets say), and the same
    ratio from CPU per request, which other work on the machine disturbs less."""
    yardstick = {"bare": rows[0], "minimal page": rows[1]}
    lines = ["", f"== bench-http: {subjects['total_cases']} cases; largest case "
             f"{subjects['largest_case']} ({subjects['largest_steps']} steps); "
             f"load average {os.getloadavg()[0]:.1f}", "",
             f"{'route':<38} {'req/s':>7} {'CPU ms':>7} {'non-2xx':>7}  {'ratio (CPU ratio)':<34}"
             " target"]
    for row in rows:
        ratio, verdict = "", ""
        if row["against"]:
            base = yardstick[row["against"]]
            share = row["rps"] / base["rps"] if base["rps"] else 0.0
            cpu_share = base["cpu_ms"] / row["cpu_ms"] if row["cpu_ms"] else 0.0
            goal = TARGETS[row["target"]]
            ratio = f"{100 * share:.1f} % ({100 * cpu_share:.1f} %) of {row['against']}"
            verdict = f"≥ {100 * goal:.0f} % {'ok' if share >= goal else 'MISSED'}"
        lines.append(f"{row['label'][:38]:<38} {row['rps']:>7.1f} {row['cpu_ms']:>7.2f} "
                     f"{row['non_2xx']:>7}  {ratio:<34} {verdict}")
    errors = [f"{row['label']}: {row['socket_errors']}" for row in rows if row["socket_errors"]]
    lines += ["", "CPU ms: the server's CPU (master, workers, recycled workers) per request "
              "served, wrk's not included; the CPU ratio is the yardstick's CPU ms / the route's."]
    lines += [f"socket errors — {e}" for e in errors]
    if memory:
        growth = memory["after"] - memory["warm"]
        lines += ["", f"memory: one worker, the status pages of {memory['cases']} cases; RSS "
                  f"{memory['warm']:.1f} MB after one pass, {memory['after']:.1f} MB after "
                  f"{memory['requests']} more (peak {memory['peak']:.1f}; {memory['seconds']:.0f}"
                  f" s; statuses {memory['statuses']}): growth {growth:+.1f} MB "
                  f"(target ≤ 10 MB, every answer 200: "
                  f"{'ok' if growth <= 10 and set(memory['statuses']) == {200} else 'MISSED'})"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
