"""No lost updates and no forked audit chains when two requests write at the same time
(threads with their own app context and session; SQLite or PostgreSQL, per TEST_DATABASE_URL)."""
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from proxy_service import workflow
from proxy_service.api.webhook_payloads import render
from proxy_service.audit.chain import verify_chains
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Step, User
from proxy_service.workflow import webhooks

from .test_webhooks import Receiver


def run_in_threads(app, *jobs):
    """Run each job(barrier) in its own thread and app context; return what each returned
    or raised."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results = [None] * len(jobs)

    def worker(index):
        with app.app_context():
            try:
                results[index] = jobs[index](barrier)
            except Exception as error:  # the test inspects which one lost
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    at_once(worker, len(jobs))
    return results


def at_once(post, count=2):
    """post(0), post(1), ... each in its own thread, started together; wait for them all."""
    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def test_two_edits_of_one_step_one_wins(app, world):
    case = world.case()
    step_id, agent_id = case.steps[0].id, world.users["agent"].id
    version = case.steps[0].version
    db.session.commit()

    def edit(number):
        def job(barrier):
            step, agent = db.session.get(Step, step_id), db.session.get(User, agent_id)
            seen = step.version
            barrier.wait()   # both have loaded the same version
            workflow.update_step(step, agent, seen_version=seen, acceptance_no=number)
            db.session.commit()
            return number
        return job

    results = run_in_threads(app, edit("A-1"), edit("B-2"))
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, (workflow.StaleEdit, StaleDataError))]
    assert len(winners) == 1 and len(losers) == 1, results
    db.session.expire_all()
    step = db.session.get(Step, step_id)
    assert step.version == version + 1
    assert step.acceptance_no == winners[0]
    assert verify_chains(db.session)[0] == []


def test_concurrent_events_on_one_case_do_not_fork_its_chain(app, world):
    case = world.case()
    case_id, agent_id = case.id, world.users["agent"].id
    db.session.commit()

    def first(barrier):
        db.session.add(AuditEvent.record(db.session.get(User, agent_id),
                                         db.session.get(type(case), case_id), "note", comment="1"))
        db.session.flush()   # holds the chain head now
        barrier.wait()
        time.sleep(0.5)      # the second writer reads the head meanwhile, if it can
        db.session.commit()

    def second(barrier):
        barrier.wait()
        db.session.add(AuditEvent.record(db.session.get(User, agent_id),
                                         db.session.get(type(case), case_id), "note", comment="2"))
        db.session.commit()

    assert run_in_threads(app, first, second) == [None, None]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.id)).all()
    assert [e.comment for e in events[-2:]] == ["1", "2"]
    assert events[-1].prev_hash == events[-2].hash
    assert verify_chains(db.session)[0] == []


# --- case-level edits through the pages: two people press "save" at the same moment ------

from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event, func  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from proxy_service.identity import twofactor  # noqa: E402
from proxy_service.models import EnterpriseClaim, Role  # noqa: E402
from proxy_service.workflow import enterprises as registration  # noqa: E402

from . import factories  # noqa: E402
from .conftest import FreshUserClient  # noqa: E402
from .test_projects import edit_form  # noqa: E402

CONFLICT = "在您编辑期间已被"   # every conflict message says the record changed meanwhile


def logged_in_client(app, user):
    """A client of its own with `user` logged in (through the pages, code step included),
    usable from another thread."""
    helper = FreshUserClient(app, app.response_class, use_cookies=True)
    if twofactor.needs_code(user) and not twofactor.enrolled(user):
        twofactor.enrol_with_secret(user, factories.TOTP_SECRET)
        db.session.commit()
    response = helper.post("/login", data={"username": user.username,
                                           "password": factories.PASSWORD})
    if response.headers["Location"].endswith("/login/code"):
        response = helper.post("/login/code", data={"code": factories.one_time_code(user)})
    assert response.status_code == 302
    client = FlaskClient(app, app.response_class, use_cookies=True)
    client.set_cookie("session", helper.get_cookie("session").value)
    return client


def said(client, response):
    """What the user was told: the page (a conflict page) and the flashed messages."""
    with client.session_transaction() as session:
        flashes = " ".join(message for _category, message in session.get("_flashes", []))
    return response.get_data(as_text=True) + flashes


@pytest.fixture
def meeting_at_first_flush():
    """Each request thread waits for the other at its first write: its first flush, or the
    UPDATE of the case's revision that a verb's first move makes before it (revision.touch).
    By then both have loaded the record and passed the version check against what their
    form showed, and neither holds a lock."""
    barrier = threading.Barrier(2, timeout=20)
    local = threading.local()
    workers = set()

    def wait_once(*_args):
        if threading.get_ident() in workers and not getattr(local, "met", False):
            local.met = True
            barrier.wait()

    def before_a_write(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            wait_once()

    # First in line: the audit chain's listener locks the chain head, the other would wait.
    event.listen(Session, "before_flush", wait_once, insert=True)
    event.listen(db.engine, "before_cursor_execute", before_a_write, insert=True)
    yield workers
    event.remove(Session, "before_flush", wait_once)
    event.remove(db.engine, "before_cursor_execute", before_a_write)


@dataclass
class Race:
    """Two posts on one record; `record(world)` is the record whose version they race for."""
    prepare: Callable      # world -> the record (a Case, Project or Enterprise)
    first: Callable        # (world, record) -> (user key, url, data)
    second: Callable


def _open_case(world):
    return world.case()


def _request(world):
    return world.case(accepted=False)


def _version(record):
    return str(record.version)


def _extra_item(world):
    return factories.make_item(world.centers[0], "排水许可", sort=9)


RACES = {
    "reassign vs reassign": Race(
        _open_case,
        lambda w, c: ("manager", f"/cases/{c.id}/assign", {
            "agent_id": w.users["other_agent"].id, "reason": "工作调整", "version": _version(c)}),
        lambda w, c: ("manager_b", f"/cases/{c.id}/assign", {
            "agent_id": w.users["agent_c"].id, "reason": "熟悉该行业", "version": _version(c)})),
    "suspend vs terminate": Race(
        _open_case,
        lambda w, c: ("manager", f"/cases/{c.id}/suspend", {"reason": "企业暂缓", "version": _version(c)}),
        lambda w, c: ("manager_b", f"/cases/{c.id}/terminate", {"reason": "企业撤资",
                                                                "version": _version(c)})),
    "accept vs decline": Race(
        _request,
        lambda w, c: ("manager", f"/cases/{c.id}/accept", {
            "agent_id": w.users["agent"].id, "comment": "材料齐全", "version": _version(c)}),
        lambda w, c: ("manager_b", f"/cases/{c.id}/decline", {"reason": "不属于代办范围",
                                                              "version": _version(c)})),
    "withdraw vs accept": Race(
        _request,
        lambda w, c: ("owner", f"/cases/{c.id}/withdraw", {"reason": "项目调整", "version": _version(c)}),
        lambda w, c: ("manager", f"/cases/{c.id}/accept", {"agent_id": "", "comment": "",
                                                           "version": _version(c)})),
    "add items vs add items": Race(
        _open_case,
        lambda w, c: ("manager", f"/cases/{c.id}/add-items", {
            "items": [str(w.extra_item.id)], "version": _version(c)}),
        lambda w, c: ("manager_b", f"/cases/{c.id}/add-items", {
            "items": [str(w.extra_item.id)], "version": _version(c)})),
    "project edit vs project edit": Race(
        lambda w: w.project,
        lambda w, p: ("owner", f"/projects/{p.id}/edit", edit_form(w, p, location="一号地块")),
        lambda w, p: ("colleague", f"/projects/{p.id}/edit", edit_form(w, p, location="二号地块"))),
    "contact edit vs contact edit": Race(
        lambda w: w.enterprises[0],
        lambda w, e: ("owner", "/enterprise/edit", {
            "contact_person": "李四", "mobile": "13911112222", "email": "", "address": e.address,
            "version": _version(e)}),
        lambda w, e: ("colleague", "/enterprise/edit", {
            "contact_person": "周七", "mobile": "13933334444", "email": "", "address": e.address,
            "version": _version(e)})),
    "verify vs reject": Race(
        lambda w: w.pending_enterprise,
        lambda w, e: ("manager", f"/admin/enterprises/{e.id}", {"decision": "approve",
                                                                "version": _version(e)}),
        lambda w, e: ("manager_b", f"/admin/enterprises/{e.id}", {
            "decision": "reject", "note": "执照模糊", "version": _version(e)})),
}


def _people(world):
    """A second manager and a third agent of the first center, a colleague of the owner and
    an enterprise waiting for verification."""
    center, enterprise = world.centers[0], world.enterprises[0]
    world.users["manager_b"] = factories.make_user("manager_b", Role.MANAGER, center=center,
                                                   name="孙经理")
    world.users["agent_c"] = factories.make_user("agent_c", Role.AGENT, center=center,
                                                 name="吴代办")
    world.users["colleague"] = factories.make_user("colleague", Role.ENTERPRISE,
                                                   enterprise=enterprise, name="周七")
    world.pending_enterprise = factories.make_enterprise(
        center, "山西晋新智能装备有限公司", factories.VALID_USCC[2], verified=False)
    world.extra_item = _extra_item(world)


@pytest.mark.parametrize("name", sorted(RACES))
def test_two_case_level_edits_at_once_one_wins(app, world, meeting_at_first_flush, name):
    race = RACES[name]
    _people(world)
    record = race.prepare(world)
    db.session.commit()
    kind, record_id, version = type(record), record.id, record.version
    posts = [race.first(world, record), race.second(world, record)]
    clients = [logged_in_client(app, world.users[who]) for who, _url, _data in posts]
    steps_before = db.session.scalar(select(func.count(Step.id)))
    events_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    responses = [None, None]

    def post(index):
        meeting_at_first_flush.add(threading.get_ident())
        _who, url, data = posts[index]
        responses[index] = clients[index].post(url, data=data)

    at_once(post)
    assert all(r is not None and r.status_code < 500 for r in responses), responses
    told = [said(client, response) for client, response in zip(clients, responses, strict=False)]
    losers = [i for i, text in enumerate(told) if CONFLICT in text]
    assert len(losers) == 1, [(r.status_code, text[-120:].replace("\n", " ")) for r, text in zip(responses, told, strict=False)]
    # The loser's save left no trace: nothing of it in the audit log, no second step; the
    # winner's is there. (One save may move the version more than once: each flush of the
    # row counts; what matters is that the second save never lands on top of the first.)
    loser, winner = world.users[posts[losers[0]][0]], world.users[posts[1 - losers[0]][0]]
    db.session.expire_all()
    assert _events_by(loser, events_before) == 0 and _events_by(winner, events_before) > 0
    assert db.session.get(kind, record_id).version > version
    if name == "add items vs add items":
        assert db.session.scalar(select(func.count(Step.id))) == steps_before + 1
    assert verify_chains(db.session)[0] == []


def _events_by(user, after_id):
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.actor_id == user.id, AuditEvent.id > after_id))


def test_two_managers_deciding_one_claim_at_once(app, world, monkeypatch):
    claimant = factories.make_user("claimant", Role.ENTERPRISE, name="钱八")
    claim = EnterpriseClaim(enterprise=world.enterprises[0], claimant=claimant,
                            claimed_name="山西绿碳环保科技有限公司", legal_representative="张三",
                            contact_person="钱八", mobile="13900000000")
    db.session.add(claim)
    _people(world)
    db.session.commit()
    claim_id, claimant_id = claim.id, claimant.id
    clients = [logged_in_client(app, world.users[who]) for who in ("manager", "manager_b")]
    url = f"/admin/claims/{claim.id}"
    decisions = [{"decision": "approve"}, {"decision": "reject", "note": "非本企业人员"}]
    responses = [None, None]
    barrier, decide = threading.Barrier(2, timeout=20), registration.resolve_claim

    def both_loaded_it(*args, **kwargs):   # both saw it pending before either decides
        barrier.wait()
        return decide(*args, **kwargs)
    monkeypatch.setattr(registration, "resolve_claim", both_loaded_it)

    def post(index):
        responses[index] = clients[index].post(url, data=decisions[index])

    at_once(post)
    told = [said(client, response) for client, response in zip(clients, responses, strict=False)]
    assert sum("该认领申请已处理" in text for text in told) == 1, told
    db.session.expire_all()
    claim, claimant = db.session.get(EnterpriseClaim, claim_id), db.session.get(User, claimant_id)
    # Whoever won, the claim and the claimant agree.
    assert (claim.outcome.value == "approved") == (claimant.enterprise_id == world.enterprises[0].id)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.in_(("claim_approve", "claim_reject")))) == 1


# --- the catalogue and the center's settings: two managers press "save" on one record ------

from proxy_service.models import CaseTemplate  # noqa: E402

from .test_admin_catalog import item_data  # noqa: E402


@dataclass
class SettingsRace:
    """Both managers load `record(world)` and post `data(world, record, value)`, one value each."""
    record: Callable
    url: Callable          # record -> url
    values: Callable       # world -> (what the first enters, what the second enters)
    data: Callable         # (world, record, value) -> the post, with the version the form showed
    stored: Callable       # record -> what is saved now


def _template(world):
    return db.session.scalar(select(CaseTemplate).where(CaseTemplate.center_id == world.centers[0].id))


def _template_post(world, template, item_ids):
    return {"name": template.name, "overall_limit": "", "items": [str(i) for i in item_ids],
            "version": _version(template)}


SETTINGS_RACES = {
    "item": SettingsRace(
        lambda w: w.items[0], lambda i: f"/admin/items/{i.id}/edit",
        lambda w: ("项目备案（甲）", "项目备案（乙）"),
        lambda w, i, name: item_data(name=name, version=_version(i)), lambda i: i.name),
    # Only the template's items change: no column of its row does, its version still must.
    "template items": SettingsRace(
        _template, lambda t: f"/admin/templates/{t.id}/edit",
        lambda w: ([w.items[0].id], [w.items[1].id]), _template_post,
        lambda t: [item.id for item in t.items]),
    "center 2fa policy": SettingsRace(
        lambda w: w.centers[0], lambda c: "/manage/security", lambda w: (True, False),
        lambda w, c, on: {"version": _version(c), **({"require_enterprise_2fa": "y"} if on else {})},
        lambda c: c.require_enterprise_2fa),
    "center countersign role": SettingsRace(
        lambda w: w.centers[0], lambda c: "/agreements/countersign-role",
        lambda w: ("agent", "manager"),
        lambda w, c, role: {"countersign_role": role, "version": _version(c)},
        lambda c: c.countersign_role),
}


@pytest.mark.parametrize("name", sorted(SETTINGS_RACES))
def test_two_managers_saving_one_settings_record_at_once_one_wins(app, world,
                                                                  meeting_at_first_flush, name):
    race = SETTINGS_RACES[name]
    _people(world)
    record = race.record(world)
    db.session.commit()
    kind, record_id, version, url = type(record), record.id, record.version, race.url(record)
    values = race.values(world)
    posts = [race.data(world, record, value) for value in values]
    managers = [world.users["manager"], world.users["manager_b"]]
    clients = [logged_in_client(app, manager) for manager in managers]
    events_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    responses = [None, None]

    def post(index):
        meeting_at_first_flush.add(threading.get_ident())
        responses[index] = clients[index].post(url, data=posts[index])

    at_once(post)
    told = [said(client, response) for client, response in zip(clients, responses, strict=False)]
    losers = [i for i, text in enumerate(told) if CONFLICT in text]
    assert len(losers) == 1, [(r.status_code, text[-120:]) for r, text in zip(responses, told, strict=False)]
    loser, winner = losers[0], 1 - losers[0]
    # The loser is shown its form again with what it entered; nothing of it was written.
    assert (responses[winner].status_code, responses[loser].status_code) == (302, 409)
    db.session.expire_all()
    record = db.session.get(kind, record_id)
    assert record.version == version + 1
    assert race.stored(record) == values[winner]
    assert _events_by(managers[loser], events_before) == 0
    assert _events_by(managers[winner], events_before) == 1
    assert verify_chains(db.session)[0] == []


def test_two_webhook_runs_at_once_send_each_event_once(app, world, monkeypatch):
    """Two `flask webhooks deliver` runs started together (two hosts): every delivery is
    claimed by one of them (SKIP LOCKED on PostgreSQL), so each event reaches the receiver
    once."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)
    monkeypatch.setitem(app.config, "WEBHOOKS_BATCH", 3)
    hook = Receiver()
    try:
        endpoint, hook.secret = webhooks.create_endpoint(
            world.users["manager"], url=hook.url, events=["case.submitted"])
        for _ in range(12):
            webhooks.send_test_event(endpoint, world.users["manager"])
        db.session.commit()

        def run(barrier):
            barrier.wait()
            return webhooks.deliver_due(render)["delivered"]

        results = run_in_threads(app, run, run)
    finally:
        hook.close()
    assert sum(results) == 12, results
    ids = [headers["webhook-id"] for headers, _body in hook.requests]
    assert len(ids) == 12 and len(set(ids)) == 12
