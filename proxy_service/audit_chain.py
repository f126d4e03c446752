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
"""
import hashlib
import json
from datetime import timezone

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from . import clock
from .models.audit import AuditEvent

FIELDS = ("at", "actor_id", "center_id", "case_id", "enterprise_id", "object_type",
          "object_id", "action", "from_status", "to_status", "comment", "internal")
_CHAIN_KIND = {"case": 1, "center": 2, "global": 3}


class AuditTampered(Exception):
    """Audit rows are append-only: the app never updates or deletes them."""


def chain_key(ev):
    if ev.case_id is not None:
        return f"case:{ev.case_id}"
    if ev.center_id is not None:
        return f"center:{ev.center_id}"
    return "global"


def canonical(ev, prev_hash):
    """A stable text form of the event: the same on SQLite and PostgreSQL, after a round trip."""
    values = {name: getattr(ev, name) for name in FIELDS}
    values["at"] = values["at"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    values["internal"] = bool(values["internal"])
    for name in ("from_status", "to_status", "comment"):
        values[name] = values[name] or ""
    values["prev_hash"] = prev_hash or ""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(ev, prev_hash):
    return hashlib.sha256(canonical(ev, prev_hash).encode()).hexdigest()


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
    if not new:
        return
    keys = {chain_key(ev) for ev in new}
    with session.no_autoflush:
        _lock_chains(session, keys)
        heads = {key: _head(session, key) for key in keys}
    for ev in new:  # session.new keeps the order of add(), which is the insert (id) order
        if ev.at is None:
            ev.at = clock.now()
        key = chain_key(ev)
        ev.prev_hash = heads[key]
        ev.hash = heads[key] = event_hash(ev, ev.prev_hash)


@event.listens_for(AuditEvent, "before_update")
def _no_update(_mapper, _conn, target):
    raise AuditTampered(f"audit event {target.id} is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(_mapper, _conn, target):
    raise AuditTampered(f"audit event {target.id} is append-only")


def chain_heads(session, center_id=None):
    """{chain key: head hash} for every chain (or those of one center)."""
    last = select(func.max(AuditEvent.id)).group_by(AuditEvent.case_id, AuditEvent.center_id)
    if center_id is not None:
        last = last.where(AuditEvent.center_id == center_id)
    rows = session.scalars(select(AuditEvent).where(AuditEvent.id.in_(last)))
    return {chain_key(ev): ev.hash for ev in rows}


def verify_chains(session):
    """(problems, hashes seen per chain). Streams the log in id order; the first broken
    link of each chain is reported (after it, every later link is suspect anyway)."""
    heads, seen, problems, broken = {}, {}, [], set()
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for ev in session.scalars(query):
        key = chain_key(ev)
        prev = heads.get(key)
        if key in broken:
            pass   # stored hashes still count as seen: checkpoints report only missing heads
        elif ev.prev_hash != prev:
            problems.append(f"{key}: event {ev.id} points to {ev.prev_hash}, expected {prev}")
            broken.add(key)
        elif ev.hash != event_hash(ev, prev):
            problems.append(f"{key}: event {ev.id} was altered (its hash does not match)")
            broken.add(key)
        heads[key] = ev.hash
        seen.setdefault(key, set()).add(ev.hash)
    return problems, seen
