"""Tamper-evident audit log: every AuditEvent is hash-chained to the previous event of the
same chain, and `flask audit checkpoint` signs the chain heads with the center's seal key.

Chains: one per case ("case:<id>"); events without a case chain per center
("center:<id>"), and events with neither on one global chain ("global"). Per-case chains
mean writers on different cases never contend for one chain head.

Concurrency: two transactions appending to one chain must not both read the same head (a
fork). On PostgreSQL each flush takes a transaction-scoped advisory lock per chain
(pg_advisory_xact_lock) before reading the head, held until commit, so the second writer
reads the first writer's event. SQLite has one database-wide write lock, but pysqlite
starts a transaction only at the first write, so a head read before it could be stale: a
no-op UPDATE takes the write lock first (waiting up to busy_timeout for another writer).

Old rows (before the chain existed) were backfilled by the migration that added the
columns, so a missing hash is always a broken link.

`flask audit verify` (verify_chains) reads plain Core rows chain by chain, streamed, and
hashes them with the writer's own canonical_values(): millions of events, constant memory.
"""
import hashlib
import json
from datetime import UTC

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session

from proxy_service.core import clock
from proxy_service.models.audit import AuditEvent

FIELDS = ("at", "actor_id", "center_id", "case_id", "enterprise_id", "object_type",
          "object_id", "action", "from_status", "to_status", "comment", "internal")
_CHAIN_KIND = {"case": 1, "center": 2, "global": 3}
# What json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")) builds
# on every call, built once: verify hashes millions of events.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class AuditTampered(Exception):
    """Audit rows are append-only: the app never updates or deletes them."""


def chain_key(ev):
    return chain_key_of(ev.case_id, ev.center_id)


def chain_key_of(case_id, center_id):
    if case_id is not None:
        return f"case:{case_id}"
    if center_id is not None:
        return f"center:{center_id}"
    return "global"


def canonical(ev, prev_hash):
    """A stable text form of the event: the same on SQLite and PostgreSQL, after a round trip."""
    return canonical_values([getattr(ev, name) for name in FIELDS], prev_hash)


