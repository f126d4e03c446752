"""Pages read from the nearer end (queries.paginate(..., from_nearer_end=True)) hold exactly
the rows plain offset pagination gives, page by page, ties and NULLs included."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from proxy_service.core import pagination as queries
from proxy_service.core.extensions import db
from proxy_service.models import Case

from .factories import make_case, make_project

ORDERS = {
    "newest first": (Case.submitted_at.desc(), Case.id.desc()),
    "promised date, undated last": (Case.promised_on.asc().nulls_last(), Case.id),
    "promised date, undated first": (Case.promised_on.desc().nulls_first(), Case.id.desc()),
    "bare terms": (Case.promised_on, Case.id),
}


@pytest.fixture
def ten_cases(app, world, monkeypatch):
    """Ten cases, three to a page; filed at only four instants and promised on three dates or
    none, so that the later sort keys decide."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    cases = []
    for n in range(10):
        project = make_project(world.enterprises[n % 2], world.centers[0], f"分页项目{n}")
        case = make_case(project, world.users["owner"], world.items)
        case.submitted_at = datetime(2026, 3, 1 + n % 4, 2, tzinfo=UTC)
        case.promised_on = None if n % 3 == 0 else date(2026, 6, 1 + n % 3)
        cases.append(case)
    db.session.commit()
    return cases


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_every_page_matches_offset_pagination(app, ten_cases, order):
    query = select(Case).order_by(*order)
    everything = [case.id for case in db.session.scalars(query)]
    for page in range(1, 6):   # four pages, and one past the end
        with app.test_request_context(f"/cases?page={page}"):
            nearer, plain = queries.paginate(query, from_nearer_end=True), queries.paginate(query)
            assert [c.id for c in nearer.items] == [c.id for c in plain.items] == \
                everything[(page - 1) * 3:page * 3]
            assert (nearer.total, nearer.pages, nearer.has_next) == (plain.total, plain.pages,
                                                                     plain.has_next) == (10, 4, page < 4)


def test_the_managers_last_page_lists_the_oldest_cases(app, client, world, login_as, ten_cases):
    login_as(world.users["manager"])
    newest_first = sorted(ten_cases, key=lambda case: (case.submitted_at, case.id), reverse=True)
    html = client.get("/cases?page=4").text
    assert [case.number in html for case in newest_first] == [False] * 9 + [True]
    html = client.get("/cases?page=3").text
    shown = [case for case in newest_first if case.number in html]
    assert shown == newest_first[6:9]
    assert html.index(shown[0].number) < html.index(shown[1].number) < html.index(shown[2].number)
