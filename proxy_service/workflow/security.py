"""Account security changes a manager makes: a center's two-factor policy for its enterprises,
resetting a colleague's authenticator. Each is audited; the caller commits."""
from proxy_service.core.conflicts import save
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor
from proxy_service.workflow.moves import _audit_event


def set_enterprise_2fa_policy(center, actor, *, required, seen_version):
    """Whether the center's enterprise users also log in with a one-time code. Raises StaleEdit
    (StaleDataError from the flush) when another manager saved the center's settings since
    `seen_version` (blank: nothing compared)."""
    def change(record):
        record.require_enterprise_2fa = required
    save(center, seen_version, change)
    _audit_event(actor, center, "center_2fa_policy",
                 comment="on" if center.require_enterprise_2fa else "off")
    db.session.flush()


def reset_two_factor(user, actor):
    """A colleague lost the phone and the recovery codes: the authenticator and the codes are
    forgotten, every session of theirs ends, and the next login enrols again."""
    twofactor.reset(user)
    user.rotate_session_token()
    _audit_event(actor, user, "user_2fa_reset", comment=user.username)
    db.session.flush()
