"""The manager's headline figures through /api/v1 (scope reports:read, managers only): the
dashboard's own computation for the token's center, on the data set the dashboard's figures
are checked against by hand (tests/test_dashboard_figures.py)."""
import pytest

from .api_helpers import assert_problem, bearer, make_token
from .test_dashboard_figures import data  # noqa: F401  (the fixture: March 2026, hand-computed)

URL = "/api/v1/reports/headline"
MARCH = "from=2026-03-01&to=2026-03-31"


def test_the_manager_reads_the_dashboards_headline_for_the_period(client, world, data):  # noqa: F811
    secret = make_token(world.users["manager"], scopes=["reports:read"])
    response = client.get(f"{URL}?{MARCH}", headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert (body["new_requests"], body["accepted"], body["declined"],
            body["cases_completed"]) == (3, 2, 1, 1)
    assert (body["items_completed"], body["on_time"]) == (2, 1)
    assert body["on_time_rate"] == body["overdue_rate"] == "0.5000"   # strings, never floats
    assert body["avg_workdays"] == "6.0"
    assert body["per_item"] == [{"item": "建设工程规划许可证", "steps": 1, "avg_workdays": "7.0"},
                                {"item": "项目备案", "steps": 1, "avg_workdays": "5.0"}]
    assert (body["evaluations"], body["good"], body["satisfaction_rate"]) == (2, 1, "0.5000")
    assert (body["open_rectifications"], body["overdue_rectifications"]) == (1, 1)


def test_a_period_without_data_and_the_default_period(client, world, data):  # noqa: F811
    secret = make_token(world.users["manager"], scopes=["reports:read"])
    empty = client.get(f"{URL}?from=2026-02-01&to=2026-02-28", headers=bearer(secret)).get_json()
    assert (empty["new_requests"], empty["items_completed"], empty["evaluations"]) == (0, 0, 0)
    assert empty["on_time_rate"] is None and empty["avg_workdays"] is None
    assert empty["per_item"] == []
    this_month = client.get(URL, headers=bearer(secret)).get_json()   # the clock: 2026-03-18
    assert (this_month["from"], this_month["to"]) == ("2026-03-01", "2026-03-18")
    assert this_month["new_requests"] == 3


def test_the_other_centers_manager_reads_only_their_own(client, world, data):  # noqa: F811
    secret = make_token(world.users["other_manager"], scopes=["reports:read"])
    body = client.get(f"{URL}?{MARCH}", headers=bearer(secret)).get_json()
    assert (body["new_requests"], body["items_completed"], body["evaluations"]) == (1, 1, 1)


@pytest.mark.parametrize("who", ["agent", "owner"])
def test_only_managers_read_figures(client, world, who):
    secret = make_token(world.users[who])
    body = assert_problem(client.get(f"{URL}?{MARCH}", headers=bearer(secret)), 403)
    assert "管理员" in body["detail"]


def test_reports_read_is_needed(client, world):
    secret = make_token(world.users["manager"], scopes=["cases:read"])
    assert_problem(client.get(f"{URL}?{MARCH}", headers=bearer(secret)), 403)


@pytest.mark.parametrize("query", ["from=2026-03-31&to=2026-03-01", "from=2020-01-01&to=2026-03-01",
                                   "from=2026-3-1", "start=2026-03-01"])
def test_a_period_that_cannot_be_is_a_field_error(client, world, query):
    secret = make_token(world.users["manager"], scopes=["reports:read"])
    assert_problem(client.get(f"{URL}?{query}", headers=bearer(secret)), 422)
