"""Cases as enterprises and staff read them: the list, the request form, the case page, withdraw."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import workflow
from proxy_service.calendar import lights, pauses
from proxy_service.cases import bp, listing, page_rows, timeline
from proxy_service.cases.forms import (
    CaseFilterForm,
    CaseRequestForm,
    MessageForm,
    TemplateChoiceForm,
    UploadForm,
    WithdrawForm,
    options,
)
from proxy_service.cases.fragments import load_shown, status_fragments
from proxy_service.cases.staff_actions import staff_panel
from proxy_service.core import fragment_cache, submit_once
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    ApprovalItem,
    Case,
    CaseTemplate,
    Document,
    FilingType,
    Industry,
    Message,
    Project,
    Role,
    Step,
    User,
)
from proxy_service.permissions import (
    can_add_documents,
    can_withdraw_case,
    case_or_404,
    enterprise_required,
    project_or_404,
    upload_kinds,
    visible_cases,
    visible_documents,
    visible_messages,
    visible_projects,
)
from proxy_service.workflow import assignment, paper_signing, quality
from proxy_service.workflow import notices as issued_notices

# The case's head: what the page header, the fragments' keys and the forms read. The filing
# rounds and suspensions only the timeline shows are loaded when it is rendered (fragments.py).
DETAIL_OPTIONS = (joinedload(Case.center), joinedload(Case.enterprise), joinedload(Case.project),
                  joinedload(Case.agent), selectinload(Case.steps).joinedload(Step.item))


# --- the list ------------------------------------------------------------------

@bp.get("/cases")
@login_required
def index():
    # ?light= narrows to one traffic light; ?sort=light puts the most urgent first.
    rank = lights.case_rank()
    query = lights.with_light(listing.page_ids(visible_cases(current_user)), rank,
                              lights.parse_light(request.args.get("light")))
    newest = (Case.submitted_at.desc(), Case.id.desc())
    query = query.order_by(rank, *newest) if request.args.get("sort") == "light" \
        else query.order_by(*newest)
    filters = filters_fragment = None
    if current_user.is_manager:
        filters, filters_fragment = _filter_form(current_user.center_id)
        query = listing.apply_filters(query, filters, current_user.center_id)
    # The order is total (the id breaks ties), so the last pages may be read backwards.
    page = paginate(query, from_nearer_end=True)
    rows = listing.case_rows(current_user, page.items)
    return render_template("cases/index.html", page=page, filters=filters, rows=rows,
                           filters_fragment=filters_fragment,
                           unrated=sum(row.awaits_rating for row in rows))


def _filter_form(center_id):
    """The managers' filter form and its cached fragment (listing.filters_fragment)."""
    form = CaseFilterForm(formdata=request.args)
    agents = [(str(a.id), a.name) for a in db.session.execute(select(User.id, User.name).where(
        User.center_id == center_id, User.role == Role.AGENT).order_by(User.name))]
    form.agent.choices = options([("", _("全部代办员")), *agents])
    industries = [(str(i.id), i.name) for i in db.session.execute(
        select(Industry.id, Industry.name).order_by(Industry.sort, Industry.name))]
    form.industry.choices = options([("", _("全部行业")), *industries])
    return form, listing.filters_fragment(form, agents, industries)


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
    # A fixed number of queries: the head here, the rest by what is rendered (render_detail).
    case = case_or_404(current_user, case_id, *DETAIL_OPTIONS)
    return render_detail(case)


def render_detail(case, status=200, **forms):
    """The case page; `forms` replaces a blank form by one that failed validation. What only
    the cached fragments show is loaded when one of them is to be rendered (fragments.py)."""
    fragments = status_fragments(current_user, case)
    rendering = fragment_cache.to_render(fragments)
    load_shown(case, rendering)
    step_names = {s.id: s.item.name for s in case.steps}
    documents = (page_rows.document_rows(_documents(case), step_names)
                 if rendering & {"steps", "documents"} else [])
    forms.setdefault("message_form", MessageForm(formdata=None))
    # The other forms only where the page shows them (a WTForms form costs ~0.2 ms to build).
    if can_add_documents(current_user, case):
        forms.setdefault("upload_form", upload_form(case, formdata=None))
    if can_withdraw_case(current_user, case):
        forms.setdefault("withdraw_form", WithdrawForm(formdata=None, version=case.version))
    return render_template(
        "cases/detail.html", case=case, documents=documents,
        stages=(page_rows.stage_groups(case, current_user, documents) if "steps" in rendering
                else bool(case.steps)),   # cached: only whether there are steps
        messages=_messages(case) if "messages" in rendering else [],
        **_timeline(case, step_names, "timeline" in rendering),
        pauses=pauses.of_case(case) if "timeline" in rendering else [],
        notices=issued_notices.listed(case) if "notices" in rendering else [],
        requested=_requested_items(case),
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


def _messages(case):
    # Of the author only the name and role are shown (as in the timeline, timeline._events).
    return db.session.scalars(visible_messages(current_user, case).options(
        joinedload(Message.author).load_only(User.name, User.role))
        .order_by(Message.created_at, Message.id)).all()


def _timeline(case, step_names, shown):
    """The latest events the user sees (timeline.latest), none when the timeline is not
    `shown` (cached); and why a paper scan was sent back, looked up then (paper_signing)."""
    if shown:
        return timeline.latest(case, step_names)
    return dict(timeline=[], timeline_more=False,
                rejections=paper_signing.rejections(case.agreements, [], complete=False))


def _requested_items(case):
    """Before acceptance the case has no steps, only the ids of the items asked for."""
    if case.steps or not case.requested_items:
        return []
    return workflow.requested_items(case)


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
