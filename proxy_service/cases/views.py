"""Cases as enterprises and staff read them: the list, the request form, the case page, withdraw."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import workflow
from proxy_service.calendar import lights, pauses
from proxy_service.cases import bp
from proxy_service.cases.forms import (
    CaseFilterForm,
    CaseRequestForm,
    MessageForm,
    TemplateChoiceForm,
    UploadForm,
    WithdrawForm,
    options,
)
from proxy_service.cases.fragments import status_fragments
from proxy_service.cases.staff_actions import staff_panel
from proxy_service.core import fragment_cache, submit_once
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    AgreementState,
    ApprovalItem,
    AuditEvent,
    Case,
    CaseStatus,
    CaseTemplate,
    Document,
    Enterprise,
    FilingType,
    Grade,
    Industry,
    Message,
    Project,
    RectificationStatus,
    Role,
    Stage,
    Step,
    StepStatus,
    User,
)
from proxy_service.permissions import (
    can_withdraw_case,
    case_or_404,
    enterprise_required,
    project_or_404,
    upload_kinds,
    visible_case_events,
    visible_cases,
    visible_documents,
    visible_messages,
    visible_projects,
)
from proxy_service.workflow import assignment, paper_signing, quality
from proxy_service.workflow import notices as issued_notices

LIST_OPTIONS = (joinedload(Case.project), joinedload(Case.enterprise), joinedload(Case.agent),
                selectinload(Case.steps))
DETAIL_OPTIONS = (joinedload(Case.center), joinedload(Case.enterprise), joinedload(Case.project),
                  joinedload(Case.agent), selectinload(Case.steps).joinedload(Step.item),
                  selectinload(Case.steps).selectinload(Step.rounds), selectinload(Case.suspensions))


# --- the list ------------------------------------------------------------------

@bp.get("/cases")
@login_required
def index():
    # ?light= narrows to one traffic light; ?sort=light puts the most urgent first.
    rank = lights.case_rank()
    query = lights.with_light(visible_cases(current_user).options(*LIST_OPTIONS), rank,
                                 lights.parse_light(request.args.get("light")))
    newest = (Case.submitted_at.desc(), Case.id.desc())
    query = query.order_by(rank, *newest) if request.args.get("sort") == "light" \
        else query.order_by(*newest)
    filters = None
    if current_user.is_manager:
        filters = _filter_form(current_user.center_id)
        query = _apply_filters(query, filters, current_user.center_id)
    # The order is total (the id breaks ties), so the last pages may be read backwards.
    page = paginate(query, from_nearer_end=True)
    return render_template("cases/index.html", page=page, filters=filters,
                           unrated=quality.unrated(current_user, page.items))


def _filter_form(center_id):
    form = CaseFilterForm(formdata=request.args)
    agents = db.session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.AGENT).order_by(User.name)).all()
    form.agent.choices = options([("", _("全部代办员"))] + [(str(a.id), a.name) for a in agents])
    industries = db.session.scalars(select(Industry).order_by(Industry.sort, Industry.name)).all()
    form.industry.choices = options([("", _("全部行业"))] + [(str(i.id), i.name) for i in industries])
    return form


def _apply_filters(query, form, center_id):
    """Narrow the managers' list (of `center_id`) by the GET filters; unknown values are
    ignored."""
    if status := form.value("status"):
        query = query.where(Case.status == CaseStatus(status))
    if agent_id := form.value("agent"):
        query = query.where(Case.agent_id == agent_id)
    if stage := form.value("stage"):
        query = query.where(Case.in_stage(Stage(stage)))
    # Correlated EXISTS, not IN (subquery), as Case.in_stage (benchmarks/pages_bench.py).
    if industry_id := form.value("industry"):
        query = query.where(Case.project.has(Project.industry_id == industry_id))
    if text := (form.q.data or "").strip():
        # icontains: lower() LIKE on SQLite, ILIKE on PostgreSQL; Chinese has no case anyway.
        # No index serves "contains": the names are scanned, but only the center's projects
        # (index on projects (center_id, name)) and every enterprise (a twentieth as many);
        # the cases are then matched in the index on cases (center_id, submitted_at, …).
        query = query.where(
            Case.enterprise_id.in_(select(Enterprise.id).where(
                Enterprise.name.icontains(text, autoescape=True)))
            | Case.project_id.in_(select(Project.id).where(
                Project.center_id == center_id, Project.name.icontains(text, autoescape=True))))
    return query


# --- the request form ----------------------------------------------------------

@bp.route("/cases/new", methods=["GET", "POST"])
@enterprise_required
def new():
    project_id = request.args.get("project_id", type=int)
    if project_id is None:
        return _choose_project()
    # A login without an enterprise sees no project: a 404, as for any outsider.
    project = project_or_404(current_user, project_id)
    catalogue, templates = _catalogue(project.center_id), _templates(project.center_id)
    template = _chosen_template(project, templates)
    form = _request_form(project, catalogue, template)
    if form.validate_on_submit() and (target := _submit(project, form, catalogue, template)):
        return redirect(target)
    chooser = _template_chooser(project, templates, template)
    return render_template("cases/new.html", project=project, form=form, chooser=chooser,
                           stages=_group_by_stage(catalogue)), 422 if form.is_submitted() else 200


def _choose_project():
    if current_user.enterprise_id is None:
        flash(_("您的企业信息尚在认领审核中，审核通过后才能申请代办。"), "warning")
        return redirect(url_for("enterprises.profile"))
    projects = db.session.scalars(visible_projects(current_user).order_by(Project.id)).all()
    busy = set(db.session.scalars(visible_cases(current_user).with_only_columns(Case.project_id)
                                  .where(Case.status.in_(OPEN_CASE_STATUSES))))
    return render_template("cases/new.html", projects=projects, busy=busy, form=None)


def _catalogue(center_id):
    return db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == center_id, ApprovalItem.retired.is_(False))
        .order_by(ApprovalItem.sort, ApprovalItem.id)).all()


def _templates(center_id):
    return db.session.scalars(select(CaseTemplate).where(
        CaseTemplate.center_id == center_id, CaseTemplate.retired.is_(False))
        .options(selectinload(CaseTemplate.items)).order_by(CaseTemplate.name)).all()


def _chosen_template(project, templates):
    """?template_id= (or the posted one) when it is the center's; 0 means none; else by kind."""
    wanted = request.values.get("template_id", type=int)
    if wanted is not None:
        return next((t for t in templates if t.id == wanted), None)
    # Words of the default templates' names (data, not shown): 核准类项目, 标准地项目, 备案类...
    if project.filing_type is FilingType.APPROVAL:
        word = "核准"  # i18n-keep: template name
    elif project.standard_land:
        word = "标准地"  # i18n-keep: template name
    else:
        word = "备案"  # i18n-keep: template name
    return next((t for t in templates if word in t.name), None)


