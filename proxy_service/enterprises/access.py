"""View decorator for enterprise users who belong to an enterprise (not a pending claim)."""
from functools import wraps

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user


def member_required(view):
    """A registration that became a claim has no enterprise yet: it may only read its status."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.enterprise_id is None:
            flash(_("您的注册正在作为企业认领申请等待服务中心处理，处理通过后才能使用此功能。"), "warning")
            return redirect(url_for("enterprises.profile"))
        return view(*args, **kwargs)
    return wrapped
