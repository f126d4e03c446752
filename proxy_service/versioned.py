"""Saving a settings record over the version its edit form showed: catalogue items, case
templates and a center's settings. Cases and steps do the same inside workflow.py.

The model maps `version` as SQLAlchemy's version_id_col, so the UPDATE itself says
`WHERE version = <loaded>`: a save that passed the check below but lost the race to another
one fails at the flush with StaleDataError. The caller (admin.common.attempt) rolls back.
"""
from .extensions import db
from .guards import check_version


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
