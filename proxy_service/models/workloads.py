"""Counters behind the workload table (工作量): kept by workflow/workload_counters.py in the
transaction of every change to a case's agent or status or a step's status or approval date,
so the page reads a few rows per agent instead of counting a center's open steps."""
from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from proxy_service.core.extensions import db


class AgentOpenWork(db.Model):
    """An agent's open cases (OPEN_CASE_STATUSES, suspended ones too) and the open steps
    (OPEN_STEP_STATUSES) of those cases, counted by the case's current agent."""

    __tablename__ = "agent_open_work"
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    open_cases: Mapped[int] = mapped_column(default=0)
    open_steps: Mapped[int] = mapped_column(default=0)


class AgentApprovals(db.Model):
    """Steps approved on a day (their approved_on) in the cases an agent now holds: a
    re-assignment moves a case's approvals to its new agent, as the workload has always
    counted them."""

    __tablename__ = "agent_approvals"
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    approved_on = mapped_column(Date, primary_key=True)
    steps: Mapped[int] = mapped_column(default=0)
