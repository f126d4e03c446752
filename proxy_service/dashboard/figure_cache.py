"""The dashboard's figures as computed at most five minutes ago (issue 18 allows it, and the
page says when: "数据截至 HH:MM").

Why a cache and not daily rollups kept by the workflow: at 100,000 cases half the time of the
figures goes to what no rollup can hold — open work by traffic light and by working days
open, which change with the date without any verb — and the period figures are counted by
each case's current agent and industry and by the working-day calendar, all of which change
past days. The late-step list with its re-assignment forms is not cached (dashboard/figures.py:
late_steps reads it for every request), so its forms always carry the cases' versions.

One set of figures per center, period and filters, sort, locale and today's date (Beijing),
kept in the worker process (at most DASHBOARD_CACHE_ENTRIES of them, least recently used
first out) for DASHBOARD_CACHE_SECONDS (at most 300) from when they were computed.
"""
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from flask_babel import get_locale

from proxy_service.core import clock
from proxy_service.core.lru import BoundedLru
from proxy_service.dashboard.figures import SORT_KEYS
from proxy_service.models import Absence

EXTENSION = "dashboard_figures"


class ExpiringCache(BoundedLru):
    """At most `size` values, each given out for `seconds` after it was put (by clock.now())."""

    def __init__(self, size, seconds):
        super().__init__(size, seconds=seconds)


@dataclass(frozen=True)
class Named:
    """An agent or an industry as the cached figures name them (no ORM object outlives its
    request)."""
    id: int
    name: str


@dataclass(frozen=True)
class AbsencePeriod:
    """An absence as the cached figures show it: its period and, on a day, its state."""
    start_on: date
    end_on: date
    STATE_LABELS = Absence.STATE_LABELS
    state = Absence.state
    state_label = Absence.state_label


def cached(center_id, filters, sort, compute):
    """compute() (a dict of figures), or what it returned for the same center, filters, sort,
    locale and day less than DASHBOARD_CACHE_SECONDS ago; the dict's "as_of" says when."""
    cache = _cache()
    # An order the figures do not know is their default one: no set of its own.
    order = sort if sort in SORT_KEYS else "name"
    key = (center_id, filters.start, filters.end, filters.industry, filters.stage, filters.agent,
           order, str(get_locale()), clock.today())
    figures = cache.get(key) if cache is not None else None
    if figures is None:
        figures = dict(compute(), as_of=clock.now())
        if cache is not None:
            cache.put(key, figures)
    return figures


def named(rows):
    """[Named] of ORM rows with an id and a name."""
    return [Named(row.id, row.name) for row in rows]


def detached(loads):
    """AgentLoad rows with their agent and absence copied into plain values, to be kept."""
    return [replace(load, agent=Named(load.agent.id, load.agent.name),
                    absence=load.absence and AbsencePeriod(load.absence.start_on,
                                                           load.absence.end_on))
            for load in loads]


def _cache():
    """This app's cache, made on first use; None while DASHBOARD_CACHE_SECONDS is 0."""
    seconds = min(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0), 300)
    if seconds <= 0:
        return None
    cache = current_app.extensions.get(EXTENSION)
    if cache is None or cache.seconds != timedelta(seconds=seconds):
        cache = current_app.extensions[EXTENSION] = ExpiringCache(
            current_app.config.get("DASHBOARD_CACHE_ENTRIES", 128), seconds)
    return cache
