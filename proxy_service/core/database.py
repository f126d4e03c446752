"""Engine settings per backend."""
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
