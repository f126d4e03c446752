"""Adding items to an open case (追加事项): into the unsealed agreement, or a supplementary
delegation (续办委托书) after sealing, whose steps wait for its own seal."""
import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import (
    AgreementKind,
    AgreementState,
    AuditEvent,
    CaseStatus,
    Stage,
    StepStatus,
)
from proxy_service.workflow import agreements as signing
from proxy_service.workflow import supplements

from .factories import make_item, sign_and_seal

AS = AgreementState


@pytest.fixture
def extra(world):
    return make_item(world.centers[0], "供水接入", Stage.UTILITIES, sort=9)


def text_of(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def step_for(case, item):
    return next(step for step in case.steps if step.item_id == item.id)


def test_items_added_before_sealing_join_the_agreement(world, extra):
    case = world.case(signed=False)
    agreement = signing.main_agreement(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    covering = supplements.add_items(case, world.users["manager"], [extra])
    assert covering is agreement and agreement.revision == 2
    assert agreement.signatures[0].voided and agreement.state is AS.AWAITING_ENTERPRISE
    assert step_for(case, extra).agreement_id == agreement.id
    assert "供水接入" in text_of(agreement.unsigned_pdf)
    assert [a.kind for a in case.agreements] == [AgreementKind.AGREEMENT]


def test_items_added_after_sealing_need_a_supplement_before_they_start(world, extra):
    case = world.case()
    main = signing.main_agreement(case)
    sealed_bytes = main.final_pdf
    supplement = supplements.add_items(case, world.users["manager"], [extra])
    assert supplement.kind is AgreementKind.SUPPLEMENT and "-XB-" in supplement.number
    assert supplement.state is AS.AWAITING_ENTERPRISE and case.status is CaseStatus.IN_PROGRESS
    text = text_of(supplement.unsigned_pdf)
    assert "代办服务续办委托书" in text and main.number in text and "供水接入" in text
    assert world.items[0].name not in text            # only the new item is delegated here
    new_step, old_step = step_for(case, extra), step_for(case, world.items[0])
    assert new_step.agreement_id == supplement.id
    assert workflow.step_actions(new_step) == [] and workflow.step_actions(old_step)
    with pytest.raises(workflow.TransitionError):
        workflow.update_step(new_step, world.users["agent"], seen_version=new_step.version,
                             action="start")
    workflow.update_step(old_step, world.users["agent"], seen_version=old_step.version,
                         action="start")
    sign_and_seal(case, world.users["owner"], world.users["manager"], supplement)
    assert supplement.state is AS.SEALED and case.status is CaseStatus.IN_PROGRESS
    workflow.update_step(new_step, world.users["agent"], seen_version=new_step.version,
                         action="start")
    assert new_step.status is StepStatus.PREPARING
    assert main.final_pdf == sealed_bytes and main.state is AS.SEALED


def test_an_open_supplement_takes_further_items(world, extra):
    case = world.case()
    first = supplements.add_items(case, world.users["manager"], [extra])
    another = make_item(world.centers[0], "供气接入", Stage.UTILITIES, sort=10)
    assert supplements.add_items(case, world.users["manager"], [another]) is first
    assert first.revision == 2 and "供气接入" in text_of(first.unsigned_pdf)


def test_items_added_before_assignment_wait_for_the_agreement(world, extra):
    case = world.case(agent=None)
    assert supplements.add_items(case, world.users["manager"], [extra]) is None
    workflow.assign_agent(case, world.users["manager"], world.users["agent"])
    assert "供水接入" in text_of(signing.main_agreement(case).unsigned_pdf)


@pytest.mark.parametrize("which", ["present", "other_center", "retired"])
def test_only_new_items_of_the_centers_catalogue_can_be_added(world, extra, which):
    case = world.case()
    item = {"present": world.items[0], "other_center": world.other_items[0], "retired": extra}[which]
    extra.retired = which == "retired"
    with pytest.raises(workflow.TransitionError):
        supplements.add_items(case, world.users["manager"], [item])


def test_a_closed_case_takes_no_items(world, extra):
    case = world.case()
    workflow.terminate_case(case, world.users["manager"], "项目取消")
    with pytest.raises(workflow.TransitionError):
        supplements.add_items(case, world.users["manager"], [extra])


def test_the_manager_adds_items_on_the_page(client, login_as, world, extra):
    case = world.case()
    db.session.commit()
    login_as(world.users["manager"])
    page = client.get(f"/cases/{case.id}/add-items").get_data(as_text=True)
    assert "供水接入" in page and world.items[0].name not in page
    response = client.post(f"/cases/{case.id}/add-items",
                           data={"items": [extra.id], "version": case.version})
    assert response.status_code == 302
    assert [a.kind for a in case.agreements] == [AgreementKind.AGREEMENT, AgreementKind.SUPPLEMENT]


@pytest.mark.parametrize("who, status", [("agent", 403), ("owner", 403), ("other_manager", 404)])
def test_only_the_centers_managers_add_items(client, login_as, world, extra, who, status):
    case = world.case()
    db.session.commit()
    login_as(world.users[who])
    response = client.post(f"/cases/{case.id}/add-items",
                           data={"items": [extra.id], "version": case.version})
    assert response.status_code == status
    assert len(case.steps) == 3


# --- which steps an addition added, in the audit log (review 2, B5) ------------------------

def test_each_added_step_has_its_own_event_naming_it(world, extra):
    case = world.case()
    other = make_item(world.centers[0], "供水、排水接入", Stage.UTILITIES, sort=10)
    supplements.add_items(case, world.users["manager"], [extra, other])
    events = db.session.query(AuditEvent).filter_by(action="add_items") \
        .order_by(AuditEvent.id).all()
    assert [(e.object_type, e.object_id, e.comment) for e in events] == [
        ("step", step_for(case, extra).id, "供水接入"),
        ("step", step_for(case, other).id, "供水、排水接入")]


@pytest.mark.parametrize("comment, names, found", [
    ("供水、排水接入", {"供水", "排水接入", "供水、排水接入"}, {"供水、排水接入"}),
    ("供水、排水接入", {"供水", "排水接入"}, {"供水", "排水接入"}),
    ("环评批复、供水、排水接入", {"供水", "环评批复", "供水、排水接入"}, {"环评批复", "供水、排水接入"}),
    ("旧名称、供水", {"供水", "供水、排水接入"}, {"供水"}),      # an item renamed since
    ("", {"供水"}, set()),
])
def test_an_older_comment_is_split_into_whole_names_of_the_cases_items(comment, names, found):
    assert supplements.added_names(comment, names) == found


def test_older_events_and_step_events_name_the_same_steps():
    Row = SimpleNamespace
    steps = [Row(id=1, item_name="供水"), Row(id=2, item_name="供水、排水接入")]
    older = Row(object_type="case", object_id=9, comment="供水、排水接入")
    assert supplements.steps_added_by([older], steps) == {2}
    newer = Row(object_type="step", object_id=2, comment="供水、排水接入")
    assert supplements.steps_added_by([newer], steps) == {2}
