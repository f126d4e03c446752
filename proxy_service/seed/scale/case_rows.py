"""The rows of one `flask seed-scale` case: the case, its steps, agreement and assignments,
and the rows its events carry (messages, documents, notifications, evaluations).

Values are what the database stores (SQLite's text dates and timestamps; PostgreSQL reads the
same text through COPY), so no per-value conversion runs at insert time.
"""
from proxy_service.seed.scale.case_events import ACTION, ACTOR, COMMENT, EXTRA, INTERNAL, TS, W
from proxy_service.seed.scale.texts import NOTIFY_TEXTS


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
    """Mixed into cases.Story: the table rows, once the events have their times."""

    # --- the rows the events carry --------------------------------------------------------

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

    # --- the case, its steps and agreement ------------------------------------------------

    def _write_rows(self):
        out, c, ent = self.out, self.center, self.ent
        stamp = self.e_submit[TS]
        accepted_at = self.e_accept[TS] if self.e_accept is not None else None
        closed_at = self.e_close[TS] if self.e_close is not None else None
        agent = self.agent_at(self.world.cut) if self.assigned else None
        started_on = promised_workdays = None
        if self.e_started is not None:
            started_on, promised_workdays = self.world.cal.text(self.seal_w), self.itemset.limit
        out.add("cases", (self.case_id, self.number, c.id, ent.id, self.project_id,
                          self.itemset.template_id, agent, self.case_status, ent.contact, ent.mobile, "",
                          self.itemset.requested, self.reason, stamp, accepted_at, closed_at,
                          self.promised_on, self.suspended_on, started_on, promised_workdays,
                          self.last_stamp, 1, self.last_stamp))   # changed_at: its last event
        self._suspension_row()
        if self.e_accept is None:
            return
        self._step_rows(accepted_at)
        if self.assigned:
            self._agreement_rows()

    def _suspension_row(self):
        """The case's suspension period (deadlines.suspend / resume), once it began."""
        if self.e_suspend is None:
            return
        text = self.world.cal.text
        ended = text(self.e_resume[W]) if self.e_resume is not None else None
        self.out.add("case_suspensions", (self.out.next_id("case_suspensions"), self.case_id,
                                          text(self.e_suspend[W]), ended, self.e_suspend[COMMENT],
                                          self.e_suspend[TS]))

    def _step_rows(self, accepted_at):
        out, case_id, agreement_id = self.out, self.case_id, self.agreement_id
        states = getattr(self, "step_state", None)
        running = self.case_status == "in_progress"
        text = self.world.cal.text
        for n, (st, sid) in enumerate(zip(self.steps, self.step_ids, strict=True)):
            item = st["item"]
            if states is None:
                out.add("steps", (sid, case_id, item.id, item.stage, item.stage_order, item.sort,
                                  "pending", "", None, None, "", 0, "", "", "", "", None, None, None,
                                  None, agreement_id, accepted_at, 1))
                continue
            row = states[n]
            status, due, last = row["status"], row["due"], row["last"]
            out.add("steps", (sid, case_id, item.id, item.stage, item.stage_order, item.sort,
                              status, row["acceptance"], row["submitted_on"], row["approved_on"],
                              row["permit"], 1 if status == "approved" and item.commitment else 0,
                              row["correction"], row["refusal"], row["decision_no"],
                              row["skip_reason"], None if due is None else text(due),
                              row["remaining"], row["allotted"], row["yellow"], agreement_id,
                              last[TS] if last is not None else accepted_at, 1))
            self._round_rows(sid, row["rounds"])
            if running and status == "submitted":
                self._alerts(sid, due, row["yellow"])

    def _round_rows(self, step_id, rounds):
        """The step's filing rounds (deadlines.on_submit, on_return, on_decision)."""
        out, text = self.out, self.world.cal.text
        for number, (filed, allotted, unit, _, returned, correction, left, decided, event) \
                in enumerate(rounds, 1):
            out.add("step_rounds", (
                out.next_id("step_rounds"), step_id, number, text(filed), allotted, unit,
                None if returned is None else text(returned), correction, left,
                None if decided is None else text(decided), event[TS]))

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
