"""`flask check-deadlines`: yellow and red alerts once per step, level and due date."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import DeadlineAlert, Notification, OutboxMessage
from proxy_service.notifications import inbox
from proxy_service.notifications.deadline_alerts import check_deadlines


@pytest.fixture
def filed(world, frozen_clock):
    """建设工程规划许可证 (5 working days) filed on Monday 2026-03-02: due Monday 03-09,
    yellow from Thursday 03-05 (2 working days before)."""
    case = world.case()
    step = next(s for s in case.steps if s.item.name == "建设工程规划许可证")
    frozen_clock(2026, 3, 2)
    agent = world.users["agent"]
    workflow.update_step(step, agent, seen_version=step.version, action="start")
    workflow.update_step(step, agent, seen_version=step.version, action="submit")
    db.session.commit()
    assert (step.due_on, step.yellow_on) == (date(2026, 3, 9), date(2026, 3, 5))
    return step


def alerts(kind):
    return db.session.execute(select(Notification.user_id, Notification.text)
                              .where(Notification.kind == kind).order_by(Notification.id)).all()


def run(app):
    result = app.test_cli_runner().invoke(args=["check-deadlines"])
    assert result.exit_code == 0, result.output
    return result.output


def test_green_raises_nothing(app, filed, frozen_clock):
    frozen_clock(2026, 3, 4)
    assert "raised: 0" in run(app)
    assert db.session.scalar(select(func.count(DeadlineAlert.id))) == 0


def test_yellow_once_to_the_agent_and_the_managers(app, world, filed, frozen_clock):
    frozen_clock(2026, 3, 5)
    assert "raised: 1" in run(app)
    assert "raised: 0" in run(app)                 # the hourly rerun adds nothing
    frozen_clock(2026, 3, 6)
    assert "raised: 0" in run(app)
    rows = alerts("step_yellow")
    assert [user for user, _text in rows] == [world.users["agent"].id, world.users["manager"].id]
    assert "将于 2026-03-09 到期" in rows[0].text and filed.case.number in rows[0].text
    assert "刘代办" in rows[1].text
    assert db.session.scalars(select(DeadlineAlert.level)).all() == ["yellow"]
    assert not alerts("step_red")


def test_red_after_the_due_date_once(app, world, filed, frozen_clock):
    frozen_clock(2026, 3, 5)
    run(app)
    frozen_clock(2026, 3, 10)
    assert "raised: 1" in run(app)
    run(app)
    assert len(alerts("step_red")) == 2 and len(alerts("step_yellow")) == 2
    assert "已超期" in alerts("step_red")[0].text


def test_the_enterprise_is_not_alerted(app, world, filed, frozen_clock):
    frozen_clock(2026, 3, 10)
    run(app)
    owner = world.users["owner"]
    assert not db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == owner.id, Notification.kind.in_(("step_yellow", "step_red"))))


def test_beijing_date_decides_at_one_in_the_morning(app, filed):
    # 01:30 on Thursday 03-05 in Beijing is still Wednesday 17:30 in UTC: already yellow.
    clock.freeze(datetime(2026, 3, 4, 17, 30, tzinfo=UTC))
    assert "raised: 1" in run(app)


def test_paused_clocks_raise_nothing(app, world, filed, frozen_clock):
    frozen_clock(2026, 3, 5)
    workflow.suspend_case(filed.case, world.users["manager"], "等待企业补充环评")
    db.session.commit()
    assert "raised: 0" in run(app)


def test_a_moved_due_date_alerts_again(app, world, filed, frozen_clock):
    frozen_clock(2026, 3, 5)
    run(app)
    agent = world.users["agent"]
    workflow.update_step(filed, agent, seen_version=filed.version, action="return",
                         correction_request="补充规划总平面图")
    frozen_clock(2026, 3, 12)
    workflow.update_step(filed, agent, seen_version=filed.version, action="submit")
    db.session.commit()
    frozen_clock(filed.yellow_on.year, filed.yellow_on.month, filed.yellow_on.day)
    assert "raised: 1" in run(app)
    assert len(alerts("step_yellow")) == 4
    assert db.session.scalar(select(func.count(DeadlineAlert.id))) == 2


def test_alerts_reach_the_outbox_per_preference(app, world, filed, frozen_clock):
    agent = world.users["agent"]
    inbox.set_contact(agent, agent, email="liu@example.com", phone=agent.phone)
    db.session.commit()
    frozen_clock(2026, 3, 5)
    check_deadlines()
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "liu@example.com"))
    assert mail.subject == f"事项即将到期 · {filed.case.number}"
