"""What the load run needs besides locust itself: reading forms out of pages, the client's
stand-in for the reverse proxy, unique write markers, and the figures and verdict at the end.

No locust import here: the tests import this module, and so does the runner.

The client plays a browser behind nginx. Under FLASK_CONFIG=production the session cookie
is `Secure` and the app trusts one proxy (TRUSTED_PROXIES=1); nginx would terminate TLS and
append `X-Forwarded-For: <client>` and `X-Forwarded-Proto: https`. The load client sends
those two headers itself, with a distinct documentation-range address per simulated user
(198.18.0.0/15, reserved for benchmarks by RFC 2544: never a real client), and keeps
`Secure` cookies although its own hop is plain HTTP on 127.0.0.1 — exactly what the
browser (over TLS) and nginx (over loopback) do together. The app runs its production
configuration unchanged: rate limits per client address, lockout and hashing cost stay on.
"""
import ipaddress
import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy

# --- the reverse proxy's part ------------------------------------------------------------------

BENCHMARK_NET = ipaddress.ip_network("198.18.0.0/15")


def client_address(index):
    """The client address of simulated user `index` (0-based): distinct for 131,070 users."""
    if not 0 <= index < BENCHMARK_NET.num_addresses - 2:
        raise ValueError(f"no benchmark address for user {index}")
    return str(BENCHMARK_NET.network_address + index + 1)


def proxy_headers(index):
    """The headers nginx would add in front of the app for user `index`."""
    return {"X-Forwarded-For": client_address(index), "X-Forwarded-Proto": "https"}


class ProxiedCookiePolicy(DefaultCookiePolicy):
    """Send `Secure` cookies over the plain-HTTP loopback hop: the browser's side of the
    connection is TLS (nginx terminates it), so it sends them; everything else — domain,
    path, expiry — is checked as usual."""

    def return_ok_secure(self, cookie, request):
        return True


def referer(base_url, path):
    """The Referer a browser sends from `path` of the https site (Flask-WTF checks it for
    HTTPS requests); `base_url` is the http://host:port the client talks to."""
    host = base_url.split("://", 1)[-1].rstrip("/")
    return f"https://{host}{path}"


# --- forms --------------------------------------------------------------------------------------

class _FormParser(HTMLParser):
    """Collects every <form>: its action, method and the values a browser would submit
    without the user touching anything (hidden inputs, checked boxes and radios, text
    inputs' values, selected options, textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_fields(html, action, page_path=None):
    """The default values of the first form posting to `action` (a path, exactly, or a
    compiled regular expression); None when the page has no such form. A form without an
    action posts to the page itself: pass the page's `page_path` to match it."""
    for form in forms(html):
        target = form["action"].split("?", 1)[0].split("#", 1)[0] or page_path or ""
        if (action.fullmatch(target) if isinstance(action, re.Pattern) else target == action):
            return dict(form["fields"])
    return None


READ_FORM = re.compile(r"/notifications/(\d+)/read")


def unread_notification_ids(html):
    """Ids of the notifications that the list page offers to mark read (标为已读): the forms
    to /notifications/<id>/read without open=1 (that one opens the notification)."""
    ids = []
    for form in forms(html):
        match = READ_FORM.fullmatch(form["action"].split("?", 1)[0])
        if match and form["fields"].get("open") != "1":
            ids.append(int(match.group(1)))
    return ids


# --- writes that can be counted afterwards ------------------------------------------------------

MARKER_PREFIX = "LOADMARK"
MARKER = re.compile(rf"{MARKER_PREFIX}-([0-9a-z]+)-(\d+)-(\d+)")


def marker(run_id, user_index, seq):
    """A token unique to one write of one run: it goes into the message body or step note,
    and afterwards every token must be in the database exactly once."""
    if not re.fullmatch(r"[0-9a-z]+", run_id):
        raise ValueError("run id: lowercase letters and digits only")
    return f"{MARKER_PREFIX}-{run_id}-{user_index}-{seq}"


def marker_check(confirmed, attempted, stored):
    """Compare the markers of the writes the client saw succeed (`confirmed`) and of all it
    sent (`attempted`) with the marker bodies found in the database (`stored`).

    Returns a dict of sorted lists: "missing" (confirmed, not stored), "duplicated" (stored
    more than once), "unexpected" (stored, never sent) — each must be empty — and
    "unanswered" (sent, stored once, but the client saw no answer: the run ended while the
    request was in flight, which is not an error of the app)."""
    counts = {}
    for body in stored:
        for token in MARKER.findall(body):
            key = f"{MARKER_PREFIX}-{token[0]}-{token[1]}-{token[2]}"
            counts[key] = counts.get(key, 0) + 1
    confirmed, attempted = set(confirmed), set(attempted) | set(confirmed)
    return {"missing": sorted(confirmed - counts.keys()),
            "duplicated": sorted(k for k, n in counts.items() if n > 1),
            "unexpected": sorted(counts.keys() - attempted),
            "unanswered": sorted((counts.keys() & attempted) - confirmed)}


def webhook_check(delivered, received, refused=0):
    """Compare the webhook deliveries the database marks delivered (`delivered`: their ids)
    with what the run's receiver took, by webhook-id (`received`: id → times) and refused
    (`refused`: how many requests failed its verification).

    "duplicated" (received more than once), "never_received" (marked delivered, not received)
    and "refused" must be empty / 0, and "delivered" above 0, for `passed`; "unconfirmed"
    (received, not marked delivered: the run stopped between the answer and its record, and
    the event would be sent again — at least once) is reported only."""
    delivered = {str(i) for i in delivered}
    report = {"delivered": len(delivered), "received": sum(received.values()),
              "duplicated": sorted(k for k, n in received.items() if n > 1),
              "never_received": sorted(delivered - received.keys()),
              "unconfirmed": sorted(received.keys() - delivered), "refused": refused}
    report["passed"] = bool(delivered) and not (
        report["duplicated"] or report["never_received"] or refused)
    return report


