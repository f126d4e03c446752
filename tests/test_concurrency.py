"""No lost updates and no forked audit chains when two requests write at the same time
(threads with their own app context and session; SQLite or PostgreSQL, per TEST_DATABASE_URL)."""
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from proxy_service import workflow
from proxy_service.audit_chain import verify_chains
from proxy_service.extensions import db
from proxy_service.models import AuditEvent, Step, User


def run_in_threads(app, *jobs):
    """Run each job(barrier) in its own thread and app context; return what each returned
    or raised."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results = [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            try:
                results[index] = job(barrier)
            except Exception as error:  # the test inspects which one lost
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_edits_of_one_step_one_wins(app, world):
    case = world.case()
    step_id, agent_id = case.steps[0].id, world.users["agent"].id
    version = case.steps[0].version
    db.session.commit()

    def edit(number):
        def job(barrier):
            step, agent = db.session.get(Step, step_id), db.session.get(User, agent_id)
            seen = step.version
            barrier.wait()   # both have loaded the same version
            workflow.update_step(step, agent, seen_version=seen, acceptance_no=number)
            db.session.commit()
            return number
        return job

    results = run_in_threads(app, edit("A-1"), edit("B-2"))
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, (workflow.StaleEdit, StaleDataError))]
    assert len(winners) == 1 and len(losers) == 1, results
    db.session.expire_all()
    step = db.session.get(Step, step_id)
    assert step.version == version + 1
    assert step.acceptance_no == winners[0]
    assert verify_chains(db.session)[0] == []


def test_concurrent_events_on_one_case_do_not_fork_its_chain(app, world):
    case = world.case()
    case_id, agent_id = case.id, world.users["agent"].id
    db.session.commit()

    def first(barrier):
        db.session.add(AuditEvent.record(db.session.get(User, agent_id),
                                         db.session.get(type(case), case_id), "note", comment="1"))
        db.session.flush()   # holds the chain head now
        barrier.wait()
        time.sleep(0.5)      # the second writer reads the head meanwhile, if it can
        db.session.commit()

    def second(barrier):
        barrier.wait()
        db.session.add(AuditEvent.record(db.session.get(User, agent_id),
                                         db.session.get(type(case), case_id), "note", comment="2"))
        db.session.commit()

    assert run_in_threads(app, first, second) == [None, None]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.id)).all()
    assert [e.comment for e in events[-2:]] == ["1", "2"]
    assert events[-1].prev_hash == events[-2].hash
    assert verify_chains(db.session)[0] == []
