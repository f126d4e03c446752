"""The default catalogue a new center starts from: industries, approval items, templates.

Limits follow ../shared/domain-reference.md §3 (statutory limits from the laws where they
exist, otherwise common local practice); they are defaults that managers edit later.
"""
from sqlalchemy import func, select

from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, CaseTemplate, Industry, LimitUnit, Mode, Stage

# The seven clusters of the 晋中开发区 first, then general ones; "其他" always last.
INDUSTRIES = (
    "节能与新能源汽车及其配套", "光伏电池及其组件", "新材料", "高端装备制造", "生物医药及大健康",
    "现代物流", "数字经济与信息技术", "食品加工", "现代服务业", "其他",
)

WD, CD = LimitUnit.WORKDAY, LimitUnit.CALENDAR_DAY
LAND, PLAN, BUILD, DONE, UTIL = (Stage.LAND_PLANNING, Stage.CONSTRUCTION_PERMIT, Stage.BUILDING,
                                 Stage.ACCEPTANCE, Stage.UTILITIES)
LICENCE = "营业执照（副本）"
FILING = "项目备案证明或核准批复"

# (name, stage, department, mode, (statutory, unit), (promised, unit), materials, prerequisites)
# Utility hook-ups are done by the utilities but coordinated by the zone for the investor,
# which is what 政府统一服务 means to the enterprise: it files one request, pays nothing extra.
DEFAULT_ITEMS = (
    ("项目备案", LAND, "开发区行政审批局（投资项目）", Mode.RECORD, (1, WD), (1, WD),
     ("企业投资项目备案信息表（在线平台填报）", LICENCE, "法定代表人身份证明",
      "项目符合产业政策的声明", "项目单位对备案信息真实性的承诺书"), ()),
    ("项目核准", LAND, "开发区行政审批局（投资项目）", Mode.APPROVAL, (20, WD), (10, WD),
     ("项目申请报告（具备相应能力的咨询机构编制）", LICENCE, "法定代表人身份证明",
      "建设项目用地预审与选址意见书", "法律、行政法规规定的其他相关手续"),
     ("用地预审与选址意见书",)),
    ("用地预审与选址意见书", LAND, "规划和自然资源局", Mode.APPROVAL, (20, WD), (7, WD),
     ("建设项目用地预审与选址意见书申请表", "项目建设依据（项目代码及备案或立项文件）",
      "标注项目用地范围的国土空间规划图", "项目用地界址点坐标表（2000国家大地坐标系）",
      LICENCE), ()),
    ("建设用地规划许可证", LAND, "规划和自然资源局", Mode.APPROVAL, (10, WD), (5, WD),
     ("建设用地规划许可证申请表", LICENCE, FILING, "国有建设用地使用权出让合同",
      "用地红线图（含界址点坐标）", "规划条件"), ()),
    ("不动产权证（国有建设用地使用权）", LAND, "不动产登记中心", Mode.APPROVAL, (30, WD), (5, WD),
     ("不动产登记申请书", "营业执照（副本）及法定代表人身份证明", "国有建设用地使用权出让合同及补充协议",
      "土地出让价款缴纳凭证", "契税完税凭证", "不动产权籍调查成果（宗地图、界址点坐标）"),
     ("建设用地规划许可证",)),
    ("节能审查", LAND, "开发区行政审批局（投资项目）", Mode.COMMITMENT, (20, WD), (1, WD),
     ("节能审查申请表", "固定资产投资项目节能报告或节能承诺书", FILING, LICENCE,
      "企业信用承诺书"), ()),
    ("水土保持方案审批", LAND, "水利局", Mode.COMMITMENT, (25, WD), (1, WD),
     ("水土保持方案审批申请表", "生产建设项目水土保持方案报告表或承诺书", FILING, LICENCE,
      "企业信用承诺书"), ()),
    ("环境影响评价（报告书）", LAND, "生态环境局", Mode.APPROVAL, (60, CD), (20, WD),
     ("建设项目环境影响评价文件审批申请表", "环境影响报告书（全本及公开版本）",
      "公众参与说明", "建设单位承诺书", LICENCE), ()),
    ("环境影响评价（报告表）", LAND, "生态环境局", Mode.APPROVAL, (30, CD), (10, WD),
     ("建设项目环境影响评价文件审批申请表", "环境影响报告表", "建设单位承诺书", LICENCE), ()),
    ("建设工程规划许可证", PLAN, "规划和自然资源局", Mode.APPROVAL, (10, WD), (5, WD),
     ("建设工程规划许可证申请表", "建设用地规划许可证", "土地权属证明（不动产权证书或出让合同）",
      "建设工程设计方案（总平面图、各层平面图、立面图、剖面图）", LICENCE),
     ("建设用地规划许可证",)),
    ("防雷装置设计审核", PLAN, "气象局", Mode.COMMITMENT, (20, WD), (1, WD),
     ("防雷装置设计审核申请书", "防雷装置设计说明书及施工图", "设计单位资质证书",
      "建设工程设计方案", "企业信用承诺书"), ()),
    ("消防设计审查", BUILD, "住房和城乡建设局", Mode.APPROVAL, (15, WD), (10, WD),
     ("特殊建设工程消防设计审查申请表", "消防设计文件（设计说明及图纸）", "设计单位资质证书",
      "建设工程规划许可证", "需专家评审的，提交专家评审意见"), ()),
    ("人防工程设计审查（含易地建设审批）", BUILD, "人民防空办公室", Mode.APPROVAL, (20, WD), (5, WD),
     ("人防工程建设审批申请表", "人防工程施工图设计文件或易地建设申请", "建设工程规划许可证",
      "设计单位资质证书"), ()),
    ("施工许可证", BUILD, "住房和城乡建设局", Mode.APPROVAL, (7, CD), (3, WD),
     ("建筑工程施工许可证申请表", "建设工程规划许可证", "施工合同及中标通知书（依法必须招标的）",
      "监理合同（依法应当监理的）", "建设资金已落实承诺书", "施工图设计文件告知承诺书",
      "工程质量安全监督手续资料"), ("建设工程规划许可证", "消防设计审查")),
    ("竣工联合验收", DONE, "住房和城乡建设局（牵头）", Mode.APPROVAL, (15, WD), (10, WD),
     ("竣工联合验收申请表", "工程竣工验收报告", "规划核实测绘成果", "消防验收资料",
      "人防工程竣工验收资料（如有）", "城建档案验收资料"), ("施工许可证",)),
    ("竣工验收备案", DONE, "住房和城乡建设局", Mode.RECORD, (5, WD), (1, WD),
     ("房屋建筑和市政基础设施工程竣工验收备案表", "工程竣工验收报告", "联合验收意见书",
      "施工单位签署的工程质量保修书"), ("竣工联合验收",)),
    ("供电接入（高压新装）", UTIL, "国网供电公司", Mode.GOVERNMENT, (15, WD), (10, WD),
     ("用电申请书", LICENCE, "法定代表人身份证明及经办人授权委托书",
      "用电地址权属证明（不动产权证书或出让合同）", "用电设备清单及负荷说明"), ()),
    ("供水接入", UTIL, "供水公司", Mode.GOVERNMENT, (10, WD), (5, WD),
     ("用水申请表", LICENCE, "用水地址权属证明", "建设工程规划许可证", "给水设计图纸及用水量说明"), ()),
    ("供气接入", UTIL, "燃气公司", Mode.GOVERNMENT, (10, WD), (5, WD),
     ("用气申请表", LICENCE, "用气地址权属证明", "用气设备清单及用气量说明", "燃气工程设计图纸"), ()),
    ("排水接入（污水排入排水管网许可）", UTIL, "住房和城乡建设局（排水管理）", Mode.APPROVAL,
     (20, WD), (7, WD),
     ("城镇污水排入排水管网许可申请表", LICENCE, "排水户内部排水管网、专用检测井及排放口图纸",
      "排水水质、水量检测报告", "建设工程规划许可证"), ()),
    ("通信接入", UTIL, "通信运营商", Mode.GOVERNMENT, (10, WD), (5, WD),
     ("通信接入申请表", LICENCE, "经办人身份证明及授权委托书", "建筑物通信配套设施设计图纸"), ()),
)

