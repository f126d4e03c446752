"""The center's catalogue: approval items and case templates, kept per center, retired not deleted."""
import re

import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, AuditEvent, CaseTemplate, LimitUnit, Mode, Stage

from . import factories


def item_data(**changes):
    data = {"name": "排水许可", "stage": "utilities", "department": "水务局", "mode": "commitment",
            "statutory_limit": "20", "statutory_unit": "workday", "promised_limit": "3",
            "promised_unit": "calendar_day", "materials": "申请表\n\n排水方案 ", "sort": "9"}
    data.update(changes)
    return data


def catalog_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "catalog_edit")
                              .order_by(AuditEvent.id)).all()


# --- access ------------------------------------------------------------------

def manager_urls(world):
    item = world.items[0]
    template = db.session.scalar(select(CaseTemplate).where(CaseTemplate.center_id == item.center_id))
    return ["/admin/items", "/admin/items/new", f"/admin/items/{item.id}/edit",
            "/admin/templates", "/admin/templates/new", f"/admin/templates/{template.id}/edit"]


@pytest.mark.parametrize("who, status", [("owner", 403), ("agent", 403), ("manager", 200)])
def test_catalogue_pages_are_for_managers(client, world, login_as, who, status):
    login_as(world.users[who])
    for url in manager_urls(world):
        assert client.get(url).status_code == status, url


def test_anonymous_users_are_sent_to_login(client, world):
    for url in manager_urls(world):
        assert "/login" in client.get(url).headers["Location"], url


def test_another_centers_catalogue_answers_404(client, world, login_as):
    item = world.other_items[0]
    template = db.session.scalar(select(CaseTemplate).where(CaseTemplate.center_id == item.center_id))
    login_as(world.users["manager"])
    for url in (f"/admin/items/{item.id}/edit", f"/admin/templates/{template.id}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/items/{item.id}/edit", data=item_data()).status_code == 404
    assert client.post(f"/admin/items/{item.id}/retire").status_code == 404
    assert client.post(f"/admin/templates/{template.id}/retire").status_code == 404
    db.session.refresh(item)
    assert item.name == "项目备案" and not item.retired
    assert "银川" not in client.get("/admin/items").text


# --- items -----------------------------------------------------------------------

def test_item_list_is_grouped_by_stage(client, world, login_as):
    world.items[0].retired = True
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get("/admin/items").text
    assert html.index("立项用地规划许可") < html.index("项目备案") < html.index("工程建设许可") \
        < html.index("建设工程规划许可证") < html.index("施工许可</h2>") < html.index("施工许可证")
    assert "审批" in html and "10 工作日" in html and "5 工作日" in html and "已停用" in html
    row = html[html.index("施工许可证"):]
    assert "建设工程规划许可证" in row[:row.index("</tr>")]


def test_creating_an_item(client, world, login_as):
    planning = world.items[1]
    login_as(world.users["manager"])
    response = client.post("/admin/items/new", data=item_data(prerequisites=[str(planning.id)]))
    assert response.status_code == 302
    item = db.session.scalar(select(ApprovalItem).where(ApprovalItem.name == "排水许可"))
    assert (item.center_id, item.stage, item.mode) == (world.centers[0].id, Stage.UTILITIES, Mode.COMMITMENT)
    assert (item.statutory_limit, item.promised_limit, item.promised_unit) == (20, 3, LimitUnit.CALENDAR_DAY)
    assert item.material_list == ["申请表", "排水方案"] and item.prerequisites == [planning]
    assert [e.object_id for e in catalog_events()] == [item.id]


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "请填写事项名称"),
    ({"promised_limit": "0"}, "承诺时限至少为 1 天"),
    ({"promised_limit": ""}, "请填写承诺时限"),
    ({"statutory_limit": "-1"}, "法定时限不能为负数"),
    ({"stage": "moon"}, "所选项无效"),
])
def test_invalid_items_show_field_errors(client, world, login_as, changes, message):
    login_as(world.users["manager"])
    response = client.post("/admin/items/new", data=item_data(**changes))
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(ApprovalItem).where(ApprovalItem.name == "排水许可")) is None


