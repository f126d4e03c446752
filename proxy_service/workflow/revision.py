"""A case's revision: what a poller of the API and the status page's fragment cache ask to
know whether anything shown of a case changed.

Every verb that touches a case (its steps, filing rounds, documents, messages, agreements,
notices, assignments, pauses, evaluations, deadlines) advances `cases.revision` and sets
`cases.changed_at` in its own transaction, through `touch`, which `moves._audit` calls for
every audit event on a case: a change is audited, so it advances the revision.

It is written with a plain UPDATE, not through the ORM: `cases.version` is the optimistic lock
of the case's own form (the ORM bumps it on every UPDATE of a Case it flushes), and an agent's
step update must not make a manager's edit of the case conflict. `updated_at` stays the time
of the case row's own last change. The UPDATE is atomic (revision + 1 in SQL), so two
transactions touching one case never lose an advance; a case is touched once a transaction.
"""
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from proxy_service.core.extensions import db
from proxy_service.models import Case
from proxy_service.models.types import utcnow

_TOUCHED = "revision_touched_case_ids"    # session.info: the cases touched in this transaction


def touch(case_ids):
    """Advance the revision and set changed_at (now, the app clock) of the cases `case_ids`
    (None ignored) in the session's transaction, once each per transaction; the loaded Case
    objects take the written values. A case inserted in this transaction needs none (its
    defaults are its first revision)."""
    session = db.session()
    done = session.info.setdefault(_TOUCHED, set())
    ids = sorted({case_id for case_id in case_ids if case_id is not None} - done)
    if not ids:
        return
    table, stamp = Case.__table__, utcnow()
    statement = (update(table).where(table.c.id.in_(ids))
                 # updated_at named so that its onupdate default leaves it as it was
                 .values(revision=table.c.revision + 1, changed_at=stamp,
                         updated_at=table.c.updated_at)
                 .returning(table.c.id, table.c.revision))
    # No autoflush: the verb's own changes to the case row stay one UPDATE (one version).
    with session.no_autoflush:
        written = session.execute(statement).all()
    for case_id, revision in written:
        case = session.identity_map.get(identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "revision", revision)
            set_committed_value(case, "changed_at", stamp)
    done.update(ids)


def uncommitted(case_id):
    """Whether this session's open transaction advanced the case: its revision is not yet
    committed (and may be rolled back, then taken by another change)."""
    return case_id in db.session().info.get(_TOUCHED, ())


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    """A transaction (or a savepoint) ended: its touches are committed or undone, and the next
    one touches again (after a savepoint a case may be touched twice: harmless). A flush's
    own inner transaction ends inside the same transaction: its touches still hold."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_TOUCHED, None)
