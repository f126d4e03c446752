"""Tamper-evident audit log: hash chains per case, signed checkpoints, append-only rows."""
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select, text

import proxy_service
from proxy_service.audit import chain as audit_chain
from proxy_service.audit.checkpoints import verify_all
from proxy_service.core.extensions import db
from proxy_service.documents.seal import seal_files
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
    for before, after in zip(events, events[1:], strict=False):
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
    source = Path(proxy_service.__file__).parent
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


def test_verify_reads_the_log_in_a_fixed_number_of_statements(app, world, count_queries):
    """The log is streamed (no query per case, chain or event), so many cases and events
    cost verify the same statements as one case: the count does not grow."""
    world.case(signed=False)
    db.session.commit()
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    with count_queries() as few:
        assert verify_all() == []
        assert len(audit_chain.verify_chains(db.session, batch=2)[1]) == 1
    for n in range(3):
        project = factories.make_project(world.enterprises[0], world.centers[0], f"项目{n}")
        case = factories.make_case(project, world.users["owner"], world.items)
        for note in range(10):
            db.session.add(AuditEvent.record(world.users["manager"], case, "note",
                                             comment=str(note)))
            db.session.add(AuditEvent.record(world.users["manager"], world.enterprises[0], "note"))
    db.session.commit()
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    with count_queries() as many:
        assert verify_all() == []
        problems, links = audit_chain.verify_chains(db.session, batch=2)
    assert problems == [] and len(links) == 5   # four cases and the center's chain
    assert many.count == few.count


def test_verify_answers_for_signed_heads_of_a_broken_chain(app, world):
    """A chain broken early still holds its later signed heads: only the broken link is
    reported, not a missing head on top of it."""
    case = world.case()
    db.session.commit()
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    first = _case_events(case)[0]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET comment = 'rewritten' WHERE id = :id"),
                     {"id": first.id})
    db.session.expire_all()
    problems = verify_all()
    assert problems == [f"case:{case.id}: event {first.id} was altered (its hash does not match)"]


# --- incremental checkpoints: only the heads that moved since the center's last one ------

def _checkpoint(app, center):
    """Run the daily job; the center's newest checkpoint."""
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.center_id == center.id)
                              .order_by(AuditCheckpoint.id.desc())).first()


def _note(world, obj, comment="note"):
    db.session.add(AuditEvent.record(world.users["manager"], obj, "note", comment=comment))
    db.session.commit()


def _two_cases_and_a_center_chain(world):
    first = world.case()
    project = factories.make_project(world.enterprises[0], world.centers[0], "另一项目")
    second = factories.make_case(project, world.users["owner"], world.items)
    _note(world, world.enterprises[0])   # the center's chain (an event without a case)
    return first, second


def _forge(event, comment="forged"):
    """What a DBA does: rewrite the event and recompute its hash (the chain stays consistent
    when it is the chain's last event)."""
    fields = {name: getattr(event, name) for name in audit_chain.FIELDS}
    forged = audit_chain.values_hash([{**fields, "comment": comment}[name]
                                      for name in audit_chain.FIELDS], event.prev_hash)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET comment = :c, hash = :h WHERE id = :id"),
                     {"c": comment, "h": forged, "id": event.id})
    db.session.expire_all()


def _stored_heads():
    return sum(len(json.loads(heads))
               for heads in db.session.scalars(select(AuditCheckpoint.heads)))


def test_a_checkpoint_signs_only_the_heads_that_moved(app, world):
    center = world.centers[0]
    first, second = _two_cases_and_a_center_chain(world)
    assert world.enterprises[0].home_center_id == center.id
    full = _checkpoint(app, center)
    center_chain = f"center:{center.id}"
    assert set(json.loads(full.heads)) == {f"case:{first.id}", f"case:{second.id}", center_chain}
    assert full.previous_digest == ""
    _note(world, first)
    _note(world, world.enterprises[0])
    moved = _checkpoint(app, center)
    last_of_center = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id.is_(None), AuditEvent.center_id == center.id)
        .order_by(AuditEvent.id.desc())).first()
    assert json.loads(moved.heads) == {f"case:{first.id}": _case_events(first)[-1].hash,
                                       center_chain: last_of_center.hash}
    assert moved.previous_digest == full.heads_digest
    assert moved.last_event_id == last_of_center.id
    assert verify_all() == []