def test_statutory_limit_is_optional(client, world, login_as):
    login_as(world.users["manager"])
    assert client.post("/admin/items/new", data=item_data(statutory_limit="")).status_code == 302
    assert db.session.scalar(select(ApprovalItem.statutory_limit).where(ApprovalItem.name == "排水许可")) is None


def test_prerequisites_come_from_the_own_center_only(client, world, login_as):
    login_as(world.users["manager"])
    response = client.post("/admin/items/new", data=item_data(prerequisites=[str(world.other_items[0].id)]))
    assert response.status_code == 422 and "所选项无效" in response.text


def test_editing_an_item(client, world, login_as):
    filing = world.items[0]
    login_as(world.users["manager"])
    form = client.get(f"/admin/items/{filing.id}/edit").text
    assert 'value="项目备案"' in form and '<option selected value="land_planning">' in form
    response = client.post(f"/admin/items/{filing.id}/edit", data=item_data(name="项目备案（新）"))
    assert response.status_code == 302
    db.session.refresh(filing)
    assert filing.name == "项目备案（新）" and filing.stage is Stage.UTILITIES
    assert len(catalog_events()) == 1


def test_an_item_cannot_require_itself_even_through_others(client, world, login_as):
    filing, planning, building = world.items          # 施工许可证 requires 建设工程规划许可证
    middle = factories.make_item(world.centers[0], "消防设计审查", prerequisites=[building])
    db.session.commit()
    login_as(world.users["manager"])
    direct = client.post(f"/admin/items/{planning.id}/edit",
                         data=item_data(name=planning.name, prerequisites=[str(building.id)]))
    assert direct.status_code == 422 and "不能形成循环前置" in direct.text and "施工许可证" in direct.text
    through = client.post(f"/admin/items/{planning.id}/edit",
                          data=item_data(name=planning.name, prerequisites=[str(middle.id)]))
    assert through.status_code == 422 and "消防设计审查" in through.text
    itself = client.post(f"/admin/items/{planning.id}/edit",
                         data=item_data(name=planning.name, prerequisites=[str(planning.id)]))
    assert itself.status_code == 422
    db.session.refresh(planning)
    assert planning.prerequisites == []
    fine = client.post(f"/admin/items/{planning.id}/edit",
                       data=item_data(name=planning.name, prerequisites=[str(filing.id)]))
    assert fine.status_code == 302


def test_retiring_an_item_keeps_it_on_existing_cases(client, world, login_as):
    case = world.case()
    filing = world.items[0]
    login_as(world.users["manager"])
    assert "项目备案（立项用地规划许可）" in client.get("/admin/templates/new").text
    assert client.post(f"/admin/items/{filing.id}/retire").status_code == 302
    db.session.refresh(filing)
    assert filing.retired and db.session.get(ApprovalItem, filing.id) is not None
    assert filing.id in {step.item_id for step in case.steps}
    assert "项目备案（立项用地规划许可）" not in client.get("/admin/templates/new").text
    client.post(f"/admin/items/{filing.id}/unretire")
    db.session.refresh(filing)
    assert not filing.retired and len(catalog_events()) == 2


def test_retire_needs_post(client, world, login_as):
    login_as(world.users["manager"])
    assert client.get(f"/admin/items/{world.items[0].id}/retire").status_code == 405


def test_item_list_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            factories.make_item(world.centers[0], f"事项{n:02d}", list(Stage)[n % 5],
                                prerequisites=world.items[:n % 3])
        db.session.commit()
    add(3, 5)
    login_as(world.users["manager"])
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/admin/items").status_code == 200
    add(5, 50)
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/admin/items").text
    assert many.count == few.count


# --- templates -------------------------------------------------------------------

