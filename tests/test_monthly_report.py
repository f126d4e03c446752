"""The monthly report page and PDF."""
import io
from datetime import date

from pypdf import PdfReader

from proxy_service.extensions import db
from proxy_service.models import StepStatus


def _late_case(world, frozen_clock):
    frozen_clock(2026, 3, 2)
    case = world.case()
    step = case.steps[0]
    step.status, step.submitted_on, step.due_on = StepStatus.APPROVED, date(2026, 3, 2), date(2026, 3, 4)
    step.approved_on, step.correction_request = date(2026, 3, 6), "营业执照复印件不清晰"
    db.session.commit()
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
