"""The monthly report page and PDF."""
import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.documents import monthly_report


def _late_case(world, frozen_clock):
    """项目备案 (one working day) filed 03-02, returned 03-03 to correct the licence copy,
    refiled 03-05 with no day left and approved 03-06: late, for that reason. The center's
    staff since January, so that February has a report."""
    for user in world.users.values():
        user.created_at = datetime(2026, 1, 5, 2, tzinfo=UTC)
    frozen_clock(2026, 3, 2)
    case = world.case()
    step = case.steps[0]
    for day, action, details in ((2, "start", {}), (2, "submit", {}),
                                 (3, "return", {"correction_request": "营业执照复印件不清晰"}),
                                 (5, "submit", {}), (6, "approve", {"permit_no": "BA-001"})):
        frozen_clock(2026, 3, day)
        workflow.update_step(step, case.agent, seen_version=None, action=action, **details)
        db.session.commit()
    assert (step.due_on, step.approved_on) == (date(2026, 3, 5), date(2026, 3, 6))
    frozen_clock(2026, 3, 20)
    return case


def test_report_page(client, world, login_as, frozen_clock):
    case = _late_case(world, frozen_clock)
    login_as(world.users["manager"])
    html = client.get("/manage/report?month=2026-03").text
    assert "2026-03" in html and "0.0%" in html          # one step, approved late
    assert case.number in html and "营业执照复印件不清晰" in html
    assert "本月没有超期事项" in client.get("/manage/report?month=2026-02").text


def test_report_pdf(client, world, login_as, frozen_clock):
    case = _late_case(world, frozen_clock)
    login_as(world.users["manager"])
    response = client.get("/manage/report.pdf?month=2026-03")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "代办服务月度报告" in text and case.number in text and "刘代办" in text


def test_a_month_that_cannot_be_read_shows_this_month(client, world, login_as, frozen_clock,
                                                      monkeypatch):
    """The page, and the PDF (its month read from what it would render: not about the PDF)."""
    monkeypatch.setattr(monthly_report, "render",
                        lambda data, issue=None: f"PDF {data['filters'].start}".encode())
    frozen_clock(2026, 3, 20)
    login_as(world.users["manager"])
    for month in ("9999-12", "2026-13", "abc", "0-1", "2026"):
        response = client.get(f"/manage/report?month={month}")
        assert response.status_code == 200 and "2026-03-01 — 2026-03-31" in response.text
        pdf = client.get(f"/manage/report.pdf?month={month}")
        assert pdf.status_code == 200 and pdf.data == b"PDF 2026-03-01"
