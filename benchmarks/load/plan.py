"""Write the load plan: which seeded accounts the simulated users log in as, and the cases
and steps each may open or update. Read from the database named by DATABASE_URL.

    .venv/bin/python benchmarks/load/plan.py --users 64 --password demo1234 --out plan.json

Accounts are split by role (loadlib.split_roles); an agent is only given steps of its own
cases in progress, so two simulated users never edit the same step (a stale-edit 409
would then be a real finding, not the test colliding with itself).

With --webhook-url, webhook endpoints are registered for the run's receiver (sinks.py): one per
center, by its manager, and one per enterprise of the plan's enterprise users, all events, each
with a test event already queued (so that the first cron round on both instances has
deliveries to race for); their secrets go into the plan under "webhooks". Only this script lets
its own app register a loopback URL; the cron commands reach it through cron_app.py.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadlib  # noqa: E402
from sqlalchemy import delete, select  # noqa: E402

from config import DevelopmentConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor
from proxy_service.models import Case, CaseStatus, DeadlineAlert, Role, Step, User
from proxy_service.models.webhooks import EVENTS
from proxy_service.workflow import webhooks

CASES_PER_ACCOUNT = 8
STEPS_PER_AGENT = 6


def build_plan(users, password, totp_secret):
    wanted = loadlib.split_roles(users)
    accounts = []

    def case_ids(where):
        return list(db.session.scalars(select(Case.id).where(where)
                                       .order_by(Case.id.desc()).limit(CASES_PER_ACCOUNT)))

    def add(user, cases, steps=()):
        if twofactor.required(user) and not twofactor.enrolled(user):
            return False   # would have to enrol first: not a returning user
        accounts.append({"index": len(accounts), "username": user.username,
                         "role": user.role.value, "needs_code": twofactor.needs_code(user),
                         "cases": cases, "steps": [list(s) for s in steps]})
        return True

    def active(role):
        return db.session.scalars(select(User).where(User.role == role, User.active.is_(True))
                                  .order_by(User.id)).all()

    taken = 0
    for user in active(Role.MANAGER):
        if taken < wanted["manager"] and add(user, case_ids(Case.center_id == user.center_id)):
            taken += 1
    # Agents with steps to work on first: the others would only read.
    agents = []
    for user in active(Role.AGENT):
        steps = db.session.execute(
            select(Step.case_id, Step.id).join(Step.case)
            .where(Case.agent_id == user.id, Case.status == CaseStatus.IN_PROGRESS)
            .order_by(Step.id).limit(STEPS_PER_AGENT)).all()
        agents.append((user, steps))
    agents.sort(key=lambda pair: not pair[1])
    taken = 0
    for user, steps in agents:
        if taken < wanted["agent"] and add(user, case_ids(Case.agent_id == user.id), steps):
            taken += 1
    taken = 0
    for user in active(Role.ENTERPRISE):
        if user.enterprise_id is None:
            continue
        cases = case_ids(Case.enterprise_id == user.enterprise_id)
        if cases and taken < wanted["enterprise"] and add(user, cases):
            taken += 1
    return {"password": password, "totp_secret": totp_secret, "wanted": wanted,
            "accounts": accounts}


def rearm_alerts():
    """The seed records the alerts of its overdue steps as already raised; without them the
    first check-deadlines of the run has real work, and two hosts race for each alert."""
    count = db.session.execute(delete(DeadlineAlert)).rowcount
    db.session.commit()
    return count


def register_webhooks(base_url, accounts):
    """Endpoints at `base_url` + label for every center (its first manager) and for the
    enterprises of the planned enterprise accounts; returns {label: secret}."""
    owners = {}   # label → the user who registers it (the first of its center / enterprise)
    for user in db.session.scalars(select(User).where(User.role == Role.MANAGER,
                                                      User.active.is_(True)).order_by(User.id)):
        owners.setdefault(f"center-{user.center_id}", user)
    planned = [a["username"] for a in accounts if a["role"] == Role.ENTERPRISE.value]
    for user in db.session.scalars(select(User).where(User.username.in_(planned or [""]))
                                   .order_by(User.id)):
        owners.setdefault(f"enterprise-{user.enterprise_id}", user)
    found = {}
    for label, owner in owners.items():
        endpoint, found[label] = webhooks.create_endpoint(
            owner, url=base_url + label, events=list(EVENTS), description="load run")
        webhooks.send_test_event(endpoint, owner)
        db.session.commit()
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--totp-secret", default="PROXYSERVICEDEMOPROXYSERVICEDEMO")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rearm-alerts", action="store_true",
                        help="delete the seeded deadline alerts, so that the cron jobs of the "
                             "run raise them again — all hosts at once")
    parser.add_argument("--webhook-url", default="",
                        help="the run's webhook receiver (http://127.0.0.1:PORT/hooks/): "
                             "register endpoints for it")
    args = parser.parse_args(argv)

    app = create_app(DevelopmentConfig)
    # The receiver is on this host: only this script, and only for --webhook-url, may say so.
    app.config["WEBHOOKS_ALLOW_LOOPBACK"] = bool(args.webhook_url)
    with app.app_context():
        plan = build_plan(args.users, args.password, args.totp_secret)
        if args.rearm_alerts:
            plan["rearmed_alerts"] = rearm_alerts()
        if args.webhook_url:
            plan["webhooks"] = register_webhooks(args.webhook_url, plan["accounts"])
    Path(args.out).write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    have = {role: sum(1 for a in plan["accounts"] if a["role"] == role) for role in plan["wanted"]}
    print(f"plan: {len(plan['accounts'])} accounts {have} (wanted {plan['wanted']})"
          + (f"; {plan['rearmed_alerts']} seeded deadline alerts removed"
             if args.rearm_alerts else "")
          + (f"; {len(plan['webhooks'])} webhook endpoints" if args.webhook_url else ""))
    short = {role: n for role, n in plan["wanted"].items() if have[role] < n}
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
