"""make_case writes a signed case's rows itself (factories.accepted_and_sealed) instead of
running the accepting and signing verbs (a signed case costs about a third less so, and the
suite makes some 1,400): they must be the rows the verbs leave — the case, steps, agreement,
signatures, notice, audit events and what the workflow's listeners add (notifications, mail,
webhooks, workload counts)."""
from proxy_service.core.extensions import db
from proxy_service.models import CaseStatus

from .conftest import _empty_tables, _read_rows, comparable_rows, copy_world

# What differs between two makings of the same case and says nothing of it: the audit chain's
# hashes (they hash the events' times), the agreement's random verification code, the users'
# session tokens (drawn again for each copy of the world), the mail's message ids, and the
# agreement's version counter (one step per flush that changed it: 5 through the verbs).
DRAWN = {"hash", "prev_hash", "verification_code", "session_token", "message_id", "version"}


def _rows_of_a_case(template, signed):
    """Every row after world.case(signed=signed) in a fresh copy of the world, and its status."""
    world = copy_world(template)
    status = world.case(signed=signed).status
    db.session.commit()
    rows = _read_rows()
    db.session.remove()
    _empty_tables()
    return status, comparable_rows(rows, DRAWN)


def test_a_signed_case_has_the_rows_the_accepting_and_signing_verbs_leave(app, _world_template):
    through_verbs, by_verbs = _rows_of_a_case(_world_template, "verbs")
    inserted, written = _rows_of_a_case(_world_template, True)
    assert inserted is through_verbs is CaseStatus.IN_PROGRESS
    for table, rows in by_verbs.items():
        assert written[table] == rows, table
    assert [e["action"] for e in written["audit_events"]] == [
        "submit_case", "accept", "assign", "agreement_generate", "notice_issue",
        "agreement_sign", "agreement_sign", "agreement_seal", "seal"]
    assert len(written["notifications"]) == 9 and len(written["signatures"]) == 2
