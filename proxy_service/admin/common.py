"""Helpers shared by the manager's pages."""
from flask import flash
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..workflow import StaleEdit, TransitionError

CONFLICTS = (TransitionError, StaleEdit, StaleDataError)


def conflict_message(err):
    # StaleDataError carries SQL wording; the user needs to know their edit was not saved.
    if isinstance(err, StaleDataError):
        return _("该记录在您编辑期间已被他人修改，未保存。")
    return str(err)


def attempt(verb, *args, **kwargs):
    """Run one verb and commit. On a conflict: roll back, flash it, and return the error."""
    try:
        verb(*args, **kwargs)
        db.session.commit()
    except CONFLICTS as err:
        db.session.rollback()
        flash(conflict_message(err), "warning")
        return err
    return None
