"""Engine settings per backend, and the health check's probe."""
from sqlalchemy import event


def configure_engine_events(engine):
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def sqlite_pragmas(dbapi_connection, _record):
        # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def ping(engine):
    """Raise when the database does not answer `SELECT 1`. The statement goes straight to a
    pooled driver connection: no Session, no compiled statement, no result object — /healthz
    asks many times a second, and the pool's pre-ping has already checked the connection it
    hands out (this statement checks a new one). A connection that failed is not pooled again."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        cursor.close()
    except Exception:
        connection.invalidate()
        raise
    finally:
        connection.close()
