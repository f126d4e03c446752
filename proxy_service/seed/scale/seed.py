"""`flask seed-scale --cases N`: a large, realistic database for benchmarks and load tests.

20 centers (S01..S20, each with the default catalogue), 10 agents and 1–2 managers per center,
N/20 enterprises, N cases submitted over the three years before today and living through the
workflow (cases.py) up to yesterday: every case and step status, due dates and yellow
dates as deadlines.py computes them, some overdue, hash-chained audit events that `flask audit
verify` accepts, messages, notifications, evaluations and documents sharing a pool of ~40
blobs of realistic sizes (files.py).

Speed: rows are built as tuples in column order and written in batches by a background
thread while the next batch is built — on SQLite with executemany of the statement SQLAlchemy
Core compiles for insert(table) (tuples, not dicts: no per-row parameter processing), on
PostgreSQL with COPY — never through the ORM; the password is hashed once and reused.
"""
import os
import random
import re
import time
from datetime import UTC, datetime
from datetime import time as day_time

import click
from flask import current_app
from sqlalchemy import func, select, text

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Case, Center, User
from proxy_service.seed.scale.case_rows import Batch
from proxy_service.seed.scale.cases import Story
from proxy_service.seed.scale.centers import center_infos, ensure_centers
from proxy_service.seed.scale.setup import (
    World,
    agreement_pdfs,
    enterprise_rows,
    file_pool,
    shared_secrets,
    staff_rows,
)
from proxy_service.seed.scale.writer import COLUMNS, BackgroundWriter, Writer, load_settings
from proxy_service.workflow import workload_counters

ID_TABLES = [t for t in COLUMNS if t != "document_blobs"]
BATCH_CASES = 2000


class RefusedToSeed(click.ClickException):
    pass


def _stamp(day, hour=9):
    """A timestamp as the database stores it (UTC text), for rows written in bulk."""
    instant = datetime.combine(day, day_time(hour), clock.BEIJING).astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M:%S.%f") + ("+00" if db.engine.dialect.name
                                                      == "postgresql" else "")


def check_allowed(append):
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise RefusedToSeed("seed-scale refuses to run under the production configuration")
    if not append and (db.session.scalar(select(func.count(Case.id)))
                       or db.session.scalar(select(func.count(User.id)))
                       or db.session.scalar(select(func.count(Center.id)))):
        raise RefusedToSeed("the database is not empty: seed-scale fills an empty database "
                            "(use --append to add cases to this one)")


def _start_ids():
    return {table: db.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))
            for table in ID_TABLES}


def seed_scale(cases, seed=1, append=False, with_seals=True, batch=BATCH_CASES, echo=None,
               pool=(40, 4)):
    """Fill the database with `cases` cases (see the module docstring); `pool` is (files,
    large files) of the document contents. Raises RefusedToSeed (see check_allowed).
    Returns {"rows": {table: n}, "seconds": {phase: s}, "statuses": {status: n}, ...}."""
    echo = echo or (lambda message: None)
    check_allowed(append)
    rng, timings = random.Random(seed), {}
    started, cpu_started = time.perf_counter(), time.process_time()
    centers = ensure_centers(with_seals)
    infos = center_infos(centers, rng)
    world = World(db.engine.dialect.name)
    world.centers = infos
    agreement_pdfs(world, infos, rng)
    if append:
        world.count_existing_numbers()
    ids = _start_ids()
    db.session.commit()   # no transaction of the session stays open during the load
    timings["centers and catalogue"] = time.perf_counter() - started
    with db.engine.connect() as conn:
        restore = load_settings(conn)
        writer = Writer(conn)
        try:
            t = time.perf_counter()
            enterprises = _people(writer, world, infos, ids, cases, rng, centers, append, pool)
            writer.commit()
            timings["people and files"] = time.perf_counter() - t
            t, cpu = time.perf_counter(), time.thread_time()
            statuses = _cases(writer, world, enterprises, ids, rng, cases, batch, echo)
            timings["cases"] = time.perf_counter() - t
            timings["  CPU building rows"] = time.thread_time() - cpu
            timings["  CPU writing rows"] = writer.cpu
            t = time.perf_counter()
            _finish(conn)
            conn.commit()
            writer.commit()
            timings["statistics"] = time.perf_counter() - t
        finally:
            conn.rollback()   # nothing left after the last commit, unless it failed
            writer.raw.rollback()
            restore()
    timings["total"] = time.perf_counter() - started
    timings["CPU (all threads)"] = time.process_time() - cpu_started
    return {"rows": writer.counts, "seconds": timings, "statuses": statuses,
            "write_seconds": writer.seconds}


