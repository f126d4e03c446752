"""Role decorators for views: logged in and of one of the roles, else 403."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from proxy_service.models import Role


def role_required(*roles):
    """View decorator: logged in and one of `roles`, else 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


staff_required = role_required(Role.AGENT, Role.MANAGER)
manager_required = role_required(Role.MANAGER)
enterprise_required = role_required(Role.ENTERPRISE)
