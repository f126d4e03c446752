"""The cron jobs write in short transactions — one deadline alert, one center's checkpoint at
a time — and two runs at once (two hosts) still alert once.

Why short: SQLite has one write lock for the whole database. A job that raised every alert
(or signed every center) in one transaction held it for the whole run, and the app's own
writers gave up after busy_timeout with "database is locked" — seen in `make load` when the
first check-deadlines of the run had some sixty alerts to raise on a busy machine."""
import threading

import pytest
from sqlalchemy import func, select

from proxy_service import workflow
from proxy_service.audit import checkpoints as audit_checkpoints
from proxy_service.audit.checkpoints import verify_all
from proxy_service.core.extensions import db
from proxy_service.models import AuditCheckpoint, Center, DeadlineAlert, Notification
from proxy_service.notifications import deadline_alerts
from proxy_service.notifications.deadline_alerts import check_deadlines

from . import factories
from .test_concurrency import run_in_threads


@pytest.fixture
def overdue(world, frozen_clock):
    """项目备案 and 建设工程规划许可证 filed on 2026-03-02; on 2026-04-01 both are red."""
    case = world.case()
    agent = world.users["agent"]
    frozen_clock(2026, 3, 2)
    steps = [s for s in case.steps if s.item.name in ("项目备案", "建设工程规划许可证")]
    for step in steps:
        workflow.update_step(step, agent, seen_version=step.version, action="start")
        workflow.update_step(step, agent, seen_version=step.version, action="submit")
    db.session.commit()
    frozen_clock(2026, 4, 1)
    return steps


def _count(model, *where):
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_an_alert_is_committed_as_soon_as_it_is_raised(app, overdue, monkeypatch):
    notify, calls = deadline_alerts._notify, []

    def failing_second(step, level):
        calls.append(step.id)
        if len(calls) == 2:
            raise RuntimeError("the second alert fails")
        notify(step, level)

    monkeypatch.setattr(deadline_alerts, "_notify", failing_second)
    with pytest.raises(RuntimeError):
        check_deadlines()
    db.session.rollback()
    # The first alert and its notifications were already committed; the second was not.
    assert _count(DeadlineAlert) == 1
    assert _count(Notification, Notification.kind == "step_red") == 2   # agent and manager
    monkeypatch.undo()
    assert check_deadlines() == 1        # the next run raises only the missing one
    assert _count(DeadlineAlert) == 2


def test_two_runs_at_once_raise_each_alert_once(app, overdue):
    def run(barrier):
        barrier.wait()
        raised = check_deadlines()
        db.session.commit()
        return raised

    assert sorted(run_in_threads(app, run, run)) in ([0, 2], [1, 1])
    assert _count(DeadlineAlert) == 2
    notified = db.session.execute(
        select(Notification.user_id, Notification.text, func.count())
        .where(Notification.kind == "step_red")
        .group_by(Notification.user_id, Notification.text)).all()
    assert len(notified) == 4 and {n for *_key, n in notified} == {1}


def test_a_checkpoint_is_committed_center_by_center(app, world, monkeypatch):
    world.case()
    for center in world.centers:
        factories.ensure_seal(center)
    db.session.commit()
    make, calls = audit_checkpoints.make_checkpoint, []

    def failing_second(center):
        calls.append(center.id)
        if len(calls) == 2:
            raise RuntimeError("the second center fails")
        return make(center)

    monkeypatch.setattr(audit_checkpoints, "make_checkpoint", failing_second)
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert isinstance(result.exception, RuntimeError)
    db.session.rollback()
    assert _count(AuditCheckpoint) == 1
    assert db.session.scalar(select(AuditCheckpoint.center_id)) == calls[0]


def test_two_checkpoint_runs_at_once_extend_each_center_once(app, world, monkeypatch):
    """Both runs read the same previous checkpoint before either writes: the second insert
    after it fails (uq_audit_checkpoints_center_id), so a center's checkpoints never fork
    and verify still finds each one linked to the one before."""
    world.case()
    for center in world.centers:
        factories.ensure_seal(center)
    db.session.commit()
    moved_heads, gate = audit_checkpoints.moved_heads, threading.Barrier(2, timeout=30)

    def both_have_read(*args, **kwargs):
        found = moved_heads(*args, **kwargs)
        gate.wait()
        return found

    monkeypatch.setattr(audit_checkpoints, "moved_heads", both_have_read)

    def run(barrier):
        barrier.wait()
        centers = db.session.scalars(select(Center).order_by(Center.id)).all()
        return [audit_checkpoints.checkpoint_center(center) for center in centers]

    first, second = run_in_threads(app, run, run)
    for center, one, other in zip(sorted(world.centers, key=lambda c: c.id), first, second, strict=False):
        assert sorted([one[0], other[0]]) == [False, True]
        assert (one[1] if not one[0] else other[1]) \
            == f"skipped {center.number_prefix}: signed by another run"
    assert _count(AuditCheckpoint) == len(world.centers)
    monkeypatch.undo()
    assert verify_all() == []