def _request_form(project, catalogue, template):
    offered = {item.id for item in catalogue}
    enterprise = project.enterprise
    form = CaseRequestForm(
        items=[i.id for i in template.items if i.id in offered] if template else [],
        template_id=template.id if template else 0,
        contact_name=enterprise.contact_person, contact_mobile=enterprise.mobile)
    form.items.choices = options((item.id, item.name) for item in catalogue)
    return form


def _request_data(form, catalogue):
    chosen = set(form.items.data)
    return dict(items=[item for item in catalogue if item.id in chosen],
                contact_name=form.contact_name.data.strip(),
                contact_mobile=form.contact_mobile.data.strip(), note=form.note.data or "")


def _submit(project, form, catalogue, template):
    """Submit the request and commit: the new case's URL, or None with the refusal flashed."""
    submit_once.claim(form)
    with committing(also=(IntegrityError,)) as outcome:
        case = workflow.submit_case(project, current_user, **_request_data(form, catalogue),
                                    template=template)
        target = submit_once.lands_at(form, url_for("cases.detail", case_id=case.id))
    if outcome.refused is not None:
        # The partial unique index answers a race between two submissions of the same project.
        flash(_("该项目已有进行中的代办案件，不能重复申请。"), "warning")
    elif outcome.conflict is None:
        flash(_("代办申请已提交，请等待服务中心受理。"), "success")
        return target
    return None


def _template_chooser(project, templates, template):
    form = TemplateChoiceForm(formdata=None, project_id=project.id,
                              template_id=template.id if template else 0)
    form.template_id.choices = options([(0, _("不使用模板"))] + [(t.id, t.name) for t in templates])
    return form


def _group_by_stage(items):
    groups = {}
    for item in items:
        groups.setdefault(item.stage, []).append(item)
    return sorted(groups.items(), key=lambda pair: pair[0].order)


# --- the case page ---------------------------------------------------------------

