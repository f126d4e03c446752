"""Every state change (DESIGN.md §3, §5): the transition tables and the one `_move` are in
moves.py; the verbs are in one module per aggregate — cases, steps, agreements (with
paper_signing, supplements and agreement_settings), quality (evaluations and
rectifications), enterprises (verification and claims), assignment. Every verb takes the actor, writes its AuditEvent in the
same transaction and flushes; the caller commits through core.conflicts.

The names most callers need are re-exported here: `workflow.accept_case(...)`.
"""
from proxy_service.core.conflicts import EvaluationError, StaleEdit, StepDateError, TransitionError
from proxy_service.workflow import workload_counters  # noqa: F401 — wiring: counters follow flushes
from proxy_service.workflow.agreements import start_work
from proxy_service.workflow.cases import (
    accept_case,
    assign_agent,
    case_actions,
    decline_case,
    post_message,
    requested_items,
    resume_case,
    submit_case,
    suspend_case,
    terminate_case,
    withdraw_case,
)
from proxy_service.workflow.moves import CASE_MOVES, RECTIFICATION_MOVES, STEP_MOVES
from proxy_service.workflow.steps import step_actions, step_waits_on, update_step, waits_on

__all__ = ["CASE_MOVES", "RECTIFICATION_MOVES", "STEP_MOVES", "EvaluationError", "StaleEdit",
           "StepDateError", "TransitionError", "accept_case", "assign_agent", "case_actions",
           "decline_case", "post_message", "requested_items", "resume_case", "start_work",
           "step_actions", "step_waits_on", "submit_case", "suspend_case", "terminate_case",
           "update_step", "waits_on", "withdraw_case"]
