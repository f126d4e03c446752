"""The load mix for `make load` (run by benchmarks/load/run.py; locust headless).

Each simulated user takes one seeded account from the plan (LOAD_PLAN), logs in once (the
password, then the one-time code for staff) and then browses like its role, with about one
request in ten a write through the real forms:
- enterprise users: their case list and status pages, notifications; post a message,
  mark a notification read;
- agents: the inbox, step pages, status pages, notifications; update a step (the step form
  with its version field, an information-only save with a note), post a message, mark a
  notification read;
- managers: the case list (plain, filtered, a Chinese text search, by traffic light), the
  dashboard, the workload table, status pages, notifications; a note (internal or not),
  mark a notification read.
Every message body and step note carries a unique marker (loadlib.marker); the markers of
the writes that succeeded are written to LOAD_RECORDS with every request's timing, so the
runner can count them in the database afterwards.

The capacity phase (LOAD_PHASE=capacity) runs HealthzUser and StatusPageUser without think
time, to compare the status page's throughput with /healthz on the same server.

Environment: LOAD_PLAN, LOAD_RECORDS, LOAD_RUN_ID, LOAD_HOSTS (comma-separated base URLs; the
users are spread over them round-robin), LOAD_USERS, LOAD_WAIT (seconds, "min-max").
"""
import contextlib
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadlib  # noqa: E402

HOSTS = [h.rstrip("/") for h in os.environ.get("LOAD_HOSTS", "http://127.0.0.1:5200").split(",")]
RUN_ID = os.environ.get("LOAD_RUN_ID", "dev")
USERS = int(os.environ.get("LOAD_USERS", "64"))
PHASE = os.environ.get("LOAD_PHASE", "mix")
WAIT_MIN, _, WAIT_MAX = os.environ.get("LOAD_WAIT", "2-8").partition("-")
SEARCH_WORDS = ("科技", "产业园", "新材料", "物流", "有限公司")

POOL = loadlib.AccountPool(loadlib.load_plan(os.environ["LOAD_PLAN"]))
_next_host = itertools.count()
RECORDS = []
ATTEMPTED = []   # markers of every write sent
CONFIRMED = []   # markers of the writes whose POST was answered as a success
READS = []       # ids of the notifications marked read with success


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **_kwargs):
    start = start_time or time.time() - response_time / 1000
    RECORDS.append({"name": name, "method": request_type, "ms": round(response_time, 2),
                    "ok": exception is None, "end": round(start + response_time / 1000, 4),
                    "error": str(exception)[:200] if exception else ""})


@events.quitting.add_listener
def _write_records(environment, **_kwargs):
    path = os.environ.get("LOAD_RECORDS")
    if path:
        result = {"records": RECORDS, "attempted": ATTEMPTED, "confirmed": CONFIRMED,
                  "reads": READS}
        Path(path).write_text(json.dumps(result), encoding="utf-8")


class Failed(Exception):
    pass


