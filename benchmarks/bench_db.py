"""The benchmark's databases: one per size N, seeded once and reused while still valid.

SQLite (the default): `instance/bench/cases-<N>.db` (BENCH_DIR moves the folder).
PostgreSQL: with DATABASE_URL=postgresql+psycopg://user@host:5432/NAME, database NAME_<N> on
that server (created when missing).

Each database has a key file beside it (`<name>.key`, JSON): N, the seeder, the migration
head and a digest of the migration files. When any of these differ from the checkout's, the
database is dropped and seeded again (a new or edited migration rebuilds); BENCH_REBUILD=1
forces it. Seeding runs the real commands in a subprocess: `flask db upgrade`, then
`flask seed-scale --cases N` (or `flask seed-demo`, whatever N, where seed-scale is missing).
"""
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
# The seed and the measuring process must agree on it: TOTP secrets are encrypted with it.
SECRET_KEY = "benchmark-only-secret"


def bench_dir():
    folder = Path(os.environ.get("BENCH_DIR") or ROOT / "instance" / "bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def migrations_key():
    """(head revision, digest of every migration file): a new or edited migration differs."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    config = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return head, digest.hexdigest()[:16]


def has_seed_scale():
    """Whether this checkout has `flask seed-scale` yet."""
    result = subprocess.run(FLASK + ["seed-scale", "--help"], cwd=ROOT, capture_output=True,
                            env=_env("sqlite://"), text=True)
    return result.returncode == 0


def _env(url, seal_dir=None):
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY, FLASK_CONFIG="development")
    if seal_dir:
        env["SEAL_DIR"] = str(seal_dir)
    return env


class BenchDatabase:
    """One size's database: its URL, where its key lives, and how to (re)build it."""

    def __init__(self, n, seeder):
        self.n, self.seeder = n, seeder
        folder = bench_dir()
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith("postgresql"):
            server = make_url(base)
            self.name = f"{server.database}_{n}"
            self.url = server.set(database=self.name).render_as_string(hide_password=False)
            self.server_url = base
            label = f"pg-{server.host}-{self.name}"
        else:
            self.name = f"cases-{n}"
            self.path = folder / f"{self.name}.db"
            self.url = f"sqlite:///{self.path}"
            self.server_url = None
            label = self.name
        self.key_path = folder / f"{label}.key"
        self.seal_dir = folder / f"{label}-seals"
        head, digest = migrations_key()
        self.key = {"n": n, "seeder": seeder, "head": head, "migrations": digest}

    @property
    def is_postgresql(self):
        return self.server_url is not None

    def is_current(self):
        if os.environ.get("BENCH_REBUILD") == "1" or not self.key_path.exists():
            return False
        if not self.is_postgresql and not self.path.exists():
            return False
        return json.loads(self.key_path.read_text()) == self.key

    def ensure(self, log=print):
        """The URL of a database seeded for this key, building it when needed."""
        if self.is_current():
            log(f"  reusing {self.url} (seeded {json.loads(self.key_path.read_text())['n']} cases)")
            return self.url
        log(f"  seeding {self.url} with {self.seeder} (N={self.n}); this can take minutes")
        started = time.perf_counter()
        self.key_path.unlink(missing_ok=True)
        self._drop()
        self.seal_dir.mkdir(exist_ok=True)
        env = _env(self.url, self.seal_dir)
        self._run(FLASK + ["db", "upgrade"], env)
        seed = ["seed-scale", "--cases", str(self.n)] if self.seeder == "seed-scale" else ["seed-demo"]
        self._run(FLASK + seed, env)
        self._settle()
        self.key_path.write_text(json.dumps(self.key))
        log(f"  seeded in {time.perf_counter() - started:.0f} s")
        return self.url

    @staticmethod
    def _run(command, env):
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            raise SystemExit(f"failed: {' '.join(command[3:])}")

    def _drop(self):
        if not self.is_postgresql:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()

    def _settle(self):
        """Fold SQLite's write-ahead log into the file, so every run starts alike."""
        if self.is_postgresql:
            return
        engine = create_engine(self.url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
