"""The load run's helpers (benchmarks/load/loadlib.py): what they get wrong would make the
load run measure or count the wrong thing, so they are checked without running any load."""
import email
import re
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar, DefaultCookiePolicy

import pytest

from benchmarks.load import cron_app, loadlib, sinks
from config import ProductionConfig
from proxy_service.notifications import webhook_delivery
from proxy_service.notifications.webhook_events import new_secret

# --- the reverse proxy's part ------------------------------------------------------------------

def test_each_simulated_user_has_its_own_benchmark_address():
    addresses = [loadlib.client_address(i) for i in range(300)]
    assert len(set(addresses)) == 300
    assert addresses[0] == "198.18.0.1"
    assert all(a.startswith(("198.18.", "198.19.")) for a in addresses)
    with pytest.raises(ValueError):
        loadlib.client_address(-1)
    with pytest.raises(ValueError):
        loadlib.client_address(2 ** 17)


def test_proxy_headers_are_what_nginx_appends():
    assert loadlib.proxy_headers(4) == {"X-Forwarded-For": "198.18.0.5",
                                        "X-Forwarded-Proto": "https"}


class _Response:
    def __init__(self, set_cookie):
        self._headers = email.message_from_string(f"Set-Cookie: {set_cookie}\n\n")

    def info(self):
        return self._headers


def _cookie_header(policy):
    jar = CookieJar(policy)
    jar.extract_cookies(_Response("session=abc; Secure; HttpOnly; Path=/; SameSite=Lax"),
                        urllib.request.Request("http://127.0.0.1:5200/login"))
    request = urllib.request.Request("http://127.0.0.1:5200/cases")
    jar.add_cookie_header(request)
    return request.get_header("Cookie")


def test_secure_cookie_goes_back_over_the_loopback_hop():
    # A plain cookie policy keeps a Secure cookie off http://: the production session would
    # be lost after the login. The browser (TLS to nginx) sends it; so does the load client.
    assert _cookie_header(DefaultCookiePolicy()) is None
    assert _cookie_header(loadlib.ProxiedCookiePolicy()) == "session=abc"


def test_referer_names_the_https_site():
    assert loadlib.referer("http://127.0.0.1:5201", "/cases/3") == "https://127.0.0.1:5201/cases/3"


# --- forms --------------------------------------------------------------------------------------

STEP_PAGE = """
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="T1"></form>
<form method="post" enctype="multipart/form-data" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="T1">
  <input type="radio" name="action" value="" checked><input type="radio" name="action" value="submit">
  <input type="text" name="permit_no" value="">
  <textarea name="note">已电话联系&amp;确认</textarea>
  <input type="radio" name="note_visibility" value="visible" checked>
  <input type="radio" name="note_visibility" value="internal">
  <input type="checkbox" name="by_commitment" value="y">
  <input type="file" name="document">
  <select name="document_kind"><option value="permit" selected>批文</option><option value="other">其他</option></select>
  <input id="version" name="version" type="hidden" value="7">
  <button type="submit">保存</button>
</form>
"""


def test_a_form_without_action_is_found_by_its_page_path():
    fields = loadlib.form_fields(STEP_PAGE, "/cases/1/steps/2", page_path="/cases/1/steps/2")
    assert fields == {"csrf_token": "T1", "action": "", "permit_no": "", "note": "已电话联系&确认",
                      "note_visibility": "visible", "document_kind": "permit", "version": "7"}


def test_form_lookup_by_action_and_pattern():
    assert loadlib.form_fields(STEP_PAGE, "/logout") == {"csrf_token": "T1"}
    assert loadlib.form_fields(STEP_PAGE, re.compile(r"/log\w+")) == {"csrf_token": "T1"}
    assert loadlib.form_fields(STEP_PAGE, "/cases/9/messages") is None


NOTIFICATIONS = """
<form method="post" action="/notifications/read-all"><input name="csrf_token" type="hidden" value="T"></form>
<form method="post" action="/notifications/41/read"><input type="hidden" name="open" value="1"></form>
<form method="post" action="/notifications/41/read"><input type="hidden" name="page" value="1"></form>
<form method="post" action="/notifications/40/read"><input type="hidden" name="open" value="1"></form>
"""


