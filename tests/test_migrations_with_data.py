"""Migrations on a database with data (review B1, B2, T1; review 2, B4, T2).

A downgrade to the last release and an upgrade back keep every row and date, on SQLite (where
a batch rebuild of a table other rows point at fails) as on PostgreSQL; the downgrade refuses
to drop the notices the application issued unless told to (-x drop_issued_notices=1). The estimated
holidays of h8c0de400008 move the open deadlines they touch once the upgrade reaches head,
where the application's models match the schema, not in the migration; its downgrade gives
them the dates the older code has, so that an upgrade again moves them once, not twice."""
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, inspect, select, table, text

from proxy_service.audit import chain as audit_chain
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime

from .test_deadlines import on, step_named, submit

LAST_RELEASE = "f6c0de200006"
DROP_ISSUED = ["drop_issued_notices=1"]     # the notices the cases below were issued go
DATES = {"steps": "id, status, submitted_on, approved_on, due_on, yellow_on, allotted_workdays, "
                  "remaining_workdays",
         "cases": "id, status, suspended_on, promised_on"}


def revision():
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def dates():
    with db.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY id")).all()
                for table, columns in DATES.items()}


def counts(tables):
    with db.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in tables}


# Counts of other rows, which their migration's upgrade counts afresh (q7da5b000017, the
# workload counters): gone with a downgrade, nothing of them is lost.
DERIVED = {"agent_open_work", "agent_approvals"}


def kept_rows(tables, rows):
    """counts(tables) after a refused downgrade. On SQLite each step ran in its own
    transaction, so a table made by a migration above the refusing one is gone until the
    upgrade back: it counts as it stood only if it held no row (no row may be lost), or if
    its rows are DERIVED from others (the upgrade back counts them again: checked there)."""
    present = set(inspect(db.engine).get_table_names())
    found = counts([table for table in tables if table in present])
    return {**found, **{table: rows[table] if table in DERIVED else 0
                        for table in tables if table not in present}}


def fresh_connections():
    """New connections, with the pragmas the app sets (SQLite: foreign keys on), as a
    `flask db downgrade` has: the suite's pooled one may have had them turned off."""
    db.session.remove()
    db.engine.dispose()


def notices():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT case_id, kind, seq, revision, origin, sha256 "
                                 "FROM issued_notices ORDER BY case_id, kind, seq, revision")).all()


def test_a_downgrade_to_the_last_release_and_back_keeps_the_rows_and_dates(app, demo):
    fresh_connections()
    head, tables = revision(), inspect(db.engine).get_table_names()
    rows, stored, issued = counts(tables), dates(), notices()
    assert stored["steps"] and stored["cases"] and {n.origin for n in issued} == {"issued"}
    # The notices handed to enterprises would be lost: the downgrade refuses, changing nothing.
    config = app.extensions["migrate"].migrate.get_config()
    with pytest.raises(RuntimeError, match=rf"{len(issued)} notice\(s\) issued by the application "
                                           "would be lost.*-x drop_issued_notices=1"):
        command.downgrade(config, LAST_RELEASE)
    assert notices() == issued and kept_rows(tables, rows) == rows
    upgrade()     # SQLite ran each step in its own transaction: back from any step it undid
    assert revision() == head
    # Asked to drop them, it does; an upgrade renders the same notices from the history,
    # with other bytes (and the remark saying how they were made).
    downgrade(revision=LAST_RELEASE, x_arg=DROP_ISSUED)
    assert revision() == LAST_RELEASE
    assert dates() == stored
    upgrade()
    assert revision() == head
    assert dates() == stored
    assert counts(tables) == rows
    again = notices()
    assert [n[:4] for n in again] == [n[:4] for n in issued]
    assert {n.origin for n in again} <= {"history", "reconstructed"}
    assert not {n.sha256 for n in again} & {n.sha256 for n in issued}


ESTIMATES = "h8c0de400008"


