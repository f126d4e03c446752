"""Snapshot of what the application shows, to compare before and after a refactoring.

    .venv/bin/python benchmarks/snapshot.py OUTDIR [--at 2025-06-16T10:00]
    .venv/bin/python benchmarks/snapshot.py --diff A B      (exit status 1 when they differ)

Builds a fresh SQLite database in a temporary folder the way `make run` does (`flask db
upgrade`, `flask seed-demo`) with the application's clock frozen at --at (Beijing time) and
the random values the application draws made repeatable, then logs in through the real pages
as every demo user (password demo1234; staff give the one-time code of the published demo
secret; then the identity is confirmed, so that exports answer) and requests every GET route
of `app.url_map` as anonymous and as each user. URL parameters are filled with every demo row
of their kind (FILLS), whether or not the user may see it: a 403 or 404 is part of the
snapshot. Static files are fetched once, anonymously, as digests.

OUTDIR/pages/<user>/<url>.txt holds the status, the redirect target, the content type and the
body, made comparable by snapshot_text.py (per-session values blanked in HTML; PDFs as their
text plus digests; ZIP files as their member lists). OUTDIR/index.txt lists every request,
OUTDIR/pdfs.txt every PDF, OUTDIR/skipped.txt the routes whose parameters could not be filled.

Only `create_app`, the config classes, the CLI commands, the clock and the table names are
used, so the same script runs on both sides of a move of the modules.
"""
import argparse
import logging
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from snapshot_repeatable import repeatable_randomness, repeatable_sealing  # noqa: E402
from snapshot_text import compare, describe_body  # noqa: E402

PASSWORD = "demo1234"
DEMO_TOTP_SECRET = "PROXYSERVICEDEMOPROXYSERVICEDEMO"   # README, Security: every demo staff login
DEFAULT_AT = "2025-06-16T10:00"                          # a Monday
BEIJING = ZoneInfo("Asia/Shanghai")
ANONYMOUS = "anonymous"
# Route parameters (sorted names) → the demo rows that fill them; columns are named after the
# parameters, and a `query` column adds a query string (the QR code's link carries the code).
FILLS = {
    ("agreement_id",): "SELECT id AS agreement_id FROM agreements",
    ("case_id",): "SELECT id AS case_id FROM cases",
    ("case_id", "notice_id"): "SELECT case_id, id AS notice_id FROM issued_notices",
    ("case_id", "step_id"): "SELECT case_id, id AS step_id FROM steps",
    ("claim_id",): "SELECT id AS claim_id FROM enterprise_claims",
    ("document_id",): "SELECT id AS document_id FROM documents",
    ("enterprise_id",): "SELECT id AS enterprise_id FROM enterprises",
    ("item_id",): "SELECT id AS item_id FROM approval_items",
    ("number",): "SELECT number, NULL AS query FROM agreements UNION ALL "
                 "SELECT number, 'code=' || verification_code AS query FROM agreements",
    ("person_id",): "SELECT id AS person_id FROM users",
    ("project_id",): "SELECT id AS project_id FROM projects",
    ("rectification_id",): "SELECT id AS rectification_id FROM rectifications",
    ("report_id",): "SELECT id AS report_id FROM monthly_reports",
    ("template_id",): "SELECT id AS template_id FROM case_templates",
}
# Routes also fetched with these query strings: the exports answer 404 without one, and the
# tabs show other rows.
QUERIES = {
    "/manage/export": [f"list={kind}&format={fmt}" for kind in ("cases", "steps", "workload")
                       for fmt in ("csv", "xlsx")],
    "/manage/requests": ["tab=unassigned"],
    "/admin/enterprises": ["tab=all"],
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PDF_DIGESTS = re.compile(r"^sha256[^:\n]*: (\w+)$", re.MULTILINE)


# The application is imported only when a snapshot is taken: after repeatable_randomness(), so
# that a module binding `from secrets import ...` gets the seeded draws, and never for --diff,
# which needs none of it. Its clock is taken wherever it lives: proxy_service.core.clock after
# issue 16, proxy_service.clock before (the script runs on both sides of the move).
def app_clock():
    try:
        from proxy_service.core import clock  # noqa: PLC0415 - after repeatable_randomness()
    except ImportError:
        from proxy_service import clock  # noqa: PLC0415 - after repeatable_randomness()
    return clock


# --- the database -----------------------------------------------------------------------------

def build_app(workdir, at, seal_dir):
    """The app on a fresh SQLite database with the migrations and the demo data, seeded and
    left with the clock frozen at `at`."""
    from config import TestingConfig  # noqa: PLC0415 - after repeatable_randomness()
    from proxy_service import create_app  # noqa: PLC0415 - after repeatable_randomness()

    config = type("SnapshotConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'snapshot.db'}",
        "SEAL_DIR": str(seal_dir), "SECRET_KEY": "snapshot-only-secret",
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        # The pages as people get them: with CSRF fields, and a 500 page rather than a raise.
        "WTF_CSRF_ENABLED": True, "PROPAGATE_EXCEPTIONS": False})
    app = create_app(config)
    clock, runner = app_clock(), app.test_cli_runner()
    repeatable_sealing(clock)
    clock.freeze(at)
    with app.app_context():
        for command in (["db", "upgrade"], ["seed-demo"]):
            result = runner.invoke(args=command)
            if result.exit_code != 0:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{result.output}"
                                 f"{result.exception!r}")
    clock.freeze(at)   # seed-demo lets the clock run again when it is done
    return app


