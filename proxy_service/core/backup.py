"""`flask backup create PATH` / `flask backup restore PATH`.

The database holds everything (documents and sealed agreements are rows), so one database
backup is a whole backup. SQLite: the online backup API (consistent while the app runs).
PostgreSQL: pg_dump custom format / pg_restore --clean, against the app's DATABASE_URL.
"""
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from proxy_service.core.extensions import db

backup_cli = AppGroup("backup", help="Back the database up to a file, or restore it.")
# Every database of this application has it (the migrations' bookkeeping).
MARKER_TABLE = "alembic_version"


class NotABackup(click.ClickException):
    """A restore refused before the database is touched: one line, exit status 2."""
    exit_code = 2


def _url():
    return make_url(db.engine.url)


def _sqlite_copy(source, target):
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _pg_args(url):
    """libpq connection options; the password travels in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", "-d", url.database]
    return args, env


def create_backup(path):
    url = _url()
    path = Path(path)
    if url.get_backend_name() == "sqlite":
        path.unlink(missing_ok=True)
        _sqlite_copy(url.database, path)
    else:
        args, env = _pg_args(url)
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(path), *args],
                       env=env, check=True, capture_output=True)
    return path


def check_backup(path, url):
    """Raise NotABackup unless `path` holds a database of this application in the form a
    restore to `url` reads (a SQLite file, or a pg_dump archive)."""
    if not Path(path).is_file():
        raise NotABackup(f"no backup at {path}")
    if url.get_backend_name() == "sqlite":
        found = MARKER_TABLE in _sqlite_tables(path)
    else:
        listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True)
        found = listing.returncode == 0 and re.search(
            rb"\bTABLE public %s\b" % MARKER_TABLE.encode(), listing.stdout) is not None
    if not found:
        raise NotABackup(f"{path} is not a proxy_service backup; nothing was restored")


def _sqlite_tables(path):
    # Read-only: an empty or foreign file must not become a database by being looked at.
    try:
        with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:   # "file is not a database"
        return set()


def restore_backup(path):
    """Replace the database's contents with the backup's (the schema comes with it).
    Raises NotABackup, before anything is changed, for a file that is not a backup."""
    url = _url()
    check_backup(path, url)
    db.session.remove()
    db.engine.dispose()   # no pooled connection may hold the old database open
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(path, url.database)
    else:
        args, env = _pg_args(url)
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                        "--single-transaction", *args, str(path)],
                       env=env, check=True, capture_output=True)


@backup_cli.command("create")
@click.argument("path")
def create_command(path):
    """Write a consistent backup of the database to PATH."""
    try:
        click.echo(f"backup written to {create_backup(path)}")
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace")
        raise click.ClickException(f"backup failed: {message}") from error


@backup_cli.command("restore")
@click.argument("path")
def restore_command(path):
    """Replace the database with the backup at PATH (then run `flask audit verify`)."""
    try:
        restore_backup(path)
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace")
        raise click.ClickException(f"restore failed: {message}") from error
    click.echo(f"database restored from {path}")