def canonical_values(fields, prev_hash):
    """canonical() over plain values, `fields` in FIELDS order: the one serialiser of both
    the writer (an AuditEvent being flushed) and verify_chains (Core rows, no ORM objects)."""
    values = dict(zip(FIELDS, fields, strict=True))
    values["at"] = values["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    values["internal"] = bool(values["internal"])
    for name in ("from_status", "to_status", "comment"):
        values[name] = values[name] or ""
    values["prev_hash"] = prev_hash or ""
    return _CANONICAL_JSON.encode(values)


def event_hash(ev, prev_hash):
    return hashlib.sha256(canonical(ev, prev_hash).encode()).hexdigest()


def values_hash(fields, prev_hash):
    return hashlib.sha256(canonical_values(fields, prev_hash).encode()).hexdigest()


def _head(session, key):
    """The hash of the last event of chain `key` already in the database."""
    kind, _, ident = key.partition(":")
    query = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    if kind == "case":
        query = query.where(AuditEvent.case_id == int(ident))
    elif kind == "center":
        query = query.where(AuditEvent.case_id.is_(None), AuditEvent.center_id == int(ident))
    else:
        query = query.where(AuditEvent.case_id.is_(None), AuditEvent.center_id.is_(None))
    return session.execute(query).scalar()


def _lock_chains(session, keys):
    """Hold the chains' heads until commit (see the module docstring)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE centers SET id = id WHERE 0 = 1"))
        return
    # Sorted keys: two transactions lock shared chains in the same order (no deadlock).
    for key in sorted(keys):
        kind, _, ident = key.partition(":")
        session.execute(text("SELECT pg_advisory_xact_lock(:kind, :ident)"),
                        {"kind": _CHAIN_KIND[kind], "ident": int(ident or 0)})


@event.listens_for(Session, "before_flush")
def _chain_new_events(session, _context, _instances):
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if new:  # session.new keeps the order of add(), which is the insert (id) order
        _link(session, new)


def _link(session, events):
    """Set at, prev_hash and hash of `events`, in the order they will be inserted."""
    keys = {chain_key(ev) for ev in events}
    with session.no_autoflush:
        _lock_chains(session, keys)
        heads = {key: _head(session, key) for key in keys}
    for ev in events:
        if ev.at is None:
            ev.at = clock.now()
        key = chain_key(ev)
        ev.prev_hash = heads[key]
        ev.hash = heads[key] = event_hash(ev, ev.prev_hash)


def append_rows(session, events):
    """Insert the transient AuditEvent objects `events` with one executemany INSERT, linked
    into their chains as a flush links ORM events. For a change that records an event per
    row it touches (deadline_recompute): a flush inserts events one statement each where the
    database cannot return a batch's ids in order (SQLite). The objects stay transient, so no
    notification is derived from them (notifications/events.py sees flushed ORM events)."""
    if not events:
        return
    session.flush()     # the ORM events already added to these chains come first
    _link(session, events)
    columns = (*FIELDS, "prev_hash", "hash")
    session.execute(insert(AuditEvent.__table__),
                    [{name: getattr(ev, name) for name in columns} for ev in events])


@event.listens_for(AuditEvent, "before_update")
def _no_update(_mapper, _conn, target):
    raise AuditTampered(f"audit event {target.id} is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(_mapper, _conn, target):
    raise AuditTampered(f"audit event {target.id} is append-only")


def moved_heads(session, center_id, after=0):
    """({chain key: head hash}, highest event id) for `center_id`'s chains that have an event
    with id > `after` (0: all of them); the id is None when none has. The heads are read by
    the ids of one statement's snapshot, so both answers describe the same moment."""
    # Grouped by case_id + 0, not case_id: SQLite would otherwise walk the whole (case_id, at)
    # index for the grouping instead of the primary key range of the few new events.
    last = select(func.max(AuditEvent.id)) \
        .where(AuditEvent.center_id == center_id, AuditEvent.id > after) \
        .group_by(AuditEvent.case_id + 0)
    rows = session.execute(select(AuditEvent.id, AuditEvent.case_id, AuditEvent.hash)
                           .where(AuditEvent.id.in_(last))).all()
    heads = {chain_key_of(case_id, center_id): head for _, case_id, head in rows}
    return heads, max((ident for ident, _, _ in rows), default=None)


def settle_writers(session):
    """Wait until no transaction still holds an uncommitted audit event, and keep new ones
    out until commit. On PostgreSQL ids come from a sequence at insert, so an event of a
    transaction still open can have a lower id than a committed one: a checkpoint reading
    "id > the last checkpoint's" would skip it for good. SHARE conflicts with the ROW
    EXCLUSIVE lock every insert holds to its commit. SQLite's single writer hands out ids
    above every committed one, so there is nothing to wait for."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE audit_events IN SHARE MODE"))


class ChainLinks:
    """What verify_chains saw, in memory independent of the log's size: how many chains
    (len()), and which of the signed heads asked about are links of their chain."""

    def __init__(self):
        self.found, self.chains = set(), 0

    def __len__(self):
        return self.chains

    def holds(self, key, head):
        return (key, head) in self.found


# Positions in a verified row: id, the FIELDS, prev_hash, hash (by position: a row's
# attribute access costs more than its hashing at millions of rows).
_VERIFIED = ("id", *FIELDS, "prev_hash", "hash")
_CASE, _CENTER = 1 + FIELDS.index("case_id"), 1 + FIELDS.index("center_id")


def _chain_rows(session, batch):
    """Every event as a plain row (no ORM objects), chain after chain, each chain in id
    (= append) order; streamed (yield_per: a server-side cursor on PostgreSQL)."""
    table = AuditEvent.__table__
    columns = [table.c[name] for name in _VERIFIED]
    by_case = select(*columns).where(table.c.case_id.is_not(None)) \
        .order_by(table.c.case_id, table.c.id)
    # NULL center_id (the global chain) sorts first on SQLite, last on PostgreSQL: either
    # way its events stay together.
    rest = select(*columns).where(table.c.case_id.is_(None)) \
        .order_by(table.c.center_id, table.c.id)
    connection = session.connection()
    for query in (by_case, rest):
        yield from connection.execute(query.execution_options(yield_per=batch))


def _broken_link(row, prev, key):
    ident, fields, (prev_hash, stored) = row[0], row[1:-2], row[-2:]
    if prev_hash != prev:
        return f"{key}: event {ident} points to {prev_hash}, expected {prev}"
    if stored != values_hash(fields, prev):
        return f"{key}: event {ident} was altered (its hash does not match)"
    return None


def verify_chains(session, signed=frozenset(), batch=5000):
    """(problems, ChainLinks): recomputes every chain; the first broken link of each chain
    is reported (after it, every later link is suspect anyway), in event id order.
    `signed`: {(chain key, head hash)} whose presence in their chain ChainLinks answers."""
    links, problems = ChainLinks(), []
    key = prev = None
    broken = False
    for row in _chain_rows(session, batch):
        if chain_key_of(row[_CASE], row[_CENTER]) != key:
            key, prev, broken = chain_key_of(row[_CASE], row[_CENTER]), None, False
            links.chains += 1
        if not broken:   # a broken chain's stored hashes still count for the checkpoints
            problem = _broken_link(row, prev, key)
            if problem:
                problems.append((row[0], problem))
                broken = True
        prev = row[-1]
        if (key, prev) in signed:
            links.found.add((key, prev))
    return [problem for _, problem in sorted(problems)], links
