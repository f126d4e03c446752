"""Tamper-evident audit log: hash chains per case, signed checkpoints, append-only rows."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from proxy_service import audit_chain, workflow
from proxy_service.audit_checkpoints import verify_all
from proxy_service.extensions import db
from proxy_service.models import AuditCheckpoint, AuditEvent

from . import factories


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _case_events(case):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                              .order_by(AuditEvent.id)).all()


def test_events_of_a_case_form_a_chain(app, world):
    case = world.case()
    events = _case_events(case)
    assert len(events) >= 3
    assert events[0].prev_hash is None
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
        assert after.hash == audit_chain.event_hash(after, before.hash)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_chains_are_per_case(world):
    first = world.case()
    second = factories.make_case(world.other_project, world.users["other_enterprise"],
                                 world.items, accept_by=world.users["manager"],
                                 agent=world.users["agent"])
    assert _case_events(second)[0].prev_hash is None
    assert _case_events(first)[-1].hash != _case_events(second)[-1].hash


def test_a_row_edited_in_the_database_is_found(app, world):
    case = world.case()
    target = _case_events(case)[1]
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET comment = 'rewritten' WHERE id = :id"),
                     {"id": target.id})
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"event {target.id} was altered" in result.output


def test_a_deleted_row_breaks_the_next_link(app, world):
    case = world.case()
    events = _case_events(case)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"event {events[2].id} points to" in result.output


def test_a_recomputed_chain_is_caught_by_the_signed_checkpoint(app, world):
    case = world.case()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))) >= 1
    assert _verify(app).exit_code == 0
    # A DBA rewrites the last event and recomputes its hash: the chain itself is consistent...
    last = _case_events(case)[-1]
    forged = audit_chain.event_hash(type("E", (), {**{f: getattr(last, f)
                                                      for f in audit_chain.FIELDS},
                                                   "comment": "forged"})(), last.prev_hash)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET comment = 'forged', hash = :h WHERE id = :id"),
                     {"h": forged, "id": last.id})
    db.session.expire_all()
    problems = verify_all()
    assert not any("altered" in p or "points to" in p for p in problems)
    # ...but the signed head is no longer in it.
    assert any(f"case:{case.id} is no longer in its chain" in p for p in problems)
    assert _verify(app).exit_code == 1


def test_a_forged_checkpoint_signature_is_found(app, world):
    world.case()
    db.session.commit()
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    checkpoint = db.session.scalars(select(AuditCheckpoint)).first()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoints SET signature = :s WHERE id = :id"),
                     {"s": "AAAA", "id": checkpoint.id})
    db.session.expire_all()
    assert any("bad signature" in p for p in verify_all())


def test_the_app_refuses_to_update_or_delete_audit_rows(world):
    case = world.case()
    event = _case_events(case)[0]
    event_id = event.id
    db.session.commit()
    event.comment = "changed"
    with pytest.raises(audit_chain.AuditTampered):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event_id))
    with pytest.raises(audit_chain.AuditTampered):
        db.session.flush()
    db.session.rollback()


def test_no_code_updates_or_deletes_audit_rows():
    source = Path(workflow.__file__).parent
    pattern = re.compile(r"(update|delete)\(\s*AuditEvent|AuditEvent\b[^\n]*\.(update|delete)\("
                         r"|(UPDATE|DELETE FROM)\s+audit_events", re.IGNORECASE)
    offenders = [f"{path}:{number}" for path in source.rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_events_without_a_case_chain_per_center(app, world):
    manager = world.users["manager"]
    enterprise = world.enterprises[0]
    for comment in ("a", "b"):
        db.session.add(AuditEvent.record(manager, enterprise, "note", comment=comment))
        db.session.flush()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id.is_(None),
                                AuditEvent.center_id == enterprise.home_center_id)
                                .order_by(AuditEvent.id)).all()
    assert events[-1].prev_hash == events[-2].hash
    db.session.commit()
    assert _verify(app).exit_code == 0