# --- accounts -----------------------------------------------------------------------------------

@dataclass
class Account:
    """One seeded user and what it works on; `index` is also its client address."""
    index: int
    username: str
    role: str
    needs_code: bool = False
    cases: list = field(default_factory=list)      # case ids it may open
    steps: list = field(default_factory=list)      # [case_id, step_id] it may update


def split_roles(users):
    """How many of `users` simulated users are managers, agents and enterprise users:
    1/8 managers, 3/8 agents, the rest enterprises (a center's day: many enterprises
    looking at progress, agents working their steps, a few managers watching)."""
    managers = max(1, users // 8)
    agents = max(1, users * 3 // 8)
    return {"manager": managers, "agent": agents, "enterprise": max(0, users - managers - agents)}


class AccountPool:
    """Hands each simulated user its own account, never the same one twice."""

    def __init__(self, plan):
        self.password = plan["password"]
        self.totp_secret = plan.get("totp_secret")
        self._free = {}
        for raw in plan["accounts"]:
            account = Account(**raw)
            self._free.setdefault(account.role, []).append(account)

    def available(self, role):
        return len(self._free.get(role, []))

    def take(self, role):
        accounts = self._free.get(role)
        if not accounts:
            raise LookupError(f"no seeded {role} account left: seed more users or run fewer")
        return accounts.pop(0)


def load_plan(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# --- figures ------------------------------------------------------------------------------------

def percentile(values, p):
    """The p-th percentile (0 < p <= 100) by the nearest-rank method: a value that was
    actually measured, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(records):
    """Per request name and overall: count, failures, median, p95, p99 and max (ms).
    `records` are dicts with name, ms, ok (as the locustfile writes them)."""
    groups = {}
    for record in records:
        groups.setdefault(record["name"], []).append(record)
    groups["ALL"] = list(records)
    table = {}
    for name, rows in groups.items():
        times = [r["ms"] for r in rows]
        table[name] = {"count": len(rows), "failures": sum(1 for r in rows if not r["ok"]),
                       "median": percentile(times, 50), "p95": percentile(times, 95),
                       "p99": percentile(times, 99), "max": max(times) if times else None}
    return table


def throughput(records, name, after=0):
    """Completed requests per second of `name` between its first and last completion,
    counting only completions after `after` (e.g. once every user has logged in)."""
    ends = sorted(r["end"] for r in records if r["name"] == name and r["ok"] and r["end"] > after)
    if len(ends) < 2 or ends[-1] == ends[0]:
        return 0.0
    return (len(ends) - 1) / (ends[-1] - ends[0])


GROUPS = (   # (label, test on a request name), first match wins
    ("login: password (scrypt)", lambda n: n == "login: password"),
    ("login: other steps", lambda n: n.startswith("login")),
    ("write (POST)", lambda n: n.startswith("write:") and "→" not in n),
    ("page after a write", lambda n: n.startswith("write:")),
    ("status page", lambda n: n.endswith(": status page")),
    ("case list, inbox", lambda n: n.endswith((": case list", ": inbox"))),
    ("step page", lambda n: n.endswith(": step page")),
    ("dashboard", lambda n: n.endswith(": dashboard")),
    ("workload", lambda n: n.endswith(": workload")),
    ("notifications", lambda n: "notifications" in n),
)


def grouped(records):
    """The records with each request name replaced by its group (GROUPS), for a short table."""
    def group(name):
        return next((label for label, test in GROUPS if test(name)), name)
    return [dict(r, name=group(r["name"])) for r in records]


@dataclass
class Verdict:
    checks: list = field(default_factory=list)   # (label, passed, detail); passed None: info

    def add(self, label, passed, detail=""):
        self.checks.append((label, None if passed is None else bool(passed), detail))

    @property
    def passed(self):
        return all(ok is not False for _, ok, _ in self.checks)

    def lines(self):
        word = {True: "PASS", False: "FAIL", None: "INFO"}
        return [f"{word[ok]}  {label}" + (f" — {detail}" if detail else "")
                for label, ok, detail in self.checks]


def server_errors(log_text):
    """The app's request log lines (one JSON object per line) with a status of 500 or more."""
    errors = []
    for line in log_text.splitlines():
        if not line.startswith("{") or '"status"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry.get("status"), int) and entry["status"] >= 500:
            errors.append(entry)
    return errors


def database_locked_lines(log_text):
    return [line for line in log_text.splitlines() if "database is locked" in line]


def judge(table, server_log, p99_limit_ms):
    """The pass criteria of the load mix: zero failed requests, zero "database is locked"
    in the server log, p99 of all requests within the limit (reported, not judged, when the
    limit is None)."""
    verdict = Verdict()
    total = table.get("ALL", {"count": 0, "failures": 0, "p99": None})
    verdict.add("requests made", total["count"] > 0, f"{total['count']}")
    verdict.add("zero errors", total["failures"] == 0, f"{total['failures']} failed")
    locked = database_locked_lines(server_log)
    verdict.add('zero "database is locked"', not locked, f"{len(locked)} in the server log")
    p99 = total["p99"]
    detail = f"p99 {p99:.0f} ms" if p99 is not None else "no requests"
    if p99_limit_ms is None:
        verdict.add("p99 of all requests", None, detail)
    else:
        verdict.add(f"p99 ≤ {p99_limit_ms:g} ms", p99 is not None and p99 <= p99_limit_ms, detail)
    return verdict