class SiteUser(FastHttpUser):
    """One person behind nginx: its own account, client address and (https) cookies."""
    abstract = True
    role = None
    wait_time = between(float(WAIT_MIN), float(WAIT_MAX or WAIT_MIN))

    def __init__(self, environment):
        self.account = POOL.take(self.role)
        self.host = HOSTS[next(_next_host) % len(HOSTS)]
        self.default_headers = loadlib.proxy_headers(self.account.index)
        super().__init__(environment)
        self.client.cookiejar.set_policy(loadlib.ProxiedCookiePolicy())
        self.writes = itertools.count(1)

    # --- requests ------------------------------------------------------------------------

    def page(self, path, name, expect=200):
        """GET a page; anything but `expect` counts as an error. Returns the HTML."""
        with self.client.get(path, name=name, catch_response=True,
                             allow_redirects=False) as response:
            if response.status_code != expect:
                response.failure(f"{path}: HTTP {response.status_code}, expected {expect}")
                raise Failed(path)
            return response.text or ""

    def submit(self, path, fields, name, from_path, expect=302, marker=None, read_id=None):
        """POST a form as a browser would from `from_path`; the answer must be a redirect
        (the app's sign of success), which is then followed like a browser does."""
        headers = {"Referer": loadlib.referer(self.host, from_path)}
        if marker:
            ATTEMPTED.append(marker)
        with self.client.post(path, data=fields, name=name, headers=headers,
                              catch_response=True, allow_redirects=False) as response:
            if response.status_code != expect:
                response.failure(f"{path}: HTTP {response.status_code}, expected {expect}")
                raise Failed(path)
            location = response.headers.get("Location", "")
        if marker:
            CONFIRMED.append(marker)
        if read_id:
            READS.append(read_id)
        if location:
            target = urlsplit(location)   # relative as the app sends it; absolute also works
            self.page(target.path + (f"?{target.query}" if target.query else ""),
                      f"{name} → redirect")

    def next_marker(self):
        return loadlib.marker(RUN_ID, self.account.index, next(self.writes))

    # --- login ----------------------------------------------------------------------------

    def on_start(self):
        try:
            self.log_in()
        except Failed:
            raise StopUser() from None   # the failure is recorded; without a login there is nothing to do

    def log_in(self):
        html = self.page("/login", "login page")
        fields = loadlib.form_fields(html, "/login", "/login")
        fields.update(username=self.account.username, password=POOL.password)
        headers = {"Referer": loadlib.referer(self.host, "/login")}
        with self.client.post("/login", data=fields, name="login: password", headers=headers,
                              catch_response=True, allow_redirects=False) as response:
            if response.status_code != 302:
                response.failure(f"login {self.account.username}: HTTP {response.status_code}")
                raise Failed("login")
            location = response.headers.get("Location", "")
        if self.account.needs_code:
            html = self.page("/login/code", "login: code page")
            fields = loadlib.form_fields(html, "/login/code", "/login/code")
            fields["code"] = pyotp.TOTP(POOL.totp_secret).now()
            headers = {"Referer": loadlib.referer(self.host, "/login/code")}
            with self.client.post("/login/code", data=fields, name="login: code",
                                  headers=headers, catch_response=True,
                                  allow_redirects=False) as response:
                if response.status_code != 302:
                    response.failure(f"code {self.account.username}: HTTP {response.status_code}")
                    raise Failed("login code")
                location = response.headers.get("Location", "")
        self.page(location or "/", "login → landing", expect=302 if location == "/" else 200)

    # --- shared tasks ------------------------------------------------------------------------

    def view_case(self):
        case_id = random.choice(self.account.cases)
        return case_id, self.page(f"/cases/{case_id}", f"{self.role}: status page")

    def view_notifications(self):
        self.page("/notifications", f"{self.role}: notifications")

    def read_notification(self):
        html = self.page("/notifications?unread=1", f"{self.role}: unread notifications")
        ids = loadlib.unread_notification_ids(html)
        if not ids:
            return
        path = f"/notifications/{ids[0]}/read"
        fields = loadlib.form_fields(html, path)
        self.submit(path, fields, "write: mark notification read", "/notifications?unread=1",
                    read_id=ids[0])

    def post_message(self, internal=False):
        case_id, html = self.view_case()
        path = f"/cases/{case_id}/messages"
        fields = loadlib.form_fields(html, path)
        if fields is None:
            return
        marker = self.next_marker()
        fields["body"] = f"负载测试留言 {marker}"
        if internal:
            fields["internal"] = "y"
        self.submit(path, fields, f"write: {self.role} message", f"/cases/{case_id}",
                    marker=marker)

    def guarded(self, action, *args):
        # A failed request is already recorded; the user goes on with its next task.
        with contextlib.suppress(Failed):
            action(*args)