def test_creating_and_editing_a_template(client, world, login_as):
    filing, planning, building = world.items
    login_as(world.users["manager"])
    response = client.post("/admin/templates/new", data={
        "name": "标准地项目", "description": "拿地即开工", "overall_limit": "30",
        "items": [str(filing.id), str(building.id)]})
    assert response.status_code == 302
    template = db.session.scalar(select(CaseTemplate).where(CaseTemplate.name == "标准地项目"))
    assert template.center_id == world.centers[0].id and template.overall_limit == 30
    assert template.items == [filing, building]
    client.post(f"/admin/templates/{template.id}/edit", data={"name": "标准地项目", "overall_limit": "",
                                                                 "items": [str(planning.id)]})
    db.session.refresh(template)
    assert template.items == [planning] and template.overall_limit is None
    assert len(catalog_events()) == 2
    html = client.get("/admin/templates").text
    assert "标准地项目" in html and "备案类工业项目" in html


@pytest.mark.parametrize("changes, message", [
    ({"items": []}, "请至少选择一项审批事项"),
    ({"name": ""}, "请填写模板名称"),
    ({"overall_limit": "0"}, "整体时限至少为 1 个工作日"),
])
def test_invalid_templates_show_field_errors(client, world, login_as, changes, message):
    login_as(world.users["manager"])
    data = {"name": "核准类", "items": [str(world.items[0].id)], **changes}
    response = client.post("/admin/templates/new", data=data)
    assert response.status_code == 422 and message in response.text


@pytest.mark.parametrize("pick", ["retired", "other_center"])
def test_templates_only_take_current_items_of_the_center(client, world, login_as, pick):
    world.items[0].retired = True
    db.session.commit()
    item = world.items[0] if pick == "retired" else world.other_items[0]
    login_as(world.users["manager"])
    response = client.post("/admin/templates/new", data={"name": "核准类", "items": [str(item.id)]})
    assert response.status_code == 422 and "所选项无效" in response.text


def test_retiring_a_template(client, world, login_as):
    template = db.session.scalar(select(CaseTemplate).where(CaseTemplate.center_id == world.centers[0].id))
    login_as(world.users["manager"])
    client.post(f"/admin/templates/{template.id}/retire")
    db.session.refresh(template)
    assert template.retired and "已停用" in client.get("/admin/templates").text
    client.post(f"/admin/templates/{template.id}/unretire")
    db.session.refresh(template)
    assert not template.retired


def test_template_list_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            db.session.add(CaseTemplate(center_id=world.centers[0].id, name=f"模板{n:02d}",
                                        items=world.items[: 1 + n % 3]))
        db.session.commit()
    add(1, 5)
    login_as(world.users["manager"])
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/admin/templates").status_code == 200
    add(5, 50)
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/admin/templates").text
    assert many.count == few.count


@pytest.mark.parametrize("url", ["/admin/items/new", "/admin/templates/new"])
def test_an_empty_form_is_answered_with_field_errors(client, world, login_as, url):
    login_as(world.users["manager"])
    response = client.post(url, data={})
    assert response.status_code == 422 and "invalid-feedback" in response.text


def test_fields_left_out_of_the_post_take_their_defaults(client, world, login_as):
    login_as(world.users["manager"])
    data = {k: v for k, v in item_data().items() if k not in ("materials", "sort", "statutory_limit")}
    assert client.post("/admin/items/new", data=data).status_code == 302
    item = db.session.scalar(select(ApprovalItem).where(ApprovalItem.name == "排水许可"))
    assert (item.materials, item.sort, item.statutory_limit) == ("", 0, None)


# --- two managers editing one record: the form carries the version it showed ---------------

STALE = "该记录在您编辑期间已被他人修改，未保存。"


def shown_version(html):
    return int(re.search(r'name="version"[^>]*value="(\d*)"', html).group(1))


def template_of(world):
    return db.session.scalar(select(CaseTemplate).where(CaseTemplate.center_id == world.centers[0].id))


