"""`make load` (SQLite, one gunicorn) and `make load-pg` (PostgreSQL, two gunicorns).

    .venv/bin/python benchmarks/load/run.py [--pg] [--users 64] [--duration 60] [--cases 2000]

1. A fresh database (a new SQLite file, or the PostgreSQL database LOAD_PG_URL dropped and
   created again), migrated and seeded (`flask seed-scale --cases N`; `flask seed-demo` when
   seed-scale is not there), then the load plan (plan.py: which accounts log in as whom).
2. gunicorn (gunicorn.conf.py) under FLASK_CONFIG=production on 127.0.0.1 — one instance,
   or two on consecutive ports sharing the database — behind the load client's stand-in for
   nginx (loadlib: X-Forwarded-For/-Proto with TRUSTED_PROXIES=1).
3. The mix (locustfile.py): LOAD_USERS users for LOAD_DURATION seconds, spread over the
   instances. Meanwhile the cron commands (send-notifications, check-deadlines, audit
   checkpoint, webhooks deliver) run every LOAD_CRON_INTERVAL seconds on every instance's configuration at
   the same moment, delivering to a local SMS gateway, mail sink and webhook receiver (sinks.py;
   the plan registers an endpoint per center and per planned enterprise for the receiver, and
   the cron commands run through cron_app.py, the production settings but for
   WEBHOOKS_ALLOW_LOOPBACK, which lets deliveries reach it on 127.0.0.1).
4. The capacity phase: /healthz alone, then the status page alone, without think time.
5. Checks (checks.py, `flask audit verify`) and the verdict; exit code 1 when any fails.

Everything listens on 127.0.0.1 only; every process started here is stopped on the way out
(also on Ctrl-C or SIGTERM), and every step has a time limit.
"""
import argparse
import json
import math
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import loadlib  # noqa: E402
import psycopg
import redis
from sinks import MailSink, SmsGateway, WebhookReceiver
from sqlalchemy.engine import make_url

from proxy_service.seed.scale.setup import PASSWORD as SCALE_PASSWORD  # of every seeded account

try:
    import psutil  # comes with locust, in the `load` extra that `make load` installs
except ImportError:
    sys.exit("benchmarks/load needs the load extra: make load, or pip install -e '.[load]'")

DEMO_PASSWORD = "demo1234"
CRON = (("send-notifications",), ("check-deadlines",), ("audit", "checkpoint"),
        ("webhooks", "deliver"))
MIX_CLASSES = ("EnterpriseUser", "AgentUser", "ManagerUser")
CRON_APP = HERE / "cron_app.py"   # the cron commands' app: production + loopback webhooks


def options(argv=None):
    env = os.environ.get
    p = argparse.ArgumentParser(description="load test under gunicorn (see the module doc)")
    p.add_argument("--pg", action="store_true", help="two instances on PostgreSQL")
    p.add_argument("--users", type=int, default=int(env("LOAD_USERS", 64)))
    p.add_argument("--duration", type=int, default=int(env("LOAD_DURATION", 60)))
    p.add_argument("--cases", type=int, default=int(env("LOAD_CASES", 2000)))
    p.add_argument("--wait", default=env("LOAD_WAIT", "2-8"), help="think time, s (min-max)")
    p.add_argument("--spawn-rate", type=float, default=float(env("LOAD_SPAWN_RATE", 2)),
                   help="users started per second; the mix lasts the ramp plus --duration")
    p.add_argument("--capacity-users", type=int, default=int(env("LOAD_CAPACITY_USERS", 8)))
    p.add_argument("--capacity-seconds", type=int, default=int(env("LOAD_CAPACITY_SECONDS", 15)))
    p.add_argument("--cron-interval", type=int, default=int(env("LOAD_CRON_INTERVAL", 20)))
    p.add_argument("--p99", type=float, default=float(env("LOAD_P99_MS", 500)))
    p.add_argument("--port", type=int, default=int(env("LOAD_PORT", 5200)))
    p.add_argument("--dir", default=env("LOAD_DIR", "/tmp/proxy_service_load"))
    p.add_argument("--pg-url", default=env("LOAD_PG_URL",
                                           "postgresql+psycopg://postgres@127.0.0.1:5432/"
                                           "proxy_service_load"))
    p.add_argument("--seed", choices=("auto", "scale", "demo"), default=env("LOAD_SEED", "auto"))
    return p.parse_args(argv)


