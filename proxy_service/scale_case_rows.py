"""The rows of one `flask seed-scale` case: its steps as of the cut, the side events
(uploads, messages, the evaluation), the hash-chained audit events and every table row.

Values are what the database stores (SQLite's text dates and timestamps; PostgreSQL reads the
same text through COPY), so no per-value conversion runs at insert time.
"""
import hashlib
from json.encoder import encode_basestring as js
from operator import itemgetter

from .scale_texts import (AGENT_MESSAGES, COMMENTS_AT_EVAL, CORRECTIONS, ENT_MESSAGES, GRADES,
                          GRADE_LABELS, MATERIAL_NAMES, NOTES, NOTIFY_TEXTS, POOR_COMMENTS,
                          REFUSALS, SKIP_REASONS)

W, SEQ, ACTOR, ACTION, OTYPE, OID, FROM, TO, COMMENT, INTERNAL, EXTRA, TS = range(12)
# audit_chain.canonical(), keys sorted, for one event: the format does json.dumps' work.
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


class Batch:
    """Rows of many cases, per table, until `take()` hands them to the writer."""

    def __init__(self, world, ids, rng):
        self.world, self.ids, self.rng = world, ids, rng
        self.rows = {}
        # random.randint and choice cost a microsecond each; these are a fifth of that.
        rand = self.rand = rng.random
        self.ri = lambda low, high: low + int(rand() * (high - low + 1))
        self.pick = lambda seq: seq[int(rand() * len(seq))]

    def take(self):
        rows, self.rows = self.rows, {}
        return rows

    def add(self, table, row):
        rows = self.rows.get(table)
        if rows is None:
            rows = self.rows[table] = []
        rows.append(row)

    def next_id(self, table):
        self.ids[table] += 1
        return self.ids[table]


