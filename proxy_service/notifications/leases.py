"""Leasing due rows to one sender: the outbox (outbox.py) and the webhook deliveries
(webhook_delivery.py) are claimed the same way, so that two senders started at once never
take the same row.

PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent senders pass over each other's
rows, then UPDATE those. SQLite has no row locks but runs one writer at a time: a single
conditional UPDATE (... WHERE id IN (due rows) AND status = 'pending') picks and takes the rows
under its write lock, so two senders never share one."""
from datetime import timedelta

from sqlalchemy import select, update

from proxy_service.core import clock
from proxy_service.core.extensions import db

PENDING, SENDING = "pending", "sending"


def lease_due(model, *, limit, token, seconds, **values):
    """Lease up to `limit` pending rows of `model` due now to `token` for `seconds` (setting
    `values` too), commit, and return the rows this sender holds, oldest first."""
    now = clock.now()
    due = (select(model.id)
           .where(model.status == PENDING, model.next_attempt_at <= now)
           .order_by(model.next_attempt_at, model.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        due = db.session.scalars(due.with_for_update(skip_locked=True)).all()
    db.session.execute(
        update(model)
        .where(model.id.in_(due), model.status == PENDING)
        .values(status=SENDING, leased_by=token, lease_until=now + timedelta(seconds=seconds),
                **values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.scalars(select(model).where(model.leased_by == token,
                                                  model.status == SENDING)
                              .order_by(model.id)).all()
