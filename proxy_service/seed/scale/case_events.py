"""The events of one `flask seed-scale` case: its steps as of the cut, the side events
(uploads, messages, the evaluation) and the hash chain over all of them.

An event is a list indexed by the names below (W is its workday index); its EXTRA field
carries what case_rows.py turns into the rows the event stands for (a message, a document,
a notification, an evaluation).
"""
import hashlib
from json.encoder import encode_basestring as js
from operator import itemgetter

from proxy_service.seed.scale.texts import (
    AGENT_MESSAGES,
    COMMENTS_AT_EVAL,
    CORRECTIONS,
    ENT_MESSAGES,
    GRADE_LABELS,
    GRADES,
    MATERIAL_NAMES,
    NOTES,
    POOR_COMMENTS,
    REFUSALS,
    SKIP_REASONS,
)

W, SEQ, ACTOR, ACTION, OTYPE, OID, FROM, TO, COMMENT, INTERNAL, EXTRA, TS = range(12)
# audit_chain.canonical(), keys sorted, for one event: the format does json.dumps' work.
# Kept rather than calling audit_chain.values_hash: that costs ~20 us an event more (+60 %
# for the cases at 2,000; benchmarks/RESULTS.md); test_scale_seed verifies the seeded
# chains with the writer's serialiser, so the two cannot drift apart unnoticed.
CANONICAL = ('{"action":%s,"actor_id":%d,"at":"%sT%s.000000Z","case_id":%d,"center_id":%d,'
             '"comment":%s,"enterprise_id":%d,"from_status":%s,"internal":%s,"object_id":%d,'
             '"object_type":%s,"prev_hash":"%s","to_status":%s}')
GRADE_WEIGHTS = [weight for _, weight, _ in GRADES]
# JSON of the strings every event repeats (actions, object types, statuses), encoded once.
JS = {name: js(name) for name in (
    "", "case", "step", "agreement", "evaluation", "rectification", "submit_case", "accept",
    "decline", "assign", "reassign", "agreement_generate", "agreement_sign", "agreement_seal",
    "agreement_void", "seal", "suspend", "resume", "complete", "withdraw", "terminate", "start",
    "submit", "return", "approve", "refuse", "skip", "upload", "message", "note", "evaluate",
    "rectification_open", "rectification_respond", "submitted", "accepted", "signing",
    "in_progress", "suspended", "completed", "declined", "terminated", "pending", "preparing",
    "returned", "approved", "refused", "not_required", "open", "answered",
    *(grade for grade, _, _ in GRADES))}
JSON_BOOL = {False: "false", True: "true"}
RECTIFY_WORKDAYS = 15   # evaluations.RESPONSE_WORKDAYS
_by_time = itemgetter(W, SEQ)


