"""Words a list page prints in many rows, translated and formatted once a page."""
from functools import lru_cache

from flask_babel import get_locale
from markupsafe import Markup

from proxy_service.core import i18n
from proxy_service.core.clock import BEIJING


class Words:
    """What a page prints in many rows, translated and formatted once: a lazy label costs a
    gettext each time it is printed. Translations are Markup, as Jinja's gettext makes them."""

    def __init__(self):
        self._once = {}
        self._locale = str(get_locale())

    def label(self, member):
        """The label of an enum member (CaseStatus, StepStatus, Light, Stage, ...)."""
        return self.once(("label", member), lambda: Markup(str(member.label)))

    def text(self, message, **variables):
        """A lazy message (a module's constant) % variables, as Jinja's gettext formats it."""
        key = id(message)   # hashing a lazy string would translate it
        translated = self.once(("message", key), lambda: Markup(str(message)))
        if not variables:   # formatted once: Jinja's gettext formats even without variables
            return self.once(("text", key), lambda: translated % {})
        return translated % variables

    def once(self, key, make):
        """make() the first time `key` is asked for on this page, then that value again: what
        many rows print alike (a light's badge for a due date)."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    def day(self, value):
        """i18n.day(value): a date as the reader's language writes it, "" for None; rows
        share few dates (due dates, promised dates), and pages the same dates."""
        return _day(value, self._locale)

    def beijing_day(self, value):
        """i18n.beijing(value, "date"): the day of an aware datetime in Beijing time."""
        return _day(value.astimezone(BEIJING).date(), self._locale) if value else ""


@lru_cache(maxsize=4096)
def _day(value, _locale):
    """i18n.day(value) in `_locale`, which is the current one (the cache's key): Babel's
    formatting cost ~40 µs a date, for the same few hundred dates on every page."""
    return i18n.day(value)


class Translated:
    """A dict of lazy labels read through get(), each translated the first time it is read
    (a page printing the same few labels in many rows)."""

    def __init__(self, labels):
        self._labels, self._seen = labels, {}

    def get(self, key, default=None):
        if key not in self._labels:
            return default
        if key not in self._seen:
            self._seen[key] = Markup(str(self._labels[key]))
        return self._seen[key]
