"""Conflicts: a user's action that collides with the record as it now stands, because the
status no longer allows it (TransitionError, or a rule's refusal) or someone saved it meanwhile
(StaleEdit, or StaleDataError when the other save reaches the row first).

Here are the errors every state change refuses with, the checks nearly every one starts with
(`check_version`, `require`), saving a settings record over the version its edit form showed
(`save`, `keep_input`), and the one way views and commands commit: roll back, tell the user in
a warning, keep nothing (`committing`, `attempt`).
"""
from contextlib import contextmanager
from types import SimpleNamespace

from flask import flash
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from proxy_service.core.extensions import db


class TransitionError(Exception):
    """An action that the object's current status (or a business rule) does not allow."""


class StepDateError(TransitionError):
    """A step date that cannot be true (later than today, or outside its filing round): the
    form shows the message on `field`, the form field the date came from."""

    def __init__(self, field, message):
        super().__init__(str(message))
        self.field = field


class StaleEdit(Exception):
    """The object changed after the form was loaded; nothing was saved. `message` says what
    changed where the general one would not. It stays lazy until shown: raised from a failed
    flush, the session cannot load the user's language until the view has rolled back."""

    def __init__(self, obj, message=None):
        super().__init__(_l("该记录在您编辑期间已被他人修改，未保存。") if message is None else message)
        self.obj = obj


class EvaluationError(TransitionError):
    """A rating, answer or appeal the service-quality rules (evaluations.py) do not allow."""


def check_version(obj, seen_version):
    """Raise StaleEdit when `obj` moved on from the version a form showed (digits); None
    (a post without a version) compares nothing."""
    if seen_version is not None and obj.version != int(seen_version):
        raise StaleEdit(obj)


def require(text, message):
    """`text` stripped; TransitionError(message) when it is empty."""
    if not (text or "").strip():
        raise TransitionError(message)
    return text.strip()

CONFLICTS = (TransitionError, StaleEdit, StaleDataError)


def conflict_message(err):
    # StaleDataError carries SQL wording; the user needs to know their edit was not saved.
    if isinstance(err, StaleDataError):
        return str(StaleEdit(None))
    return str(err)


@contextmanager
def committing(*, quiet=False, also=()):
    """Run the block and commit. On a conflict: roll back, flash it, and set `.conflict` on
    the yielded outcome (None otherwise); the conflict does not propagate, other errors do.
    `quiet` flashes nothing: for a view that shows the conflict on its page, or a request
    answered with a file, whose view settles the conflict itself. `also`: more exception
    classes that refuse the request without being conflicts (an upload's UploadError): rolled
    back and set on `.refused`, never flashed: the view shows them where they belong (on the
    form's field, say)."""
    outcome = SimpleNamespace(conflict=None, refused=None)
    try:
        yield outcome
        db.session.commit()
    except CONFLICTS as err:
        db.session.rollback()
        if not quiet:
            flash(conflict_message(err), "warning")
        outcome.conflict = err
    except also as err:
        db.session.rollback()
        outcome.refused = err


def attempt(verb, *args, also=(), **kwargs):
    """Run one verb and commit. On a conflict: roll back, flash it, and return the error; on
    an error of `also` (see committing): roll back and return it, unflashed."""
    with committing(also=also) as outcome:
        verb(*args, **kwargs)
    return outcome.conflict or outcome.refused


# Settings records (catalogue items, case templates, a center's settings) map `version` as
# SQLAlchemy's version_id_col, so the UPDATE itself says `WHERE version = <loaded>`: a save
# that passed the check below but lost the race to another one fails at the flush with
# StaleDataError, which the commit helper answers like a StaleEdit.

def save(record, seen_version, change):
    """Apply `change(record)` and flush it as one UPDATE that moves the version by one.

    `seen_version` is the form's hidden field: digits, or blank/None for a post without one
    (then nothing is compared). Raises StaleEdit when the record moved on since the form was
    loaded, StaleDataError (from the flush) when another save lands first meanwhile."""
    check_version(record, seen_version or None)
    # No flush halfway (a form's apply() queries): a second UPDATE would be a second step.
    with db.session.no_autoflush:
        change(record)
        # Set here, not left to the mapper, which skips the row when only links changed (a
        # template's items) or nothing did: every save takes its step and meets a rival's.
        record.version = record.version + 1
    db.session.flush()


def keep_input(form, record):
    """After a refused save: the form still holds what the user typed and now carries the
    version on record, so that saving it again knowingly replaces the other change."""
    form.version.data = str(record.version)
    return form
