"""The manager's headline figures for a period (scope reports:read, managers only, as the
dashboard): the same computation as the dashboard and the monthly report
(workflow/figures.headline), for the token's center."""
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from proxy_service.api import bp, schemas
from proxy_service.api.guard import caller, scope_required
from proxy_service.api.problems import refuse
from proxy_service.core import clock
from proxy_service.workflow import figures

MANAGERS_ONLY = _l("只有服务中心管理员的令牌可以读取统计数据。")
PERIOD_ORDER = _l("结束日期不能早于开始日期。")
PERIOD_TOO_LONG = _l("统计期间最长 {days} 天。")
LONGEST_PERIOD = timedelta(days=731)   # two years (and a leap day): the dashboard's longest view


@bp.route("/reports/headline", methods=["GET"])
@scope_required("reports:read")
@bp.arguments(schemas.HeadlineArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.HeadlineOut)
def headline(start=None, end=None):
    """统计概览（The headline figures of your center for a period, as the dashboard shows them）

    默认本月（this month by default）；日期为北京时间。"""
    user = caller()
    if not user.is_manager:
        refuse(403, MANAGERS_ONLY)
    today = clock.today()
    start, end = start or today.replace(day=1), end or today
    if end < start:
        abort(422, messages={"query": {"to": [str(PERIOD_ORDER)]}})
    if end - start > LONGEST_PERIOD:
        too_long = str(PERIOD_TOO_LONG).format(days=LONGEST_PERIOD.days)
        abort(422, messages={"query": {"to": [too_long]}})
    return headline_out(figures.headline(user.center_id, figures.Filters(start, end)), start, end)


def ratio(value, places="0.0001"):
    """A rate or an average as a decimal string (never a JSON float); None stays None."""
    return None if value is None else format(Decimal(value).quantize(Decimal(places)), "f")


def headline_out(h, start, end):
    return {"start": start, "end": end, "new_requests": h.new_requests, "accepted": h.accepted,
            "declined": h.declined, "cases_completed": h.cases_completed,
            "items_completed": h.items_completed, "on_time": h.on_time,
            "on_time_rate": ratio(h.on_time_rate), "overdue_rate": ratio(h.overdue_rate),
            "evaluations": h.evaluations, "good": h.good,
            "satisfaction_rate": ratio(h.satisfaction_rate),
            "open_rectifications": h.open_rectifications,
            "overdue_rectifications": h.overdue_rectifications,
            "avg_workdays": ratio(h.avg_workdays, "0.1"),
            "per_item": [{"item": name, "steps": count, "avg_workdays": ratio(days, "0.1")}
                         for name, count, days in h.per_item]}
