"""One case's life for `flask seed-scale`, as rows ready for a bulk insert.

A case is submitted on a working day of the last three years and lives through the same
moves as in the app (workflow.py): accept or decline, assign, the agreement signed and
sealed, each step started, filed, maybe returned for 补正 and refiled, then approved, refused
or skipped; some cases are suspended and resumed, some end early (withdrawn or terminated).
Everything that happened before today is written; the case's status is the one it has now.
Due dates, allotted working days and yellow_on are computed as deadlines.py does, through
the precomputed calendar (workday indices: wd[w + n] is add_workdays(wd[w], n)), from the
filing rounds and the suspension period written with them (step_rounds, case_suspensions,
cases.started_on / promised_workdays), so deadlines.due_of and promised_of agree.

Each audit event is hash-chained per case exactly as audit_chain.py does: the canonical
JSON is written by one format string (its keys are sorted and fixed), so `flask audit
verify` passes. Rows are tuples in the column order of writer.COLUMNS.
"""
from proxy_service.seed.scale.case_events import StoryEvents, W
from proxy_service.seed.scale.case_rows import StoryRows
from proxy_service.seed.scale.texts import DECLINE_REASONS, END_REASONS, SUSPEND_REASONS


class Story(StoryEvents, StoryRows):
    """One case: `plan()` lays out its whole life in workday indices, `write()` adds the rows
    of what happened up to the cut (the last working day before today) to `out`."""

    def __init__(self, out, submitted_w, enterprise, center):
        self.out, self.world, self.rng = out, out.world, out.rng
        self.ri, self.pick, self.rand = out.ri, out.pick, out.rand
        self.ent, self.center, self.s = enterprise, center, submitted_w
        self.events = []
        self.assigned = False
        self.step_ids, self.agreement_id, self.agreement_state = [], None, None
        self.promised_on = self.suspended_on = None
        self.reason = ""
        self.e_close = self.e_accept = self.e_started = self.e_suspend = self.e_resume = None
        self.pause = None    # (suspended at, working days) once the case resumed

    # --- the plan -------------------------------------------------------------------------

    def plan(self, force=None):
        """`force` ("submitted", "accepted", "signing", "suspended") pins the status the case
        has today, so that a small run has them all; the submission day must suit it."""
        cut = self.world.cut
        self.itemset = self.pick(self.center.itemsets)
        fate = 0.5 if force else self.rand()
        self.declined = fate < 0.04
        self.accept_w = self.s + self.pick((0, 1, 1, 2, 3))
        self.assign_w = self.accept_w + (0 if self.rand() < 0.85 else self.ri(1, 3))
        self.ent_sign_w = self.assign_w + self.ri(0, 4)
        self.seal_w = self.ent_sign_w + self.ri(0, 2)
        if force == "submitted":
            self.accept_w = self.assign_w = self.ent_sign_w = self.seal_w = cut + 1
        elif force == "accepted":
            self.accept_w = min(self.accept_w, cut)
            self.assign_w = self.ent_sign_w = self.seal_w = cut + 1
        elif force == "signing":
            self.accept_w, self.assign_w = min(self.accept_w, cut), min(self.assign_w, cut)
            self.ent_sign_w, self.seal_w = min(self.ent_sign_w, cut + 1), cut + 1
        self.agent = self.pick(self.center.agents)
        self.manager = self.pick(self.center.managers)
        self.steps = [] if self.declined else self._plan_steps(self.seal_w)
        self.done_w = max((st["end"] for st in self.steps), default=self.seal_w)
        self.end_w = self.suspend_w = None
        if force == "suspended" and self.seal_w < cut < self.done_w - 1:
            self.suspend_w = self.ri(max(self.seal_w + 1, cut - 20), cut)
            self.resume_shift = cut - self.suspend_w + self.ri(1, 30)
            self._shift_after_suspension()
        elif force:
            pass
        elif 0.04 <= fate < 0.11:
            self.end_w = self.ri(self.s, self.done_w)
        elif fate < 0.15 and self.done_w - self.seal_w > 2:
            self.suspend_w = self.ri(self.seal_w + 1, self.done_w - 1)
            self.resume_shift = self.ri(5, 40)
            self._shift_after_suspension()
        self.reassign_w = self.planned_reassign = self.new_agent = None   # set once it happens
        if self.rand() < 0.03:
            self.planned_reassign = self.seal_w + self.ri(1, 20)
            self.new_agent = self.pick([a for a in self.center.agents if a != self.agent])

    def _plan_steps(self, begin):
        cal, start = self.world.cal, begin
        steps, decided = [], {}
        for k, item in enumerate(self.itemset.order):
            # Items run side by side, a few started each day, each after its prerequisites.
            begin = max(start + self.ri(0, 3) + k // 2,
                        max((decided[p] for p in item.prerequisites if p in decided), default=0))
            st = {"item": item, "start": begin, "outcome": "approved", "sub": None, "ret": None}
            roll = self.rand()
            if roll < 0.09:
                st["outcome"], st["end"] = "not_required", begin + self.ri(1, 3)
                st["started"] = roll < 0.045
            else:
                sub = begin + self.ri(1, 4)
                due = cal.index_after_days(sub, item.limit) if item.calendar_days else sub + item.limit
                st["sub"] = sub
                last, left = sub, due - sub
                if roll > 0.88 and left > 1:
                    ret = sub + self.ri(1, left - 1)
                    st.update(ret=ret, resub=ret + self.ri(2, 8))
                    last, left = st["resub"], max(1, due - ret)
                # Departments mostly decide within the promised limit; one in ten is late.
                pace = 0.2 + 0.7 * self.rand() if self.rand() > 0.1 else 1.05 + 0.6 * self.rand()
                st["end"] = last + max(1, round(left * pace))
                if self.rand() < 0.03:
                    st["outcome"] = "refused"
            decided[item.id] = st["end"]
            steps.append(st)
        return steps

    def _shift_after_suspension(self):
        """Resumed `resume_shift` working days later: later moves happen that much later (the
        clocks running at the suspension move once it ended: StoryEvents._due)."""
        x, r = self.suspend_w, self.resume_shift
        for st in self.steps:
            for key in ("start", "sub", "ret", "resub", "end"):
                if st.get(key) is not None and st[key] > x:
                    st[key] += r
        self.done_w = max(st["end"] for st in self.steps)

    # --- what happened up to the cut --------------------------------------------------------

    def ev(self, w, actor, action, otype, oid, frm="", to="", comment="", internal=False,
           extra=None):
        event = [w, len(self.events), actor, action, otype, oid, frm, to, comment, internal,
                 extra, None]
        self.events.append(event)
        return event

    def write(self):
        out = self.out
        self.case_id, self.project_id = out.next_id("cases"), out.next_id("projects")
        self.number = self.world.case_number(self.center, self.s)
        self._project()
        x = self.world.cut
        ended = self.end_w is not None and self.end_w <= x
        if ended:
            x = self.end_w
        self.e_submit = self.ev(self.s, self.ent.user_id, "submit_case", "case", self.case_id,
                                "", "submitted")
        status = "submitted"
        if self.accept_w <= x:
            status = self._declined() if self.declined else self._accepted(x)
        if ended and status not in ("declined", "completed"):
            status = self._ended(status)
        self.case_status = status
        if self.steps and self.e_accept is not None:
            self._side_events(self.e_close[W] if self.e_close else x)
        self._write_events()
        self._write_rows()

    def _declined(self):
        self.reason = self.pick(DECLINE_REASONS)
        self.e_close = self.ev(self.accept_w, self.manager[0], "decline", "case", self.case_id,
                               "submitted", "declined", self.reason)
        return "declined"

    def _ended(self, status):
        self.reason = self.pick(END_REASONS)
        by_enterprise = self.rand() < 0.5
        actor = self.ent.user_id if by_enterprise else self.manager[0]
        self.e_close = self.ev(self.end_w, actor, "withdraw" if by_enterprise else "terminate",
                               "case", self.case_id, status, "terminated", self.reason)
        if self.agreement_state in ("awaiting_enterprise", "awaiting_center"):
            self.agreement_state = "void"
            self.ev(self.end_w, actor, "agreement_void", "agreement", self.agreement_id,
                    comment=f"{self.agreement_no}：{self.reason}")
        return "terminated"

    def _accepted(self, x):
        """Accepted on accept_w: the status the case has at workday x."""
        m = self.manager[0]
        self.e_accept = self.ev(self.accept_w, m, "accept", "case", self.case_id, "submitted",
                                "accepted", extra="notify")
        self.step_ids = [self.out.next_id("steps") for _ in self.steps]
        if self.assign_w > x:
            return "accepted"
        self.assigned = True
        self.e_assign = self.ev(self.assign_w, m, "assign", "case", self.case_id, "accepted",
                                "signing", self.agent[1], extra="notify")
        self.agreement_id = self.out.next_id("agreements")
        self.agreement_no = self.world.agreement_number(self.center, self.assign_w)
        self.e_generate = self.ev(self.assign_w, m, "agreement_generate", "agreement",
                                  self.agreement_id, comment=self.agreement_no)
        self.agreement_state = "awaiting_enterprise"
        if self.ent_sign_w > x:
            return "signing"
        self.e_ent_sign = self.ev(self.ent_sign_w, self.ent.user_id, "agreement_sign", "agreement",
                                  self.agreement_id, comment=f"{self.agreement_no} 企业方签署："
                                  f"{self.ent.legal}（法定代表人）")
        self.agreement_state = "awaiting_center"
        if self.seal_w > x:
            return "signing"
        self.e_center_sign = self.ev(self.seal_w, m, "agreement_sign", "agreement",
                                     self.agreement_id, comment=f"{self.agreement_no} 服务中心签署："
                                     f"{self.manager[1]}（主任）")
        self.e_seal = self.ev(self.seal_w, m, "agreement_seal", "agreement", self.agreement_id,
                              comment=self.agreement_no)
        self.e_started = self.ev(self.seal_w, m, "seal", "case", self.case_id, "signing",
                                 "in_progress")
        self.agreement_state = "sealed"
        return self._in_progress(x)

    def _in_progress(self, x):
        promised, status, m = self.seal_w + self.itemset.limit, "in_progress", self.manager[0]
        if self.planned_reassign is not None and self.planned_reassign <= min(x, self.done_w - 1):
            self.reassign_w = self.planned_reassign
            self.e_reassign = self.ev(self.reassign_w, m, "reassign", "case", self.case_id,
                                      "in_progress", "in_progress",
                                      f"{self.agent[1]} → {self.new_agent[1]}：工作调整")
        suspended = self.suspend_w is not None and self.suspend_w <= x
        resumed = suspended and self.suspend_w + self.resume_shift <= x
        if suspended and not resumed:
            status, x = "suspended", self.suspend_w
            self.suspended_on = self.world.cal.text(self.suspend_w)
        if resumed:
            self.pause = (self.suspend_w, self.resume_shift)
        self.step_state = [self._step_at(st, sid, x) for st, sid in zip(self.steps, self.step_ids, strict=True)]
        if suspended:   # after the steps: the same day's step moves came before it
            self.reason = self.pick(SUSPEND_REASONS)
            self.e_suspend = self.ev(self.suspend_w, m, "suspend", "case", self.case_id,
                                     "in_progress", "suspended", self.reason)
        if resumed:
            self.e_resume = self.ev(self.suspend_w + self.resume_shift, m, "resume", "case",
                                    self.case_id, "suspended", "in_progress")
            promised += self.resume_shift
        self.promised_on = self.world.cal.text(promised)
        if status == "in_progress" and self.done_w <= x:
            self.e_close = self.ev(self.done_w, self.agent_at(self.done_w), "complete", "case",
                                   self.case_id, "in_progress", "completed", extra="notify")
            status = "completed"
        return status

    def agent_at(self, w):
        if self.reassign_w is not None and w >= self.reassign_w:
            return self.new_agent[0]
        return self.agent[0]

    def _project(self):
        ent, world = self.ent, self.world
        self.project_name = name = f"{ent.brand}{self.pick(world.products)}"
        created = self.s - self.ri(1, 10)
        code = ""
        if self.rand() < 0.8:
            code = (f"{world.cal.text(created)[2:4]}{world.cal.text(created)[5:7]}-"
                    f"{self.center.region}-89-01-{self.project_id % 1_000_000:06d}")
        template = self.itemset.template_name
        self.out.add("projects", (
            self.project_id, ent.id, self.center.id, name, code, self.pick(world.industry_ids),
            f"{self.ri(500, 200_000)}.0000", f"{self.ri(5, 500)}.00",
            f"{self.center.zone}{self.pick(world.locations)}",
            f"新建{name}，包括生产车间、仓储及配套用房。", world.cal.text(created + 60),
            1 if template == "标准地项目" else 0,
            "approval" if template == "核准类项目" else "record",
            f"{world.cal.text(created)} 02:00:00.000000{world.suffix}", 1))
