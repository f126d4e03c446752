"""Bulk writes for `flask seed-scale`: tuples in the column order of COLUMNS, executemany
(SQLite) or COPY (PostgreSQL) on one connection, in a background thread."""
import queue
import threading
import time

from sqlalchemy import column, insert
from sqlalchemy import table as sql_table

COLUMNS = {
    "document_blobs": ("sha256", "size", "data"),
    "users": ("id", "username", "password_hash", "role", "name", "phone", "email", "center_id",
              "enterprise_id", "active", "notify_email", "notify_sms", "created_at",
              "session_token", "failed_logins", "locked_until", "totp_secret", "totp_enrolled_at",
              "totp_last_step"),
    "enterprises": ("id", "name", "uscc", "uscc_check_failed", "legal_representative", "address",
                    "contact_person", "mobile", "email", "home_center_id", "verification",
                    "verification_note", "verified_by_id", "verified_at", "privacy_consent_at",
                    "seal_image", "created_at", "version"),
    "projects": ("id", "enterprise_id", "center_id", "name", "code", "industry_id",
                 "total_investment", "land_area", "location", "content", "planned_start",
                 "standard_land", "filing_type", "created_at", "version"),
    "cases": ("id", "number", "center_id", "enterprise_id", "project_id", "template_id", "agent_id",
              "status", "contact_name", "contact_mobile", "note", "requested_item_ids", "reason",
              "submitted_at", "accepted_at", "closed_at", "promised_on", "suspended_on",
              "started_on", "promised_workdays", "updated_at", "version", "changed_at"),
    "case_suspensions": ("id", "case_id", "started_on", "ended_on", "reason", "created_at"),
    "agreements": ("id", "case_id", "kind", "number", "verification_code", "template_id", "state",
                   "item_ids", "revision", "unsigned_pdf", "unsigned_sha256", "final_pdf",
                   "final_sha256", "signed_on_paper", "paper_scan_id", "created_at", "sealed_at",
                   "void_reason", "version"),
    "steps": ("id", "case_id", "item_id", "stage", "stage_order", "sort", "status",
              "acceptance_no", "submitted_on", "approved_on", "permit_no", "by_commitment",
              "correction_request", "refusal_reason", "refusal_decision_no",
              "not_required_reason", "due_on", "remaining_workdays", "allotted_workdays",
              "yellow_on", "agreement_id", "updated_at", "version"),
    "step_rounds": ("id", "step_id", "number", "filed_on", "allotted", "allotted_unit", "returned_on",
                    "correction_request", "remaining_workdays", "decided_on", "created_at"),
    "assignments": ("id", "case_id", "agent_id", "assigned_by_id", "reason", "assigned_at"),
    "signatures": ("id", "agreement_id", "party", "user_id", "signer_name", "signer_title",
                   "method", "image", "seal_image", "signed_at", "ip_address", "user_agent",
                   "document_sha256", "voided"),
    "documents": ("id", "case_id", "step_id", "enterprise_id", "uploaded_by_id", "kind",
                  "filename", "content_type", "size", "sha256", "created_at"),
    "messages": ("id", "case_id", "step_id", "author_id", "body", "internal", "created_at"),
    "evaluations": ("id", "case_id", "center_id", "enterprise_id", "agent_id", "author_id",
                    "grade", "efficiency", "attitude", "expertise", "comment", "created_at",
                    "updated_at"),
    "rectifications": ("id", "evaluation_id", "case_id", "center_id", "manager_id", "status",
                       "opened_at", "due_on", "response", "outcome", "responded_at",
                       "responded_by_id", "appeal_reason", "appealed_at", "review_response",
                       "review_outcome", "reviewed_at", "reviewed_by_id", "version"),
    "audit_events": ("id", "at", "actor_id", "center_id", "case_id", "enterprise_id",
                     "object_type", "object_id", "action", "from_status", "to_status", "comment",
                     "internal", "prev_hash", "hash"),
    "notifications": ("id", "user_id", "case_id", "kind", "text", "url", "created_at", "read_at"),
    "deadline_alerts": ("id", "step_id", "level", "due_on", "created_at"),
}

class Writer:
    """Bulk writes on one connection: executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, conn):
        self.conn, self.dialect = conn, conn.dialect.name
        self.raw = conn.connection.dbapi_connection
        self.counts, self.seconds = {}, {}
        self.cpu = 0.0     # CPU seconds of the writer thread (driver work included)
        self._sql = {}

    def write(self, table, rows):
        if not rows:
            return
        started = time.perf_counter()
        columns = COLUMNS[table]
        if self.dialect == "postgresql":
            cursor = self.raw.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            if table not in self._sql:
                # A lightweight table: exactly these columns, no defaults computed per row.
                statement = insert(sql_table(table, *map(column, columns)))
                self._sql[table] = str(statement.compile(dialect=self.conn.dialect))
            self.raw.cursor().executemany(self._sql[table], rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started

    def write_all(self, rows):
        for table in COLUMNS:           # parents before children
            self.write(table, rows.get(table))

    def commit(self):
        """On the driver's connection: the rows went through it, past SQLAlchemy's
        transaction bookkeeping (for which Connection.commit() would be a no-op)."""
        self.raw.commit()


def load_settings(conn):
    """Bulk-load settings for this connection; returns the function that puts them back."""
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET synchronous_commit = off")
        return lambda: conn.exec_driver_sql("SET synchronous_commit = on")
    cursor = raw.cursor()
    synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")     # a crash mid-load loses the load, not more
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
    cursor.execute("PRAGMA temp_store=MEMORY")
    # The rows are generated consistent (tests/test_scale_seed.py runs foreign_key_check);
    # checking 4 parents per audit row would cost a third of the load.
    cursor.execute("PRAGMA foreign_keys=OFF")

    def restore():
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-2000")
    return restore


class BackgroundWriter:
    """Writes and commits batches in a thread while the next batch is built: the database
    driver works without the GIL (sqlite3_step, libpq I/O), so the two overlap on two cores.
    At most two batches wait; an error in the thread is raised in the caller."""

    def __init__(self, writer, total, echo):
        self.writer, self.total, self.echo = writer, total, echo
        self.queue, self.error = queue.Queue(maxsize=2), None
        self.thread = threading.Thread(target=self._run, name="seed-scale-writer", daemon=True)
        self.started = time.perf_counter()

    def __enter__(self):
        self.thread.start()
        return self

    def put(self, rows, done):
        if self.error is not None:
            raise self.error
        self.queue.put((rows, done))

    def _run(self):
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue            # drain after a failure
            rows, done = item
            cpu = time.thread_time()
            try:
                self.writer.write_all(rows)
                self.writer.commit()
                self.writer.cpu += time.thread_time() - cpu
            except Exception as error:   # re-raised in the main thread
                self.error = error
                continue
            elapsed = time.perf_counter() - self.started
            self.echo(f"  {done:>8,} / {self.total:,} cases  {elapsed:7.1f} s  "
                      f"({done / elapsed:,.0f} cases/s)")

    def __exit__(self, *exc):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error
