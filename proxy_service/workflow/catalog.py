"""A center's catalogue: approval items (审批事项) and case templates (事项模板), created,
edited over the version their form showed, retired and reinstated (ITEM_MOVES over
`.retired`). Retired, never deleted: old cases keep pointing at them.

Every change is audited as "catalog_edit" with a comment in the record language. `fill` is
the form's apply(record): it copies the validated fields onto a new or existing record.
Like every verb, these take the actor, flush, and leave the commit to the caller.
"""
from flask_babel import lazy_gettext as _l

from proxy_service.core import conflicts
from proxy_service.core.extensions import db
from proxy_service.core.i18n import record_language
from proxy_service.models import ApprovalItem, CaseTemplate
from proxy_service.workflow.moves import ITEM_MOVES, _audit_event, _begin, _move

# What the audit comment says, per kind of record and change (record language: Chinese).
COMMENTS = {
    (ApprovalItem, "create"): _l("新增事项：%(name)s"),
    (ApprovalItem, "edit"): _l("修改事项：%(name)s"),
    (CaseTemplate, "create"): _l("保存事项模板：%(name)s"),
    (CaseTemplate, "edit"): _l("保存事项模板：%(name)s"),
}
RETIREMENT_COMMENTS = {"retire": _l("停用：%(name)s"), "unretire": _l("恢复启用：%(name)s")}


def create(model, actor, fill):
    """A new item or template (`model`), in use, filled by `fill`; audited."""
    record = _begin(model(), False, field="retired")
    fill(record)
    db.session.add(record)
    db.session.flush()
    _record(actor, record, COMMENTS[model, "create"])
    return record


def edit(record, actor, seen_version, fill):
    """Save `fill` over `record`. Raises StaleEdit when the record moved on since the form
    showed `seen_version` (StaleDataError when another save lands first meanwhile)."""
    conflicts.save(record, seen_version, fill)
    _record(actor, record, COMMENTS[type(record), "edit"])


def retire(record, actor):
    """New cases can no longer request the item (or use the template); existing cases keep
    it. Allowed while in use."""
    _retirement(record, actor, "retire")


def unretire(record, actor):
    """The item or template is offered again. Allowed while retired."""
    _retirement(record, actor, "unretire")


def _retirement(record, actor, action):
    _move(record, ITEM_MOVES, action, actor, _comment(RETIREMENT_COMMENTS[action], record),
          audit_action="catalog_edit", field="retired")
    db.session.flush()


def _record(actor, record, message):
    _audit_event(actor, record, "catalog_edit",
                 comment=_comment(message, record))
    db.session.flush()


def _comment(message, record):
    """`message` naming `record`, in the record language whatever the actor's."""
    with record_language():
        return str(message) % {"name": record.name}
