"""The status page's cached fragments (core/fragment_cache.py): the steps by stage, the
timeline, the documents, the notices and the messages, each keyed by everything its template
reads besides the case's rows, so that an entry cannot outlive what it shows:

- the case, its revision and changed_at (workflow/revision.py: every verb on the case
  advances both; the time keeps a database restored from a backup, whose revisions went
  back, from meeting what was cached for the later ones);
- today's date in Asia/Shanghai (lights, "剩余 N 个工作日") and the calendar's version;
- the version of each step's catalogue item (its name, department and mode are shown);
- the locale, the script root (links), the user's role (internal events and notes are the
  staff's; the enterprise's links) and the outcome of each permission check the fragment's
  template makes (can_update_step and can_open_step of every step: the same for each step of
  a case, permissions.can_update_steps and can_open_steps; the notices' can_export_dossier and
  can_update_case). Internal messages and events are the staff's: the role covers them.

The documents' and the messages' fragments are their lists; the upload and message forms
below them (a CSRF token: per user) are rendered afresh on every page. Nothing is cached while
the request's own transaction has advanced the case (an uncommitted revision could be rolled
back and reused). The revision is read with the case, before what the fragments show (the
timeline's rounds and suspensions, load_shown, come later still): a key is never newer than
its content.
"""
from flask import request
from flask_babel import get_locale
from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from proxy_service.calendar.workdays import calendar_version
from proxy_service.core import clock, fragment_cache
from proxy_service.core.extensions import db
from proxy_service.core.fragment_cache import Fragment
from proxy_service.models import StepRound, Suspension
from proxy_service.permissions import (
    can_export_dossier,
    can_open_steps,
    can_update_case,
    can_update_steps,
)
from proxy_service.workflow import revision


def status_fragments(user, case):
    """{name: Fragment or None (render, do not cache)} for cases/detail.html, looked up: the
    ones found hold their HTML (fragment_cache.lookup)."""
    return fragment_cache.lookup(_keys(user, case))


def _keys(user, case):
    if revision.uncommitted(case.id):
        return dict.fromkeys(("steps", "timeline", "documents", "notices", "messages"))
    shared = (case.id, case.revision, str(case.changed_at), clock.today().isoformat(),
              calendar_version(),
              str(get_locale()), request.script_root, user.role.value,
              tuple((step.item_id, step.item.version) for step in case.steps))
    checks = (can_update_steps(user, case), can_open_steps(user, case))
    return {"steps": Fragment("case-steps", (*shared, checks)),
            "timeline": Fragment("case-timeline", shared),
            "documents": Fragment("case-documents", shared),
            "notices": Fragment("case-notices", (*shared, can_export_dossier(user, case),
                                                 can_update_case(user, case))),
            "messages": Fragment("case-messages", shared)}


def load_shown(case, rendering):
    """Load what the fragments being rendered (`rendering`: names) read beyond the case's
    head (its steps and their items): the timeline's pauses need each step's filing rounds
    and the case's suspensions. One statement each, and none when the timeline is served
    from the cache or they are loaded already."""
    if "timeline" not in rendering:
        return
    steps = [step for step in case.steps if "rounds" in inspect(step).unloaded]
    if steps:
        rounds = {step.id: [] for step in steps}
        for filing in db.session.scalars(select(StepRound).where(StepRound.step_id.in_(rounds))
                                          .order_by(StepRound.step_id, StepRound.number)):
            rounds[filing.step_id].append(filing)
        for step in steps:
            set_committed_value(step, "rounds", rounds[step.id])
    if "suspensions" in inspect(case).unloaded:
        set_committed_value(case, "suspensions", db.session.scalars(
            select(Suspension).where(Suspension.case_id == case.id).order_by(Suspension.id)).all())
