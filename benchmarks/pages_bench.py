"""Page speed at two data sizes: SQL statements and server time of the pages people use most.

Run: make bench   (or .venv/bin/python benchmarks/pages_bench.py)
  BENCH_SIZES=1000,100000   sizes N to compare (cases); the ratio is last / first
  BENCH_ROUNDS=20           timed requests per page (after 2 untimed ones); fewer for exports
  DATABASE_URL=postgresql+psycopg://user@host/db   measure on PostgreSQL (databases db_<N>)
  BENCH_DIR=instance/bench  where the SQLite databases and their keys are kept (bench_db.py)

Each size's database is seeded once with `flask seed-scale --cases N` and reused until the
migrations change. Requests go through the Flask test client in this process, after a real
login (password, and the one-time code for staff) of one user per role: a manager and an agent
of the busiest center, and a user of the enterprise that owns that center's largest case.
Times are wall-clock milliseconds from the request to the last byte of the response; the CPU
column is this process's CPU time (SQLite included), with the fragment cache warm, and, for
the pages it serves (the status page), again with the cache off.
"""
import json
import logging
import math
import os
import re
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pyotp
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import SECRET_KEY, BenchDatabase, bench_dir, has_seed_scale  # noqa: E402
from bench_subjects import machine, pick_subjects  # noqa: E402
from yardstick import rounds as yardstick_rounds  # noqa: E402

from config import DevelopmentConfig
from proxy_service import create_app
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor
from proxy_service.models import User
from proxy_service.workflow import api_tokens as workflow_tokens

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
HEAVY_ROUNDS = max(1, int(os.environ.get("BENCH_HEAVY_ROUNDS", "5")))
PASSWORD = os.environ.get("BENCH_PASSWORD", "demo1234")


def bench_config(url, seal_dir):
    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEAL_DIR = str(seal_dir)
    BenchConfig.SECRET_KEY = SECRET_KEY
    return BenchConfig


# --- logging in through the pages -------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _post_form(client, url, data):
    page = client.get(url)
    token = CSRF.search(page.get_data(as_text=True))
    return client.post(url, data=dict(data, csrf_token=token.group(1) if token else ""))