def test_an_item_saved_by_someone_else_meanwhile_is_not_overwritten(client, world, login_as):
    filing = world.items[0]
    login_as(world.users["manager"])
    seen = shown_version(client.get(f"/admin/items/{filing.id}/edit").text)
    filing.name = "项目备案（他人修改）"   # another manager saves first
    db.session.commit()
    response = client.post(f"/admin/items/{filing.id}/edit",
                           data=item_data(name="项目备案（我的修改）", version=str(seen)))
    assert response.status_code == 409 and STALE in response.text
    assert 'value="项目备案（我的修改）"' in response.text and 'value="水务局"' in response.text
    assert '<option selected value="utilities">' in response.text
    assert shown_version(response.text) == seen + 1   # saving again now replaces it, knowingly
    db.session.refresh(filing)
    assert (filing.name, filing.stage, filing.version) == ("项目备案（他人修改）", Stage.LAND_PLANNING, seen + 1)
    assert catalog_events() == []
    again = client.post(f"/admin/items/{filing.id}/edit",
                        data=item_data(name="项目备案（我的修改）", version=str(seen + 1)))
    assert again.status_code == 302
    db.session.refresh(filing)
    assert (filing.name, filing.version) == ("项目备案（我的修改）", seen + 2)


def test_a_template_saved_by_someone_else_meanwhile_is_not_overwritten(client, world, login_as):
    template, (_filing, planning, _building) = template_of(world), world.items
    items_before = list(template.items)
    login_as(world.users["manager"])
    seen = shown_version(client.get(f"/admin/templates/{template.id}/edit").text)
    template.description = "他人修改"
    db.session.commit()
    response = client.post(f"/admin/templates/{template.id}/edit", data={
        "name": "我的模板", "overall_limit": "15", "items": [str(planning.id)], "version": str(seen)})
    assert response.status_code == 409 and STALE in response.text and 'value="我的模板"' in response.text
    db.session.refresh(template)
    assert (template.description, template.version, template.items) == ("他人修改", seen + 1, items_before)
    assert template.name != "我的模板" and catalog_events() == []


@pytest.mark.parametrize("change", ["columns", "links only", "nothing"])
def test_every_save_moves_the_version_by_exactly_one(client, world, login_as, change):
    template = template_of(world)
    version, names = template.version, [str(i.id) for i in template.items]
    data = {"name": template.name, "description": template.description,
            "overall_limit": template.overall_limit or "", "items": names, "version": str(version)}
    if change == "columns":
        data["description"] = "新说明"
    elif change == "links only":
        data["items"] = names[:1]
    login_as(world.users["manager"])
    assert client.post(f"/admin/templates/{template.id}/edit", data=data).status_code == 302
    db.session.refresh(template)
    assert template.version == version + 1 and len(catalog_events()) == 1


def test_an_item_save_moves_its_version_by_one_and_is_audited_once(client, world, login_as):
    filing, planning = world.items[0], world.items[1]
    login_as(world.users["manager"])
    response = client.post(f"/admin/items/{planning.id}/edit", data=item_data(
        name=planning.name, prerequisites=[str(filing.id)], version=str(planning.version)))
    assert response.status_code == 302
    db.session.refresh(planning)
    assert planning.version == 2 and planning.prerequisites == [filing]
    assert [e.object_id for e in catalog_events()] == [planning.id]


@pytest.mark.parametrize("version", ["x", "1.5", "-1", "9" * 40])
@pytest.mark.parametrize("kind", ["item", "template"])
def test_a_forged_version_is_a_form_error(client, world, login_as, kind, version):
    record = world.items[0] if kind == "item" else template_of(world)
    data = (item_data(name="改名", version=version) if kind == "item" else
            {"name": "改名", "items": [str(world.items[0].id)], "version": version})
    login_as(world.users["manager"])
    response = client.post(f"/admin/{kind}s/{record.id}/edit", data=data)
    assert response.status_code == 422 and "表单已失效" in response.text
    db.session.refresh(record)
    assert record.name != "改名" and record.version == 1 and catalog_events() == []


def test_catalogue_audit_is_chinese_and_retirement_is_a_move(client, world, login_as):
    manager, filing = world.users["manager"], world.items[0]
    manager.locale = "en"
    db.session.commit()
    login_as(manager)
    client.post("/admin/items/new", data=item_data())
    client.post(f"/admin/items/{filing.id}/retire")
    again = client.post(f"/admin/items/{filing.id}/retire", follow_redirects=True)
    assert "is not possible while the status is “Retired”" in again.text
    assert [(e.comment, e.from_status, e.to_status) for e in catalog_events()] == [
        ("新增事项：排水许可", "", ""), ("停用：项目备案", "in_use", "retired")]
