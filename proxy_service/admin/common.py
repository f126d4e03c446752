"""Helpers shared by the manager's pages.

The conflict helpers live in proxy_service/core/conflicts.py (cases and agreements answer
conflicts the same way, and must not import from admin); they are re-exported here so that
admin modules keep importing them from .common."""
from proxy_service.core.conflicts import CONFLICTS, attempt, committing, conflict_message

__all__ = ["CONFLICTS", "attempt", "committing", "conflict_message"]
