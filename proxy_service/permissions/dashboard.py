"""The managers' dashboard: the stored monthly reports of their own center."""
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import MonthlyReport


def monthly_report_or_404(user, report_id):
    """A stored monthly report of the (manager) user's own center."""
    return db.first_or_404(select(MonthlyReport).where(
        MonthlyReport.id == report_id, MonthlyReport.center_id == user.center_id))