class StoryEvents:
    """Mixed into cases.Story: the events after the plan, hashed in order."""

    # --- steps ----------------------------------------------------------------------------

    def _step_at(self, st, sid, x):
        """The step's row fields at workday x (a dict), after adding its events up to x; its
        filing rounds under "rounds"."""
        row = {"status": "pending", "last": None, "acceptance": "", "submitted_on": None,
               "approved_on": None, "permit": "", "correction": "", "refusal": "",
               "decision_no": "", "skip_reason": "", "due": None, "remaining": None,
               "allotted": None, "yellow": None, "rounds": []}
        if st["start"] <= x and (st["outcome"] != "not_required" or st["started"]):
            row["last"] = self.ev(st["start"], self.agent_at(st["start"]), "start", "step", sid,
                                  "pending", "preparing")
            row["status"] = "preparing"
        if st["outcome"] == "not_required":
            if st["end"] <= x:
                row["skip_reason"] = self.pick(SKIP_REASONS)
                row["last"] = self.ev(st["end"], self.agent_at(st["end"]), "skip", "step", sid,
                                      row["status"], "not_required")
                row["status"] = "not_required"
        elif st["sub"] <= x:
            self._filings(st, sid, x, row)
            if row["status"] == "submitted" and st["end"] <= x:
                self._decision(st, sid, row)
        if row["due"] is not None:
            row["yellow"] = self.world.cal.text(
                row["due"] - max(self.world.yellow_days, row["allotted"] // 5))
        return row

    def _filings(self, st, sid, x, row):
        """The filing, and the return for 补正 and refiling up to x: the rounds, the due date
        and the working days left, as deadlines.on_submit / on_return keep them."""
        item, cal, sub = st["item"], self.world.cal, st["sub"]
        event = self.ev(sub, self.agent_at(sub), "submit", "step", sid, "preparing", "submitted")
        end = cal.index_after_days(sub, item.limit) if item.calendar_days else sub + item.limit
        # A round: [filed, allotted, unit, end of its clock, returned, correction, left, decided, event]
        first = [sub, item.limit, "calendar_day" if item.calendar_days else "workday", end,
                 None, "", None, None, event]
        row.update(status="submitted", acceptance=f"受理〔{cal.text(sub)[:4]}〕{sid:07d}号",
                   submitted_on=cal.text(sub), last=event, rounds=[first],
                   allotted=end - sub, due=self._due(first))
        ret = st["ret"]
        if ret is None or ret > x:
            return
        correction = self.pick(CORRECTIONS)
        left = max(0, self._due(first, until=ret) - ret)
        first[4:7] = ret, correction, left
        row.update(status="returned", due=None, remaining=left, correction=correction,
                   last=self.ev(ret, self.agent_at(ret), "return", "step", sid, "submitted",
                                "returned", extra=("notify", sid, correction)))
        resub = st["resub"]
        if resub > x:
            return
        event = self.ev(resub, self.agent_at(resub), "submit", "step", sid, "returned",
                        "submitted")
        second = [resub, left, "workday", resub + left, None, "", None, None, event]
        row["rounds"].append(second)
        row.update(status="submitted", due=self._due(second), remaining=None,
                   submitted_on=cal.text(resub), last=event)

    def _due(self, filing, until=None):
        """deadlines.due_of in workday indices: the round's end, moved by the suspension that
        began on or after its filing and had ended (by `until`, when given)."""
        pause = self.pause
        if pause is not None and pause[0] >= filing[0] and (
                until is None or pause[0] + pause[1] <= until):
            return filing[3] + pause[1]
        return filing[3]

    def _decision(self, st, sid, row):
        """Approved or refused on its planned day, keeping the due date it had then."""
        end, text = st["end"], self.world.cal.text
        agent, year = self.agent_at(end), text(st["sub"])[:4]
        row["rounds"][-1][7] = end
        row["status"], row["due"] = st["outcome"], self._due(row["rounds"][-1], until=end)
        if row["status"] == "approved":
            row["approved_on"], row["permit"] = text(end), f"许字〔{year}〕第{sid:07d}号"
            row["last"] = self.ev(end, agent, "approve", "step", sid, "submitted", "approved",
                                  extra=("notify", sid, row["permit"]))
            if self.rand() < 0.3:
                self._upload(end, agent, "permit", sid, f"{st['item'].name}批文")
        else:
            row["refusal"], row["decision_no"] = self.pick(REFUSALS), f"不予许可〔{year}〕{sid}号"
            row["last"] = self.ev(end, agent, "refuse", "step", sid, "submitted", "refused")

    # --- uploads, messages, evaluation ----------------------------------------------------

    def _upload(self, w, uploader, kind, step_id, stem):
        pool_file = self.world.pick_file(self.rng)
        name = f"{stem}.{pool_file[3]}"
        self.ev(w, uploader, "upload", "case", self.case_id, comment=name,
                extra=("doc", kind, step_id, uploader, name, pool_file))

    def _side_events(self, until):
        lo, ent_user = self.accept_w, self.ent.user_id
        if until < lo:
            return
        for _ in range(self.ri(1, 3)):
            step_id = self.pick(self.step_ids) if self.rand() < 0.7 else None
            self._upload(self.ri(lo, until), ent_user, "material", step_id,
                         self.pick(MATERIAL_NAMES))
        for _ in range(self.ri(0, 4)):
            w, roll = self.ri(lo, until), self.rand()
            if roll < 0.45 or not self.assigned or w < self.assign_w:
                body, author, internal = self.pick(ENT_MESSAGES), ent_user, False
            elif roll < 0.9:
                body, author, internal = self.pick(AGENT_MESSAGES), self.agent_at(w), False
            else:
                body, author, internal = self.pick(NOTES), self.agent_at(w), True
            self.ev(w, author, "note" if internal else "message", "case", self.case_id,
                    comment=body, internal=internal, extra=("msg", body, internal))
        if self.case_status == "completed" and self.rand() < 0.7:
            self._evaluation(self.done_w + self.ri(1, 10))

    def _evaluation(self, w):
        rng = self.rng
        if w > self.world.cut:
            return
        grade, _, score = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        poor = grade in GRADE_LABELS
        comment = self.pick(POOR_COMMENTS if poor else COMMENTS_AT_EVAL)
        scores = tuple(max(1, min(5, score + self.pick((-1, 0, 0, 1)))) for _ in range(3))
        evaluation_id = self.out.next_id("evaluations")
        self.ev(w, self.ent.user_id, "evaluate", "evaluation", evaluation_id, "", grade, comment,
                extra=("eval", evaluation_id, grade, scores, comment))
        if not poor:
            return
        rect_id, due = self.out.next_id("rectifications"), self.world.cal.text(w + RECTIFY_WORKDAYS)
        opened = self.ev(w, self.ent.user_id, "rectification_open", "rectification", rect_id, "",
                         "open", f"{GRADE_LABELS[grade]}；整改期限 {due}")
        answer_w = w + self.ri(3, 14)
        answered = answer_w <= self.world.cut
        response = "已与企业沟通，说明了审批部门补正要求，并加强了事前告知。"
        responded = self.ev(answer_w, self.manager[0], "rectification_respond", "rectification",
                            rect_id, "open", "answered", f"已解释说明：{response}") if answered else None
        opened[EXTRA] = ("rect", rect_id, evaluation_id, due, responded, response)

    # --- the audit chain -----------------------------------------------------------------

    def _write_events(self):
        """Order the events, give them times (office hours, Beijing), chain their hashes and
        add the rows they carry (messages, documents, notifications, evaluations)."""
        world, out = self.world, self.out
        text, hms, suffix = world.cal.text, world.hms, world.suffix
        audit = out.rows.setdefault("audit_events", [])
        case_id, center_id, ent_id = self.case_id, self.center.id, self.ent.id
        prev, day, k, base = "", None, 0, 3600 + self.ri(0, 7200)
        rand, sha256, next_id = self.rand, hashlib.sha256, out.ids["audit_events"]
        for e in sorted(self.events, key=_by_time):
            w, _, actor, action, otype, oid, frm, to, comment, internal, _, _ = e
            if w != day:
                day, k, day_text = w, 0, text(w)
            else:
                k += 1
            clock_time = hms[base + k * 420 + int(rand() * 400)]
            digest = sha256((CANONICAL % (
                JS[action], actor, day_text, clock_time, case_id, center_id,
                JS.get(comment) or js(comment), ent_id, JS[frm], JSON_BOOL[internal], oid,
                JS[otype], prev, JS[to])).encode()).hexdigest()
            e[TS] = stamp = f"{day_text} {clock_time}.000000{suffix}"
            next_id += 1
            audit.append((next_id, stamp, actor, center_id, case_id, ent_id, otype, oid, action,
                          frm, to, comment, internal, prev or None, digest))
            prev = digest
        out.ids["audit_events"] = next_id
        self.last_stamp = stamp
        for e in self.events:
            if e[EXTRA] is not None:
                self._extra(e)