# --- processes ----------------------------------------------------------------------------------

class Processes:
    """Every process this run starts, each in its own process group, stopped by its id."""

    def __init__(self):
        self._running = []
        self._lock = threading.Lock()
        self.closed = False   # after stop_all(): nothing new starts (a cron thread may try)

    def _check_open(self):
        if self.closed:
            raise RuntimeError("the run is ending: no new process")

    def start(self, cmd, env, log_path):
        with self._lock, open(log_path, "ab") as log:
            self._check_open()
            proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            self._running.append(proc)
        return proc

    def run(self, cmd, env, timeout, log_path=None, background=False):
        """Run to the end (at most `timeout` s); returns (exit code, output). A `background`
        job yields the CPU to the web server, as cron jobs on an app host should."""
        started = time.monotonic()
        with self._lock:
            self._check_open()
            proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True,
                                    preexec_fn=lower_priority if background else None)
            self._running.append(proc)
        try:
            output, _ = proc.communicate(timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            self.stop(proc, grace=5)
            output, code = f"timed out after {timeout} s".encode(), -1
        except BaseException:   # Ctrl-C, SIGTERM: the child goes with us
            self.stop(proc, grace=15)
            raise
        finally:
            with self._lock:
                if proc in self._running:
                    self._running.remove(proc)
        text = output.decode("utf-8", "replace") if output else ""
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"$ {Path(cmd[0]).name} {' '.join(map(str, cmd[1:]))}  → {code} after "
                          f"{time.monotonic() - started:.1f} s ({time.strftime('%H:%M:%S')})\n"
                          f"{text}\n")
        return code, text

    def stop(self, proc, grace=40):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        with self._lock:
            if proc in self._running:
                self._running.remove(proc)

    def stop_all(self):
        with self._lock:
            self.closed = True
            running = list(reversed(self._running))
        for proc in running:
            self.stop(proc)


def lower_priority():
    """In the child before exec: nice 10, for its session's scheduling group too (Linux
    autogroups: without it, each cron process would weigh as much as all of gunicorn)."""
    os.nice(10)
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write("10")
    except OSError:
        pass


def flask(*args, app="wsgi"):
    return [str(BIN / "flask"), "--app", str(app), *args]


