"""CSV and XLSX exports of the managers' lists."""
import csv
import io

import openpyxl

from proxy_service.core.extensions import db
from proxy_service.dashboard import exports
from proxy_service.dashboard.exports import neutralise

from .factories import make_case, make_project


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+86", "-3", "@SUM(A1)", "\tx", "李四", 5, None)] == \
        ["'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "李四", "5", ""]


def test_case_csv_has_bom_chinese_headers_and_neutralised_cells(client, world, login_as,
                                                                 confirm_identity):
    case = world.case()
    case.enterprise.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    response = client.get("/manage/export?list=cases&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"   # the charset once
    assert response.is_streamed
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "企业", "项目", "代办员"]
    assert rows[1][0] == case.number and rows[1][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][3] == "刘代办"


def test_workload_xlsx(client, world, login_as, confirm_identity):
    world.case()
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    response = client.get("/manage/export?list=workload&format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("代办员", "进行中案件", "未办结审批环节")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"刘代办", "陈代办"}
    assert by_name["刘代办"][1:3] == (1, 3) and by_name["陈代办"][1] == 0


def test_step_export_is_scoped_to_the_center(client, world, login_as, confirm_identity):
    case = world.case()
    login_as(world.users["other_manager"])
    confirm_identity(world.users["other_manager"])
    body = client.get("/manage/export?list=steps&format=csv").get_data().decode("utf-8-sig")
    assert case.number not in body and body.startswith("案件编号")
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    body = client.get("/manage/export?list=steps&format=csv").get_data().decode("utf-8-sig")
    assert body.count(case.number) == 3


def _submitted_cases(world, count):
    cases = [make_case(make_project(world.enterprises[0], world.centers[0], f"导出测试项目{n:02d}"),
                       world.users["owner"], world.items) for n in range(count)]
    db.session.commit()
    return cases


def test_case_csv_leaves_in_pieces_while_the_rows_are_still_being_read(client, world, login_as,
                                                                       confirm_identity, monkeypatch):
    cases = _submitted_cases(world, 7)
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(exports, "LINES_PER_CHUNK", 1)
    # Watch the export's own query: the rows handed over so far, and how it was run.
    pulled, options, execute = [], [], db.session.execute

    def watching(statement, *args, **kwargs):
        result = execute(statement, *args, **kwargs)
        if "yield_per" not in statement.get_execution_options():
            return result
        options.append(statement.get_execution_options())
        return (pulled.append(row) or row for row in result)
    monkeypatch.setattr(db.session, "execute", watching)
    login_as(world.users["manager"])
    confirm_identity(world.users["manager"])
    response = client.get("/manage/export?list=cases&format=csv", buffered=False)
    assert response.is_streamed
    pieces = iter(response.response)
    text = ""
    while text.count("\n") < 2:   # up to the first data row
        text += next(pieces).decode("utf-8")
    assert 0 < len(pulled) < len(cases)   # the first row left; the query had more to give
    assert [o["yield_per"] for o in options] == [2]   # read 2 at a time (server-side cursor on PostgreSQL)
    text += b"".join(pieces).decode("utf-8")
    response.close()
    assert len(pulled) == len(cases)
    assert sorted(row[0] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))
                  if row[0].startswith(world.centers[0].number_prefix)) == \
        sorted(case.number for case in cases)