# (name, overall promised limit in working days, description, item names)
DEFAULT_TEMPLATES = (
    ("备案类工业项目", 20, "一般工业项目：备案后办理用地、规划、施工许可及水电接入。",
     ("项目备案", "建设用地规划许可证", "不动产权证（国有建设用地使用权）", "节能审查",
      "环境影响评价（报告表）", "建设工程规划许可证", "消防设计审查", "施工许可证",
      "供电接入（高压新装）", "供水接入")),
    ("核准类项目", 40, "列入政府核准目录的项目：用地预审与选址后申请核准。",
     ("用地预审与选址意见书", "项目核准", "建设用地规划许可证", "不动产权证（国有建设用地使用权）",
      "环境影响评价（报告书）", "节能审查", "建设工程规划许可证", "消防设计审查",
      "人防工程设计审查（含易地建设审批）", "施工许可证")),
    ("标准地项目", 15, "标准地＋承诺制：企业作出信用承诺后即时办理，拿地即可开工。",
     ("项目备案", "建设用地规划许可证", "不动产权证（国有建设用地使用权）", "节能审查",
      "水土保持方案审批", "防雷装置设计审核", "建设工程规划许可证", "施工许可证",
      "供电接入（高压新装）", "供水接入")),
)


def ensure_industries():
    """Insert the industries that are missing; returns how many were added. Idempotent."""
    present = set(db.session.scalars(select(Industry.name)))
    missing = [name for name in INDUSTRIES if name not in present]
    for name in missing:
        db.session.add(Industry(name=name, sort=(INDUSTRIES.index(name) + 1) * 10))
    db.session.flush()
    return len(missing)


def seed_center_catalog(center):
    """Give `center` the default items and templates, unless it already has items.

    Returns True when it created the catalogue. Idempotent; the caller commits.
    """
    has_items = db.session.scalar(select(func.count(ApprovalItem.id))
                                  .where(ApprovalItem.center_id == center.id))
    if has_items:
        return False
    items = {}
    for sort, row in enumerate(DEFAULT_ITEMS):
        name, stage, dept, mode, statutory, promised, materials, _ = row
        items[name] = ApprovalItem(
            center=center, name=name, stage=stage, department=dept, mode=mode,
            statutory_limit=statutory[0], statutory_unit=statutory[1],
            promised_limit=promised[0], promised_unit=promised[1],
            materials="\n".join(materials), sort=(sort + 1) * 10)
        db.session.add(items[name])
    for name, *_, prerequisites in DEFAULT_ITEMS:
        items[name].prerequisites = [items[other] for other in prerequisites]
    for name, limit, description, names in DEFAULT_TEMPLATES:
        db.session.add(CaseTemplate(center=center, name=name, overall_limit=limit,
                                    description=description, items=[items[n] for n in names]))
    db.session.flush()
    return True