def demo_users(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT username FROM users ORDER BY id")).scalars().all()


# --- logging in -------------------------------------------------------------------------------

def post_form(client, url, data):
    page = client.get(url)
    token = CSRF.search(page.get_data(as_text=True))
    return client.post(url, data=dict(data, csrf_token=token.group(1) if token else ""))


def log_in(app, username, at):
    """(client, how it went): password, the one-time code for staff, then the identity
    confirmed as exports ask. The clock stands still, so the login takes the code of the
    previous time step and the confirmation that of the current one (each is good once)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    step = totp.timecode(at)
    client = app.test_client()
    response = post_form(client, "/login", {"username": username, "password": PASSWORD})
    if response.status_code != 302 or response.headers["Location"].endswith("/login"):
        return None, f"login refused ({response.status_code})"
    if response.headers["Location"].endswith("/login/code"):
        response = post_form(client, "/login/code", {"code": totp.generate_otp(step - 1)})
        if response.status_code != 302 or "/login" in response.headers["Location"]:
            return None, f"one-time code refused ({response.status_code})"
    response = post_form(client, "/confirm", {"password": PASSWORD,
                                              "code": totp.generate_otp(step)})
    if response.status_code != 302:
        return client, f"logged in; identity not confirmed ({response.status_code})"
    return client, "logged in, identity confirmed"


# --- the routes -------------------------------------------------------------------------------

def natural(text):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def get_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
                  key=lambda rule: rule.rule)


def fill(rule, values):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def urls_of(app, engine, rule, role):
    """(urls, None) or ([], why the route is skipped) for `role`."""
    names = tuple(sorted(set(rule.arguments) - set(rule.defaults or ())))
    if not names:
        return [rule.rule] + [f"{rule.rule}?{query}" for query in QUERIES.get(rule.rule, ())], None
    if names == ("filename",) and rule.endpoint == "static":
        if role != ANONYMOUS:
            return [], "static files: fetched once, as anonymous"
        folder = Path(app.static_folder)
        return [fill(rule, {"filename": path.relative_to(folder).as_posix()})
                for path in sorted(folder.rglob("*")) if path.is_file()], None
    if names not in FILLS:
        return [], f"no demo rows known for the parameters {', '.join(names)}"
    with engine.connect() as conn:
        rows = conn.execute(text(FILLS[names])).mappings().all()
    if not rows:
        return [], f"no demo rows: {FILLS[names]}"
    return [fill(rule, row) + (f"?{row['query']}" if row.get("query") else "") for row in rows], None


def page_name(url):
    name = url.strip("/").replace("/", "__").replace("?", "@") or "_root"
    return re.sub(r"[^\w.@=,-]", "_", name) + ".txt"


def fetch(client, url):
    """(status, content type, the text saved for it)."""
    try:
        response = client.get(url)
    except Exception as error:   # noqa: BLE001 - a crash is recorded as such, not fatal here
        return "exception", "", f"exception: {type(error).__name__}: {error}\n"
    headers = [f"GET {url}", f"status: {response.status_code}"]
    for name in ("Location", "Content-Type", "Content-Disposition"):
        if name in response.headers:
            headers.append(f"{name.lower()}: {response.headers[name]}")
    body = describe_body(response.content_type, response.get_data(),
                         digest_only=url.startswith("/static/"))
    return response.status_code, response.content_type or "", "\n".join(headers) + "\n\n" + body


# --- the snapshot -----------------------------------------------------------------------------

class Snapshot:
    def __init__(self, out, app, engine, at):
        self.out, self.app, self.engine, self.at = out, app, engine, at
        self.index, self.pdfs, self.skipped, self.logins = [], [], {}, []

    def crawl_role(self, role, client):
        urls = []
        for rule in get_rules(self.app):
            found, why = urls_of(self.app, self.engine, rule, role)
            if why:
                self.skipped.setdefault((rule.rule, why), []).append(role)
            urls.extend(found)
        folder = self.out / "pages" / role
        folder.mkdir(parents=True, exist_ok=True)
        for url in sorted(set(urls), key=natural):
            status, content_type, saved = fetch(client, url)
            (folder / page_name(url)).write_text(saved)
            self.index.append(f"{role}\t{status}\t{content_type.split(';')[0]}\t{url}")
            if status == 200 and content_type.startswith("application/pdf"):
                self.pdfs.append(f"{role}\t{url}\t" + " ".join(PDF_DIGESTS.findall(saved)))

    def run(self, users):
        self.crawl_role(ANONYMOUS, self.app.test_client())
        for username in users:
            client, outcome = log_in(self.app, username, self.at)
            self.logins.append(f"{username}\t{outcome}")
            if client is None:
                self.skipped.setdefault(("(every route)", f"login failed: {outcome}"), []).append(username)
                continue
            self.crawl_role(username, client)

    def write(self):
        skipped = [f"{rule}\t{why}\t{', '.join(roles)}"
                   for (rule, why), roles in sorted(self.skipped.items())]
        for name, lines in (("index.txt", self.index), ("pdfs.txt", self.pdfs),
                            ("skipped.txt", skipped), ("logins.txt", self.logins)):
            (self.out / name).write_text("\n".join(lines) + "\n")
        (self.out / "meta.txt").write_text(
            f"clock frozen at {self.at.astimezone(BEIJING).isoformat()} (Beijing)\n"
            f"users: {ANONYMOUS}, {', '.join(line.split(chr(9))[0] for line in self.logins)}\n")


def prepare_out(out):
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "index.txt").exists():
        raise SystemExit(f"{out} is not empty and holds no snapshot: not overwriting it")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return out


def take_snapshot(out, at, seal_dir):
    started = time.perf_counter()
    out = prepare_out(out)
    with tempfile.TemporaryDirectory(prefix="proxy_service_snapshot_") as workdir:
        app = build_app(Path(workdir), at, seal_dir)
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        snapshot = Snapshot(out, app, engine, at)
        snapshot.run(demo_users(engine))
        snapshot.write()
        engine.dispose()
    static = sum(1 for line in snapshot.index if "\t/static/" in line)
    unique_pdfs = {line.split("\t")[2] for line in snapshot.pdfs}
    print(f"{out}: {len(snapshot.index) - static} pages as {len(snapshot.logins) + 1} users "
          f"and {static} static files; {len(snapshot.pdfs)} PDFs ({len(unique_pdfs)} distinct); "
          f"{time.perf_counter() - started:.0f} s. Skipped:")
    print((out / "skipped.txt").read_text(), end="")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", help="the folder to write the snapshot to")
    parser.add_argument("--diff", nargs=2, metavar=("A", "B"), help="compare two snapshots")
    parser.add_argument("--at", default=DEFAULT_AT, help="the frozen clock, Beijing time")
    parser.add_argument("--seal-dir", help="where the demo centers' development seals are kept "
                        "(default: <tmp>/proxy_service_snapshot_seals/<at>, reused by later runs "
                        "so that both snapshots seal with the same key)")
    parser.add_argument("--heads", type=int, default=30, help="--diff: distinct changes shown")
    args = parser.parse_args(argv)
    if args.diff:
        return 1 if compare(*args.diff, heads=args.heads) else 0
    if not args.out:
        parser.error("give OUTDIR, or --diff A B")
    at = datetime.fromisoformat(args.at).replace(tzinfo=BEIJING).astimezone(UTC)
    seal_dir = Path(args.seal_dir or Path(tempfile.gettempdir()) / "proxy_service_snapshot_seals"
                    / re.sub(r"\W", "", args.at))
    if shutil.which("pdftotext") is None:
        parser.error("pdftotext is missing: apt-get install poppler-utils")
    logging.disable(logging.INFO)
    repeatable_randomness()
    take_snapshot(args.out, at, seal_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