@bp.get("/cases/<int:case_id>")
@login_required
def detail(case_id):
    # Everything the page shows is loaded up front: a fixed number of queries.
    case = case_or_404(current_user, case_id, *DETAIL_OPTIONS)
    return render_detail(case)


def render_detail(case, status=200, **forms):
    """The case page; `forms` replaces a blank form by one that failed validation. What only
    the cached fragments show is loaded when one of them is to be rendered (fragments.py)."""
    fragments = status_fragments(current_user, case)
    rendering = fragment_cache.to_render(fragments)
    documents = _documents(case) if rendering & {"steps", "documents"} else []
    forms.setdefault("message_form", MessageForm(formdata=None))
    forms.setdefault("upload_form", upload_form(case, formdata=None))
    forms.setdefault("withdraw_form", WithdrawForm(formdata=None, version=case.version))
    return render_template(
        "cases/detail.html", case=case, stages=_stages(case), documents=documents,
        step_documents=_by_step(documents), step_names={s.id: s.item.name for s in case.steps},
        messages=_messages(case), **_timeline(case, "timeline" in rendering),
        pauses=pauses.of_case(case) if "timeline" in rendering else [],
        notices=issued_notices.listed(case),
        requested=_requested_items(case), status_label=status_label,
        evaluation=quality.evaluation_of(case),
        cover=assignment.cover_for(case) if case.is_open else None,
        fragments=fragments,
        **staff_panel(current_user, case), **forms), status


def upload_form(case, **kwargs):
    """The upload form with the kinds this user may upload and the case's steps."""
    # "上传补正材料" on a returned step links here with ?upload_step=<step id>.
    preselect = request.args.get("upload_step", type=int)
    if preselect is not None and kwargs.get("formdata", True) is None:
        kwargs.update(step_id=preselect, kind="correction" if current_user.is_enterprise else None)
    form = UploadForm(**kwargs)
    form.kind.choices = options((kind, Document.KIND_LABELS[kind])
                                for kind in upload_kinds(current_user))
    form.step_id.choices = options([(0, _("整个案件"))] + [(s.id, s.item.name) for s in case.steps])
    return form


def _documents(case):
    return db.session.scalars(visible_documents(current_user, case)).all()


def _by_step(documents):
    grouped = {}
    for document in (d for d in documents if d.step_id is not None):
        grouped.setdefault(document.step_id, []).append(document)
    return grouped


def _messages(case):
    return db.session.scalars(visible_messages(current_user, case).options(
        joinedload(Message.author)).order_by(Message.created_at, Message.id)).all()


def _timeline(case, shown=True):
    """The case's events the user sees (none when the timeline is not `shown`: cached), and
    why a paper scan was sent back, read from them (else queried, agreement by agreement)."""
    if not shown:
        return dict(events=[], rejections={a.id: found for a in case.agreements
                                           if (found := paper_signing.rejection(a)) is not None})
    events = db.session.scalars(visible_case_events(current_user, case).options(
        joinedload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)).all()
    return dict(events=events, rejections=paper_signing.rejections(case.agreements, events))


def _requested_items(case):
    """Before acceptance the case has no steps, only the ids of the items asked for."""
    if case.steps or not case.requested_items:
        return []
    return db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.id.in_(case.requested_items)).order_by(ApprovalItem.sort)).all()


def _stages(case):
    """(stage, steps, css class) for the stepper: done, the first unfinished one active."""
    groups = case.steps_by_stage()
    unfinished = [stage for stage, steps in groups if not all(s.status.is_done for s in steps)]
    return [(stage, steps, "done" if stage not in unfinished else
             "active" if stage == unfinished[0] else "") for stage, steps in groups]


def status_label(event, value):
    """The label of a status string stored on an audit event of a case or a step."""
    enum_cls = {"case": CaseStatus, "step": StepStatus, "evaluation": Grade,
                "rectification": RectificationStatus,
                "agreement": AgreementState}.get(event.object_type)
    try:
        return enum_cls(value).label if enum_cls and value else value
    except ValueError:
        return value


@bp.post("/cases/<int:case_id>/withdraw")
@enterprise_required
def withdraw(case_id):
    case = case_or_404(current_user, case_id)
    if not can_withdraw_case(current_user, case):
        abort(403)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return render_detail(case, 422, withdraw_form=form)
    if attempt(workflow.withdraw_case, case, current_user, form.reason.data,
               seen_version=form.version.data or None) is None:
        flash(_("代办申请已撤回。"), "success")
    return redirect(url_for("cases.detail", case_id=case.id))