def test_unread_ids_are_those_with_a_mark_read_button():
    # 40 is already read: it only has the "查看" (open=1) form.
    assert loadlib.unread_notification_ids(NOTIFICATIONS) == [41]


# --- markers --------------------------------------------------------------------------------------

def test_markers_are_unique_per_write_and_safe_in_a_like_pattern():
    a, b = loadlib.marker("run1", 3, 1), loadlib.marker("run1", 3, 2)
    assert a != b and loadlib.MARKER.fullmatch(a)
    assert not set("%_") & set(a)
    with pytest.raises(ValueError):
        loadlib.marker("Run_1", 0, 1)


def test_marker_check_finds_lost_doubled_and_foreign_writes():
    m = [loadlib.marker("r", 0, i) for i in range(6)]
    confirmed, attempted = m[:3], m[:5]           # m[3], m[4]: sent, no answer seen
    stored = [f"负载测试留言 {m[0]}", f"说明 {m[1]}", f"说明 {m[1]}", f"x {m[3]}", f"y {m[5]}"]
    assert loadlib.marker_check(confirmed, attempted, stored) == {
        "missing": [m[2]], "duplicated": [m[1]], "unexpected": [m[5]], "unanswered": [m[3]]}


def test_marker_check_of_a_clean_run():
    m = [loadlib.marker("r", 1, i) for i in range(3)]
    result = loadlib.marker_check(m[:2], m, [f"a {m[0]}", f"b {m[1]}", "no marker here"])
    assert result == {"missing": [], "duplicated": [], "unexpected": [], "unanswered": []}


# --- accounts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("users", [1, 6, 7, 64, 200])
def test_role_split_adds_up(users):
    split = loadlib.split_roles(users)
    assert sum(split.values()) == max(users, 2)
    assert split["manager"] >= 1 and split["agent"] >= 1


def test_the_pool_never_hands_out_an_account_twice():
    plan = {"password": "pw", "accounts": [
        {"index": i, "username": f"u{i}", "role": "agent" if i % 2 else "enterprise"}
        for i in range(4)]}
    pool = loadlib.AccountPool(plan)
    taken = [pool.take("agent").username, pool.take("agent").username]
    assert taken == ["u1", "u3"]
    with pytest.raises(LookupError):
        pool.take("agent")
    assert pool.available("enterprise") == 2


# --- figures and verdict --------------------------------------------------------------------------

def test_percentile_is_a_measured_value_by_nearest_rank():
    values = list(range(1, 101))
    assert loadlib.percentile(values, 99) == 99
    assert loadlib.percentile(values, 50) == 50
    assert loadlib.percentile([5, 1, 3], 100) == 5
    assert loadlib.percentile([], 99) is None


def _records(times, name="page", ok=True):
    return [{"name": name, "ms": t, "ok": ok, "end": 100.0 + i} for i, t in enumerate(times)]


def test_judge_passes_a_clean_fast_run():
    table = loadlib.summarise(_records([20] * 200))
    verdict = loadlib.judge(table, '{"status": 200}\n', p99_limit_ms=500)
    assert verdict.passed, verdict.lines()


@pytest.mark.parametrize("records, log, failing", [
    (_records([20] * 199) + _records([30], ok=False), "", "zero errors"),
    (_records([20] * 200), "sqlite3.OperationalError: database is locked", "database is locked"),
    (_records([20] * 197 + [900] * 3), "", "p99"),
])
def test_judge_fails_on_each_criterion(records, log, failing):
    verdict = loadlib.judge(loadlib.summarise(records), log, p99_limit_ms=500)
    assert not verdict.passed
    assert [label for label, ok, _ in verdict.checks if not ok] == [
        label for label, _, _ in verdict.checks if failing in label]


def test_throughput_counts_only_after_the_logins():
    records = _records([10] * 11)                 # ends at 100 … 110: 10 intervals of 1 s
    assert loadlib.throughput(records, "page") == pytest.approx(1.0)
    fast = [{"name": "page", "ms": 1, "ok": True, "end": 200 + i / 10} for i in range(21)]
    assert loadlib.throughput(records + fast, "page", after=150) == pytest.approx(10.0)
    assert loadlib.throughput(records, "other") == 0.0


