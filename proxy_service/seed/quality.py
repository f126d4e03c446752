"""The demo's service quality (seed-demo): small completed cases rated with every grade, one
answered and one open rectification, and agents' absences with a substitute — through the
services, with the demo clock frozen at plausible office hours."""
from datetime import timedelta

from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import Evaluation, Grade, Outcome
from proxy_service.seed.agreements import sign_online
from proxy_service.workflow import assignment
from proxy_service.workflow import quality as evaluations

# key: (owner, center index, name, industry, 万元, 亩, location, content, 标准地, code serial)
QUICK_PROJECTS = {
    "lab": ("ent2", 0, "光伏组件检测实验室改造项目", "光伏电池及其组件", "1800", "0", "晋中开发区潇河产业园区",
            "利用现有厂房改造建设组件可靠性检测实验室，购置环境试验箱、EL检测仪等设备42台（套）。",
            False, 198204),
    "dorm": ("ent2", 0, "华晟员工公寓配套项目", "现代服务业", "6200", "15", "晋中开发区潇河产业园区",
             "新建员工公寓2栋及食堂，总建筑面积约2.1万平方米。", False, 199532),
    "hazardous": ("ent1", 0, "绿碳危废暂存库建设项目", "新材料", "850", "3", "晋中开发区汇通产业园区",
                  "新建危险废物暂存库1座及配套防渗、导流设施。", False, 201877),
    "refit": ("ent1", 0, "绿碳环保研发中心装修改造项目", "新材料", "1200", "0", "晋中开发区汇通产业园区",
              "对研发中心办公楼进行装修改造，完善实验室通风及消防设施。", False, 203215),
}
# project: (agent, working days ago it was submitted, items handled in a few days)
QUICK_CASES = {
    "refit": ("agent1", 58, ["项目备案", "消防设计审查"]),
    "lab": ("agent2", 50, ["项目备案", "供电接入"]),
    "dorm": ("agent3", 42, ["项目备案"]),
    "hazardous": ("agent2", 16, ["项目备案"]),
}
# The dorm's 项目备案 came back for 补正 twice before it was approved (its rating says so).
QUICK_MOVES = {"dorm": [
    (40, "项目备案", "start"), (40, "项目备案", "submit", {"acceptance_no": "受〔{y}〕040号"}),
    (40, "项目备案", "return", {"correction_request": "备案信息表中建设规模与用地协议不一致，请核对后重新填报。"}),
    (38, "项目备案", "submit"),
    (37, "项目备案", "return", {"correction_request": "请补充员工公寓总平面布置图及食堂建设内容说明。"}),
    (35, "项目备案", "submit"), (35, "项目备案", "approve", {"permit_no": "晋开审〔{y}〕420号"})]}
# (project or "equipment", working days ago, grade, 效率, 态度, 专业, comment)
RATINGS = (
    ("equipment", 34, Grade.VERY_SATISFIED, 5, 5, 5, "代办员赵磊全程跟进，施工许可证比预期提前两周拿到，非常感谢！"),
    ("refit", 52, Grade.SATISFIED, 4, 5, 4, "办理顺利，消防审查材料一次通过。"),
    ("lab", 44, Grade.BASIC, 3, 4, 3, "供电接入等待时间较长，希望加强与供电公司的协调。"),
    ("dorm", 33, Grade.DISSATISFIED, 2, 3, 3, "备案材料被退回两次，每次只告知一部分问题，耽误了一周。"),
    ("hazardous", 3, Grade.VERY_DISSATISFIED, 1, 2, 2, "办结前后多次联系代办员未果，证照原件至今未送达。"),
)


def quick_projects(b):
    for key, row in QUICK_PROJECTS.items():
        b.project(key, *row)
    b.quick = {}


def quick_case(key):
    """The script of one small case, completed within a few days (run in submission order)."""
    def script(b):
        agent, days_ago, names = QUICK_CASES[key]
        case = b.submit(key, days_ago, names, "事项较少，请协助尽快办理。")
        b.accept(case, days_ago - 1, "manager", agent, "已一次性告知所需材料及承诺时限。")
        sign_online(b, case, days_ago - 1, drawn=False)
        moves = list(QUICK_MOVES.get(key, ()))
        for offset, name in enumerate(names if not moves else ()):
            day = days_ago - 2 - offset
            moves += [(day, name, "start"),
                      (day, name, "submit", {"acceptance_no": f"受〔{{y}}〕{day:03d}号"}),
                      (day - 2, name, "approve", {"permit_no": f"晋开审〔{{y}}〕{days_ago}{offset}号"})]
        b.run(case, agent, moves)
        b.quick[key] = case
    return script


def quality_story(b):
    """Ratings of every grade, the answered and the open rectification, and absences."""
    cases = {**b.quick, "equipment": b.completed}
    for key, days_ago, grade, efficiency, attitude, expertise, comment in RATINGS:
        case = cases[key]
        b.travel(days_ago, 16)
        owner = next(user for user in case.enterprise.users if user.is_enterprise)
        evaluations.rate(case, owner, grade=grade, efficiency=efficiency, attitude=attitude,
                         expertise=expertise, comment=comment)
    b.travel(30, 11)
    dorm = cases["dorm"]
    rectification = _rectification(dorm)
    evaluations.respond(rectification, b.users["manager"], outcome=Outcome.RECTIFIED, response=(
        "已核实：首次退回时未一次性告知全部补正内容。已对代办员赵磊进行提醒，并在备案事项办理指南中"
        "补充常见退回原因清单；今后退回补正须一次性列明全部问题。"))
    absences(b)


def _rectification(case):
    return db.session.scalar(select(Evaluation).where(Evaluation.case_id == case.id)).rectification


def absences(b):
    """陈静 on leave since yesterday for a week, 赵磊 standing in; 刘晓东's leave next month."""
    b.travel(2, 9)
    today = b.today
    leave = assignment.record_absence(b.users["agent2"], b.users["agent2"],
                                      start_on=today - timedelta(days=1),
                                      end_on=today + timedelta(days=5), reason="年休假")
    b.travel(2, 10)
    assignment.set_substitute(leave, b.users["manager"], b.users["agent3"])
    b.travel(1, 15)
    assignment.record_absence(b.users["agent1"], b.users["agent1"],
                              start_on=today + timedelta(days=20),
                              end_on=today + timedelta(days=24), reason="参加省代办业务培训")