def test_a_quiet_day_still_gets_an_empty_linked_checkpoint(app, world):
    center = world.centers[0]
    _two_cases_and_a_center_chain(world)
    full = _checkpoint(app, center)
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert f"for {center.number_prefix}: 0 chains moved" in result.output
    quiet = _checkpoint(app, center)
    assert json.loads(quiet.heads) == {}
    assert quiet.last_event_id == full.last_event_id
    assert quiet.previous_digest != full.heads_digest   # it links to the first quiet one
    assert verify_all() == []


def test_growth_is_bounded_by_the_chains_that_moved(app, world):
    center = world.centers[0]
    first, second = _two_cases_and_a_center_chain(world)
    _checkpoint(app, center)
    chains = _stored_heads()
    assert chains == 3
    for day in range(4):
        _note(world, first, f"day {day}")
        _checkpoint(app, center)
    # Four checkpoints more, one chain moved in each: four heads, not four times every chain.
    assert _stored_heads() == chains + 4
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))
                             .where(AuditCheckpoint.center_id == center.id)) == 5
    assert verify_all() == []


def test_a_chain_covered_only_by_an_older_checkpoint_is_still_checked(app, world):
    center = world.centers[0]
    first, second = _two_cases_and_a_center_chain(world)
    full = _checkpoint(app, center)
    _note(world, first)
    _checkpoint(app, center)
    _checkpoint(app, center)
    # The second case never moved after the first checkpoint: only that one signs its head.
    _forge(_case_events(second)[-1])
    problems = verify_all()
    assert problems == [f"checkpoint {full.id} ({center.number_prefix}): signed head of "
                        f"case:{second.id} is no longer in its chain"]


def test_deleting_the_older_checkpoint_breaks_the_link(app, world):
    center = world.centers[0]
    first, second = _two_cases_and_a_center_chain(world)
    full = _checkpoint(app, center)
    _note(world, first)
    moved = _checkpoint(app, center)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_checkpoints WHERE id = :id"), {"id": full.id})
    db.session.expire_all()
    _forge(_case_events(second)[-1])    # now no checkpoint signs its head...
    # ...but the next one names the deleted one as its predecessor.
    assert verify_all() == [f"checkpoint {moved.id} ({center.number_prefix}): "
                            "the checkpoint before it is missing or altered"]


def _legacy_checkpoint(center):
    """A full checkpoint as written before f6c0de200006: every head of the center, no
    high-water mark, no link, and a payload without them."""
    heads, _ = audit_chain.moved_heads(db.session, center.id)
    payload = json.dumps({"center_id": center.id, "heads": heads}, sort_keys=True,
                         separators=(",", ":")).encode()
    key = serialization.load_pem_private_key(seal_files(center).key.read_bytes(), None)
    checkpoint = AuditCheckpoint(
        center_id=center.id, heads=json.dumps(heads, sort_keys=True),
        heads_digest=hashlib.sha256(payload).hexdigest(),
        signature=base64.b64encode(key.sign(payload, padding.PKCS1v15(),
                                            hashes.SHA256())).decode())
    db.session.add(checkpoint)
    db.session.commit()
    return checkpoint


def test_a_full_checkpoint_from_before_the_upgrade_still_verifies(app, world):
    center = world.centers[0]
    first, second = _two_cases_and_a_center_chain(world)
    legacy = _legacy_checkpoint(center)
    assert verify_all() == []
    # The first checkpoint after it has no high-water mark to start from: it signs every
    # head once more, and links to the old one.
    after = _checkpoint(app, center)
    assert json.loads(after.heads) == json.loads(legacy.heads)
    assert after.previous_digest == legacy.heads_digest
    assert verify_all() == []
    _forge(_case_events(second)[-1])
    assert len([p for p in verify_all() if f"case:{second.id} is no longer" in p]) == 2