def login(app, username):
    """A test client logged in as `username`: password, then the one-time code for staff."""
    client = app.test_client()
    response = _post_form(client, "/login", {"username": username, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"login of {username} failed ({response.status_code})")
    if response.headers["Location"].endswith("/login/code"):
        response = _post_form(client, "/login/code", {"code": _one_time_code(app, username)})
        if response.status_code != 302 or "/login" in response.headers["Location"]:
            raise SystemExit(f"one-time code of {username} refused")
    return client


def confirm_identity(app, client, username):
    """Password and code again, as exports ask (identity/reauth.py); holds for REAUTH_MINUTES."""
    response = _post_form(client, "/confirm", {"password": PASSWORD,
                                               "code": _one_time_code(app, username)})
    if response.status_code != 302:
        raise SystemExit(f"{username} could not confirm the identity ({response.status_code})")


def _one_time_code(app, username):
    """A code for a time step the user has not used yet (a code is good once; one step of
    drift is allowed), waiting for the next step when the last run used the current one."""
    while True:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            totp = pyotp.TOTP(twofactor.secret_of(user))
            current = totp.timecode(clock.now())
            step = max(current - 1, (user.totp_last_step or 0) + 1)
            if step <= current + 1:
                return totp.generate_otp(step)
        time.sleep(5)


def api_tokens(app, usernames):
    """A personal access token (cases:read) of each user, made in the database (not timed)."""
    secrets = {}
    with app.app_context():
        for role, username in usernames.items():
            user = db.session.scalar(select(User).where(User.username == username))
            _token, secrets[role] = workflow_tokens.create_token(
                user, name="benchmark", scopes=["cases:read"],
                expires_on=clock.today() + timedelta(days=1))
        db.session.commit()
    return secrets


# --- measuring --------------------------------------------------------------------------------

class QueryCounter:
    """Statements sent to the database (PRAGMA and savepoints aside, as in the tests)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            self.count += 1


def percentile(values, share):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_page(client, counter, url, rounds, headers=None):
    """(statements per request, [ms], status): two untimed requests warm the caches first."""
    times, cpu, counts, status = [], [], set(), None
    for index in range(rounds + 2):
        before = counter.count
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        response.get_data()
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if index >= 2:
            times.append(elapsed)
            cpu.append((time.process_time() - started_cpu) * 1000)
            counts.add(counter.count - before)
    # CPU time of this process (SQLite runs in it) shows the work when a busy machine
    # stretches the wall-clock figures.
    return {"queries": max(counts), "queries_vary": len(counts) > 1, "times": times,
            "median": statistics.median(times), "p95": percentile(times, 0.95),
            "cpu_median": statistics.median(cpu), "status": status}


def time_page_without_cache(cache, client, counter, url, rounds):
    """time_page with the fragment cache switched off (every fragment rendered)."""
    cache.enabled = False
    try:
        figures = time_page(client, counter, url, rounds)
    finally:
        cache.enabled = True
    figures.pop("times")
    return figures


def _rss_kb(field="VmRSS"):
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def stream_profile(client, url):
    """One unbuffered download: whether the response is a generator, when the first chunk
    holding a data row arrived (after the header line), the total time and size, and the
    memory growth meanwhile (tracemalloc peak of Python allocations, and the peak RSS)."""
    rss_reset = _reset_peak_rss()
    rss_before = _rss_kb("VmRSS")
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    size, newlines, first_row_ms = 0, 0, None
    for chunk in response.response:
        size += len(chunk)
        newlines += chunk.count(b"\n" if isinstance(chunk, bytes) else "\n")
        if first_row_ms is None and newlines >= 2:   # the header line, then a data row
            first_row_ms = (time.perf_counter() - started) * 1000
    response.close()
    total_ms = (time.perf_counter() - started) * 1000
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    rss_peak = _rss_kb("VmHWM") if rss_reset else None
    return {"status": response.status_code, "streamed": response.is_streamed, "bytes": size,
            "lines": newlines, "first_row_ms": first_row_ms, "total_ms": total_ms,
            "tracemalloc_peak_mb": peak / 2**20,
            "rss_growth_mb": (rss_peak - rss_before) / 1024 if rss_peak and rss_before else None}


def run_size(url, n, seal_dir, log=print):
    app = create_app(bench_config(url, seal_dir))
    for name in ("proxy_service.request", "proxy_service.core.security"):   # a line per request
        logging.getLogger(name).setLevel(logging.ERROR)
    with app.app_context():
        subjects = pick_subjects(app)
        counter = QueryCounter(db.engine)
        engine_info = machine(db.engine)
    log(f"  center {subjects['center']} ({subjects['center_cases']} cases), largest case "
        f"{subjects['largest_case']} ({subjects['largest_steps']} steps)")
    clients = {role: login(app, username) for role, username in subjects["users"].items()}
    results = {"n": n, "cases": subjects["total_cases"], "pages": {}, "subjects": subjects,
               "engine": engine_info}
    cache = app.extensions["fragment_cache"]
    for label, role, page_url in subjects["pages"]:
        rounds = HEAVY_ROUNDS if "pdf" in page_url else ROUNDS
        hits = cache.hits
        figures = time_page(clients[role], counter, page_url, rounds)
        figures["url"] = page_url
        if cache.hits > hits:     # served from cached fragments: measured without them too
            figures["cache_off"] = time_page_without_cache(cache, clients[role], counter,
                                                           page_url, rounds)
        results["pages"][label] = figures
        off = figures.get("cache_off")
        log(f"  {label:<38} {figures['queries']:>3} q  {figures['median']:8.1f} ms median "
            f"{figures['p95']:8.1f} ms p95 {figures['cpu_median']:8.1f} ms cpu  [{figures['status']}]"
            + (f"  cache off: {off['queries']} q {off['cpu_median']:.1f} ms cpu" if off else ""))
    tokens = api_tokens(app, subjects["users"])
    for label, role, page_url in subjects["api_pages"]:
        figures = time_page(app.test_client(), counter, page_url, ROUNDS,
                            headers={"Authorization": f"Bearer {tokens[role]}"})
        figures["url"] = page_url
        results["pages"][label] = figures
        log(f"  {label:<38} {figures['queries']:>3} q  {figures['median']:8.1f} ms median "
            f"{figures['p95']:8.1f} ms p95 {figures['cpu_median']:8.1f} ms cpu  [{figures['status']}]")
    manager = clients["manager"]
    confirm_identity(app, manager, subjects["users"]["manager"])
    export = time_page(manager, counter, subjects["export_url"], HEAVY_ROUNDS)
    export.update(stream_profile(manager, subjects["export_url"]))
    results["export"] = export
    log(f"  CSV export: {export['median']:.0f} ms, {export['lines'] - 1} rows, "
        f"{export['bytes'] / 2**20:.1f} MB, generator={export['streamed']}, first row after "
        f"{export['first_row_ms']:.0f} of {export['total_ms']:.0f} ms, "
        f"+{export['tracemalloc_peak_mb']:.1f} MB traced")
    if subjects.get("document_url"):
        download = time_page(manager, counter, subjects["document_url"], HEAVY_ROUNDS)
        download.update(stream_profile(manager, subjects["document_url"]))
        download["size_mb"] = subjects["document_size"] / 2**20
        results["document"] = download
        log(f"  document {download['size_mb']:.1f} MB: {download['median']:.0f} ms, "
            f"generator={download['streamed']}, +{download['tracemalloc_peak_mb']:.1f} MB traced")
    return results


# --- the report -------------------------------------------------------------------------------

def _ms(figures):
    return f"{figures['median']:.1f} / {figures['p95']:.1f}"


def _mb(value):
    return "—" if value is None else f"{value:.1f}"


def report(runs):
    """Markdown tables: one row per page, the sizes side by side, the last/first time ratio."""
    sizes = [run["n"] for run in runs]
    first, last = runs[0], runs[-1]
    head = ["page"] + [f"queries@{_short(n)}" for n in sizes] + \
        [f"median/p95 ms@{_short(n)}" for n in sizes] + [f"ratio {_short(sizes[-1])}/{_short(sizes[0])}"] + \
        ["cpu median ms " + " / ".join(f"@{_short(n)}" for n in sizes)] + \
        ["cpu ms, cache off " + " / ".join(f"@{_short(n)}" for n in sizes)]
    lines = [_row(head), _row(["---"] * len(head))]
    for label in first["pages"]:
        failed = sorted({str(run["pages"][label]["status"]) for run in runs} - {"200"})
        cells = [label + (f" (HTTP {', '.join(failed)})" if failed else "")]
        cells += [str(run["pages"][label]["queries"]) + ("*" if run["pages"][label]["queries_vary"]
                                                         else "") for run in runs]
        cells += [_ms(run["pages"][label]) for run in runs]
        cells.append(f"{last['pages'][label]['median'] / first['pages'][label]['median']:.2f}")
        cells.append(" / ".join(f"{run['pages'][label]['cpu_median']:.1f}" for run in runs))
        cells.append(_cache_off(runs, label))
        lines.append(_row(cells))
    for key, label in (("export", "CSV export, all cases"), ("document", "largest document")):
        if all(key in run for run in runs):
            cells = [label] + [str(run[key]["queries"]) for run in runs] + \
                [_ms(run[key]) for run in runs] + \
                [f"{last[key]['median'] / first[key]['median']:.2f}"] + \
                [" / ".join(f"{run[key]['cpu_median']:.1f}" for run in runs)] + ["="]
            lines.append(_row(cells))
    lines += ["", _row(["download"] + [f"@{_short(n)}" for n in sizes]),
              _row(["---"] * (len(sizes) + 1))]
    if all("export" in run for run in runs):
        lines.append(_row(["CSV: rows, MB"] + [
            f"{run['export']['lines'] - 1} rows, {run['export']['bytes'] / 2**20:.1f} MB" for run in runs]))
        lines.append(_row(["CSV: first row after (ms) / total (ms)"] + [
            f"{run['export']['first_row_ms']:.0f} / {run['export']['total_ms']:.0f}" for run in runs]))
        lines.append(_row(["CSV: generator response"] + [str(run["export"]["streamed"]) for run in runs]))
        lines.append(_row(["CSV: memory growth MB (tracemalloc peak / peak RSS)"] + [
            f"{_mb(run['export']['tracemalloc_peak_mb'])} / {_mb(run['export']['rss_growth_mb'])}"
            for run in runs]))
    if all("document" in run for run in runs):
        lines.append(_row(["document: size MB, generator response"] + [
            f"{run['document']['size_mb']:.1f}, {run['document']['streamed']}" for run in runs]))
        lines.append(_row(["document: memory growth MB (tracemalloc peak / peak RSS)"] + [
            f"{_mb(run['document']['tracemalloc_peak_mb'])} / {_mb(run['document']['rss_growth_mb'])}"
            for run in runs]))
    return "\n".join(lines)


def _cache_off(runs, label):
    """The page's CPU with the fragment cache off ("=": no fragment of it is cached)."""
    figures = [run["pages"][label].get("cache_off") for run in runs]
    if not any(figures):
        return "="
    return " / ".join("—" if off is None else f"{off['cpu_median']:.1f}" for off in figures)


def api_verdicts(runs):
    """The API's targets (issue 17): statements the same at every size, time at the last size
    within 1.5x the first, the case detail no slower than that case's status page."""
    first, last = runs[0], runs[-1]
    lines = []
    for label in (label for label in first["pages"] if label.startswith("API:")):
        counts = {run["pages"][label]["queries"] for run in runs}
        ratio = last["pages"][label]["median"] / first["pages"][label]["median"]
        lines.append(f"- {label}: statements {' / '.join(str(c) for c in sorted(counts))} "
                     f"({'same' if len(counts) == 1 else 'DIFFER'}), time ratio {ratio:.2f} "
                     f"({'ok' if ratio <= 1.5 else 'OVER 1.5'})")
    detail, page = "API: largest case detail", "enterprise: largest case status page"
    if detail in first["pages"] and page in first["pages"]:
        for run in runs:
            api_ms, page_ms = run["pages"][detail]["median"], run["pages"][page]["median"]
            lines.append(f"- @{_short(run['n'])}: case detail {api_ms:.1f} ms vs status page "
                         f"{page_ms:.1f} ms ({'ok' if api_ms <= page_ms else 'SLOWER'})")
    return "\n".join(lines)


def yardstick():
    """The machine's speed just now (benchmarks/yardstick.py, its best round): the figures of
    two runs compare only where their yardsticks agree, since the machines drift by a quarter
    within minutes."""
    return min(yardstick_rounds())


def _short(n):
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def main():
    sizes = [int(part) for part in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if part]
    seeder = "seed-scale" if has_seed_scale() else "seed-demo"
    if seeder == "seed-demo":
        print("note: flask seed-scale is missing: every size gets the small demo data")
    runs, speeds = [], []
    for n in sizes:
        print(f"N = {n}")
        database = BenchDatabase(n, seeder)
        url = database.ensure()
        before = yardstick()
        runs.append(run_size(url, n, database.seal_dir))
        speeds.append(f"@{_short(n)} {before:.2f} / {yardstick():.2f} s")
    info = dict(runs[-1]["engine"], seeder=seeder, rounds=ROUNDS, heavy_rounds=HEAVY_ROUNDS,
                date=time.strftime("%Y-%m-%d %H:%M %Z"),
                yardstick="before / after each size: " + ", ".join(speeds))
    print()
    print("  ".join(f"{key}: {value}" for key, value in info.items()))
    print()
    table = report(runs)
    if len(runs) > 1:
        table += "\n\nAPI targets:\n" + api_verdicts(runs)
    print(table)
    out = bench_dir() / "last-run.json"
    for run in runs:
        for figures in run["pages"].values():
            figures.pop("times", None)
        for key in ("export", "document"):
            run.get(key, {}).pop("times", None)
    out.write_text(json.dumps({"info": info, "runs": runs, "table": table}, ensure_ascii=False,
                              indent=1, default=str))
    print(f"\n(figures saved to {out})")


if __name__ == "__main__":
    main()