class Correspondence:
    """The notification and message tasks, the same for every role; each role class lists
    them in `tasks` with its own weights (Correspondence.weighted). Plain methods, not
    @task: a weight given by @task would be the same for every role."""
    internal_share = 0   # the part of the messages that are internal notes (staff only)

    def notifications(self):
        self.guarded(self.view_notifications)

    def message(self):
        internal = self.internal_share > 0 and random.random() < self.internal_share
        self.guarded(self.post_message, internal)

    def mark_read(self):
        self.guarded(self.read_notification)

    @classmethod
    def weighted(cls, notifications, message, mark_read):
        return {cls.notifications: notifications, cls.message: message, cls.mark_read: mark_read}


class EnterpriseUser(Correspondence, SiteUser):
    role = "enterprise"
    weight = 5
    tasks = Correspondence.weighted(notifications=2, message=1, mark_read=1)

    @task(4)
    def case_list(self):
        self.guarded(self.page, "/cases", "enterprise: case list")

    @task(6)
    def status_page(self):
        self.guarded(self.view_case)


class AgentUser(Correspondence, SiteUser):
    role = "agent"
    weight = 3
    tasks = Correspondence.weighted(notifications=2, message=1, mark_read=1)

    @task(6)
    def inbox(self):
        self.guarded(self.page, "/inbox", "agent: inbox")

    @task(4)
    def step_page(self):
        if self.account.steps:
            case_id, step_id = random.choice(self.account.steps)
            self.guarded(self.page, f"/cases/{case_id}/steps/{step_id}", "agent: step page")

    @task(3)
    def status_page(self):
        self.guarded(self.view_case)

    @task(1)
    def update_step(self):
        if self.account.steps:
            self.guarded(self._update_step, *random.choice(self.account.steps))

    def _update_step(self, case_id, step_id):
        path = f"/cases/{case_id}/steps/{step_id}"
        html = self.page(path, "agent: step page")
        fields = loadlib.form_fields(html, path, path)
        # Information only (no status change), visible to the enterprise; the form's own
        # version field says which version the agent saw.
        marker = self.next_marker()
        fields.update(action="", note=f"负载测试办理说明 {marker}", note_visibility="visible")
        self.submit(path, fields, "write: agent step update", path, marker=marker)


class ManagerUser(Correspondence, SiteUser):
    role = "manager"
    weight = 1
    # Half internal notes, half messages the enterprise sees (and gets by e-mail and SMS).
    internal_share = 0.5
    tasks = Correspondence.weighted(notifications=1, message=1, mark_read=1)

    @task(3)
    def case_list(self):
        path = random.choice(("/cases", "/cases?status=in_progress", "/cases?sort=light",
                              f"/cases?q={random.choice(SEARCH_WORDS)}", "/cases?page=2"))
        self.guarded(self.page, path, "manager: case list")

    @task(2)
    def dashboard(self):
        self.guarded(self.page, "/manage/dashboard", "manager: dashboard")

    @task(2)
    def workload(self):
        self.guarded(self.page, "/manage/workload", "manager: workload")

    @task(2)
    def status_page(self):
        self.guarded(self.view_case)


# --- capacity phase: the status page against /healthz, no think time --------------------------

class HealthzUser(FastHttpUser):
    """The cheapest request the app serves (one SELECT 1): the server's ceiling."""
    wait_time = between(0, 0)
    host = HOSTS[0]

    @task
    def healthz(self):
        with self.client.get("/healthz", name="capacity: /healthz", catch_response=True,
                             headers={"X-Forwarded-Proto": "https"}) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class StatusPageUser(SiteUser):
    """An enterprise user reading its status pages as fast as the server answers."""
    role = "enterprise"
    wait_time = between(0, 0)

    @task
    def status_page_only(self):
        case_id = random.choice(self.account.cases)
        self.guarded(self.page, f"/cases/{case_id}", "capacity: status page")


def _set_counts():
    """The mix's users by role (LOAD_USERS split as loadlib.split_roles says)."""
    if PHASE != "mix":
        return
    for cls, role in ((ManagerUser, "manager"), (AgentUser, "agent"),
                      (EnterpriseUser, "enterprise")):
        cls.fixed_count = loadlib.split_roles(USERS)[role]


_set_counts()