def test_server_errors_are_read_from_the_json_request_log():
    log = "\n".join([
        '{"path": "/cases", "status": 200}',
        '{"path": "/cases/1", "status": 500}',
        "[2026-11-27 10:00:00 +0000] [12] [INFO] Booting worker",
        '{"path": "/x", "status": 503',            # cut off: not a line to trust
    ])
    assert [e["path"] for e in loadlib.server_errors(log)] == ["/cases/1"]


def test_without_a_limit_the_p99_is_reported_not_judged():
    verdict = loadlib.judge(loadlib.summarise(_records([2000] * 10)), "", p99_limit_ms=None)
    assert verdict.passed
    assert "INFO  p99 of all requests — p99 2000 ms" in verdict.lines()


def test_request_names_fold_into_groups_for_the_short_table():
    names = ["login: password", "login page", "write: agent step update",
             "write: agent step update → redirect", "enterprise: status page",
             "agent: inbox", "manager: unread notifications", "something new"]
    records = [{"name": n, "ms": 1, "ok": True, "end": 1.0} for n in names]
    assert [r["name"] for r in loadlib.grouped(records)] == [
        "login: password (scrypt)", "login: other steps", "write (POST)", "page after a write",
        "status page", "case list, inbox", "notifications", "something new"]


# --- webhooks -----------------------------------------------------------------------------------

@pytest.fixture
def webhook_receiver():
    receiver = sinks.WebhookReceiver(0).start()
    yield receiver
    receiver.stop()


def test_the_receiver_counts_each_verified_delivery_by_webhook_id(webhook_receiver):
    secret = new_secret()
    webhook_receiver.secrets = {"center-1": secret}
    job = webhook_delivery.Job(7, 1, webhook_receiver.url + "center-1", (secret,),
                               '{"type":"webhook.test"}')

    first = webhook_delivery.send(job, allow_loopback=True)
    again = webhook_delivery.send(job, allow_loopback=True)   # the same event sent twice

    assert (first.code, again.code) == (204, 204)
    assert webhook_receiver.received == {"7": 2}
    assert loadlib.webhook_check([7], webhook_receiver.received)["duplicated"] == ["7"]


def _post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_receiver_refuses_a_tampered_body_and_an_unknown_endpoint(webhook_receiver):
    secret = new_secret()
    webhook_receiver.secrets = {"center-1": secret}
    job = webhook_delivery.Job(8, 1, "", (secret,), '{"type":"webhook.test"}')
    headers = webhook_delivery.headers_for(job, int(time.time()))

    assert _post(webhook_receiver.url + "center-1", b'{"type":"case.completed"}', headers) == 400
    assert _post(webhook_receiver.url + "center-2", job.body.encode(), headers) == 400
    assert _post(webhook_receiver.url + "center-1", job.body.encode(), headers) == 204
    assert webhook_receiver.received == {"8": 1}
    assert sum(webhook_receiver.refused.values()) == 2


def test_webhook_check_wants_each_delivered_id_received_exactly_once():
    clean = loadlib.webhook_check([1, 2], {"1": 1, "2": 1, "3": 1})
    assert clean["passed"] and clean["unconfirmed"] == ["3"]   # sent, not yet recorded: fine
    messy = loadlib.webhook_check([1, 2, 3], {"1": 1, "2": 2})
    assert not messy["passed"]
    assert (messy["duplicated"], messy["never_received"]) == (["2"], ["3"])
    assert not loadlib.webhook_check([], {})["passed"]              # nothing delivered: no proof
    assert not loadlib.webhook_check([1], {"1": 1}, refused=1)["passed"]


def test_only_the_load_run_s_cron_app_lets_deliveries_reach_a_loopback_receiver():
    differs = {name for name in dir(ProductionConfig) if name.isupper()
               and getattr(cron_app.LoadCronConfig, name) != getattr(ProductionConfig, name)}
    assert differs == {"WEBHOOKS_ALLOW_LOOPBACK"}
    assert cron_app.LoadCronConfig.WEBHOOKS_ALLOW_LOOPBACK is True
    assert ProductionConfig.WEBHOOKS_ALLOW_LOOPBACK is False