class StoryRows:
    """Mixed into scale_cases.Story: everything after the plan."""

    # --- steps ----------------------------------------------------------------------------

    def _step_at(self, st, sid, x):
        """The step's row fields at workday x, after adding its events up to x."""
        item, text = st["item"], self.world.cal.text
        status, last = "pending", None
        acceptance = submitted_on = approved_on = permit = correction = ""
        refusal = decision_no = skip_reason = ""
        due = remaining = allotted = None
        if st["start"] <= x and (st["outcome"] != "not_required" or st["started"]):
            last = self.ev(st["start"], self.agent_at(st["start"]), "start", "step", sid,
                           "pending", "preparing")
            status = "preparing"
        if st["outcome"] == "not_required":
            if st["end"] <= x:
                skip_reason = self.pick(SKIP_REASONS)
                last = self.ev(st["end"], self.agent_at(st["end"]), "skip", "step", sid, status,
                               "not_required")
                status = "not_required"
        elif st["sub"] <= x:
            year = text(st["sub"])[:4]
            last = self.ev(st["sub"], self.agent_at(st["sub"]), "submit", "step", sid,
                           "preparing", "submitted")
            status, acceptance, submitted_on = "submitted", f"受理〔{year}〕{sid:07d}号", text(st["sub"])
            due, allotted = st["due"], st["allotted"]
            if st["ret"] is not None and st["ret"] <= x:
                correction = self.pick(CORRECTIONS)
                last = self.ev(st["ret"], self.agent_at(st["ret"]), "return", "step", sid,
                               "submitted", "returned", extra=("notify", sid, correction))
                status, due, remaining = "returned", None, st["remaining"]
                if st["resub"] <= x:
                    last = self.ev(st["resub"], self.agent_at(st["resub"]), "submit", "step", sid,
                                   "returned", "submitted")
                    status, due, remaining = "submitted", st["resub"] + remaining, None
                    submitted_on = text(st["resub"])
            if status == "submitted" and st["end"] <= x:
                status = st["outcome"]
                agent = self.agent_at(st["end"])
                if status == "approved":
                    approved_on, permit = text(st["end"]), f"许字〔{year}〕第{sid:07d}号"
                    last = self.ev(st["end"], agent, "approve", "step", sid, "submitted",
                                   "approved", extra=("notify", sid, permit))
                    if self.rand() < 0.3:
                        self._upload(st["end"], agent, "permit", sid, f"{item.name}批文")
                else:
                    refusal, decision_no = self.pick(REFUSALS), f"不予许可〔{year}〕{sid}号"
                    last = self.ev(st["end"], agent, "refuse", "step", sid, "submitted", "refused")
        yellow = None
        if due is not None:
            yellow = text(due - max(self.world.yellow_days, allotted // 5))
        return (status, acceptance, submitted_on or None, approved_on or None, permit,
                status == "approved" and item.commitment, correction, refusal, decision_no,
                skip_reason, None if due is None else text(due), remaining, allotted, yellow,
                last, due)

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
        if self.status == "completed" and self.rand() < 0.7:
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

    # --- the audit chain and the rows -----------------------------------------------------

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

    def _extra(self, e):
        kind, out, case_id = e[EXTRA][0], self.out, self.case_id
        if kind == "msg":
            _, body, internal = e[EXTRA]
            out.add("messages", (out.next_id("messages"), case_id, None, e[ACTOR], body,
                                 1 if internal else 0, e[TS]))
            self._notify_message(e)
        elif kind == "doc":
            _, doc_kind, step_id, uploader, name, (sha, size, content_type, _) = e[EXTRA]
            out.add("documents", (out.next_id("documents"), case_id, step_id, None, uploader,
                                  doc_kind, name, content_type, size, sha, e[TS]))
        elif kind == "notify":
            self._notify(e)
        elif kind == "eval":
            _, evaluation_id, grade, (eff, att, exp), comment = e[EXTRA]
            out.add("evaluations", (evaluation_id, case_id, self.center.id, self.ent.id,
                                    self.agent_at(self.done_w), self.ent.user_id, grade, eff, att,
                                    exp, comment, e[TS], e[TS]))
        elif kind == "rect":
            _, rect_id, evaluation_id, due, responded, response = e[EXTRA]
            answered = responded is not None
            out.add("rectifications", (
                rect_id, evaluation_id, case_id, self.center.id, self.manager[0],
                "answered" if answered else "open", e[TS], due, response if answered else "",
                "explained" if answered else None, responded[TS] if answered else None,
                self.manager[0] if answered else None, "", None, "", None, None, None, 1))

    def _notification(self, user_id, kind, text, url, e):
        out, w = self.out, e[W]
        read = w < self.world.cut - 5 and self.rand() < 0.9
        read_at = f"{self.world.cal.text(w + 1)}{e[TS][10:]}" if read else None
        out.add("notifications", (out.next_id("notifications"), user_id, self.case_id, kind,
                                  text, url, e[TS], read_at))

    def _notify(self, e):
        n, p = self.number, self.project_name
        url = f"/cases/{self.case_id}"
        action = e[ACTION]
        kind, template = NOTIFY_TEXTS[action]
        extra = e[EXTRA]
        if action in ("return", "approve"):
            step = self.steps[self.step_ids.index(extra[1])]
            message = template.format(n=n, s=step["item"].name, c=extra[2])
            self._notification(self.ent.user_id, kind, message, f"{url}#step-{extra[1]}", e)
            return
        message = template.format(n=n, p=p, a=self.agent[1])
        self._notification(self.ent.user_id, kind, message, url, e)
        if action == "assign":
            self._notification(self.agent[0], kind,
                               f"您被指派负责案件 {n}：{self.ent.name}「{p}」。", url, e)
        elif action == "complete":
            self._notification(self.agent_at(e[W]), kind, message, url, e)

    def _notify_message(self, e):
        if e[INTERNAL]:
            return
        author_name = self.ent.contact if e[ACTOR] == self.ent.user_id else self.agent[1]
        target = self.agent_at(e[W]) if e[ACTOR] == self.ent.user_id else self.ent.user_id
        if target is None or (e[ACTOR] == self.ent.user_id and not self.assigned):
            return
        self._notification(target, "message", f"案件 {self.number} 有新留言（{author_name}）："
                           f"{e[COMMENT][:60]}", f"/cases/{self.case_id}", e)

    def _write_rows(self):
        out, c, ent = self.out, self.center, self.ent
        stamp = self.e_submit[TS]
        accepted_at = self.e_accept[TS] if self.e_accept is not None else None
        closed_at = self.e_close[TS] if self.e_close is not None else None
        agent = self.agent_at(self.world.cut) if self.assigned else None
        out.add("cases", (self.case_id, self.number, c.id, ent.id, self.project_id,
                          self.itemset.template_id, agent, self.status, ent.contact, ent.mobile, "",
                          self.itemset.requested, self.reason, stamp, accepted_at, closed_at,
                          self.promised_on, self.suspended_on, self.last_stamp, 1))
        if self.e_accept is None:
            return
        self._step_rows(accepted_at)
        if self.assigned:
            self._agreement_rows()

    def _step_rows(self, accepted_at):
        out, case_id, agreement_id = self.out, self.case_id, self.agreement_id
        states = getattr(self, "step_state", None)
        running = self.status == "in_progress"
        for n, (st, sid) in enumerate(zip(self.steps, self.step_ids)):
            item = st["item"]
            if states is None:
                out.add("steps", (sid, case_id, item.id, item.stage, item.stage_order, item.sort,
                                  "pending", "", None, None, "", 0, "", "", "", "", None, None, None,
                                  None, agreement_id, accepted_at, 1))
                continue
            (status, acceptance, submitted_on, approved_on, permit, commitment, correction, refusal,
             decision_no, skip_reason, due_on, remaining, allotted, yellow, last, due) = states[n]
            out.add("steps", (sid, case_id, item.id, item.stage, item.stage_order, item.sort,
                              status, acceptance, submitted_on, approved_on, permit,
                              1 if commitment else 0, correction, refusal, decision_no, skip_reason,
                              due_on, remaining, allotted, yellow, agreement_id,
                              last[TS] if last is not None else accepted_at, 1))
            if running and status == "submitted":
                self._alerts(sid, due, yellow)

    def _alerts(self, step_id, due, yellow_on):
        """The alerts `flask check-deadlines` would have raised by now, so that its first run
        on the seeded data does not raise thousands at once."""
        world, out = self.world, self.out
        due_on, today = world.cal.text(due), world.today_text
        stamp = f"{world.cal.text(world.cut)} 00:30:00.000000{world.suffix}"
        for level, raised in (("yellow", yellow_on <= today), ("red", due_on < today)):
            if raised:
                out.add("deadline_alerts", (out.next_id("deadline_alerts"), step_id, level,
                                            due_on, stamp))

    def _agreement_rows(self):
        out, world, c = self.out, self.world, self.center
        pdf, pdf_sha, final, final_sha = world.agreement_pdfs[c.id]
        sealed = self.agreement_state == "sealed"
        out.add("agreements", (
            self.agreement_id, self.case_id, "agreement", self.agreement_no,
            world.verification_code(self.rng), c.agreement_template_id, self.agreement_state,
            self.itemset.item_ids, 1, pdf, pdf_sha, final if sealed else None,
            final_sha if sealed else "", 0, None, self.e_generate[TS],
            self.e_seal[TS] if sealed else None,
            self.reason if self.agreement_state == "void" else "", 1))
        if self.agreement_state != "awaiting_enterprise" and hasattr(self, "e_ent_sign"):
            out.add("signatures", (out.next_id("signatures"), self.agreement_id, "enterprise",
                                   self.ent.user_id, self.ent.legal, "法定代表人", "typed", None, None,
                                   self.e_ent_sign[TS], "127.0.0.1", "", pdf_sha, 0))
        if sealed:
            out.add("signatures", (out.next_id("signatures"), self.agreement_id, "center",
                                   self.manager[0], self.manager[1], "主任", "typed", None, None,
                                   self.e_center_sign[TS], "127.0.0.1", "", pdf_sha, 0))
        out.add("assignments", (out.next_id("assignments"), self.case_id, self.agent[0],
                                self.manager[0], "", self.e_assign[TS]))
        if self.reassign_w is not None:
            out.add("assignments", (out.next_id("assignments"), self.case_id, self.new_agent[0],
                                    self.manager[0], "工作调整", self.e_reassign[TS]))