def _people(writer, world, infos, ids, cases, rng, centers, append, pool):
    secrets_ = shared_secrets()
    stamp = _stamp(world.start)
    writer.write("document_blobs", _new_blobs(file_pool(world, rng, *pool)))
    writer.write("users", staff_rows(centers, infos, ids, stamp, secrets_))
    first = 1
    if append:
        taken = [int(name[1:]) for name in db.session.scalars(select(User.username).where(
            User.username.like("e%"))) if re.fullmatch(r"e\d{6}", name)]
        first = max(taken, default=0) + 1
    count = max(1, cases // 20)
    enterprises, users, licences, out = enterprise_rows(count, infos, ids, first, stamp,
                                                         _stamp(world.start, 11), secrets_, world)
    writer.write("enterprises", enterprises)
    writer.write("users", users)
    writer.write("documents", licences)
    db.session.commit()
    return out


def _new_blobs(rows):
    present = set(db.session.scalars(text("SELECT sha256 FROM document_blobs")))
    return [row for row in rows if row[0] not in present]


# Share of cases pinned to a short-lived status (at least one each), and how many working
# days before today such a case was submitted.
PINNED = (("submitted", 0.015, (0, 3)), ("accepted", 0.01, (1, 4)), ("signing", 0.02, (2, 6)),
          ("suspended", 0.02, (8, 20)))


def submission_days(world, rng, cases):
    """[(workday index, pinned status or None)] in order: case numbers follow submission.
    Half the cases spread evenly over the history, half more and more often towards today
    (the service grows), so that open cases are a realistic tenth or so of all."""
    span = world.cut - world.first_w
    days = []
    for status, share, (low, high) in PINNED:
        days += [(world.cut - rng.randint(low, high), status)
                 for _ in range(max(1, round(cases * share)))]
    while len(days) < cases:
        fraction = rng.random() if rng.random() < 0.5 else max(rng.random(), rng.random(),
                                                               rng.random())
        days.append((world.first_w + round(span * fraction), None))
    return sorted(days[:cases], key=lambda day: day[0])


def _cases(writer, world, enterprises, ids, rng, cases, batch_size, echo):
    days = submission_days(world, rng, cases)
    batch, statuses = Batch(world, ids, rng), {}
    home = {}
    for enterprise in enterprises:
        home.setdefault(enterprise.center.id, []).append(enterprise)
    with BackgroundWriter(writer, cases, echo) as background:
        for first in range(0, cases, batch_size):
            for n, (w, pinned) in enumerate(days[first:first + batch_size], start=first):
                # Every center gets its share; mostly from its own enterprises, some others'.
                center = world.centers[n % len(world.centers)]
                local = home.get(center.id)
                enterprise = rng.choice(local if local and rng.random() < 0.9 else enterprises)
                story = Story(batch, w, enterprise, center)
                story.plan(pinned)
                story.write()
                statuses[story.case_status] = statuses.get(story.case_status, 0) + 1
            background.put(batch.take(), min(first + batch_size, cases))
    return statuses


def _finish(conn):
    """The workload counters of the rows written past the ORM; identity sequences past the
    explicit ids (PostgreSQL); planner statistics."""
    workload_counters.rebuild(conn)
    if conn.dialect.name == "postgresql":
        for table in ID_TABLES:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        conn.exec_driver_sql("ANALYZE")
    else:
        # Sampled statistics (what PRAGMA optimize does): a full ANALYZE reads every index.
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        conn.exec_driver_sql("ANALYZE")


def database_size():
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        path = url.database
        return sum(os.path.getsize(path + suffix) for suffix in ("", "-wal")
                   if os.path.exists(path + suffix))
    return db.session.scalar(text("SELECT pg_database_size(current_database())"))


HELP = """Fill an EMPTY database with N realistic cases, fast (bulk inserts).

\b
20 centers S01..S20 (default catalogue each), 10 agents and 1-2 managers per center,
N/20 enterprises, N cases submitted over the three years before today in every status,
8-14 steps each, audit events (hash chain verifies), messages, notifications, evaluations,
documents sharing ~40 blobs of 100 KB-20 MB.

\b
Logins (password demo1234 for everybody):
  s01-manager1 .. s20-manager1    managers (sNN-manager2 too in odd-numbered centers)
  s01-agent01 .. s20-agent10      agents
  e000001, e000002, ...           enterprise users (one per enterprise, N/20 of them);
                                  every fifth enterprise also has e000005-2 etc.
Staff log in with a one-time code too: TOTP secret PROXYSERVICEDEMOPROXYSERVICEDEMO.

Refuses under FLASK_CONFIG=production, and on a database that already has centers, users
or cases unless --append (which reuses S01..S20 and adds enterprises e<next>.. and cases).
"""


@click.command("seed-scale", help=HELP)
@click.option("--cases", "cases", type=click.IntRange(min=1), required=True,
              help="number of cases to create")
@click.option("--seed", type=int, default=1, show_default=True, help="random seed")
@click.option("--append", is_flag=True, help="add to a database that already has data")
@click.option("--seals/--no-seals", default=True, show_default=True,
              help="create development seal certificates for the 20 centers")
@click.option("--batch", type=click.IntRange(min=1), default=BATCH_CASES, show_default=True,
              help="cases per bulk write and commit")
def seed_scale_command(cases, seed, append, seals, batch):
    click.echo(f"seed-scale: {cases:,} cases on {db.engine.url.get_backend_name()}")
    summary = seed_scale(cases, seed=seed, append=append, with_seals=seals, batch=batch,
                         echo=click.echo)
    click.echo("\n" + summary_table(summary))


def summary_table(summary):
    lines = [f"{'table':<18}{'rows':>12}{'write s':>10}"]
    for table, count in summary["rows"].items():
        lines.append(f"{table:<18}{count:>12,}{summary['write_seconds'][table]:>10.1f}")
    lines.append("")
    lines += [f"{phase:<24}{seconds:>8.1f} s" for phase, seconds in summary["seconds"].items()]
    lines.append("")
    lines.append("case statuses: " + ", ".join(f"{status} {count:,}" for status, count in
                                               sorted(summary["statuses"].items())))
    lines.append(f"database size: {database_size() / 1024 / 1024:,.0f} MB")
    return "\n".join(lines)
