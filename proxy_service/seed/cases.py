"""The demo cases, one story each, played through the workflow by demo.Builder."""
from proxy_service import workflow
from proxy_service.seed.agreements import showcase_supplement, sign_on_paper, sign_online

# --- the cases, one story each -------------------------------------------------
# Moves are (working days ago, item name, action[, details]); "{y}" becomes the year.

def completed_case(b):
    """ent1's first project: every step approved or not required, so the case completed."""
    case = b.submit("equipment", 62, ["项目备案", "建设用地规划许可证", "建设工程规划许可证",
                                      "消防设计审查", "人防工程设计审查", "施工许可证"],
                    "一期厂房计划两个月内开工，委托全程代办。", template="备案类工业项目")
    b.accept(case, 61, "manager", "agent3", "已一次性告知各事项所需材料及承诺时限。")
    sign_online(b, case, 61)
    b.run(case, "agent3", [
        (60, "项目备案", "start"), (60, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0158"}),
        (59, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕58号"}),
        (58, "建设用地规划许可证", "start"),
        (57, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0231号"}),
        (53, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00042号"}),
        (52, "人防工程设计审查", "skip",
         {"not_required_reason": "单层工业厂房，不属于应修建防空地下室的民用建筑。"}),
        (52, "建设工程规划许可证", "start"),
        (51, "建设工程规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0266号"}),
        (47, "建设工程规划许可证", "approve", {"permit_no": "建字第140700{y}00057号"}),
        (50, "消防设计审查", "start"),
        (48, "消防设计审查", "submit", {"acceptance_no": "晋开消审受〔{y}〕036号"}),
        (40, "消防设计审查", "approve", {"permit_no": "晋开住建消审字〔{y}〕第0036号"}),
        (39, "施工许可证", "start"), (38, "施工许可证", "submit", {"acceptance_no": "施许受〔{y}〕0412号"}),
        (36, "施工许可证", "approve", {"permit_no": "140700{y}08120101"})])
    b.step_pdf(case, 36, "施工许可证", "permit", "建筑工程施工许可证（演示）",
               ["建设单位：山西绿碳环保科技有限公司", "建设规模：厂房2栋、办公楼1栋"], "agent3")
    b.message(case, 36, "agent3", "全部事项已办结，证照原件已交企业，请对本次代办服务进行评价。", hour=17)
    b.message(case, 35, "ent1", "施工许可证已收到，感谢代办团队的高效服务！")
    b.completed = case   # rated in demo_quality.quality_story


def withdrawn_case(b):
    """ent2 withdraws an in-progress case: terminated by the enterprise."""
    case = b.submit("glass", 45, ["项目备案", "建设用地规划许可证", "环境影响评价（报告表）"],
                    "请协助办理前期手续。")
    b.accept(case, 44, "manager", "agent3")
    sign_online(b, case, 44, drawn=False)
    b.run(case, "agent3", [
        (43, "项目备案", "start"), (43, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0247"}),
        (42, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕97号"}),
        (40, "建设用地规划许可证", "start")])
    b.travel(30, 14)
    workflow.withdraw_case(case, b.users["ent2"], "公司调整投资计划，该项目暂缓实施，申请撤回代办委托。")


def showcase_case(b):
    """ent1's 尚风绿谷 park: agent2 starts it, then the manager re-assigns it to agent1."""
    case = b.submit("park", 40, ["项目备案", "建设用地规划许可证", "不动产权证", "节能审查",
                                 "水土保持方案审批", "环境影响评价（报告表）", "防雷装置设计审核",
                                 "建设工程规划许可证", "消防设计审查", "施工许可证", "供电接入"],
                    "项目已摘牌取得标准地并签订出让合同，计划年内开工，恳请中心全程代办。",
                    template="标准地项目")
    b.message(case, 40, "ent1", "我是项目联系人李明，手机13935412266，材料可随时到中心对接。")
    b.accept(case, 39, "manager", "agent2", "已一次性告知：标准地项目按承诺制办理节能审查、水土保持方案。")
    sign_online(b, case, 39, seal=True)
    b.message(case, 39, "manager", "企业已签订出让合同，节能、水保走承诺制。先由陈静对接。", internal=True)
    b.run(case, "agent2", [
        (38, "项目备案", "start"), (38, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0311"}),
        (37, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕131号"}),
        (36, "建设用地规划许可证", "start")])
    b.step_pdf(case, 37, "项目备案", "permit", "企业投资项目备案证明（演示）",
               [f"项目代码：{case.project.code}", "备案机关：开发区行政审批局"], "agent2")
    b.travel(33, 9)
    workflow.assign_agent(case, b.users["manager"], b.users["agent1"],
                          reason="陈静抽调新能源汽车专班，工作量饱和，改由刘晓东负责。")
    b.message(case, 33, "agent1", "李经理您好，我是代办员刘晓东，即日起由我负责本项目后续事项。")
    showcase_after_reassignment(b, case)
    showcase_supplement(b, case, 5)


def showcase_after_reassignment(b, case):
    """Leaves steps approved (two by commitment), not required, returned, preparing and
    pending, and three submitted ones whose lights are red, yellow and green whatever day
    the demo is loaded: due dates count from today (供电接入 3 working days overdue,
    不动产权证 due on the next working day, 建设工程规划许可证 3 working days left).
    Messages go both ways, with internal notes."""
    b.run(case, "agent1", [
        (32, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0418号"}),
        (28, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00089号"}),
        (31, "节能审查", "start"), (30, "节能审查", "submit", {"acceptance_no": "能审承〔{y}〕015号"}),
        (29, "节能审查", "approve", {"permit_no": "晋开审能承〔{y}〕15号", "by_commitment": True}),
        (30, "水土保持方案审批", "start"),
        (29, "水土保持方案审批", "submit", {"acceptance_no": "水保承〔{y}〕009号"}),
        (28, "水土保持方案审批", "approve", {"permit_no": "晋开水保承〔{y}〕9号", "by_commitment": True}),
        (27, "防雷装置设计审核", "skip",
         {"not_required_reason": "园区已完成雷电灾害风险区域评估，本项目适用评估结论，免于单独审核。"}),
        (26, "不动产权证", "start"), (4, "不动产权证", "submit", {"acceptance_no": "不动产受〔{y}〕第0718号"}),
        (25, "环境影响评价（报告表）", "start"),
        (20, "环境影响评价（报告表）", "submit", {"acceptance_no": "晋开环审受〔{y}〕0097号"}),
        (14, "环境影响评价（报告表）", "return", {"correction_request": (
            "1. 补充VOCs收集处理工艺说明及去除效率依据；\n2. 补充厂区雨污分流及初期雨水收集池平面图；\n"
            "3. 第四章污染物排放量核算表加盖编制单位公章。")}),
        (10, "建设工程规划许可证", "start"),
        (2, "建设工程规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0502号"}),
        (1, "消防设计审查", "start"),
        (16, "供电接入", "start"),
        (13, "供电接入", "submit", {"acceptance_no": "供电申请编号1407{y}0603118"})])
    b.step_pdf(case, 28, "建设用地规划许可证", "permit", "建设用地规划许可证（演示）",
               ["用地面积：320亩", "用地性质：工业用地"], "agent1")
    b.message(case, 28, "agent1", "建设用地规划许可证已核发，原件下周一送到公司。", step="建设用地规划许可证")
    b.message(case, 14, "agent1", "生态环境局要求补正三项内容（见事项说明），请于5个工作日内提交。",
              step="环境影响评价（报告表）")
    b.message(case, 13, "ent1", "收到，已联系环评编制单位修改，预计本周五前提交补正材料。")
    b.step_pdf(case, 11, "环境影响评价（报告表）", "correction", "环评报告表补正说明（演示）",
               ["补正内容：VOCs处理工艺说明、雨污分流平面图、核算表盖章页"], "ent1")
    b.message(case, 9, "agent1", "设计院要求调整厂区出入口，建设工程规划许可证预计推迟一周报送。",
              internal=True)
    b.message(case, 3, "agent1", "不动产登记中心反馈契税凭证已核验，预计下周出证。", internal=True)


def suspended_case(b):
    """ent2's cell factory: 环评 refused, the case suspended while the process is redesigned."""
    case = b.submit("cells", 35, ["项目备案", "环境影响评价（报告书）", "节能审查", "建设用地规划许可证",
                                  "建设工程规划许可证", "消防设计审查", "施工许可证"],
                    "电池项目，请协助办理环评等前期手续。")
    b.accept(case, 34, "manager", "agent2")
    sign_on_paper(b, case, 34)
    b.run(case, "agent2", [
        (33, "项目备案", "start"), (33, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0288"}),
        (32, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕119号"}),
        (31, "环境影响评价（报告书）", "start"),
        (30, "环境影响评价（报告书）", "submit", {"acceptance_no": "晋开环审受〔{y}〕0081号"}),
        (9, "环境影响评价（报告书）", "refuse", {
            "refusal_reason": "主要污染物排放总量指标来源未落实，含氟废水处理工艺不能确保稳定达标排放。",
            "refusal_decision_no": "晋开环审不予〔{y}〕3号"}),
        (29, "节能审查", "start"), (28, "建设用地规划许可证", "start"),
        (27, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0377号"}),
        (22, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00074号"})])
    b.step_pdf(case, 9, "环境影响评价（报告书）", "other", "不予行政许可决定书（演示）",
               ["决定：不予批准该项目环境影响报告书"], "agent2")
    b.message(case, 9, "agent2", "环评审批未通过，决定书已上传，建议尽快与环评单位商议工艺调整方案。")
    b.message(case, 8, "ent2", "同意中止办理，待新的环境影响报告书编制完成后申请恢复。", hour=11)
    b.travel(8, 16)
    workflow.suspend_case(case, b.users["manager"],
                          "环评不予许可，企业调整生产工艺并重新编制环境影响报告书，经双方协商中止办理。")


def declined_case(b):
    case = b.submit("frames", 25, ["项目备案", "建设用地规划许可证"], "配套光伏电池项目的边框生产线。")
    b.travel(24, 11)
    workflow.decline_case(case, b.users["manager"], "项目用地尚未落实，且铝棒熔铸环节不符合汇通产业园区"
                                                    "产业准入条件。请落实用地并调整建设方案后重新申请。")


def second_center_case(b):
    """ent2's warehouse in the 阳曲 zone: the second center's own case, agent and numbering;
    suspended for three working days while the enterprise changed its registered name."""
    case = b.submit("warehouse", 20, ["项目备案", "建设用地规划许可证", "建设工程规划许可证",
                                      "消防设计审查", "施工许可证", "供电接入"], "仓储物流中心，请全程代办。")
    b.accept(case, 19, "manager2", "agent4")
    sign_online(b, case, 19, drawn=False)
    b.run(case, "agent4", [
        (18, "项目备案", "start"), (18, "项目备案", "submit", {"acceptance_no": "YQCYY-BA-{y}-0036"}),
        (17, "项目备案", "approve", {"permit_no": "阳审备〔{y}〕21号"}),
        (16, "建设用地规划许可证", "start"),
        (15, "建设用地规划许可证", "submit", {"acceptance_no": "阳规受〔{y}〕0052号"})])
    b.travel(14, 15)
    workflow.suspend_case(case, b.users["manager2"], "企业办理名称变更登记，经双方协商暂停办理。")
    b.travel(11, 9)
    workflow.resume_case(case, b.users["manager2"], "企业名称变更登记已完成，恢复办理。")
    b.run(case, "agent4", [(10, "消防设计审查", "start")])


def waiting_cases(b):
    """The manager's queue: one accepted without an agent, two requests (one unverified)."""
    case = b.submit("operations", 3, ["项目备案", "供电接入", "通信接入"],
                    "运维中心装修后入驻，需办理接电接网。")
    b.accept(case, 2, "manager", comment="已一次性告知：需提供备案信息表、营业执照及租赁或用地协议。")
    b.submit("pharma", 2, ["项目备案", "环境影响评价（报告书）", "节能审查", "建设用地规划许可证",
                           "建设工程规划许可证", "施工许可证"], "生物医药产业化基地，恳请中心全程代办。")
    b.submit("recycling", 1, ["项目备案", "建设用地规划许可证", "节能审查", "环境影响评价（报告表）",
                              "建设工程规划许可证", "施工许可证"], "固废资源化示范线，申请代办前期手续。",
             template="备案类工业项目")
