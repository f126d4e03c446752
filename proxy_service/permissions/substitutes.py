"""Substitute agents: whose cases an agent handles today (their own, and those of absent
colleagues whose absence names them as substitute). Every agent check honours this, the way
can_update_step does; the absences themselves are recorded by workflow/assignment.py.

Absences are reckoned on clock.today() (Beijing): an absence covers its start and end days.
"""
from flask import has_request_context, request
from sqlalchemy import func, literal, select, union_all

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Absence

_CACHE_KEY = "proxy_service.acts_for"


def current_absences(query, today=None):
    """`query` (over Absence) narrowed to the absences covering `today` (default: today)."""
    today = today or clock.today()
    return query.where(Absence.start_on <= today, Absence.end_on >= today)


def agents_covered_by(user):
    """Ids of the agents whose cases `user` handles today, as a subquery: the user and
    every colleague whose current absence names the user as substitute."""
    covered = current_absences(select(Absence.agent_id).where(Absence.substitute_id == user.id))
    return union_all(select(literal(user.id)), covered)


def acts_for(user, agent_id):
    """True when `user` is the agent `agent_id` or substitutes for them today."""
    if agent_id is None:
        return False
    if agent_id == user.id:
        return True
    # Templates ask once per step: remember the answer for the rest of the request
    # (in the environ, as workdays does: tests share `g` across requests).
    cache = request.environ.setdefault(_CACHE_KEY, {}) if has_request_context() else {}
    key = (user.id, agent_id, clock.today())
    if key not in cache:
        cache[key] = db.session.scalar(current_absences(select(func.count(Absence.id)).where(
            Absence.substitute_id == user.id, Absence.agent_id == agent_id))) > 0
    return cache[key]
