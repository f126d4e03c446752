"""The dossier (案卷) ZIP: who may export it and what it holds."""
import hashlib
import io
import zipfile

from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.workflow.documents import store_document

from .seal_helpers import simple_pdf


def _case_with_history(world):
    case = world.case()
    upload = FileStorage(io.BytesIO(simple_pdf("permit")), filename="备案证明.pdf",
                         content_type="application/pdf")
    store_document(upload, kind="permit", uploader=world.users["agent"], case=case,
                   step=case.steps[0])
    workflow.post_message(case, world.users["manager"], "企业资金已到位，可加快进度。", internal=True)
    db.session.commit()
    return case


def _zip(response):
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_manager_exports_everything(client, login_as, confirm_identity, world):
    case = _case_with_history(world)
    agreement = case.agreements[0]
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    response = client.get(f"/cases/{case.id}/dossier.zip")
    archive = _zip(response)
    names = archive.namelist()
    assert any(name.startswith("材料/批文证照/") and name.endswith("备案证明.pdf") for name in names)
    folder = f"协议/{agreement.number}/{agreement.number}"
    assert archive.read(f"{folder}-签署盖章版.pdf") == agreement.final_pdf
    assert any(name.startswith(f"{folder}-原件") for name in names)
    assert f"通知书/{case.number}-GZ-一次性告知单.pdf" in names
    assert "操作日志.pdf" in names and "清单.txt" in names
    manifest = archive.read("清单.txt").decode()
    assert hashlib.sha256(agreement.final_pdf).hexdigest() in manifest
    assert f"{case.number}-案卷.zip" in response.headers["Content-Disposition"] or \
        "filename*=UTF-8" in response.headers["Content-Disposition"]


def test_audit_trail_pdf_has_every_event_in_beijing_time(client, login_as, confirm_identity, world,
                                                        frozen_clock):
    frozen_clock(2026, 3, 2, hour=9)
    case = _case_with_history(world)
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    archive = _zip(client.get(f"/cases/{case.id}/dossier.zip"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("操作日志.pdf"))).pages)
    text = "".join(text.split())
    for expected in ("案件操作日志", "2026-03-0209:00", "提交代办申请", "受理", "指派代办员", "内部备注",
                     "〔内部〕企业资金已到位，可加快进度。", "王经理（管理员）", "待受理→已受理待指派"):
        assert expected in text, expected


def test_the_assigned_agent_may_export(client, login_as, confirm_identity, world):
    case = _case_with_history(world)
    login_as(world.users["agent"])
    confirm_identity(world.users["agent"])
    assert client.get(f"/cases/{case.id}/dossier.zip").status_code == 200
    assert "导出案卷" in client.get(f"/cases/{case.id}").text


def test_outsiders_and_the_enterprise_may_not(client, login_as, world):
    case = _case_with_history(world)
    url = f"/cases/{case.id}/dossier.zip"
    login_as(world.users["owner"])
    assert client.get(url).status_code == 403
    for outsider in ("other_enterprise", "other_agent", "other_manager", "other_center_agent"):
        login_as(world.users[outsider])
        assert client.get(url).status_code == 404, outsider
    client.post("/logout")
    assert client.get(url).status_code == 302
