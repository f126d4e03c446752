"""What the state changes refuse with, and the two checks nearly every one starts with.

workflow.py re-exports all of it (`workflow.TransitionError`, ...); the modules that work
beside it (step_rules, registration, supplements, paper_signing, versioned) import it from
here, so that none of them needs workflow.py to be loaded first.
"""
from flask_babel import lazy_gettext as _l


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