@pytest.fixture
def spring(world, frozen_clock):
    """A case started 2027-01-27 (12 working days promised) whose 规划许可 (5 working days)
    was filed 2027-02-01, at head: the estimated 春节 (02-05, 02-08, 补假 02-09, 02-10) counts.
    Returns (case id, step id)."""
    on(frozen_clock, date(2027, 1, 27))
    case = world.case()
    planning = step_named(case, "建设工程规划许可证")
    on(frozen_clock, date(2027, 2, 1))
    submit(planning, world)
    db.session.commit()
    ids = case.id, planning.id
    clock.freeze(None)          # the migrations estimate from this year on, as the session's did
    fresh_connections()
    return ids


def deadlines(case_id, step_id):
    """(due date, allotted working days, yellow day, the case's promised date), as text."""
    with db.engine.connect() as conn:
        step = conn.execute(text("SELECT due_on, allotted_workdays, yellow_on FROM steps "
                                 "WHERE id = :id"), {"id": step_id}).one()
        promised = conn.execute(text("SELECT promised_on FROM cases WHERE id = :id"),
                                {"id": case_id}).scalar()
    return tuple(str(value) for value in (*step, promised))


def moves_by_the_system():
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT action, comment FROM audit_events WHERE actor_id IS NULL AND action IN "
            "('due_moved', 'deadlines_moved') ORDER BY id")).all()


def pending_years():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT year FROM calendar_years WHERE deadlines_pending "
                                 "ORDER BY year")).scalars().all()


WITH_ESTIMATES = ("2027-02-12", "5", "2027-02-04", "2027-02-18")
WITHOUT = ("2027-02-08", "5", "2027-02-04", "2027-02-12")


def test_the_downgrade_gives_back_the_dates_without_the_estimates(spring):
    assert deadlines(*spring) == WITH_ESTIMATES
    downgrade(revision=LAST_RELEASE, x_arg=DROP_ISSUED)
    assert deadlines(*spring) == WITHOUT
    assert moves_by_the_system() == [
        ("due_moved", "到期日因节假日调整：2027-02-12 → 2027-02-08（估算的节假日已撤销）"),
        ("deadlines_moved", "「建设工程规划许可证」到期日 2027-02-12 → 2027-02-08；"
                            "承诺办结日 2027-02-18 → 2027-02-12")]
    upgrade()
    assert audit_chain.verify_chains(db.session)[0] == []     # the downgrade's events chain


def test_the_downgrade_stamps_what_it_moves_with_the_clock(spring):
    """DESIGN §4: the time comes from the clock alone, in a migration as in the app."""
    moment = datetime(2026, 12, 20, 2, 30, tzinfo=UTC)
    clock.freeze(moment)
    events = table("audit_events", column("at", UTCDateTime()), column("action"))
    steps = table("steps", column("id"), column("updated_at", UTCDateTime()))
    downgrade(revision=LAST_RELEASE, x_arg=DROP_ISSUED)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(select(events.c.at).where(events.c.action.in_(
                ["due_moved", "deadlines_moved"]))).scalars().all() == [moment, moment]
            assert conn.execute(select(steps.c.updated_at).where(steps.c.id == spring[1])
                                ).scalar() == moment
    finally:
        upgrade()


def test_an_upgrade_moves_open_deadlines_over_the_estimates_once_at_head(spring):
    downgrade(revision=LAST_RELEASE, x_arg=DROP_ISSUED)   # the dates the released code has
    upgrade(revision=ESTIMATES)
    assert deadlines(*spring) == WITHOUT           # before head: nothing moved yet
    assert pending_years() == [2027, 2028]
    upgrade()
    assert deadlines(*spring) == WITH_ESTIMATES    # once: 02-12, not 02-18
    assert pending_years() == []
    assert moves_by_the_system()[-2:] == [
        ("due_moved", "到期日因节假日调整：2027-02-08 → 2027-02-12"),
        ("deadlines_moved", "「建设工程规划许可证」到期日 2027-02-08 → 2027-02-12；"
                            "承诺办结日 2027-02-12 → 2027-02-18")]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notifications "
                                 "WHERE kind = 'deadlines_moved'")).scalar() == 2
