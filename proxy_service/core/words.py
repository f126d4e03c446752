"""Words a list page prints in many rows, translated and formatted once a page."""
from markupsafe import Markup


class Words:
    """What a page prints in many rows, translated and formatted once: a lazy label costs a
    gettext each time it is printed. Translations are Markup, as Jinja's gettext makes them."""

    def __init__(self):
        self._labels = {}
        self._formats = {}

    def label(self, member):
        """The label of an enum member (CaseStatus, StepStatus, Light, Stage, ...)."""
        if member not in self._labels:
            self._labels[member] = Markup(str(member.label))
        return self._labels[member]

    def text(self, message, **variables):
        """A lazy message (a module's constant) % variables, as Jinja's gettext formats it."""
        key = id(message)   # hashing a lazy string would translate it
        if key not in self._formats:
            self._formats[key] = Markup(str(message))
        return self._formats[key] % variables
