"""What /healthz says about the rate-limit storage (Redis in production).

"ok": the storage answered its last ping and this process counts there. "degraded": it did
not, or Flask-Limiter fell back to counting in memory after a failed request and has not found
the storage again yet (it looks again at the next rate-limited request). Degraded is not down:
login, registration and /verify keep answering, so /healthz still answers 200 and a balancer
keeps the host; an operator's alert watches the word. "off": RATELIMIT_ENABLED is off.

The storage is pinged at most once every CHECK_EVERY_SECONDS per process, however often the
balancer asks, and never on any other request.
"""
from threading import Lock
from time import monotonic

CHECK_EVERY_SECONDS = 10


class StorageHealth:
    """The rate-limit storage of one Flask-Limiter instance, as this process last knew it."""

    def __init__(self, limiter):
        self.limiter = limiter
        self.checked_at = None
        self.reachable = True
        self.lock = Lock()

    def state(self):
        """"ok" or "degraded"; "off" where rate limits are turned off (RATELIMIT_ENABLED)."""
        if not self.limiter.enabled:
            return "off"
        self._check_when_due()
        # Flask-Limiter keeps its fallback in a private flag (pinned version, pyproject.toml);
        # no public property says whether it counts in memory.
        falling_back = getattr(self.limiter, "_storage_dead", False)
        return "ok" if self.reachable and not falling_back else "degraded"

    def _check_when_due(self):
        with self.lock:   # gthread workers: one ping per period, not one per thread
            now = monotonic()
            if self.checked_at is not None and now - self.checked_at < CHECK_EVERY_SECONDS:
                return
            self.checked_at = now
        # Redis storage's check() pings with the 1-second socket timeouts of config.py and
        # answers False on any error; the memory storage is always reachable.
        self.reachable = bool(self.limiter.storage.check())
