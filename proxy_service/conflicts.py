"""Conflicts: a user's action that collides with the record as it now stands, because the
status no longer allows it (TransitionError) or someone saved it meanwhile (StaleEdit, or
StaleDataError when the other save reaches the row first). Every blueprint answers them the
same way: roll back, tell the user in a warning, keep nothing. Views use `attempt` for one
verb, `committing` for a block whose result they need."""
from contextlib import contextmanager
from types import SimpleNamespace

from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .guards import StaleEdit, TransitionError

CONFLICTS = (TransitionError, StaleEdit, StaleDataError)


def conflict_message(err):
    # StaleDataError carries SQL wording; the user needs to know their edit was not saved.
    if isinstance(err, StaleDataError):
        return str(StaleEdit(None))
    return str(err)


@contextmanager
def committing(*, quiet=False):
    """Run the block and commit. On a conflict: roll back, flash it, and set `.conflict` on
    the yielded outcome (None otherwise); the conflict does not propagate, other errors do.
    `quiet` flashes nothing: for a request answered with a file, whose view settles the
    conflict itself."""
    outcome = SimpleNamespace(conflict=None)
    try:
        yield outcome
        db.session.commit()
    except CONFLICTS as err:
        db.session.rollback()
        if not quiet:
            flash(conflict_message(err), "warning")
        outcome.conflict = err


def attempt(verb, *args, **kwargs):
    """Run one verb and commit. On a conflict: roll back, flash it, and return the error."""
    with committing() as outcome:
        verb(*args, **kwargs)
    return outcome.conflict