def wait_ready(port, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn on port {port} did not answer /healthz within {timeout} s")


# --- the database -------------------------------------------------------------------------------

def fresh_database(opts, work):
    if not opts.pg:
        path = work / "load.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"

    url = make_url(opts.pg_url)
    name = url.database
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return opts.pg_url


def has_seed_scale(procs, env):
    code, _ = procs.run(flask("seed-scale", "--help"), env, timeout=120)
    return code == 0


def seed(opts, procs, env, log):
    """Migrate and seed; returns the password of the seeded accounts."""
    steps = [flask("db", "upgrade")]
    use_scale = opts.seed == "scale" or (opts.seed == "auto" and has_seed_scale(procs, env))
    if use_scale:
        steps.append(flask("seed-scale", "--cases", str(opts.cases)))
        password = os.environ.get("LOAD_PASSWORD") or SCALE_PASSWORD
    else:
        print("note: `flask seed-scale` is not available — seeding the demo data instead; "
              "the run is limited to the demo's accounts", flush=True)
        steps.append(flask("seed-demo"))
        password = os.environ.get("LOAD_PASSWORD") or DEMO_PASSWORD
    for cmd in steps:
        started = time.monotonic()
        code, out = procs.run(cmd, env, timeout=1800, log_path=log)
        print(f"  {' '.join(cmd[3:])}: exit {code} in {time.monotonic() - started:.0f} s",
              flush=True)
        if code != 0:
            raise RuntimeError(f"{' '.join(cmd[3:])} failed:\n{out[-2000:]}")
    return password


# --- cron during the load -----------------------------------------------------------------------

class CronLoop(threading.Thread):
    """Every `interval` s: all cron commands on every instance's configuration, at once."""

    def __init__(self, procs, envs, interval, log, delay=0, background=True):
        super().__init__(daemon=True)
        self.procs, self.envs, self.interval, self.log = procs, envs, interval, log
        self.delay, self.background = delay, background
        self.stopping = threading.Event()
        self.results = []   # (round, instance, command, exit code, output)

    def run(self):
        rounds = 0
        self.stopping.wait(self.delay)
        while not self.stopping.is_set():
            rounds += 1
            self.run_round(rounds, CRON)
            self.stopping.wait(self.interval)

    def run_round(self, number, commands):
        threads = []
        for instance, env in enumerate(self.envs, 1):
            for command in commands:
                def one(instance=instance, env=env, command=command):
                    try:
                        code, out = self.procs.run(flask(*command, app=CRON_APP), env,
                                                   timeout=300,
                                                   log_path=self.log,
                                                   background=self.background)
                    except RuntimeError:   # the run is ending
                        return
                    self.results.append((number, instance, " ".join(command), code, out))
                threads.append(threading.Thread(target=one))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop(self):
        self.stopping.set()
        self.join(timeout=400)


# --- locust -------------------------------------------------------------------------------------

def locust(procs, opts, work, env, phase, classes, users, seconds, hosts, wait, run_id):
    records = work / f"{phase}.json"
    records.unlink(missing_ok=True)
    env = dict(env, LOAD_PLAN=str(work / "plan.json"), LOAD_RECORDS=str(records),
               LOAD_HOSTS=",".join(hosts), LOAD_USERS=str(users), LOAD_WAIT=wait,
               LOAD_RUN_ID=run_id,
               LOAD_PHASE="mix" if phase == "mix" else "capacity")
    cmd = [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
           "-u", str(users), "-r", str(opts.spawn_rate if phase == "mix" else users),
           "-t", f"{seconds}s", "--stop-timeout", "10", "--only-summary",
           "--csv", str(work / phase), "--loglevel", "WARNING", *classes]
    code, out = procs.run(cmd, env, timeout=seconds + 120, log_path=work / f"locust-{phase}.log")
    if not records.exists():
        raise RuntimeError(f"locust ({phase}) wrote no records (exit {code}):\n{out[-3000:]}")
    return json.loads(records.read_text(encoding="utf-8"))


# --- the run ------------------------------------------------------------------------------------

def environments(opts, work, database_url, secret):
    common = dict(os.environ)
    for name in [n for n in common if n.startswith(("MAIL_", "SMS_", "FLASK_"))]:
        del common[name]
    common.update(DATABASE_URL=database_url, SECRET_KEY=secret, SEAL_DIR=str(work / "seals"),
                  PUBLIC_BASE_URL="https://proxy-service.invalid", PYTHONUNBUFFERED="1")
    seed_env = dict(common, FLASK_CONFIG="development")
    serve = dict(common, FLASK_CONFIG="production", TRUSTED_PROXIES="1",
                 RATELIMIT_KEY_PREFIX=f"load-{secrets.token_hex(4)}")
    if opts.pg:
        # Both "hosts" share this machine's cores: 3 workers each, about one instance's worth.
        serve.setdefault("WEB_CONCURRENCY", "3")
        # Two hosts share their rate-limit counters only through Redis, as in production.
        redis = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0")
        if redis_answers(redis):
            serve["RATELIMIT_STORAGE_URI"] = redis
        storage = serve.get("RATELIMIT_STORAGE_URI", "memory:// (Redis did not answer)")
        print(f"  rate limits kept in {storage}")
    cron = dict(serve, SMS_BACKEND="http", SMS_API_URL=f"http://127.0.0.1:{opts.port + 10}/",
                SMS_ACCESS_KEY_ID="load", SMS_ACCESS_KEY_SECRET="load", SMS_SIGN_NAME="load",
                MAIL_SERVER="127.0.0.1", MAIL_PORT=str(opts.port + 11), OUTBOX_BATCH="10",
                **{f"SMS_TEMPLATE_{key}": f"SMS_LOAD_{key}" for key in
                   ("CASE_UPDATE", "CORRECTION", "STAFF_TODO", "DEADLINE", "NOTICE")})
    return seed_env, serve, cron


def redis_answers(url):
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        return False


def main(argv=None):
    opts = options(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(opts.dir) / ("pg" if opts.pg else "sqlite")
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.log"):
        old.unlink()
    run = Run(opts, work)
    print(f"load run {run.id}: {'PostgreSQL, 2 instances' if opts.pg else 'SQLite, 1 instance'}"
          f", {opts.users} users × {opts.duration} s, work dir {work}", flush=True)
    try:
        run.prepare()
        run.serve()
        mix, cron, machine = run.mix()
        healthz, status = run.capacity()
        run.stop_servers()
        report = Report(opts, run.id, work, len(run.hosts), opts.users, mix, healthz, status,
                        cron.results, run.checks(), run.verify(), run.sms.received,
                        run.mail.received)
        report.machine = machine
        print(report.text(), flush=True)
        (work / "result.md").write_text(report.markdown(), encoding="utf-8")
        return 0 if report.verdict.passed else 1
    finally:
        run.cleanup()


class Run:
    """The steps of one run, in the order main() calls them; cleanup() undoes whatever ran."""

    def __init__(self, opts, work):
        self.opts, self.work = opts, work
        self.id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
        self.hosts = [f"http://127.0.0.1:{opts.port + i}" for i in range(2 if opts.pg else 1)]
        self.procs = Processes()
        self.servers, self.sinks = [], []
        self.sms = self.mail = self.hooks = None
        self.webhook_url = f"http://127.0.0.1:{opts.port + 12}/hooks/"

    def prepare(self):
        """A fresh database, seeded, and the plan of who logs in as whom."""
        opts, work = self.opts, self.work
        self.seed_env, self.serve_env, self.cron_env = environments(
            opts, work, fresh_database(opts, work), secrets.token_hex(32))
        password = seed(opts, self.procs, self.seed_env, work / "seed.log")
        code, out = self.procs.run(
            [sys.executable, str(HERE / "plan.py"), "--users", str(opts.users), "--password",
             password, "--out", str(work / "plan.json"), "--rearm-alerts",
             "--webhook-url", self.webhook_url],
            self.seed_env, timeout=600)
        print("  " + (out.strip().splitlines() or ["plan: no output"])[-1], flush=True)
        accounts = loadlib.load_plan(work / "plan.json")["accounts"] if code == 0 else []
        if len(accounts) < opts.users:
            raise RuntimeError(f"not enough seeded accounts for {opts.users} users: {out}")

    def serve(self):
        """The SMS gateway, mail sink and webhook receiver (with the secrets of the plan's
        endpoints), then gunicorn on each port until /healthz answers."""
        self.sms = SmsGateway(self.opts.port + 10).start()
        self.mail = MailSink(self.opts.port + 11).start()
        self.hooks = WebhookReceiver(self.opts.port + 12)
        self.hooks.secrets = loadlib.load_plan(self.work / "plan.json").get("webhooks", {})
        self.hooks.start()
        self.sinks = [self.sms, self.mail, self.hooks]
        for n, host in enumerate(self.hosts, 1):
            port = host.rsplit(":", 1)[1]
            env = dict(self.serve_env, GUNICORN_BIND=f"127.0.0.1:{port}",
                       GUNICORN_ACCESS_LOG=str(self.work / f"access-{n}.log"))
            cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
            self.servers.append(self.procs.start(cmd, env, self.work / f"server-{n}.log"))
        for host in self.hosts:
            wait_ready(int(host.rsplit(":", 1)[1]))
        print(f"  gunicorn ready on {', '.join(self.hosts)}", flush=True)

    def mix(self):
        """The users log in during the ramp, then --duration seconds with all of them active.
        Cron runs from the steady state on, below gunicorn's priority as on an app host; on
        PostgreSQL from the start and at normal priority, for as many rounds on both
        instances at once as fit. Its mailer runs once more at the end for the last messages."""
        opts = self.opts
        ramp = math.ceil(opts.users / opts.spawn_rate)
        cron = CronLoop(self.procs, [self.cron_env] * len(self.hosts), opts.cron_interval,
                        self.work / "cron.log", delay=0 if opts.pg else ramp,
                        background=not opts.pg)
        cron.start()
        started, load_before, cpu_before = time.time(), os.getloadavg()[0], self.server_cpu()
        records = locust(self.procs, opts, self.work, self.serve_env, "mix", MIX_CLASSES,
                         opts.users, ramp + opts.duration, self.hosts, opts.wait, self.id)
        load_after, cpu = os.getloadavg()[0], self.server_cpu() - cpu_before
        wall = time.time() - started
        cron.stop()
        cron.run_round("final", (("send-notifications",), ("webhooks", "deliver")))
        print(f"  mix done in {time.time() - started:.0f} s; cron rounds: "
              f"{len({r[0] for r in cron.results})}", flush=True)
        served = len(records["records"])
        machine = (f"gunicorn used {cpu:.0f} CPU-s in the {wall:.0f} s of the mix "
                   f"({cpu / wall:.2f} of {os.cpu_count()} cores), "
                   f"{1000 * cpu / max(1, served):.0f} ms per request; "
                   f"load average {load_before:.1f} before, {load_after:.1f} at the end (other "
                   "work on the machine shows here)")
        return records, cron, machine

    def server_cpu(self):
        """CPU seconds used so far by the gunicorn masters and their workers (ended ones too)."""
        total = 0.0
        for server in self.servers:
            try:
                master = psutil.Process(server.pid)
                t = master.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
                for worker in master.children(recursive=True):
                    w = worker.cpu_times()
                    total += w.user + w.system
            except psutil.NoSuchProcess:
                pass
        return total

    def capacity(self):
        """/healthz alone, then the status page alone, on the first instance, no think time."""
        o = self.opts
        return [locust(self.procs, o, self.work, self.serve_env, phase, (cls,),
                       o.capacity_users, o.capacity_seconds, self.hosts[:1], "0-0", self.id)
                for phase, cls in (("healthz", "HealthzUser"), ("status", "StatusPageUser"))]

    def stop_servers(self):
        for server in self.servers:
            self.procs.stop(server)

    def checks(self):
        out_path, received = self.work / "checks.json", self.work / "webhooks-received.json"
        received.write_text(json.dumps({"received": self.hooks.received,
                                        "refused": self.hooks.refused}), encoding="utf-8")
        code, out = self.procs.run(
            [sys.executable, str(HERE / "checks.py"), "--run-id", self.id, "--records",
             str(self.work / "mix.json"), "--out", str(out_path), "--webhooks-received",
             str(received)], self.seed_env, timeout=600)
        if code != 0:
            raise RuntimeError(f"checks failed to run:\n{out[-3000:]}")
        return json.loads(out_path.read_text(encoding="utf-8"))

    def verify(self):
        return self.procs.run(flask("audit", "verify"), self.seed_env, timeout=900,
                              log_path=self.work / "verify.log")

    def cleanup(self):
        self.procs.stop_all()
        for sink in self.sinks:
            sink.stop()


# --- the report ---------------------------------------------------------------------------------

class Report:
    def __init__(self, opts, run_id, work, instances, users, mix, healthz, status, cron, checks,
                 verify, sms_received, mail_received):
        self.opts, self.run_id, self.work, self.instances, self.users = (
            opts, run_id, work, instances, users)
        self.mix = mix["records"]
        self.table = loadlib.summarise(self.mix)
        server_log = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                               for p in sorted(work.glob("server-*.log")))
        cron_log = (work / "cron.log").read_text(encoding="utf-8", errors="replace")
        self.server_errors = loadlib.server_errors(server_log)
        after_login = max((r["end"] for r in status["records"] if r["name"].startswith("login")),
                          default=0)
        self.healthz_rps = loadlib.throughput(healthz["records"], "capacity: /healthz")
        self.status_rps = loadlib.throughput(status["records"], "capacity: status page",
                                             after=after_login)
        self.writes = sum(1 for r in self.mix if r["method"] == "POST"
                          and not r["name"].startswith("login"))
        self.pages = sum(1 for r in self.mix if not r["name"].startswith("login"))
        self.checks = checks
        self.cron = cron
        failed_cron = [r for r in cron if r[3] != 0]
        delivered = mail_received + sms_received
        sent = checks["outbox"]["sent_email"] + checks["outbox"]["sent_sms"]
        twice = sorted(k for k, n in delivered.items() if n > 1)
        lost = sorted(set(sent) - delivered.keys())
        # The latency target is the single host's (SQLite); the two-instance run on one
        # machine proves correctness, and its latency is reported only.
        v = loadlib.judge(self.table, server_log + cron_log, None if opts.pg else opts.p99)
        v.add("no server error (5xx) logged", not self.server_errors,
              f"{len(self.server_errors)} responses ≥ 500")
        for where in ("messages", "audit"):
            m = checks[where]
            v.add(f"every write in {where} exactly once",
                  not (m["missing"] or m["duplicated"] or m["unexpected"]),
                  f"{checks['confirmed_writes']} confirmed; missing {m['missing']}, twice "
                  f"{m['duplicated']}, never sent {m['unexpected']}; in flight at the end and "
                  f"stored once {m['unanswered']}")
        v.add("every notification marked read is read", checks["reads"]["still_unread"] == 0,
              f"{checks['reads']['confirmed']} marked")
        v.add("cron commands all succeeded", not failed_cron,
              f"{len(cron)} runs on {instances} instance(s), {len(failed_cron)} failed")
        v.add("no deadline alert twice", checks["deadline_alert_duplicates"] == 0
              and checks["deadline_notification_duplicates"] == 0,
              f"{checks['deadline_alerts']} alerts, {checks['deadline_notifications']} "
              "notifications")
        v.add("no e-mail or SMS delivered twice", not twice and not lost,
              f"{len(sent)} sent ({len(mail_received)} e-mails, {len(sms_received)} SMS "
              f"received); twice {len(twice)}, never received {len(lost)}")
        w = checks["webhooks"]
        v.add("no webhook delivered twice", w["passed"],
              f"{w['delivered']} delivered, {w['received']} received by webhook-id; twice "
              f"{len(w['duplicated'])}, never received {len(w['never_received'])}, refused "
              f"{w['refused']}; received before the run ended, not yet recorded "
              f"{len(w['unconfirmed'])}")
        v.add("flask audit verify", verify[0] == 0, verify[1].strip().splitlines()[-1]
              if verify[1].strip() else "")
        self.verdict = v
        self.failed_cron = failed_cron
        self.machine = ""

    def cron_work(self):
        """What the cron commands did, summed per instance: the share each host took."""
        totals = {}
        for _round, instance, _command, _code, out in self.cron:
            for label, pattern in (("alerts raised", r"alerts raised: (\d+)"),
                                   ("messages sent", r"^sent (\d+)"),
                                   ("checkpoints", r"^checkpoint \d+ for"),
                                   ("webhooks delivered", r"^delivered (\d+),")):
                found = re.findall(pattern, out, flags=re.M)
                count = len(found) if label == "checkpoints" else sum(map(int, found))
                totals[(instance, label)] = totals.get((instance, label), 0) + count
        by_instance = {}
        for (instance, label), count in sorted(totals.items()):
            by_instance.setdefault(instance, []).append(f"{label} {count}")
        return "; ".join(f"#{i}: {', '.join(parts)}" for i, parts in by_instance.items())

    @property
    def fraction(self):
        return self.status_rps / self.healthz_rps if self.healthz_rps else 0.0

    def rows(self, table=None):
        table = table or self.table
        names = sorted(n for n in table if n != "ALL")
        for name in names + ["ALL"]:
            t = table[name]
            yield (name, t["count"], t["failures"], t["median"], t["p95"], t["p99"], t["max"])

    def text(self):
        o = self.opts
        lines = ["", f"== load run {self.run_id} — "
                 f"{'PostgreSQL, two gunicorn instances' if o.pg else 'SQLite, one gunicorn'}",
                 f"{self.users} users (started at {o.spawn_rate:g}/s), then {o.duration} s "
                 f"with all active, think time {o.wait} s; "
                 f"{len(self.mix)} requests; after the logins {self.pages}, of them "
                 f"{self.writes} writes ({100 * self.writes / max(1, self.pages):.1f} %)", "",
                 f"{'request':<44} {'count':>6} {'fail':>5} {'median':>7} {'p95':>7} {'p99':>7} "
                 f"{'max':>7}  (ms)"]
        for name, count, fail, med, p95, p99, top in self.rows():
            lines.append(f"{name[:44]:<44} {count:>6} {fail:>5} {med:>7.0f} {p95:>7.0f} "
                         f"{p99:>7.0f} {top:>7.0f}")
        duration = max(1e-9, max(r["end"] for r in self.mix) - min(r["end"] for r in self.mix))
        lines += ["", f"mix throughput: {len(self.mix) / duration:.1f} requests/s",
                  f"capacity ({o.capacity_users} users, no think time, {o.capacity_seconds} s "
                  f"each): /healthz {self.healthz_rps:.1f}/s, status page {self.status_rps:.1f}/s"
                  f" → status page at {100 * self.fraction:.1f} % of /healthz", ""]
        c = self.checks
        lines += [f"cron, per instance: {self.cron_work()}",
                  f"outbox: {c['outbox']['by_status']}, retried {c['outbox']['retried']}",
                  f"deadline alerts: {c['deadline_alerts']}, their notifications "
                  f"{c['deadline_notifications']}",
                  f"webhooks: {c['webhooks']['by_status']}, retried {c['webhooks']['retried']}"
                  + (f", refused {c['webhooks']['refused_reasons']}"
                     if c['webhooks']['refused'] else ""), ""]
        for r in self.failed_cron[:5]:
            lines.append(f"cron failure: round {r[0]} instance {r[1]} {r[2]}: {r[4][-500:]}")
        lines += self.verdict.lines()
        lines += ["", self.machine,
                  "LOAD TEST PASSED" if self.verdict.passed else "LOAD TEST FAILED",
                  f"(logs and figures in {self.work})"]
        return "\n".join(lines)

    def markdown(self):
        o = self.opts
        head = (f"{'PostgreSQL, two gunicorn instances' if o.pg else 'SQLite, one gunicorn'} — "
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
                f"{os.cpu_count()} cores; {self.users} users started at {o.spawn_rate:g}/s, "
                f"then {o.duration} s all active, think time {o.wait} s; {len(self.mix)} "
                f"requests, {self.writes} of them writes "
                f"({100 * self.writes / max(1, self.pages):.0f} % after the logins). "
                "Client-side times in ms:")
        lines = [head, "", "| request | count | failures | median ms | p95 ms | p99 ms | max ms |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for name, count, fail, med, p95, p99, top in self.rows(
                loadlib.summarise(loadlib.grouped(self.mix))):
            lines.append(f"| {name} | {count} | {fail} | {med:.0f} | {p95:.0f} | {p99:.0f} | "
                         f"{top:.0f} |")
        lines += ["", f"Status page throughput {self.status_rps:.1f}/s = "
                  f"{100 * self.fraction:.1f} % of /healthz ({self.healthz_rps:.1f}/s). "
                  f"Cron, per instance: {self.cron_work()}.", ""]
        lines += [f"- {line}" for line in self.verdict.lines()] + ["", self.machine]
        return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
